import { MAX_PAGES, PAGE_SIZE, PK_RUN_BODY } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { RUN_BUCKETS, bucketFirstPages, runBucket } from './free-runs.js';
import { LinearMemory } from './linear-memory.js';
import { PageLayer, planGeometry } from './page-layer.js';

function layer(pages: number, memoryPages = pages + 2) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: memoryPages });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  return { lm, pl: PageLayer.format(lm, geo, false) };
}

/** Takes `n` pages and stamps them as a box would. */
function take(pl: PageLayer, n: number): number {
  const page = pl.allocRun(n, 1);
  expect(page).not.toBe(0);
  pl.setWords(page, n, PK_RUN_BODY);
  return page;
}

describe('free-run index', () => {
  it('puts every page count in one bucket, monotone, the boundaries where bucketFirstPages says', () => {
    expect(runBucket(1)).toBe(0);
    expect(runBucket(MAX_PAGES)).toBe(RUN_BUCKETS - 1);
    let b = 0;
    for (let n = 1; n <= MAX_PAGES; n++) {
      const got = runBucket(n);
      if (got !== b) {
        // A new bucket starts exactly at its first page count.
        expect(got).toBe(b + 1);
        expect(bucketFirstPages(got)).toBe(n);
        b = got;
      }
    }
    expect(b).toBe(RUN_BUCKETS - 1);
    for (let k = 0; k < RUN_BUCKETS; k++) expect(runBucket(bucketFirstPages(k))).toBe(k);
  });

  it('a request takes a long enough run at every bucket boundary up to 128 pages (W6 sizes): the last count of a bucket, and the first of the next', () => {
    for (let b = 1; b < 24; b++) {
      const first = bucketFirstPages(b);
      for (const n of [first - 1, first]) {
        const { pl } = layer(4 * first + 16);
        // Free runs of first - 1 pages (bucket b - 1) and of `first` pages (bucket b), fenced by used pages.
        const a = take(pl, first - 1);
        take(pl, 1);
        const c = take(pl, first);
        take(pl, 1);
        pl.freeRun(a, first - 1);
        pl.freeRun(c, first);
        expect(pl.validate()).toBeNull();
        const end = pl.endPage();
        const got = pl.allocRun(n, 1);
        // The run of the request's own size when it is one; never the short one; no growth.
        expect(got).toBe(n === first ? c : a);
        expect(pl.endPage()).toBe(end);
        expect(pl.validate()).toBeNull();
      }
    }
  });

  it('a freed run merges with the free runs on both sides into one', () => {
    const { pl } = layer(64);
    const a = take(pl, 3);
    const b = take(pl, 5);
    const c = take(pl, 2);
    const fence = take(pl, 1);
    pl.freeRun(a, 3);
    pl.freeRun(c, 2);
    expect(pl.runs.lengthAt(a, pl.endPage())).toBe(3);
    expect(pl.runs.lengthAt(c, pl.endPage())).toBe(2);
    pl.freeRun(b, 5); // between two free runs
    expect(pl.validate()).toBeNull();
    expect(pl.runs.lengthAt(a, pl.endPage())).toBe(10);
    expect(pl.runs.headOfTail(a + 9)).toBe(a);
    expect(pl.runs.head(runBucket(10))).toBe(a);
    expect(pl.runs.head(runBucket(3))).toBe(0);
    expect(pl.runs.head(runBucket(2))).toBe(0);
    const end = pl.endPage();
    expect(pl.allocRun(10, 1)).toBe(a);
    expect(pl.endPage()).toBe(end);
    pl.setWords(a, 10, PK_RUN_BODY);
    // Left only, then right only.
    pl.freeRun(a, 4);
    pl.freeRun(a + 4, 2);
    expect(pl.runs.lengthAt(a, pl.endPage())).toBe(6);
    pl.freeRun(a + 7, 3);
    pl.freeRun(a + 6, 1);
    expect(pl.runs.lengthAt(a, pl.endPage())).toBe(10);
    expect(pl.validate()).toBeNull();
    // Single pages: length from the bitmap, no length words.
    pl.freeRun(fence, 1);
    expect(pl.validate()).toBeNull();
  });

  it('growing the heap merges the new pages with the free tail, and works after the memory grew from outside', () => {
    const { lm, pl } = layer(256, 300);
    const a = take(pl, 4);
    const tail = take(pl, 6);
    pl.freeRun(tail, 6);
    const end = pl.endPage();
    lm.memory.grow(3); // someone else: the views are detached, and every caller starts with fresh()
    lm.fresh();
    const big = pl.allocRun(20, 1); // no free run fits: the end moves, over the free tail
    expect(big).toBe(tail);
    expect(pl.endPage()).toBeGreaterThanOrEqual(tail + 20);
    expect(pl.endPage()).toBeGreaterThan(end);
    pl.setWords(big, 20, PK_RUN_BODY);
    expect(pl.validate()).toBeNull();
    lm.memory.grow(1);
    lm.fresh();
    pl.freeRun(a, 4);
    lm.memory.grow(1);
    lm.fresh();
    expect(pl.allocRun(4, 1)).toBe(a);
    expect(pl.validate()).toBeNull();
  });

  it('out of memory (the region or the memory itself) changes nothing, and a fit the probes pass is still found before refusing', () => {
    // Meta page, a 13-page run, four 12-page runs, five one-page fences: 67 pages.
    for (const [regionPages, memoryPages] of [[67, 80], [200, 67]]) {
      const { lm, pl } = layer(regionPages, memoryPages);
      const runs = [13, 12, 12, 12, 12].map((n) => {
        const page = take(pl, n);
        take(pl, 1);
        return page;
      });
      expect(pl.endPage()).toBe(67);
      // The 13-page run is freed first, so it ends up last on the list of bucket 12..13, behind the probes.
      runs.forEach((page, i) => pl.freeRun(page, i === 0 ? 13 : 12));
      expect(runBucket(12)).toBe(runBucket(13));
      expect(pl.validate()).toBeNull();
      const meta = () => lm.u8.slice(pl.base, pl.base + pl.metaPages * PAGE_SIZE);
      const before = meta();
      const bytes = lm.memory.buffer.byteLength;
      expect(pl.allocRun(20, 1)).toBe(0);
      expect(pl.allocRun(16, 16)).toBe(0);
      expect(Buffer.from(meta()).equals(Buffer.from(before))).toBe(true);
      expect(lm.memory.buffer.byteLength).toBe(bytes);
      expect(pl.allocRun(13, 1)).toBe(runs[0]);
      expect(pl.validate()).toBeNull();
    }
  });

  it('validate() notices a broken index', () => {
    const { lm, pl } = layer(64);
    const a = take(pl, 4);
    take(pl, 1);
    const b = take(pl, 4);
    take(pl, 1);
    pl.freeRun(a, 4);
    pl.freeRun(b, 4);
    expect(pl.validate()).toBeNull();
    const rt = pl.runs.rt0;
    const saved = lm.u32[rt + a + 1];
    lm.u32[rt + a + 1] = 7;
    expect(pl.validate()).toMatch(/length words/);
    lm.u32[rt + a + 1] = saved;
    const head = pl.runs.head(runBucket(4));
    const links = lm.u32[rt + head];
    lm.u32[rt + head] = links | (9 << 16);
    expect(pl.validate()).toMatch(/links back/);
    lm.u32[rt + head] = head; // a cycle
    expect(pl.validate()).toMatch(/more entries|links back/);
    lm.u32[rt + head] = links;
    expect(pl.validate()).toBeNull();
  });
});
