import { HIGH_BIT, bucketOf } from './bucket.js';
import {
  BC_ALL_SLOTS,
  BC_BUCKET_COUNT,
  BC_BUCKET_MASK,
  BC_BUCKETS,
  BC_CACHED_PAGES,
  BC_COUNTERS,
  BC_ENTRY_WORDS,
  BC_TABLE,
  BC_USED,
  BCE_BUCKET_NEXT,
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
 * that cached it), the slot mask, their singly linked size-bucket lists
 * (with the mask of non-empty buckets), the cached-pages total and the
 * counters. It keeps the lists and totals consistent with the slots and
 * decides nothing: which run to cache, hand out or evict is the box's
 * (`bigcache.ts`), and the caller holds the bigcache lock for every call
 * (the lock notes are in `bigcache.ts`).
 *
 * What a put and a hit touch is kept small, since on W6 each is a few dozen
 * typed-array reads and writes and those are most of its time: the slot
 * mask is at once the free-slot finder (its lowest clear bit), the count
 * (its population) and the "full" test, where a count, an unused-slot stack
 * and a high-water mark were; the bucket lists have no back links (a hit
 * unlinks the run `BigCache.alloc` just reached, whose predecessor it knows;
 * an eviction or a resize walks the run's bucket list, at most 28 slots); and
 * there is no age list (eviction looks at the stamps, see `oldest`).
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

  /** Runs cached now: the slot mask's population count. */
  count(): number {
    return popCount(this.lm.u32[this.area + BC_USED / WORD_BYTES]);
  }

  /** Whether any run is cached. */
  any(): boolean {
    return this.lm.u32[this.area + BC_USED / WORD_BYTES] !== 0;
  }

  /** Whether every slot holds a run. */
  full(): boolean {
    return this.lm.u32[this.area + BC_USED / WORD_BYTES] === BC_ALL_SLOTS;
  }

  /** Records a cached run in the lowest unused slot (the table is not full), with `stamp` (the put count) for `oldest`. */
  insert(page: number, n: number, stamp: number): void {
    linkRun(this.lm.u32, this.area, this.t0, this.bk, page, n, stamp);
  }

  /** Drops slot `id` (its record at `e`) from its list and the totals, wherever it is on the list. */
  remove(id: number, e: number): void {
    const u32 = this.lm.u32;
    const b = bucketOf(u32[e + BCE_PAGES]);
    let prev = 0;
    for (let q = u32[this.bk + b], k = 0; q !== id && q !== 0 && k < BIGCACHE_ENTRIES; k++) {
      prev = q;
      q = u32[this.t0 + q * BC_ENTRY_WORDS + BCE_BUCKET_NEXT];
    }
    unlinkRun(u32, this.area, this.t0, this.bk, id, e, b, prev);
  }

  /**
   * The slot whose run has been cached longest (by stamp, counted back from
   * the put count `now` so that a wrapped count orders the same), or 0 when
   * none is: a look at each slot in use. Only a put into a full cache (or
   * over its budget) asks, a few puts in a thousand on W6; keeping an age
   * list instead cost every put and every hit about ten more reads and writes.
   */
  oldest(now: number): number {
    const u32 = this.lm.u32;
    let best = 0;
    let bestAge = -1;
    for (let rest = u32[this.area + BC_USED / WORD_BYTES]; rest !== 0; rest &= rest - 1) {
      const id = HIGH_BIT + 1 - Math.clz32(rest & -rest);
      const age = (now - u32[this.t0 + id * BC_ENTRY_WORDS + BCE_STAMP]) >>> 0;
      if (age > bestAge) {
        bestAge = age;
        best = id;
      }
    }
    return best;
  }

  /** The slot holding the cached run at `page`, or 0. */
  slotOf(page: number): number {
    const u32 = this.lm.u32;
    for (let rest = u32[this.area + BC_USED / WORD_BYTES] & BC_ALL_SLOTS; rest !== 0; rest &= rest - 1) {
      const id = HIGH_BIT + 1 - Math.clz32(rest & -rest);
      if (u32[this.t0 + id * BC_ENTRY_WORDS + BCE_PAGE] === page) return id;
    }
    return 0;
  }

  /**
   * Rebuilds the lists, mask and totals from the slots (a dead worker may
   * have left them half-changed): keeps each slot that holds a run (pages
   * not 0) lying inside the heap, not kept already, whose head word still
   * says it is a free run of the slot's size; drops the others. The budget,
   * counters and stamps are kept.
   */
  rebuild(pages: PageLayer): void {
    const u32 = this.lm.u32;
    const a = this.area;
    const end = pages.endPage();
    const keep: number[] = [];
    for (let id = 1; id <= BIGCACHE_ENTRIES; id++) {
      const e = this.t0 + id * BC_ENTRY_WORDS;
      const page = u32[e + BCE_PAGE];
      const n = u32[e + BCE_PAGES];
      if (n === 0 || page < pages.firstDataPage || page + n > end || keepsPage(keep, page)) continue;
      if (pages.word(page) === runHeadWord(PK_RUN_FREE, n)) keep.push(page, n, u32[e + BCE_STAMP]);
    }
    u32[a + BC_USED / WORD_BYTES] = 0;
    u32[a + BC_CACHED_PAGES / WORD_BYTES] = 0;
    u32[a + BC_BUCKET_MASK / WORD_BYTES] = 0;
    u32.fill(0, this.bk, this.bk + BC_BUCKET_COUNT);
    u32.fill(0, this.t0 + BC_ENTRY_WORDS, this.t0 + BC_ENTRY_WORDS + BIGCACHE_ENTRIES * BC_ENTRY_WORDS);
    for (let i = 0; i < keep.length; i += KEEP_FIELDS) this.insert(keep[i], keep[i + 1], keep[i + 2]);
  }
}

/**
 * Records the cached run of `n` pages at `page` in the lowest unused slot
 * (the table is not full), on the head of its bucket's list, with `stamp`.
 * `u32` is the memory's view; `area`, `t0` and `bk` the table's indices
 * (`BigCacheTable`). A function of its arguments rather than a method, so
 * that `BigCache.freeRun` inlines it without loading the table's fields: on
 * W6 a put and a hit through the table's methods cost ~8 ns more.
 */
export function linkRun(u32: Uint32Array, area: number, t0: number, bk: number, page: number, n: number, stamp: number): void {
  const used = u32[area + BC_USED / WORD_BYTES];
  const free = ~used & BC_ALL_SLOTS;
  const bit = free & -free;
  const id = HIGH_BIT + 1 - Math.clz32(bit);
  const e = t0 + id * BC_ENTRY_WORDS;
  const b = bucketOf(n);
  const head = u32[bk + b];
  u32[e + BCE_PAGE] = page;
  u32[e + BCE_PAGES] = n;
  u32[e + BCE_BUCKET_NEXT] = head;
  u32[e + BCE_STAMP] = stamp;
  u32[bk + b] = id;
  if (head === 0) u32[area + BC_BUCKET_MASK / WORD_BYTES] |= 1 << b;
  u32[area + BC_USED / WORD_BYTES] = used | bit;
  u32[area + BC_CACHED_PAGES / WORD_BYTES] += n;
}

/**
 * Drops slot `id` (its record at `e`) from bucket `b`'s list, where `prev`
 * is the slot before it (0: it heads the list), and from the totals (see
 * `linkRun` for the other arguments).
 */
export function unlinkRun(u32: Uint32Array, area: number, t0: number, bk: number, id: number, e: number, b: number, prev: number): void {
  const next = u32[e + BCE_BUCKET_NEXT];
  if (prev !== 0) u32[t0 + prev * BC_ENTRY_WORDS + BCE_BUCKET_NEXT] = next;
  else {
    u32[bk + b] = next;
    if (next === 0) u32[area + BC_BUCKET_MASK / WORD_BYTES] &= ~(1 << b);
  }
  u32[area + BC_CACHED_PAGES / WORD_BYTES] -= u32[e + BCE_PAGES];
  u32[area + BC_USED / WORD_BYTES] &= ~(1 << (id - 1));
  u32[e + BCE_PAGES] = 0;
}

/** Set bits of a u32 (the slot mask: the runs cached). */
export function popCount(x: number): number {
  let n = 0;
  for (let rest = x; rest !== 0; rest &= rest - 1) n++;
  return n;
}

/** `rebuild`'s list of kept slots: page, pages, stamp for each. */
const KEEP_FIELDS = 3;

/** Whether `rebuild` keeps a slot for the run at `page` already. */
function keepsPage(keep: number[], page: number): boolean {
  for (let i = 0; i < keep.length; i += KEEP_FIELDS) if (keep[i] === page) return true;
  return false;
}
