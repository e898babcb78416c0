import {
  MID_FIRST_RUN_CLASS,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  midClassOf,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { MID_FREE_DOUBLE, MID_FREE_OK } from './index.js';
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

  it('free of a run flips its head word; a second free is MID_FREE_DOUBLE', () => {
    const { mid, word, free, usable } = setup(64);
    const p = mid.malloc(2 * PAGE_SIZE - G);
    expect(free(p)).toBe(MID_FREE_OK);
    expect(word(p)).toBe(runHeadWord(PK_RUN_FREE, 2));
    expect(usable(p)).toBe(-1);
    expect(free(p)).toBe(MID_FREE_DOUBLE);
    expect(mid.malloc(2 * PAGE_SIZE - G)).toBe(p);
    expect(word(p)).toBe(runHeadWord(PK_RUN_LIVE, 2));
  });
});
