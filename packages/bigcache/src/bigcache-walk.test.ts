import { FREE_DOUBLE, FREE_INVALID, FREE_OK, newHeapWalk } from '@hakmem/contracts';
import {
  BC_COUNTER_COUNT,
  BC_COUNTERS,
  BC_ENTRY_BYTES,
  BC_ENTRY_WORDS,
  BC_BUCKET_MASK,
  BC_ALL_SLOTS,
  BIGCACHE_ENTRIES,
  BC_TABLE,
  BCE_PAGE,
  BCE_PAGES,
  GUARD_BYTES,
  PAGE_SIZE,
  PK_FREE,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  SPAN_MAX_PAGES,
  bcEntryIndex,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { setup } from './test-heap.js';


const ptrOf = (page: number): number => page * PAGE_SIZE;

describe(`bigcache walk, free, usableSize (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('the entry-field and counter names fit the layout they name', () => {
    expect(BC_ENTRY_WORDS * 4).toBe(BC_ENTRY_BYTES);
    expect(Math.max(BCE_PAGE, BCE_PAGES)).toBeLessThan(BC_ENTRY_WORDS);
    expect(BC_COUNTERS + BC_COUNTER_COUNT * 4).toBeLessThanOrEqual(BC_BUCKET_MASK);
    expect(BIGCACHE_ENTRIES).toBeLessThanOrEqual(31); // the slot mask's bits
    expect(BC_ALL_SLOTS).toBe(2 ** BIGCACHE_ENTRIES - 1);
    expect(bcEntryIndex(4096, 1)).toBe((4096 + BC_TABLE) >>> 2);
    expect(bcEntryIndex(4096, 3) - bcEntryIndex(4096, 2)).toBe(BC_ENTRY_WORDS);
  });

  it('free frees a live run (FREE_OK), then names a second free a double free', () => {
    const { pl, bc } = setup(96, 60);
    const page = bc.alloc(20);
    bc.alloc(1);
    const live = pl.word(page);
    expect(bc.free(ptrOf(page), live)).toBe(FREE_OK);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_FREE, 20));
    expect(bc.counters()).toMatchObject({ puts: 1, cachedRuns: 1 });
    // With the word as it is now (free) and with the stale live word a racing worker read.
    expect(bc.free(ptrOf(page), pl.word(page))).toBe(FREE_DOUBLE);
    expect(bc.free(ptrOf(page), live)).toBe(FREE_DOUBLE);
    expect(bc.counters()).toMatchObject({ puts: 1, cachedRuns: 1 });
    expect(bc.validate()).toBeNull();
  });

  it('free refuses, changing nothing, a pointer that is not a large run head (FREE_INVALID)', () => {
    const { pl, bc } = setup(96, 60);
    const page = bc.alloc(20);
    const head = pl.word(page);
    expect(bc.free(ptrOf(page) + 16, head)).toBe(FREE_INVALID); // not page-aligned
    expect(bc.free(ptrOf(page + 3), pl.word(page + 3))).toBe(FREE_INVALID); // inside the run
    expect(bc.free(ptrOf(page + 30), pl.word(page + 30))).toBe(FREE_INVALID); // a free page
    // A live run of a mid span's size or less is the mid box's, not this one's.
    pl.setWord(page + 40, runHeadWord(PK_RUN_LIVE, SPAN_MAX_PAGES));
    expect(bc.free(ptrOf(page + 40), pl.word(page + 40))).toBe(FREE_INVALID);
    pl.setWord(page + 40, PK_FREE);
    expect(pl.word(page)).toBe(head);
    expect(bc.counters()).toMatchObject({ puts: 0, cachedRuns: 0 });
  });

  it('usableSize is the whole run less the build\'s guard for a live run head, -1 for anything else', () => {
    const { pl, bc } = setup(96, 60);
    const page = bc.alloc(20);
    bc.alloc(1);
    expect(bc.usableSize(ptrOf(page), pl.word(page))).toBe(20 * PAGE_SIZE - (__HAKMEM_DEBUG__ ? GUARD_BYTES : 0));
    expect(bc.usableSize(ptrOf(page) + 16, pl.word(page))).toBe(-1);
    expect(bc.usableSize(ptrOf(page + 1), pl.word(page + 1))).toBe(-1);
    expect(bc.free(ptrOf(page), pl.word(page))).toBe(FREE_OK);
    expect(bc.usableSize(ptrOf(page), pl.word(page))).toBe(-1);
  });

  it('walk counts a live run as one block of its usable size and steps past it, in both modes', () => {
    const { bc } = setup(96, 60);
    const a = bc.alloc(20);
    const b = bc.alloc(18);
    for (const validate of [false, true]) {
      const w = newHeapWalk(validate);
      expect(bc.walk(a, w)).toBeNull();
      expect(w.nextPage).toBe(a + 20);
      expect(bc.walk(b, w)).toBeNull();
      expect(w.nextPage).toBe(b + 18);
      expect([w.liveBlocks, w.liveBytes]).toEqual([2, 38 * PAGE_SIZE - (__HAKMEM_DEBUG__ ? 2 * GUARD_BYTES : 0)]);
    }
    // A cached run counts nothing and passes: this cache holds it.
    bc.freeRun(a, 20);
    const w = newHeapWalk(true);
    expect(bc.walk(a, w)).toBeNull();
    expect([w.nextPage, w.liveBlocks]).toEqual([a + 20, 0]);
  });

  it('walk with validate names a broken body word, a run past the heap end, and a lost free run', () => {
    const { pl, bc } = setup(96, 60);
    const a = bc.alloc(20);
    bc.alloc(1);
    pl.setWord(a + 7, PK_FREE);
    let w = newHeapWalk(true);
    expect(bc.walk(a, w)).toBe(`run at page ${a}: page ${a + 7} has word ${PK_FREE}`);
    expect(w.problemAt).toBe(ptrOf(a));
    expect(w.nextPage).toBeGreaterThan(a);
    // Counting does not look at body words.
    w = newHeapWalk(false);
    expect(bc.walk(a, w)).toBeNull();
    pl.setWord(a + 7, PK_RUN_BODY);

    pl.setWord(a, runHeadWord(PK_RUN_LIVE, pl.endPage() + 5));
    w = newHeapWalk(true);
    expect(bc.walk(a, w)).toBe(`run at page ${a} has ${pl.endPage() + 5} pages, past the heap end`);
    expect(w.nextPage).toBe(a + 1);

    // A free run no slot holds: memory lost to every cache.
    pl.setWord(a, runHeadWord(PK_RUN_FREE, 20));
    w = newHeapWalk(true);
    expect(bc.walk(a, w)).toBe(`free run at page ${a} is held by no cache (lost memory)`);
    expect(w.problemAt).toBe(ptrOf(a));
  });

  it('walk over a cached run whose slot was moved elsewhere calls it lost', () => {
    const { lm, pl, bc } = setup(96, 60);
    const a = bc.alloc(20);
    bc.alloc(1);
    bc.freeRun(a, 20);
    lm.u32[bcEntryIndex(pl.bigcacheArea, 1) + BCE_PAGE] = a + 1;
    expect(bc.walk(a, newHeapWalk(true))).toMatch(/held by no cache/);
  });
});
