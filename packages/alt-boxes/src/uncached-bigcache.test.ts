import { PAGE_SIZE, PK_FREE, PK_KIND_MASK, PK_RUN_BODY, PK_RUN_LIVE, runHeadWord } from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { UncachedBigCache, uncachedBigCache } from './uncached-bigcache.js';

function setup(pages: number) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: pages + 2 });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, false);
  uncachedBigCache.BigCache.formatBudget(lm, pl);
  return { lm, pl, bc: new UncachedBigCache(lm, pl) };
}

describe('uncached BigCache', () => {
  it('alloc stamps a live run; free gives every page back at once', () => {
    const { pl, bc } = setup(64);
    const page = bc.alloc(20);
    expect(page).toBe(pl.firstDataPage);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 20));
    for (let p = page + 1; p < page + 20; p++) expect(pl.word(p)).toBe(PK_RUN_BODY);
    expect(pl.pagesInUse()).toBe(20);
    expect(bc.freeRun(page, 20)).toBe(true);
    for (let p = page; p < page + 20; p++) expect(pl.word(p) & PK_KIND_MASK).toBe(PK_FREE);
    expect(pl.pagesInUse()).toBe(0);
    expect(bc.usableSize(page * 65536, pl.word(page))).toBe(-1);
    expect(pl.validate()).toBeNull();
    expect(bc.counters()).toMatchObject({ hits: 0, misses: 1, puts: 1, cachedRuns: 0, cachedBytes: 0, livePages: 0 });
  });

  it('never reuses a freed run from a cache: every alloc is a miss', () => {
    const { bc } = setup(128);
    for (let i = 0; i < 10; i++) bc.freeRun(bc.alloc(17 + i), 17 + i);
    expect(bc.counters()).toMatchObject({ hits: 0, misses: 10, puts: 10 });
    expect(bc.validate()).toBeNull();
  });

  it('a second free, or a free with the wrong length, returns false and changes nothing', () => {
    const { pl, bc } = setup(64);
    const a = bc.alloc(18);
    const b = bc.alloc(18);
    expect(bc.freeRun(a, 19)).toBe(false);
    expect(pl.word(a)).toBe(runHeadWord(PK_RUN_LIVE, 18));
    expect(bc.freeRun(a, 18)).toBe(true);
    const inUse = pl.pagesInUse();
    expect(bc.freeRun(a, 18)).toBe(false);
    expect(pl.pagesInUse()).toBe(inUse);
    expect(pl.word(b)).toBe(runHeadWord(PK_RUN_LIVE, 18));
    expect(bc.counters()).toMatchObject({ puts: 1, livePages: 18 });
  });

  it('returns 0 and counts the failure when the region is out of pages', () => {
    const { bc } = setup(40);
    expect(bc.alloc(100)).toBe(0);
    expect(bc.counters().allocFailures).toBe(1);
    expect(bc.alloc(20)).not.toBe(0);
  });

  it('flush has nothing to give back, and validate reports more frees than allocs', () => {
    const { pl, bc } = setup(64);
    bc.alloc(20);
    bc.flush();
    expect(pl.pagesInUse()).toBe(20);
    expect(bc.validate()).toBeNull();
    bc.puts = 5;
    expect(bc.validate()).toMatch(/5 runs freed but only 1 allocated/);
  });
});
