import { FREE_OK, HeapError } from '@hakmem/contracts';
import { FREE_POISONED, GUARD_BYTE, GUARD_BYTES, PAGE_SIZE, PK_RUN_FREE, PK_RUN_LIVE, POISON_BYTE, runHeadWord } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { BLOCK_GUARD } from './run-guard.js';
import { setup } from './test-heap.js';

/**
 * The debug build's guard and poison of large runs (run-guard.ts): a write
 * past a live run's usable end or into a freed run is CORRUPTION naming
 * bigcache, found by the next operation on that run or by `validate()` /
 * the page layer's checks, and nothing changes when it is found. The
 * release build keeps neither: usable size is the whole run, freed bytes
 * stay as they were.
 */
const ptrOf = (page: number): number => page * PAGE_SIZE;
const build = __HAKMEM_DEBUG__ ? 'debug' : 'release';

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'no error';
  } catch (e) {
    if (!(e instanceof HeapError)) throw e;
    expect(e.box ?? 'pageLayer').not.toBe('');
    return e.code;
  }
}

/** Whether every byte of [from, to) is `byte`. */
function all(u8: Uint8Array, from: number, to: number, byte: number): boolean {
  for (let i = from; i < to; i++) if (u8[i] !== byte) return false;
  return true;
}

describe(`large runs' guard and poison (${build} build)`, () => {
  it('BLOCK_GUARD is the build\'s: 16 bytes in debug, none in release', () => {
    expect(BLOCK_GUARD).toBe(__HAKMEM_DEBUG__ ? GUARD_BYTES : 0);
  });

  it('a live run ends in its guard; a write past the usable end makes free throw, leaving the block live', () => {
    const { lm, pl, bc } = setup(96, 60);
    const page = bc.alloc(20);
    bc.alloc(1);
    const ptr = ptrOf(page);
    const usable = bc.usableSize(ptr, pl.word(page));
    expect(usable).toBe(20 * PAGE_SIZE - BLOCK_GUARD);
    if (!__HAKMEM_DEBUG__) {
      // No guard: the last byte of the run is the user's, and free does not look at it.
      lm.u8[ptr + usable - 1] = 1;
      expect(bc.free(ptr, pl.word(page))).toBe(FREE_OK);
      return;
    }
    expect(all(lm.u8, ptr + usable, ptr + usable + GUARD_BYTES, GUARD_BYTE)).toBe(true);
    for (const off of [0, GUARD_BYTES - 1]) {
      lm.u8[ptr + usable + off] ^= 1;
      let err: unknown;
      try {
        bc.free(ptr, pl.word(page));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HeapError);
      expect((err as HeapError).code).toBe('CORRUPTION');
      expect((err as HeapError).box).toBe('bigcache');
      expect((err as HeapError).ptr).toBe(ptr);
      expect((err as HeapError).message).toContain(`guard byte ${usable + off}`);
      expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 20));
      expect(bc.counters().puts).toBe(0);
      lm.u8[ptr + usable + off] ^= 1;
    }
    expect(bc.free(ptr, pl.word(page))).toBe(FREE_OK);
  });

  it('a freed run holds the poison; a write into any byte of it is found by validate() and by the alloc that would reuse it', () => {
    const { lm, pl, bc } = setup(96, 60);
    const page = bc.alloc(20);
    bc.alloc(1);
    const ptr = ptrOf(page);
    lm.u8.fill(7, ptr, ptr + 20 * PAGE_SIZE - BLOCK_GUARD); // the user's data
    expect(bc.free(ptr, pl.word(page))).toBe(FREE_OK);
    if (!__HAKMEM_DEBUG__) {
      expect(all(lm.u8, ptr, ptr + 100, 7)).toBe(true);
      lm.u8[ptr] = 9;
      expect(bc.validate()).toBeNull();
      expect(bc.alloc(20)).toBe(page);
      return;
    }
    expect(all(lm.u8, ptr, ptr + 20 * PAGE_SIZE, POISON_BYTE)).toBe(true);
    expect(bc.validate()).toBeNull();
    for (const off of [0, 1, 10 * PAGE_SIZE + 3, 20 * PAGE_SIZE - 1]) {
      lm.u8[ptr + off] = 0;
      expect(bc.validate()).toContain(`written after it was freed, at ${ptr + off} (byte ${off} of it)`);
      const counters = bc.counters();
      expect(codeOf(() => bc.alloc(20))).toBe('CORRUPTION');
      // Nothing changed: still cached, the hit not counted.
      expect(bc.counters()).toEqual(counters);
      expect(pl.word(page)).toBe(runHeadWord(PK_RUN_FREE, 20));
      lm.u8[ptr + off] = POISON_BYTE;
    }
    expect(bc.validate()).toBeNull();
    expect(bc.alloc(20)).toBe(page);
    expect(all(lm.u8, ptr + 20 * PAGE_SIZE - GUARD_BYTES, ptr + 20 * PAGE_SIZE, GUARD_BYTE)).toBe(true);
  });

  it('pages given back keep their poison: a split tail and an evicted run are checked when the page layer hands them out', () => {
    if (!__HAKMEM_DEBUG__) return expect(BLOCK_GUARD).toBe(0);
    const { lm, pl, bc } = setup(200, 60);
    // A 50-page run cached, then an 18-page request: the tail (32 pages, more than 3 × 18) goes to the page layer.
    const big = bc.alloc(50);
    bc.alloc(1);
    bc.freeRun(big, 50);
    expect(bc.alloc(18)).toBe(big);
    expect(bc.counters().splits).toBe(1);
    const tail = big + 18;
    for (let p = tail; p < big + 50; p++) expect(pl.word(p) & FREE_POISONED).toBe(FREE_POISONED);
    expect(pl.validate()).toBeNull();
    lm.u8[ptrOf(tail + 5) + 100] = 1; // a write into the given-back tail
    expect(pl.validate()).toContain(`written after it was freed, at ${ptrOf(tail + 5) + 100}`);
    // Handing those pages out again finds it too (the page layer's check).
    expect(codeOf(() => bc.alloc(32))).toBe('CORRUPTION');
    lm.u8[ptrOf(tail + 5) + 100] = POISON_BYTE;
    const again = bc.alloc(32);
    expect(again).toBe(tail);
    expect(bc.validate()).toBeNull();
    // An eviction: the budget (60 pages) cannot hold both of these.
    const a = bc.alloc(40);
    const b = bc.alloc(40);
    bc.freeRun(a, 40);
    bc.freeRun(b, 40);
    expect(bc.counters().evictions).toBe(1);
    for (let p = a; p < a + 40; p++) expect(pl.word(p) & FREE_POISONED).toBe(FREE_POISONED);
    lm.u8[ptrOf(a)] = 0;
    expect(pl.validate()).toContain(`free page ${a} was written after it was freed`);
  });

  it('resize keeps the guard at the new end, poisons a cut tail, and refuses a cached run that was written', () => {
    const { lm, pl, bc } = setup(128, 80);
    const page = bc.alloc(30);
    const ptr = ptrOf(page);
    expect(bc.resize(page, 30, 20)).toBe(true);
    expect(bc.usableSize(ptr, pl.word(page))).toBe(20 * PAGE_SIZE - BLOCK_GUARD);
    if (__HAKMEM_DEBUG__) {
      expect(all(lm.u8, ptr + 20 * PAGE_SIZE - GUARD_BYTES, ptr + 20 * PAGE_SIZE, GUARD_BYTE)).toBe(true);
      for (let p = page + 20; p < page + 30; p++) expect(pl.word(p) & FREE_POISONED).toBe(FREE_POISONED);
      expect(all(lm.u8, ptrOf(page + 20), ptrOf(page + 30), POISON_BYTE)).toBe(true);
    }
    // Grow into a cached run right after: written after its free, the debug build refuses it.
    const next = bc.alloc(20);
    expect(next).toBe(page + 20);
    bc.alloc(1);
    bc.freeRun(next, 20);
    lm.u8[ptrOf(next) + 7] = 3;
    if (__HAKMEM_DEBUG__) {
      expect(codeOf(() => bc.resize(page, 20, 40))).toBe('CORRUPTION');
      expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 20));
      expect(pl.word(next)).toBe(runHeadWord(PK_RUN_FREE, 20));
      lm.u8[ptrOf(next) + 7] = POISON_BYTE;
    }
    expect(bc.resize(page, 20, 40)).toBe(true);
    expect(bc.usableSize(ptr, pl.word(page))).toBe(40 * PAGE_SIZE - BLOCK_GUARD);
    if (__HAKMEM_DEBUG__) {
      expect(all(lm.u8, ptr + 40 * PAGE_SIZE - GUARD_BYTES, ptr + 40 * PAGE_SIZE, GUARD_BYTE)).toBe(true);
      // A broken guard: resize refuses before it changes anything.
      lm.u8[ptr + 40 * PAGE_SIZE - 1] = 0;
      expect(codeOf(() => bc.resize(page, 40, 30))).toBe('CORRUPTION');
      expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 40));
    }
  });
});
