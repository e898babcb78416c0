import { HeapError } from '@hakmem/contracts';
import {
  MID_CLASS_SIZES,
  MID_FIRST_RUN_CLASS,
  MID_SPAN_PAGES,
  PAGE_SIZE,
  PK_KIND_MASK,
  PK_MID_SPAN,
  SP_BITMAP,
  SP_CARVED,
  SP_FREE_HEAD,
  SP_REMOTE_HEAD,
  SPAN_HEADER_BYTES,
  midClassOf,
  POISON_WORD,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { MidAce } from './index.js';
import { validateSpan } from './span-walk.js';
import { FREE_DOUBLE, FREE_INVALID, FREE_OK } from '@hakmem/contracts';
import { spanStartOf } from '@hakmem/contracts/layout';
import { setup, newWalk, SPAN_CLASS_SIZES, G } from './test-heap.js';

describe(`mid-large ACE: span classes (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it.each(SPAN_CLASS_SIZES)('malloc(%i) carves an aligned block of its class from a span', (size) => {
    const { pl, mid, word, usable } = setup(64);
    const cls = midClassOf(size + G);
    expect(cls).toBeLessThan(MID_FIRST_RUN_CLASS);
    const blockSize = MID_CLASS_SIZES[cls];
    const ptrs = [mid.malloc(size), mid.malloc(size), mid.malloc(size)];
    expect(new Set(ptrs).size).toBe(3);
    for (const p of ptrs) {
      expect(p).not.toBe(0);
      expect(p % 16).toBe(0);
      const w = word(p);
      expect(w & PK_KIND_MASK).toBe(PK_MID_SPAN);
      expect((w >>> 8) & 0xff).toBe(cls);
      const span = spanStartOf(p, w);
      expect(span % PAGE_SIZE).toBe(0);
      expect((p - span - SPAN_HEADER_BYTES) % blockSize).toBe(0);
      expect(p + blockSize).toBeLessThanOrEqual(span + MID_SPAN_PAGES[cls] * PAGE_SIZE);
      expect(usable(p)).toBe(blockSize - G);
      expect(usable(p)).toBeGreaterThanOrEqual(size);
    }
    const sorted = [...ptrs].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(blockSize);
    expect(mid.counters()).toMatchObject({ spansCreated: 1, allocFailures: 0 });
    expect(pl.pagesInUse()).toBe(MID_SPAN_PAGES[cls]);
    expect(mid.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('free of a span block caches it; a second free is FREE_DOUBLE; malloc reuses it', () => {
    const { mid, free, usable } = setup(64);
    const p = mid.malloc(3000);
    const q = mid.malloc(3000);
    expect(free(p)).toBe(FREE_OK);
    expect(usable(p)).toBe(-1);
    expect(free(p)).toBe(FREE_DOUBLE);
    expect(mid.counters().frees).toBe(1);
    expect(usable(q)).toBe(MID_CLASS_SIZES[midClassOf(3000 + G)] - G);
    const hits = mid.counters().hits as number;
    expect(mid.malloc(3000)).toBe(p);
    expect(mid.counters().hits).toBe(hits + 1);
    expect(free(p)).toBe(FREE_OK);
    expect(free(q)).toBe(FREE_OK);
    expect(free(q)).toBe(FREE_DOUBLE);
    expect(mid.validate()).toBeNull();
  });

  it('an interior or never-carved pointer is FREE_INVALID and changes nothing', () => {
    const { lm, mid, word, free, usable } = setup(64);
    const size = MID_CLASS_SIZES[midClassOf(5000 + G)];
    const p = mid.malloc(5000);
    const span = spanStartOf(p, word(p));
    const carved = lm.u32[(span + SP_CARVED) >>> 2];
    const before = mid.counters();
    for (const bad of [p + 16, p + size / 2, p + size - 16, span, span + 16, span + SPAN_HEADER_BYTES + carved * size]) {
      expect(free(bad)).toBe(FREE_INVALID);
      expect(usable(bad)).toBe(-1);
    }
    expect(mid.counters()).toEqual(before);
    expect(usable(p)).toBe(size - G);

    const r = mid.malloc(3 * PAGE_SIZE - G);
    for (const bad of [r + 16, r + 4096, r + PAGE_SIZE - 16]) expect(free(bad)).toBe(FREE_INVALID);
    expect(usable(r)).toBe(3 * PAGE_SIZE - G);
    expect(free(p)).toBe(FREE_OK);
    expect(free(r)).toBe(FREE_OK);
  });

  it('flush() keeps a span that still has a live block, and releases it once that block is freed', () => {
    const { pl, mid, free } = setup(64);
    const cls = midClassOf(8000 + G);
    const a = mid.malloc(8000);
    const b = mid.malloc(8000);
    free(b);
    mid.flush();
    expect(pl.pagesInUse()).toBe(MID_SPAN_PAGES[cls]);
    expect(mid.counters().spansReleased).toBe(0);
    free(a);
    mid.flush();
    expect(pl.pagesInUse()).toBe(0);
    expect(mid.counters().spansReleased).toBe(1);
    expect(pl.validate()).toBeNull();
  });

  describe.each([false, true])('frees by another worker (shared memory: %s)', (shared) => {
    it("go back to the owner's span through its remote list", () => {
      const { lm, pl, mid, word, free } = setup(64, undefined, shared);
      const other = new MidAce(lm, pl, 2);
      const ptrs = [mid.malloc(4000), mid.malloc(4000), mid.malloc(4000)];
      const span = spanStartOf(ptrs[0], word(ptrs[0]));
      for (const p of ptrs) expect(free(p, other)).toBe(FREE_OK);
      for (const p of ptrs) expect(free(p, mid)).toBe(FREE_DOUBLE);
      // Shared: the blocks are not other's, so they go on the span's remote list at once.
      // (Private memory has one worker; two boxes on it only meet in this test: other caches them until it flushes.)
      expect(other.counters().remoteFrees).toBe(shared ? 3 : 0);
      other.flush();
      expect(other.counters().remoteFrees).toBe(3);
      expect(lm.u32[(span + SP_REMOTE_HEAD) >>> 2]).not.toBe(0);
      expect(validateSpan(lm, pl, span, newWalk(), mid.cachedIn(span))).toBeNull();
      mid.flush(); // the owner collects them, and the span is empty again
      // Collected, and the span released (the debug build poisons the pages it gives back).
      expect(lm.u32[(span + SP_REMOTE_HEAD) >>> 2]).toBe(__HAKMEM_DEBUG__ ? POISON_WORD : 0);
      expect(pl.pagesInUse()).toBe(0);
      expect(mid.counters().spansReleased).toBe(1);
    });
  });

  it('guards live blocks and poisons cached ones (debug); release sees neither', () => {
    const { lm, pl, mid, free, usable, word } = setup(64);
    const p = mid.malloc(3000);
    const q = mid.malloc(3000);
    lm.u8[p + usable(p)] ^= 0x5a; // one byte past the usable end
    const span = spanStartOf(p, word(p));
    if (__HAKMEM_DEBUG__) {
      expect(() => validateSpan(lm, pl, span, newWalk(), mid.cachedIn(span))).toThrow(/write past the usable end/);
      expect(() => free(p)).toThrow(/write past the usable end/);
      expect(usable(p)).toBeGreaterThan(0); // still live: the failed free changed nothing
      lm.u8[p + usable(p)] ^= 0x5a;
    }
    expect(free(p)).toBe(FREE_OK);
    expect(free(q)).toBe(FREE_OK);
    lm.u8[q + 100] ^= 0x5a; // q sits in the cache: a write after free
    if (__HAKMEM_DEBUG__) {
      expect(() => mid.validate()).toThrow(/written after free/);
      expect(() => mid.malloc(3000)).toThrow(/written after free/);
    } else {
      expect(mid.validate()).toBeNull();
      expect(mid.malloc(3000)).toBe(q);
    }
  });

  it('blocks that went back to their span keep their poison through the trip back into the cache (debug)', () => {
    const { lm, mid, word, free } = setup(64);
    const n = 40;
    const ps = Array.from({ length: n }, () => mid.malloc(3000));
    for (const p of ps) expect(free(p)).toBe(FREE_OK);
    // The cache overflowed: some blocks are on their span's free list.
    const span = spanStartOf(ps[0], word(ps[0]));
    const onList = lm.u32[(span + SP_FREE_HEAD) >>> 2];
    expect(onList).not.toBe(0);
    expect(mid.validate()).toBeNull();
    // Malloc until a block comes back from the span list: the ones the same
    // refill cached with it must be whole-poisoned (link word included).
    const again: number[] = [];
    while (again.length < 4 * n && again[again.length - 1] !== onList) again.push(mid.malloc(3000));
    expect(again[again.length - 1]).toBe(onList);
    expect(mid.validate()).toBeNull();
    for (const p of again) free(p);
    // A write after free into a block on the span list is found when the cache takes it back.
    const head = lm.u32[(span + SP_FREE_HEAD) >>> 2];
    expect(head).not.toBe(0);
    lm.u8[head + 100] ^= 0x5a;
    const take = (): void => {
      for (let i = 0; i < 4 * n; i++) if (mid.malloc(3000) === head) return;
    };
    if (__HAKMEM_DEBUG__) expect(take).toThrow(/written after free/);
    else expect(take).not.toThrow();
  });

  it('the debug build refuses to hand out a cached block that is already live', () => {
    const { lm, mid, word, free } = setup(64);
    const p = mid.malloc(2000);
    free(p);
    const span = spanStartOf(p, word(p));
    const q = (p - span - SPAN_HEADER_BYTES) / MID_CLASS_SIZES[midClassOf(2000 + G)];
    lm.u32[((span + SP_BITMAP) >>> 2) + (q >>> 5)] |= 1 << (q & 31); // corrupt: the cached block looks live
    if (__HAKMEM_DEBUG__) {
      let err: unknown;
      try {
        mid.malloc(2000);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HeapError);
      expect(err).toMatchObject({ code: 'CORRUPTION', box: 'midLargeAce', ptr: p });
    } else expect(mid.malloc(2000)).toBe(p);
  });
});
