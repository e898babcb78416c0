import {
  MID_ABANDONED_HEADS,
  H_MID_LOCK,
  SP_CLASS,
  SP_NEXT,
  SP_OWNER,
  midSpanCapacity,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { MidAce } from './index.js';
import { validateSpan } from './span-walk.js';
import { spanStartOf } from '@hakmem/contracts/layout';
import { setup, newWalk } from './test-heap.js';

describe(`mid-large ACE: abandoned spans and the mid lock (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('reclaimWorker after a death under the mid lock relinks a half-adopted span and abandons the dead worker\'s spans', () => {
    const { lm, pl, mid, word } = setup(64, undefined, true);
    const dead = new MidAce(lm, pl, 3);
    const survivor = new MidAce(lm, pl, 2);
    const a = mid.malloc(4000);
    const b = dead.malloc(4000);
    const spanA = spanStartOf(a, word(a));
    const spanB = spanStartOf(b, word(b));
    const cls = lm.u32[(spanA + SP_CLASS) >>> 2];
    const head = ((pl.midArea + MID_ABANDONED_HEADS) >>> 2) + cls;
    const lock = (pl.base + H_MID_LOCK) >>> 2;
    mid.flush();
    mid.abandonAll(); // worker 1 detaches with a block still out: span A is abandoned
    expect(lm.u32[head]).toBe(spanA);
    // Worker 3 dies inside adoptAbandoned: lock held, A unlinked, its owner not yet written.
    lm.i32[lock] = 3;
    lm.u32[head] = 0;
    expect(survivor.reclaimWorker(3)).toBe(1); // span B was the dead worker's
    expect(lm.i32[lock]).toBe(0);
    const listed: number[] = [];
    for (let s = lm.u32[head]; s !== 0; s = lm.u32[(s + SP_NEXT) >>> 2]) listed.push(s);
    expect(listed.sort()).toEqual([spanA, spanB].sort());
    for (const s of listed) expect(lm.u32[(s + SP_OWNER) >>> 2]).toBe(0);
    // The survivor adopts both before it makes a new span.
    for (let i = 0; i < 2 * midSpanCapacity(cls); i++) survivor.malloc(4000);
    expect(survivor.counters()).toMatchObject({ spansAdopted: 2 });
    expect(lm.u32[head]).toBe(0);
    for (const s of [spanA, spanB]) expect(validateSpan(lm, pl, s, newWalk(), survivor.cachedIn(s))).toBeNull();
  });
});
