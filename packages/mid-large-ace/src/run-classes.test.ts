import {
  MID_FIRST_RUN_CLASS,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  SPAN_MAX_PAGES,
  midClassOf,
  midRunClass,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { FREE_DOUBLE, FREE_INVALID, FREE_OK, HeapError } from '@hakmem/contracts';
import { describe, expect, it } from 'vitest';
import { setup, RUN_SIZES, G } from './test-heap.js';

describe(`mid-large ACE: run classes (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it.each(RUN_SIZES)('malloc(%i) hands out a whole page run', (size) => {
    const { pl, mid, word, usable } = setup(64);
    const pages = Math.ceil((size + G) / PAGE_SIZE);
    const cls = midClassOf(size + G);
    expect(cls).toBe(MID_FIRST_RUN_CLASS - 1 + pages);
    const p = mid.malloc(size);
    expect(p).not.toBe(0);
    expect(p % PAGE_SIZE).toBe(0);
    expect(word(p)).toBe(runHeadWord(PK_RUN_LIVE, pages));
    for (let q = 1; q < pages; q++) expect(pl.word((p >>> PAGE_SHIFT) + q)).toBe(PK_RUN_BODY);
    expect(usable(p)).toBe(pages * PAGE_SIZE - G);
    expect(pl.pagesInUse()).toBe(pages);
    expect(mid.counters()).toMatchObject({ runsAllocated: 1 });
    expect(pl.validate()).toBeNull();
  });

  it('free of a run flips its head word; a second free is FREE_DOUBLE', () => {
    const { mid, word, free, usable } = setup(64);
    const p = mid.malloc(2 * PAGE_SIZE - G);
    expect(free(p)).toBe(FREE_OK);
    expect(word(p)).toBe(runHeadWord(PK_RUN_FREE, 2));
    expect(usable(p)).toBe(-1);
    expect(free(p)).toBe(FREE_DOUBLE);
    expect(mid.malloc(2 * PAGE_SIZE - G)).toBe(p);
    expect(word(p)).toBe(runHeadWord(PK_RUN_LIVE, 2));
  });

  it.each([1, 2, 7, SPAN_MAX_PAGES])('mallocPages(%i) is a page-aligned live run of that many pages, from its run class', (pages) => {
    const { mid, pl, word, free, usable } = setup(64);
    const cls = midRunClass(pages);
    const before = mid.counters().misses as number;
    const p = mid.mallocPages(pages);
    expect(p).not.toBe(0);
    expect(p % PAGE_SIZE).toBe(0);
    expect(word(p)).toBe(runHeadWord(PK_RUN_LIVE, pages));
    for (let q = 1; q < pages; q++) expect(pl.word((p >>> PAGE_SHIFT) + q)).toBe(PK_RUN_BODY);
    expect(usable(p)).toBe(pages * PAGE_SIZE - G);
    expect(mid.counters().misses).toBe(before + 1);
    // Named results; the run goes into the cache of its class and comes back from there.
    expect(free(p)).toBe(FREE_OK);
    expect(free(p)).toBe(FREE_DOUBLE);
    expect(free(p + PAGE_SIZE / 2)).toBe(FREE_INVALID);
    expect(mid.count[cls]).toBe(1);
    expect(mid.mallocPages(pages)).toBe(p);
    expect(mid.count[cls]).toBe(0);
  });

  // The check is debug-only (release keeps the hot path lean), so the test exists in the debug pass only.
  if (__HAKMEM_DEBUG__)
    it('mallocPages refuses a page count outside 1..SPAN_MAX_PAGES in the debug build', () => {
      const { mid } = setup(64);
      for (const bad of [0, SPAN_MAX_PAGES + 1, 1.5]) expect(() => mid.mallocPages(bad)).toThrow(HeapError);
      expect(mid.counters().misses).toBe(0);
    });
});
