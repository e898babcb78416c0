import {
  BC_BUCKET_COUNT,
  BC_CACHED_PAGES,
  BC_COUNTERS,
  BC_PUTS,
  BC_ENTRY_BYTES,
  BC_TABLE,
  BC_USED,
  BCE_PAGE,
  BCE_PAGES,
  BIGCACHE_ENTRIES,
  H_BIGCACHE_LOCK,
  PAGE_SIZE,
  PK_FREE,
  PK_KIND_MASK,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { PageLayer } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { setup } from './test-heap.js';
import { BigCache } from './bigcache.js';
import { LAST_BUCKET, SLACK_HEADROOM, bucketOf } from './bucket.js';


/** u32 index of slot `id`'s first word {page, pages, links...}; slots are handed out from 1. */
const entry = (pl: PageLayer, id: number): number => (pl.bigcacheArea + BC_TABLE + (id - 1) * BC_ENTRY_BYTES) >>> 2;

/** Allocates runs of the given sizes with a live one-page run after each, so that freeing them does not merge them. */
function apart(bc: BigCache, sizes: number[]): number[] {
  return sizes.map((n) => {
    const page = bc.alloc(n);
    bc.alloc(1);
    return page;
  });
}

describe(`bigcache (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('alloc of a fresh run stamps its head and body page words', () => {
    const { pl, bc } = setup(64, 40);
    const page = bc.alloc(20);
    expect(page).toBe(pl.firstDataPage);
    expect(bc.lastPages).toBe(20);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 20));
    for (let p = page + 1; p < page + 20; p++) expect(pl.word(p)).toBe(PK_RUN_BODY);
    expect(pl.word(page + 20)).toBe(PK_FREE);
    expect(pl.pagesInUse()).toBe(20);
    expect(bc.counters()).toMatchObject({ hits: 0, misses: 1, puts: 0, cachedRuns: 0 });
    expect(pl.validate()).toBeNull();
    expect(bc.validate()).toBeNull();
  });

  it('free caches the run, and the next alloc of the same size gets it back', () => {
    const { pl, bc } = setup(64, 40);
    const page = bc.alloc(20);
    expect(bc.freeRun(page, 20)).toBe(true);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_FREE, 20));
    expect(bc.holdsRun(page)).toBe(true);
    expect(pl.pagesInUse()).toBe(20); // cached pages stay out of the page layer
    expect(bc.counters()).toMatchObject({ puts: 1, cachedRuns: 1, cachedBytes: 20 * PAGE_SIZE });
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();

    expect(bc.alloc(20)).toBe(page);
    expect(bc.lastPages).toBe(20);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 20));
    expect(bc.holdsRun(page)).toBe(false);
    expect(bc.counters()).toMatchObject({ hits: 1, misses: 1, cachedRuns: 0, cachedBytes: 0 });
    expect(bc.validate()).toBeNull();
  });

  it('a smaller request takes the whole cached run, up to four times the request', () => {
    const { pl, bc } = setup(1024, 40); // room to grow by 16 times the slack (SLACK_HEADROOM)
    const page = bc.alloc(20);
    bc.freeRun(page, 20);
    expect(bc.alloc(5)).toBe(page); // 20 ≤ 4 × 5: out whole, its head page reused
    expect(bc.lastPages).toBe(20);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 20));
    expect(bc.counters()).toMatchObject({ hits: 1, splits: 0 });
    expect(pl.pagesInUse()).toBe(20);
    expect(bc.freeRun(page, 20)).toBe(true);
    expect(bc.validate()).toBeNull();
  });

  it('splits a cached run within four times the request when the heap has less than 16 times the slack left to grow into', () => {
    const { pl, bc } = setup(64, 40);
    const page = bc.alloc(20);
    bc.freeRun(page, 20);
    // 15 pages of slack × SLACK_HEADROOM = 240 > the pages the heap can still take.
    expect(SLACK_HEADROOM * 15).toBeGreaterThan(pl.limitPage - pl.endPage());
    expect(bc.alloc(5)).toBe(page);
    expect(bc.lastPages).toBe(5);
    expect(bc.counters()).toMatchObject({ hits: 1, splits: 1 });
    for (let p = page + 5; p < page + 20; p++) expect(pl.word(p) & PK_KIND_MASK).toBe(PK_FREE);
    expect(pl.validate()).toBeNull();
    expect(bc.validate()).toBeNull();
  });

  it('splits a cached run of more than four times the request and releases its tail', () => {
    const { pl, bc } = setup(64, 40);
    const page = bc.alloc(21);
    bc.freeRun(page, 21);
    expect(bc.alloc(5)).toBe(page); // 21 > 4 × 5
    expect(bc.lastPages).toBe(5);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 5));
    for (let p = page + 5; p < page + 21; p++) expect(pl.word(p) & PK_KIND_MASK).toBe(PK_FREE);
    expect(pl.pagesInUse()).toBe(5);
    expect(bc.counters()).toMatchObject({ hits: 1, splits: 1, cachedRuns: 0 });
    expect(pl.validate()).toBeNull();
    // The split run frees as a 5-page run.
    expect(bc.freeRun(page, 5)).toBe(true);
    expect(bc.validate()).toBeNull();
  });

  it("takes a run of the request's own size bucket before a larger one", () => {
    const { bc } = setup(128, 100);
    const [big, small, mid] = apart(bc, [40, 20, 18]);
    bc.freeRun(big, 40);
    bc.freeRun(small, 20);
    bc.freeRun(mid, 18);
    expect(bc.alloc(19)).toBe(small); // 20 pages: the bucket of 19 (40 is a larger bucket)
    expect(bc.alloc(17)).toBe(mid);
    expect(bc.alloc(33)).toBe(big);
    expect(bc.validate()).toBeNull();
  });

  it('takes a run from inside its bucket list, and evicts one from inside another, keeping both lists whole', () => {
    const { pl, bc } = setup(256, 200);
    const [a, b, c, d] = apart(bc, [19, 17, 18, 20]); // 17..19: bucket 0; 20: bucket 1
    bc.freeRun(a, 19);
    bc.freeRun(b, 17);
    bc.freeRun(c, 18); // bucket 0 lists c (18), b (17), a (19)
    expect(bc.alloc(19)).toBe(a); // the third on the list: its predecessor b links past it
    expect(bc.validate()).toBeNull();
    bc.freeRun(d, 20); // into a's slot, the lowest unused
    bc.freeRun(a, 19); // bucket 0: a, c, b
    expect(bc.validate()).toBeNull();
    expect(bc.counters()).toMatchObject({ cachedRuns: 4, hits: 1 });
    // Oldest first: b (the last on bucket 0's list), c (now the last), d, a.
    const budget = bc.counters().budgetBytes;
    bc.flush();
    expect(bc.counters()).toMatchObject({ cachedRuns: 0, evictions: 4, budgetBytes: budget });
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
    expect(pl.pagesInUse()).toBe(4); // the four one-page runs between them
  });

  it('does not merge a freed run with a cached neighbour: each head stays, so a second free of either is refused', () => {
    const { pl, bc } = setup(128, 100);
    const a = bc.alloc(20);
    const b = bc.alloc(18);
    bc.freeRun(a, 20);
    bc.freeRun(b, 18);
    expect(bc.counters()).toMatchObject({ cachedRuns: 2 });
    expect(pl.word(b)).toBe(runHeadWord(PK_RUN_FREE, 18));
    expect(bc.freeRun(a, 20)).toBe(false);
    expect(bc.freeRun(b, 18)).toBe(false);
    expect(bc.validate()).toBeNull();
  });

  it('evicts the oldest runs to stay within its byte budget', () => {
    const { pl, bc } = setup(128, 40);
    const [a, b, c] = apart(bc, [17, 17, 17]);
    bc.freeRun(a, 17);
    bc.freeRun(b, 17);
    expect(bc.counters()).toMatchObject({ cachedRuns: 2, evictions: 0 });
    bc.freeRun(c, 17); // 51 pages > 40: a, the oldest, goes back to the page layer
    expect(bc.holdsRun(a)).toBe(false);
    expect(bc.holdsRun(b)).toBe(true);
    expect(bc.holdsRun(c)).toBe(true);
    expect(pl.word(a) & PK_KIND_MASK).toBe(PK_FREE);
    expect(pl.pagesInUse()).toBe(34 + 3);
    const k = bc.counters();
    expect(k).toMatchObject({ cachedRuns: 2, evictions: 1, cachedBytes: 34 * PAGE_SIZE, budgetBytes: 40 * PAGE_SIZE });
    expect(k.cachedBytes).toBeLessThanOrEqual(k.budgetBytes);
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('evicts by the order runs were cached, not by slot: a reused low slot holds the newest run', () => {
    const { pl, bc } = setup(256, 70);
    const [a, b, c, d] = apart(bc, [17, 20, 24, 17]); // buckets 0, 1, 2, 0
    bc.freeRun(a, 17); // slot 1
    bc.freeRun(b, 20); // slot 2
    bc.freeRun(c, 24); // slot 3: 61 pages cached
    expect(bc.alloc(20)).toBe(b); // slot 2 is unused again
    bc.freeRun(d, 17); // slot 2, the newest: 58 pages
    bc.freeRun(b, 20); // 78 > 70: a (the oldest) goes; 61 pages
    expect([a, b, c, d].map((r) => bc.holdsRun(r))).toEqual([false, true, true, true]);
    const e = bc.alloc(40);
    bc.freeRun(e, 40); // 101 > 70: c, then d (older than b) go
    expect([b, c, d, e].map((r) => bc.holdsRun(r))).toEqual([true, false, false, true]);
    expect(bc.counters()).toMatchObject({ evictions: 3, cachedRuns: 2, cachedBytes: 60 * PAGE_SIZE });
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('orders by age across a wrap of the 32-bit put count', () => {
    const { lm, pl, bc } = setup(256, 40);
    lm.u32[(pl.bigcacheArea + BC_COUNTERS) / 4 + BC_PUTS] = 0xffffffff - 1; // two puts before the wrap
    const [a, b, c] = apart(bc, [17, 17, 17]);
    bc.freeRun(a, 17); // stamp 0xffffffff
    bc.freeRun(b, 17); // stamp 0 (wrapped)
    bc.freeRun(c, 17); // stamp 1: 51 > 40, a is the oldest
    expect([a, b, c].map((r) => bc.holdsRun(r))).toEqual([false, true, true]);
    expect(bc.validate()).toBeNull();
  });

  it('does not cache a run larger than the whole budget', () => {
    const { pl, bc } = setup(128, 40);
    const page = bc.alloc(50);
    expect(bc.freeRun(page, 50)).toBe(true);
    expect(bc.holdsRun(page)).toBe(false);
    expect(pl.pagesInUse()).toBe(0);
    expect(bc.counters()).toMatchObject({ puts: 1, cachedRuns: 0, cachedBytes: 0 });
    expect(pl.validate()).toBeNull();
  });

  it(`holds at most ${BIGCACHE_ENTRIES} runs, evicting the oldest`, () => {
    const { pl, bc } = setup(128, 100);
    const runs: number[] = [];
    for (let i = 0; i <= BIGCACHE_ENTRIES; i++) runs.push(...apart(bc, [1]));
    expect(new Set(runs).size).toBe(BIGCACHE_ENTRIES + 1);
    for (const r of runs) expect(bc.freeRun(r, 1)).toBe(true);
    expect(bc.counters()).toMatchObject({ cachedRuns: BIGCACHE_ENTRIES, evictions: 1 });
    expect(bc.holdsRun(runs[0])).toBe(false);
    for (const r of runs.slice(1)) expect(bc.holdsRun(r)).toBe(true);
    expect(pl.pagesInUse()).toBe(BIGCACHE_ENTRIES + BIGCACHE_ENTRIES + 1);
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('a double free returns false and changes nothing', () => {
    const { lm, pl, bc } = setup(64, 40);
    const page = bc.alloc(5);
    expect(bc.freeRun(page, 5)).toBe(true);
    const area = lm.u8.slice(pl.bigcacheArea, pl.bigcacheArea + BC_TABLE + BIGCACHE_ENTRIES * BC_ENTRY_BYTES);
    const before = bc.counters();
    expect(bc.freeRun(page, 5)).toBe(false);
    expect(bc.freeRun(page + 1, 4)).toBe(false); // a body page is not a run head
    expect(bc.freeRun(page, 4)).toBe(false); // nor is a head of another size
    expect(bc.counters()).toEqual(before);
    expect(lm.u8.slice(pl.bigcacheArea, pl.bigcacheArea + area.length)).toEqual(area);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_FREE, 5));
    expect(bc.validate()).toBeNull();
  });

  it('flush() gives every cached run back to the page layer', () => {
    const { pl, bc } = setup(128, 100);
    const runs = apart(bc, [3, 7, 20]);
    bc.freeRun(runs[0], 3);
    bc.freeRun(runs[1], 7);
    bc.freeRun(runs[2], 20);
    expect(pl.pagesInUse()).toBe(33);
    bc.flush();
    expect(pl.pagesInUse()).toBe(3);
    expect(bc.counters()).toMatchObject({ cachedRuns: 0, cachedBytes: 0, evictions: 3 });
    for (const r of runs) expect(bc.holdsRun(r)).toBe(false);
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
    bc.flush(); // idempotent
    expect(bc.counters().evictions).toBe(3);
  });

  it('evicts its whole cache before admitting that memory is out', () => {
    const { pl, bc } = setup(64, 60);
    const a = bc.alloc(30);
    bc.freeRun(a, 30);
    const b = bc.alloc(40); // does not fit beside the cached 30 pages
    expect(b).not.toBe(0);
    expect(bc.lastPages).toBe(40);
    expect(bc.counters()).toMatchObject({ misses: 2, evictions: 1, allocFailures: 0, cachedRuns: 0 });
    expect(pl.pagesInUse()).toBe(40);
    expect(pl.validate()).toBeNull();
  });

  it('alloc returns 0 when the region cannot hold the run, and counts the failure', () => {
    const { pl, bc } = setup(32, 16);
    expect(bc.alloc(40)).toBe(0);
    expect(bc.counters()).toMatchObject({ allocFailures: 1 });
    expect(pl.pagesInUse()).toBe(0);
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('validate() catches a corrupted entry', () => {
    const { lm, pl, bc } = setup(64, 40);
    const [page, other] = apart(bc, [6, 4]);
    bc.freeRun(page, 6);
    bc.freeRun(other, 4);
    expect(bc.validate()).toBeNull();
    const e = entry(pl, 1);
    expect(lm.u32[e]).toBe(page);

    lm.u32[e + 1] = 7; // wrong page count
    expect(bc.validate()).toMatch(new RegExp(`cached run at page ${page} has head word .*not a free run of 7 pages`));
    lm.u32[e + 1] = 6;

    lm.u32[entry(pl, 2) + BCE_PAGE] = page; // the same run twice (with the length of the first)
    lm.u32[entry(pl, 2) + BCE_PAGES] = 6;
    lm.u32[(pl.bigcacheArea + BC_CACHED_PAGES) >>> 2] += 2;
    expect(bc.validate()).toMatch(new RegExp(`run at page ${page} is cached twice`));
    lm.u32[entry(pl, 2) + BCE_PAGE] = other;
    lm.u32[entry(pl, 2) + BCE_PAGES] = 4;
    lm.u32[(pl.bigcacheArea + BC_CACHED_PAGES) >>> 2] -= 2;

    lm.u32[(pl.bigcacheArea + BC_USED) >>> 2] &= ~2; // slot 2 in use, the mask says not
    expect(bc.validate()).toMatch(new RegExp(`slot 2 holds a run at page ${other} but the slot mask says it is unused`));
    lm.u32[(pl.bigcacheArea + BC_USED) >>> 2] |= 2;

    pl.setWord(page + 3, PK_FREE); // a body page lost
    expect(bc.validate()).toMatch(new RegExp(`page ${page + 3} is not part of it`));
    pl.setWord(page + 3, PK_RUN_BODY);

    pl.setWord(page, runHeadWord(PK_RUN_LIVE, 6)); // cached but marked live
    expect(bc.validate()).toMatch(/not a free run of 6 pages/);
    pl.setWord(page, runHeadWord(PK_RUN_FREE, 6));

    expect(bc.validate()).toBeNull();
  });

  it('reclaimWorker gives back a large run a dead worker left freed but uncached, and keeps the cached ones', () => {
    const { lm, pl, bc } = setup(96, 80);
    const lockIndex = (pl.base + H_BIGCACHE_LOCK) >>> 2;
    const cached = bc.alloc(20);
    const orphan = bc.alloc(18);
    const live = bc.alloc(17);
    const midRun = bc.alloc(4); // a free run of a mid span's size belongs to the mid box: left alone
    bc.freeRun(cached, 20);
    // Worker 3 dies inside free(orphan): lock held, head flipped, put() never ran.
    lm.i32[lockIndex] = 3;
    pl.setWord(orphan, runHeadWord(PK_RUN_FREE, 18));
    pl.setWord(midRun, runHeadWord(PK_RUN_FREE, 4));
    const inUse = pl.pagesInUse();
    expect(bc.reclaimWorker(3)).toBe(true);
    expect(lm.i32[lockIndex]).toBe(0);
    expect(pl.isFree(orphan) && pl.isFree(orphan + 17)).toBe(true);
    expect(pl.pagesInUse()).toBe(inUse - 18);
    expect(bc.holdsRun(cached)).toBe(true);
    expect(pl.word(live)).toBe(runHeadWord(PK_RUN_LIVE, 17));
    expect(pl.word(midRun)).toBe(runHeadWord(PK_RUN_FREE, 4));
    expect(bc.counters()).toMatchObject({ cachedRuns: 1, cachedBytes: 20 * PAGE_SIZE });
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
    expect(bc.reclaimWorker(3)).toBe(false); // the lock is no longer its
  });

  it('resize shrinks in place, giving the tail to the page layer', () => {
    const { pl, bc } = setup(128, 100);
    const page = bc.alloc(60);
    bc.alloc(1);
    expect(bc.resize(page, 60, 40)).toBe(true);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 40));
    expect(pl.word(page + 40) & PK_KIND_MASK).toBe(PK_FREE);
    expect(pl.isFree(page + 59)).toBe(true);
    expect(bc.counters()).toMatchObject({ resizes: 1, cachedRuns: 0 });
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
    expect(bc.resize(page, 40, 8)).toBe(false); // not to a mid span's size
    expect(bc.resize(page, 41, 20)).toBe(false); // not the run's size: changes nothing
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 40));
  });

  it('resize grows into a cached run after it, or into free pages, and refuses past a live run', () => {
    const { pl, bc } = setup(160, 100);
    const page = bc.alloc(20);
    const next = bc.alloc(40);
    const fence = bc.alloc(17);
    bc.freeRun(next, 40);
    expect(bc.resize(page, 20, 45)).toBe(true);
    expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 45));
    expect(pl.word(next)).toBe(PK_RUN_BODY);
    // The 15 pages left of the cached run: too small to cache, more than a quarter of slack, so the page layer's.
    expect(pl.word(page + 45) & PK_KIND_MASK).toBe(PK_FREE);
    expect(bc.counters()).toMatchObject({ cachedRuns: 0, resizes: 1 });
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
    expect(bc.resize(page, 45, 70)).toBe(false); // fence is live
    expect(bc.resize(fence, 17, 50)).toBe(true); // free pages up to the heap's end and past it
    for (let p = fence + 1; p < fence + 50; p++) expect(pl.word(p)).toBe(PK_RUN_BODY);
    expect(bc.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('formatBudget sets an eighth of the region, between 8 and 128 MiB', () => {
    const small = setup(64);
    BigCache.formatBudget(small.lm, small.pl);
    expect(small.bc.counters().budgetBytes).toBe(8 << 20);
    const { lm, pl } = setup(2048);
    BigCache.formatBudget(lm, pl);
    expect(new BigCache(lm, pl).counters().budgetBytes).toBe(16 << 20); // 2048 pages / 8 = 256 pages
  });
});

describe('bucket geometry', () => {
  it('ends where the layout says, four buckets per power of two from 16 pages', () => {
    expect(LAST_BUCKET).toBe(BC_BUCKET_COUNT - 1);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(19)).toBe(0);
    expect(bucketOf(20)).toBe(1);
    expect(bucketOf(32)).toBe(4);
    expect(bucketOf(3583)).toBe(LAST_BUCKET - 1);
    expect(bucketOf(3584)).toBe(LAST_BUCKET);
    expect(bucketOf(65536)).toBe(LAST_BUCKET);
    for (let n = 2; n <= 8192; n++) expect(bucketOf(n) >= bucketOf(n - 1)).toBe(true);
  });
});
