import { SLAB_LIST_DRY, SLAB_LIST_NONE, SLAB_LIST_PARTIAL } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { LinearMemory } from './linear-memory.js';
import { OwnerLists } from './owner-lists.js';

describe('owner lists', () => {
  // Records of 64 bytes at 1024, 1088, ...: list word at +40, remote head at +24 (as a slab record).
  const LIST = 40;
  const REMOTE = 24;
  const setup = () => {
    const lm = new LinearMemory(new WebAssembly.Memory({ initial: 1 }), false);
    return { lm, lists: new OwnerLists(lm, 4, LIST, REMOTE) };
  };
  const rec = (i: number) => 1024 + i * 64;

  it('moveTo keeps the record word and exactly one list in step', () => {
    const { lm, lists } = setup();
    const word = (r: number) => lm.u32[(r + LIST) >>> 2];
    lists.moveTo(2, rec(0), SLAB_LIST_PARTIAL);
    lists.moveTo(2, rec(1), SLAB_LIST_PARTIAL);
    lists.moveTo(2, rec(0), SLAB_LIST_DRY);
    expect(lists.partial[2]).toEqual([rec(1)]);
    expect(lists.dry[2]).toEqual([rec(0)]);
    expect(word(rec(0))).toBe(SLAB_LIST_DRY);
    lists.moveTo(2, rec(0), SLAB_LIST_DRY); // already there: no second entry
    expect(lists.dry[2]).toEqual([rec(0)]);
    lists.moveTo(2, rec(1), SLAB_LIST_NONE);
    expect(lists.partial[2]).toEqual([]);
    expect(word(rec(1))).toBe(SLAB_LIST_NONE);
    expect(lists.all(2)).toEqual([rec(0)]);
    expect(lists.all(1)).toEqual([]);
  });

  it('reviveDry hands out only a dry record whose remote list has blocks, and counts it', () => {
    const { lm, lists } = setup();
    lists.moveTo(0, rec(0), SLAB_LIST_DRY);
    lists.moveTo(0, rec(1), SLAB_LIST_DRY);
    expect(lists.reviveDry(0)).toBe(0);
    lm.u32[(rec(0) + REMOTE) >>> 2] = 4096; // another worker freed a block into it
    expect(lists.reviveDry(0)).toBe(rec(0));
    expect(lists.dry[0]).toEqual([rec(1)]);
    expect(lists.revived).toBe(1);
    expect(lists.reviveDry(0)).toBe(0);
  });
});
