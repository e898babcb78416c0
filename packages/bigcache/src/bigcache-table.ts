import { HIGH_BIT, LAST_BUCKET, SAME_BUCKET_PROBES, bucketOf } from './bucket.js';
import {
  BC_BUCKET_COUNT,
  BC_BUCKET_MASK,
  BC_BUCKETS,
  BC_CACHED_PAGES,
  BC_COUNT,
  BC_COUNTERS,
  BC_ENTRY_WORDS,
  BC_FREE_ENTRY,
  BC_FRESH,
  BC_TABLE,
  BCE_BUCKET_NEXT,
  BCE_BUCKET_PREV,
  BCE_PAGE,
  BCE_PAGES,
  BCE_STAMP,
  BIGCACHE_ENTRIES,
  PK_RUN_FREE,
  WORD_BYTES,
  runHeadWord,
} from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';

/**
 * The BigCache area's records: the entry slots (each stamped with the put
 * that cached it), their size-bucket lists (with the mask of non-empty
 * buckets), the unused-slot stack, the count, the cached-pages total and the
 * counters. It keeps the lists and
 * totals consistent with the slots and decides nothing: which run to cache,
 * hand out or evict is the box's (`bigcache.ts`), and the caller holds the
 * bigcache lock for every call (the lock notes are in `bigcache.ts`).
 */
export class BigCacheTable {
  readonly lm: LinearMemory;
  /** u32 index of the BigCache area. */
  readonly area: number;
  /** u32 index such that entry `id` (1-based) starts at `t0 + id * BC_ENTRY_WORDS` (`bcEntryIndex` spelled for the hot path). */
  readonly t0: number;
  /** u32 index of the bucket heads. */
  readonly bk: number;

  constructor(lm: LinearMemory, areaByte: number) {
    this.lm = lm;
    this.area = areaByte >>> 2;
    this.t0 = this.area + BC_TABLE / WORD_BYTES - BC_ENTRY_WORDS;
    this.bk = this.area + BC_BUCKETS / WORD_BYTES;
  }

  /** Adds one to counter `i` (BC_HITS .. BC_RESIZES). */
  bump(i: number): void {
    this.lm.u32[this.area + BC_COUNTERS / WORD_BYTES + i]++;
  }

  /** Runs cached now. */
  count(): number {
    return this.lm.u32[this.area + BC_COUNT / WORD_BYTES];
  }

  /** The slot of a cached run of at least `n` pages, or 0. */
  find(n: number): number {
    const u32 = this.lm.u32;
    const b = bucketOf(n);
    let id = u32[this.bk + b];
    for (let k = 0; id !== 0 && (k < SAME_BUCKET_PROBES || b === LAST_BUCKET); k++) {
      if (u32[this.t0 + id * BC_ENTRY_WORDS + BCE_PAGES] >= n) return id;
      id = u32[this.t0 + id * BC_ENTRY_WORDS + BCE_BUCKET_NEXT];
    }
    // Every run of a larger bucket is at least as large as any of bucket b. `~1 << b`
    // (every bit but bit 0, shifted) keeps the mask's bits above b; esbuild folds it to -2 << b.
    const above = u32[this.area + BC_BUCKET_MASK / WORD_BYTES] & (~1 << b);
    return above === 0 ? 0 : u32[this.bk + HIGH_BIT - Math.clz32(above & -above)];
  }

  /**
   * Records a cached run in an unused slot, with `stamp` (the put count) for
   * `oldest`. No age list: keeping one cost every put and every hit about ten
   * more reads and writes, for the eviction only a few puts in a thousand
   * make on W6.
   */
  insert(page: number, n: number, stamp: number): void {
    const u32 = this.lm.u32;
    const a = this.area;
    let id = u32[a + BC_FREE_ENTRY / WORD_BYTES];
    if (id !== 0) u32[a + BC_FREE_ENTRY / WORD_BYTES] = u32[this.t0 + id * BC_ENTRY_WORDS + BCE_BUCKET_NEXT];
    else id = ++u32[a + BC_FRESH / WORD_BYTES];
    const e = this.t0 + id * BC_ENTRY_WORDS;
    u32[e + BCE_PAGE] = page;
    u32[e + BCE_PAGES] = n;
    u32[e + BCE_STAMP] = stamp;
    this.linkBucket(id, e, n);
    u32[a + BC_COUNT / WORD_BYTES]++;
    u32[a + BC_CACHED_PAGES / WORD_BYTES] += n;
  }

  /**
   * The slot whose run has been cached longest (by stamp, counted back from
   * the put count `now` so that a wrapped count orders the same), or 0 when
   * none is. A look at each of the (at most BIGCACHE_ENTRIES) slots ever used.
   */
  oldest(now: number): number {
    const u32 = this.lm.u32;
    const fresh = Math.min(u32[this.area + BC_FRESH / WORD_BYTES], BIGCACHE_ENTRIES);
    let best = 0;
    let bestAge = -1;
    for (let id = 1; id <= fresh; id++) {
      const e = this.t0 + id * BC_ENTRY_WORDS;
      if (u32[e + BCE_PAGES] === 0) continue;
      const age = (now - u32[e + BCE_STAMP]) >>> 0;
      if (age > bestAge) {
        bestAge = age;
        best = id;
      }
    }
    return best;
  }

  private linkBucket(id: number, e: number, n: number): void {
    const u32 = this.lm.u32;
    const b = bucketOf(n);
    const head = u32[this.bk + b];
    u32[e + BCE_BUCKET_NEXT] = head;
    u32[e + BCE_BUCKET_PREV] = 0;
    if (head !== 0) u32[this.t0 + head * BC_ENTRY_WORDS + BCE_BUCKET_PREV] = id;
    u32[this.bk + b] = id;
    u32[this.area + BC_BUCKET_MASK / WORD_BYTES] |= 1 << b;
  }

  private unlinkBucket(e: number): void {
    const u32 = this.lm.u32;
    const next = u32[e + BCE_BUCKET_NEXT];
    const prev = u32[e + BCE_BUCKET_PREV];
    if (next !== 0) u32[this.t0 + next * BC_ENTRY_WORDS + BCE_BUCKET_PREV] = prev;
    if (prev !== 0) u32[this.t0 + prev * BC_ENTRY_WORDS + BCE_BUCKET_NEXT] = next;
    else {
      const b = bucketOf(u32[e + BCE_PAGES]);
      u32[this.bk + b] = next;
      if (next === 0) u32[this.area + BC_BUCKET_MASK / WORD_BYTES] &= ~(1 << b);
    }
  }

  /** Drops slot `id` (its record at `e`) from its bucket list and the totals, onto the unused stack. */
  removeEntry(id: number, e: number): void {
    const u32 = this.lm.u32;
    const a = this.area;
    this.unlinkBucket(e);
    u32[a + BC_CACHED_PAGES / WORD_BYTES] -= u32[e + BCE_PAGES];
    u32[a + BC_COUNT / WORD_BYTES]--;
    u32[e + BCE_PAGES] = 0;
    u32[e + BCE_BUCKET_NEXT] = u32[a + BC_FREE_ENTRY / WORD_BYTES];
    u32[a + BC_FREE_ENTRY / WORD_BYTES] = id;
  }

  /** The slot holding the cached run at `page`, or 0. */
  slotOf(page: number): number {
    const u32 = this.lm.u32;
    const fresh = Math.min(u32[this.area + BC_FRESH / WORD_BYTES], BIGCACHE_ENTRIES);
    for (let id = 1; id <= fresh; id++) if (u32[this.t0 + id * BC_ENTRY_WORDS + BCE_PAGES] !== 0 && u32[this.t0 + id * BC_ENTRY_WORDS + BCE_PAGE] === page) return id;
    return 0;
  }

  /**
   * Rebuilds the lists and totals from the slots (a dead worker may have left
   * them half-changed): keeps each slot whose run lies inside the heap, is
   * not kept already, and whose head word still says it is a free run of the
   * slot's size; drops the others. The budget, counters and stamps are kept.
   */
  rebuild(pages: PageLayer): void {
    const u32 = this.lm.u32;
    const a = this.area;
    const end = pages.endPage();
    const keep: number[] = [];
    const fresh = Math.min(u32[a + BC_FRESH / WORD_BYTES], BIGCACHE_ENTRIES);
    for (let id = 1; id <= fresh; id++) {
      const e = this.t0 + id * BC_ENTRY_WORDS;
      const page = u32[e + BCE_PAGE];
      const n = u32[e + BCE_PAGES];
      if (n === 0 || page < pages.firstDataPage || page + n > end || keepsPage(keep, page)) continue;
      if (pages.word(page) === runHeadWord(PK_RUN_FREE, n)) keep.push(page, n, u32[e + BCE_STAMP]);
    }
    u32.fill(0, a + BC_COUNT / WORD_BYTES, a + BC_CACHED_PAGES / WORD_BYTES + 1);
    u32[a + BC_FREE_ENTRY / WORD_BYTES] = 0;
    u32[a + BC_FRESH / WORD_BYTES] = 0;
    u32[a + BC_BUCKET_MASK / WORD_BYTES] = 0;
    u32.fill(0, this.bk, this.bk + BC_BUCKET_COUNT);
    u32.fill(0, this.t0 + BC_ENTRY_WORDS, this.t0 + BC_ENTRY_WORDS + BIGCACHE_ENTRIES * BC_ENTRY_WORDS);
    for (let i = 0; i < keep.length; i += KEEP_FIELDS) this.insert(keep[i], keep[i + 1], keep[i + 2]);
  }
}

/** `rebuild`'s list of kept slots: page, pages, stamp for each. */
const KEEP_FIELDS = 3;

/** Whether `rebuild` keeps a slot for the run at `page` already. */
function keepsPage(keep: number[], page: number): boolean {
  for (let i = 0; i < keep.length; i += KEEP_FIELDS) if (keep[i] === page) return true;
  return false;
}
