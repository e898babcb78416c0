import {
  BC_AGE_HEAD,
  BC_AGE_TAIL,
  BC_ALLOC_FAILURES,
  BC_BUCKET_COUNT,
  BC_BUCKET_MASK,
  BC_BUCKETS,
  BC_BUDGET_PAGES,
  BC_CACHED_PAGES,
  BC_COUNT,
  BC_COUNTER_COUNT,
  BC_COUNTERS,
  BC_ENTRY_WORDS,
  BC_EVICTIONS,
  BC_FREE_ENTRY,
  BC_FRESH,
  BC_HITS,
  BC_MISSES,
  BC_PUTS,
  BC_RESIZES,
  BC_SPLITS,
  BC_TABLE,
  BCE_AGE_NEXT,
  BCE_AGE_PREV,
  BCE_BUCKET_NEXT,
  BCE_BUCKET_PREV,
  BCE_PAGE,
  BCE_PAGES,
  BIGCACHE_ENTRIES,
  H_BIGCACHE_LOCK,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  SPAN_MAX_PAGES,
  WORD_BYTES,
  isRunHead,
  pageKind,
  runHeadWord,
  runPages,
} from '@hakmem/contracts/layout';
import { FREE_DOUBLE, FREE_INVALID, FREE_OK, type FreeResult, type HeapError, type HeapWalk } from '@hakmem/contracts';
import { breakLockOf, lockWord, unlockWord, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';
import { ageListError, assertCacheValid, bodyError, bucketOf, cacheViolation, countsError, entryError, runViolation } from './bigcache-checks.js';

export { bucketOf } from './bigcache-checks.js';

/**
 * BigCache box: large blocks (above 1 MiB) as whole page runs. A freed run is
 * kept for reuse by a later request of about its size, and given back to the
 * page layer (evicted, oldest first) once the cache holds more than its byte
 * budget or its table is full.
 *
 * Every operation is a constant number of steps, whatever the table holds and
 * whatever the run's size (a miss, which asks the page layer, aside):
 * - cached runs sit in size-bucket lists (four buckets per power of two of
 *   the page count, a bit per non-empty bucket), so a fitting run is a few
 *   probes of the request's own bucket or the head of the next non-empty one;
 * - runs are neither split inside the cache nor merged with cached
 *   neighbours: either would leave a head word where no block started or
 *   turn a freed block's head into a body word, and a later free of such a
 *   pointer would get the wrong error (double free against invalid
 *   pointer). A tail of more than a quarter goes to the page layer, whose
 *   free words remember what the pages were;
 * - eviction takes the head of an age list instead of scanning for the oldest.
 *
 * Shared state, all under the bigcache lock (H_BIGCACHE_LOCK), taken before
 * the page lock when both are needed: the entry slots and lists, the count,
 * cached-pages total and counters in the bigcache area, and the head page
 * words of cached runs (PK_RUN_FREE). A live run's head word is PK_RUN_LIVE;
 * `free` flips it under the lock, which is also what makes a double free of a
 * large block detectable.
 *
 * Run states: LIVE (user) → FREE (cached) → LIVE (reused) | released (page layer).
 *
 * Checks: `validate()` (what `check()` runs, both builds) walks the whole
 * table, the lists and every cached run's page words (`cacheViolation`). The
 * debug build checks, on entry to each operation and before anything
 * changes, only what that operation is about to act on: the table's counts
 * (O(1)), the run it hands out or takes in (its page words), and each run it
 * is about to evict. `flush` acts on every run, so it checks them all. A
 * damaged record or page word is a HeapError('CORRUPTION') from the
 * operation that would have acted on it, and from `check()` in any case.
 */
/** `counters()` names, in counter-index order (BC_HITS .. BC_RESIZES). */
const COUNTER_NAMES = ['hits', 'misses', 'puts', 'evictions', 'splits', 'allocFailures', 'resizes'] as const;
/** Runs of the request's own bucket looked at before going to a larger bucket (the last bucket, unbounded above, is walked whole). */
const SAME_BUCKET_PROBES = 4;
const LAST_BUCKET = BC_BUCKET_COUNT - 1;
/** Default budget: an eighth of the region (a shift of 3), at least 8 MiB and at most 128 MiB (in 64 KiB pages). */
const BUDGET_SHARE_SHIFT = 3;
/** A MiB is `1 << MIB_SHIFT` bytes. */
const MIB_SHIFT = 20;
const MIN_BUDGET_MIB = 8;
const MAX_BUDGET_MIB = 128;
const MIN_BUDGET_PAGES = (MIN_BUDGET_MIB << MIB_SHIFT) >>> PAGE_SHIFT;
const MAX_BUDGET_PAGES = (MAX_BUDGET_MIB << MIB_SHIFT) >>> PAGE_SHIFT;
/** Highest bit index of a u32 (the bucket mask): `HIGH_BIT - Math.clz32(x)` is the index of x's highest set bit. */
const HIGH_BIT = 31;

export class BigCache {
  readonly lm: LinearMemory;
  readonly pages: PageLayer;
  private readonly area: number;
  private readonly lockIndex: number;
  /** u32 index such that entry `id` (1-based) starts at `t0 + id * BC_ENTRY_WORDS` (`bcEntryIndex` spelled for the hot path). */
  private readonly t0: number;
  private readonly bk: number;

  constructor(lm: LinearMemory, pages: PageLayer, budgetBytes?: number) {
    this.lm = lm;
    this.pages = pages;
    this.area = pages.bigcacheArea >>> 2;
    this.t0 = this.area + BC_TABLE / WORD_BYTES - BC_ENTRY_WORDS;
    this.bk = this.area + BC_BUCKETS / WORD_BYTES;
    this.lockIndex = (pages.base + H_BIGCACHE_LOCK) >>> 2;
    if (budgetBytes !== undefined) lm.u32[this.area + BC_BUDGET_PAGES / WORD_BYTES] = budgetBytes >>> PAGE_SHIFT;
  }

  /** Sets the default budget when the heap is formatted: an eighth of the region, 8..128 MiB. */
  static formatBudget(lm: LinearMemory, pages: PageLayer): void {
    const regionPages = pages.limitPage - pages.basePage;
    lm.u32[(pages.bigcacheArea >>> 2) + BC_BUDGET_PAGES / WORD_BYTES] = Math.max(MIN_BUDGET_PAGES, Math.min(MAX_BUDGET_PAGES, regionPages >>> BUDGET_SHARE_SHIFT));
  }

  private lock(): void {
    lockWord(this.lm.i32, this.lockIndex, this.lm.shared, this.lm.holder);
  }

  private unlock(): void {
    unlockWord(this.lm.i32, this.lockIndex, this.lm.shared);
  }

  private bump(i: number): void {
    this.lm.u32[this.area + BC_COUNTERS / WORD_BYTES + i]++;
  }

  /** Page count of the run the last successful `alloc` returned. */
  lastPages = 0;

  /**
   * A live run of at least `n` pages, page-aligned: a cached run when one fits
   * (a larger one is split, its tail staying cached), else fresh pages.
   * Returns its first page (its size in `lastPages`), or 0 when memory is out.
   */
  alloc(n: number): number {
    this.lock();
    if (__HAKMEM_DEBUG__) this.assertCounts('alloc');
    const id = this.find(n);
    if (id === 0) return this.allocMiss(n);
    if (__HAKMEM_DEBUG__) this.assertEntry(id, 'alloc');
    const page = this.take(id, n);
    this.unlock();
    return page;
  }

  /** The slot of a cached run of at least `n` pages, or 0. */
  private find(n: number): number {
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

  /** Hands out `n` pages of the cached run in slot `id` (under the lock). */
  private take(id: number, n: number): number {
    const u32 = this.lm.u32;
    const e = this.t0 + id * BC_ENTRY_WORDS;
    const page = u32[e + BCE_PAGE];
    const m = u32[e + BCE_PAGES];
    const rem = m - n;
    let give = m;
    this.bump(BC_HITS);
    this.removeEntry(id, e);
    // Keep up to a quarter of slack; more goes back to the page layer, whose
    // free words remember that those pages were a run's body (a later free of
    // a pointer there is an invalid pointer, not a double free).
    if (rem > n >>> 2) {
      this.bump(BC_SPLITS);
      this.pages.freeBodyRun(page + n, rem);
      give = n;
    }
    this.pages.setWord(page, runHeadWord(PK_RUN_LIVE, give));
    this.lastPages = give;
    return page;
  }

  /** `alloc` when nothing cached fits: fresh pages (the lock is held; released here). */
  private allocMiss(n: number): number {
    try {
      this.bump(BC_MISSES);
      let page = this.pages.allocRun(n, 1);
      if (page === 0 && this.count() > 0) {
        // Everything cached goes back before the heap admits it is full.
        if (__HAKMEM_DEBUG__) assertCacheValid(this.lm, this.pages, 'alloc');
        this.evictAll();
        page = this.pages.allocRun(n, 1);
      }
      if (page === 0) {
        this.bump(BC_ALLOC_FAILURES);
        return 0;
      }
      this.pages.setWord(page, runHeadWord(PK_RUN_LIVE, n));
      if (n > 1) this.pages.setWords(page + 1, n - 1, PK_RUN_BODY);
      this.lastPages = n;
      return page;
    } finally {
      this.unlock();
    }
  }

  /**
   * Frees the large block at `ptr`, whose page word (as the caller read it)
   * is `word`: FREE_OK when it was a live run and is cached or released now;
   * FREE_INVALID, changing nothing, when `ptr` is not page-aligned at the
   * head of a run of more pages than a mid span (the front gate words why
   * from the page word: inside a run, a mid run, ...); FREE_DOUBLE, changing
   * nothing, when it heads a free run, or a live run other than the one
   * `word` says (another worker freed it first, and it may be in use again).
   */
  free(ptr: number, word: number): FreeResult {
    if ((ptr & PAGE_MASK) !== 0 || !isRunHead(word) || runPages(word) <= SPAN_MAX_PAGES) return FREE_INVALID;
    if (pageKind(word) === PK_RUN_FREE) return FREE_DOUBLE;
    return this.freeRun(ptr >>> PAGE_SHIFT, runPages(word)) ? FREE_OK : FREE_DOUBLE;
  }

  /**
   * Usable size of the live large block at `ptr` whose page word is `word`:
   * its whole run (large runs carry no guard in either build), or -1 when
   * `ptr` is not the first byte of a live run of this box.
   */
  usableSize(ptr: number, word: number): number {
    if ((ptr & PAGE_MASK) !== 0 || pageKind(word) !== PK_RUN_LIVE || runPages(word) <= SPAN_MAX_PAGES) return -1;
    return runPages(word) * PAGE_SIZE;
  }

  /**
   * Frees the live run at `page`. Returns false, changing nothing, if its head
   * is not a live run of `n` pages (a double free raced with us). `free`'s
   * work once it has checked the pointer.
   */
  freeRun(page: number, n: number): boolean {
    this.lock();
    if (__HAKMEM_DEBUG__) this.assertCounts('free');
    if (this.pages.word(page) !== runHeadWord(PK_RUN_LIVE, n)) {
      this.unlock();
      return false;
    }
    if (__HAKMEM_DEBUG__) this.assertPut(page, n, 'free');
    this.pages.setWord(page, runHeadWord(PK_RUN_FREE, n));
    this.put(page, n);
    this.unlock();
    return true;
  }

  /**
   * Resizes the live run at `page` from `oldPages` to `newPages` pages where
   * it lies (both above a mid span's size). Shrinking always works: the tail
   * is cached (or, at a mid span's size or less, given back). Growing takes
   * the pages right after the run when they start a cached run large enough,
   * or, in a heap that is not shared, when they are free in the page layer
   * (below or past the heap's end). Returns false, changing nothing, when it
   * cannot; the caller then moves the block.
   */
  resize(page: number, oldPages: number, newPages: number): boolean {
    this.lock();
    this.guarded = true;
    try {
      if (__HAKMEM_DEBUG__) this.assertCounts('resize');
      if (newPages <= SPAN_MAX_PAGES || this.pages.word(page) !== runHeadWord(PK_RUN_LIVE, oldPages)) return false;
      if (newPages === oldPages) return true;
      const ok = newPages < oldPages ? this.shrink(page, oldPages, newPages) : this.grow(page, oldPages, newPages);
      if (ok) this.bump(BC_RESIZES);
      return ok;
    } finally {
      this.guarded = false;
      this.unlock();
    }
  }

  /** The tail goes to the page layer, whose free words remember it was a run's body (see `take`). */
  private shrink(page: number, oldPages: number, newPages: number): boolean {
    this.pages.setWord(page, runHeadWord(PK_RUN_LIVE, newPages));
    this.pages.freeBodyRun(page + newPages, oldPages - newPages);
    return true;
  }

  private grow(page: number, oldPages: number, newPages: number): boolean {
    const need = newPages - oldPages;
    const next = page + oldPages;
    const end = this.pages.endPage();
    if (next < end && pageKind(this.pages.word(next)) === PK_RUN_FREE) {
      const id = this.slotOf(next);
      if (id === 0) return false;
      const u32 = this.lm.u32;
      const e = this.t0 + id * BC_ENTRY_WORDS;
      const k = u32[e + BCE_PAGES];
      if (k < need) return false;
      if (__HAKMEM_DEBUG__) this.assertEntry(id, 'resize');
      const rem = k - need;
      let give = newPages;
      this.removeEntry(id, e);
      // As in `take`: a quarter of slack stays with the block, more goes to the page layer.
      if (rem > newPages >>> 2) this.pages.freeBodyRun(next + need, rem);
      else give = oldPages + k;
      this.pages.setWord(next, PK_RUN_BODY);
      this.pages.setWord(page, runHeadWord(PK_RUN_LIVE, give));
      return true;
    }
    // Free pages of the page layer. It has no call for "these pages": a run
    // aligned to `next` itself is the first candidate it tries, and, with the
    // pages up to the end free, where it extends the heap. Another worker
    // could take them between this look and that call, so only a private heap does this.
    if (this.lm.shared) return false;
    const stop = Math.min(end, next + need);
    for (let p = next; p < stop; p++) if (!this.pages.isFree(p)) return false;
    if (next + need > this.pages.limitPage) return false;
    const got = this.pages.allocRun(need, next);
    if (got === 0) return false;
    if (got !== next) {
      this.pages.freeRun(got, need);
      return false;
    }
    this.pages.setWords(next, need, PK_RUN_BODY);
    this.pages.setWord(page, runHeadWord(PK_RUN_LIVE, newPages));
    return true;
  }

  private count(): number {
    return this.lm.u32[this.area + BC_COUNT / WORD_BYTES];
  }

  /** Caches the free run at `page` (head word already PK_RUN_FREE), evicting the oldest runs to make room. */
  private put(page: number, n: number): void {
    const u32 = this.lm.u32;
    this.bump(BC_PUTS);
    const budget = u32[this.area + BC_BUDGET_PAGES / WORD_BYTES];
    if (n > budget) {
      this.pages.freeBodyRun(page, n);
      return;
    }
    while (this.count() >= BIGCACHE_ENTRIES || u32[this.area + BC_CACHED_PAGES / WORD_BYTES] + n > budget) this.evictOldest();
    this.insert(page, n);
  }

  /** Records a cached run in an unused slot, newest in the age list. */
  private insert(page: number, n: number): void {
    const u32 = this.lm.u32;
    const a = this.area;
    let id = u32[a + BC_FREE_ENTRY / WORD_BYTES];
    if (id !== 0) u32[a + BC_FREE_ENTRY / WORD_BYTES] = u32[this.t0 + id * BC_ENTRY_WORDS + BCE_BUCKET_NEXT];
    else id = ++u32[a + BC_FRESH / WORD_BYTES];
    const e = this.t0 + id * BC_ENTRY_WORDS;
    u32[e + BCE_PAGE] = page;
    u32[e + BCE_PAGES] = n;
    this.linkBucket(id, e, n);
    const tail = u32[a + BC_AGE_TAIL / WORD_BYTES];
    u32[e + BCE_AGE_NEXT] = 0;
    u32[e + BCE_AGE_PREV] = tail;
    if (tail !== 0) u32[this.t0 + tail * BC_ENTRY_WORDS + BCE_AGE_NEXT] = id;
    else u32[a + BC_AGE_HEAD / WORD_BYTES] = id;
    u32[a + BC_AGE_TAIL / WORD_BYTES] = id;
    u32[a + BC_COUNT / WORD_BYTES]++;
    u32[a + BC_CACHED_PAGES / WORD_BYTES] += n;
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

  /** Drops slot `id` from its lists and the totals, onto the unused stack. */
  private removeEntry(id: number, e: number): void {
    const u32 = this.lm.u32;
    const a = this.area;
    this.unlinkBucket(e);
    const next = u32[e + BCE_AGE_NEXT];
    const prev = u32[e + BCE_AGE_PREV];
    if (next !== 0) u32[this.t0 + next * BC_ENTRY_WORDS + BCE_AGE_PREV] = prev;
    else u32[a + BC_AGE_TAIL / WORD_BYTES] = prev;
    if (prev !== 0) u32[this.t0 + prev * BC_ENTRY_WORDS + BCE_AGE_NEXT] = next;
    else u32[a + BC_AGE_HEAD / WORD_BYTES] = next;
    u32[a + BC_CACHED_PAGES / WORD_BYTES] -= u32[e + BCE_PAGES];
    u32[a + BC_COUNT / WORD_BYTES]--;
    u32[e + BCE_PAGES] = 0;
    u32[e + BCE_BUCKET_NEXT] = u32[a + BC_FREE_ENTRY / WORD_BYTES];
    u32[a + BC_FREE_ENTRY / WORD_BYTES] = id;
  }

  private evictOldest(): void {
    const u32 = this.lm.u32;
    const id = u32[this.area + BC_AGE_HEAD / WORD_BYTES];
    const e = this.t0 + id * BC_ENTRY_WORDS;
    const page = u32[e + BCE_PAGE];
    const n = u32[e + BCE_PAGES];
    this.removeEntry(id, e);
    this.bump(BC_EVICTIONS);
    this.pages.freeBodyRun(page, n);
  }

  private evictAll(): void {
    while (this.count() > 0) this.evictOldest();
  }

  /** Gives every cached run back to the page layer (trim, out of memory). */
  flush(): void {
    this.lock();
    try {
      if (__HAKMEM_DEBUG__) assertCacheValid(this.lm, this.pages, 'flush');
      this.evictAll();
    } finally {
      this.unlock();
    }
  }

  counters(): Record<string, number> {
    const u32 = this.lm.u32;
    const out: Record<string, number> = {};
    for (let i = 0; i < BC_COUNTER_COUNT; i++) out[COUNTER_NAMES[i]] = u32[this.area + BC_COUNTERS / WORD_BYTES + i];
    out.cachedRuns = this.count();
    out.cachedBytes = u32[this.area + BC_CACHED_PAGES / WORD_BYTES] * PAGE_SIZE;
    out.budgetBytes = u32[this.area + BC_BUDGET_PAGES / WORD_BYTES] * PAGE_SIZE;
    return out;
  }

  /**
   * The heap walk's step for the large run whose head is page `page` (its
   * word a run head of more pages than a mid span): counts a live run as one
   * block of its whole run's bytes, and sets `w.nextPage` past the run (past
   * `page` at least). With `w.validate`, it also checks the run's page words
   * (it ends inside the heap, its body pages are PK_RUN_BODY) and that a free
   * run is one this cache holds; it returns the first broken one, with
   * `w.problemAt` the run's first byte, else null.
   */
  walk(page: number, w: HeapWalk): string | null {
    const word = this.pages.word(page);
    const n = runPages(word);
    w.nextPage = page + Math.max(1, n);
    if (w.validate) {
      w.problemAt = page * PAGE_SIZE;
      if (!isRunHead(word) || n <= SPAN_MAX_PAGES) {
        w.nextPage = page + 1;
        return `page ${page} has word ${word}, not the head of a large run`;
      }
      const v = runViolation(this.pages, page, n);
      if (v !== null) {
        w.nextPage = page + 1;
        return v;
      }
      if (pageKind(word) === PK_RUN_FREE && this.slotOf(page) === 0) return `free run at page ${page} is held by no cache (lost memory)`;
    }
    if (pageKind(word) === PK_RUN_LIVE) {
      w.liveBlocks++;
      w.liveBytes += n * PAGE_SIZE;
    }
    return null;
  }

  /**
   * Invariants: every slot in use is a cached run inside the heap (head word
   * PK_RUN_FREE of its size, body words PK_RUN_BODY, and the run ends where
   * its size says), on the age list once and on the list of its size's
   * bucket; no run is cached twice; the bucket mask says which buckets are
   * non-empty; the count and cached total match the slots and respect the
   * table and the budget. Returns the first violation, or null.
   */
  validate(): string | null {
    const v = cacheViolation(this.lm, this.pages);
    return v === null ? null : v.message;
  }

  /**
   * A survivor's call for worker `dead`: frees the bigcache lock if the dead
   * worker held it, then rebuilds the lists from the slots: slots that no
   * longer describe a cached run are dropped, the totals are recounted, and
   * a large run whose head says FREE but that no slot holds (the worker died
   * between flipping the head and `put`, or between removing an entry and
   * handing the run out or back) is given back to the page layer. Returns
   * whether the lock was broken.
   */
  reclaimWorker(dead: number): boolean {
    const broke = breakLockOf(this.lm.i32, this.lockIndex, dead, this.lm.holder);
    if (!broke) return false;
    try {
      this.lm.fresh();
      const u32 = this.lm.u32;
      const a = this.area;
      const end = this.pages.endPage();
      const keep: number[] = [];
      const fresh = Math.min(u32[a + BC_FRESH / WORD_BYTES], BIGCACHE_ENTRIES);
      for (let id = 1; id <= fresh; id++) {
        const e = this.t0 + id * BC_ENTRY_WORDS;
        const page = u32[e + BCE_PAGE];
        const n = u32[e + BCE_PAGES];
        if (n === 0 || page < this.pages.firstDataPage || page + n > end || keep.includes(page)) continue;
        if (this.pages.word(page) === runHeadWord(PK_RUN_FREE, n)) keep.push(page, n);
      }
      u32.fill(0, a + BC_COUNT / WORD_BYTES, a + BC_CACHED_PAGES / WORD_BYTES + 1);
      u32[a + BC_FREE_ENTRY / WORD_BYTES] = 0;
      u32[a + BC_FRESH / WORD_BYTES] = 0;
      u32[a + BC_AGE_HEAD / WORD_BYTES] = 0;
      u32[a + BC_AGE_TAIL / WORD_BYTES] = 0;
      u32[a + BC_BUCKET_MASK / WORD_BYTES] = 0;
      u32.fill(0, this.bk, this.bk + BC_BUCKET_COUNT);
      u32.fill(0, this.t0 + BC_ENTRY_WORDS, this.t0 + BC_ENTRY_WORDS + BIGCACHE_ENTRIES * BC_ENTRY_WORDS);
      for (let i = 0; i < keep.length; i += 2) this.insert(keep[i], keep[i + 1]);
      this.releaseOrphanRuns();
      return true;
    } finally {
      this.unlock();
    }
  }

  /**
   * Under the lock: walks the page words and releases every free large run
   * (more pages than a mid span, so not the mid box's) that no slot holds.
   * A run whose body holds another head (a split the dead worker left half
   * done) ends at that head.
   */
  private releaseOrphanRuns(): void {
    const end = this.pages.endPage();
    let p = this.pages.firstDataPage;
    while (p < end) {
      const w = this.pages.word(p);
      let n = runPages(w);
      if (!isRunHead(w) || n === 0 || p + n > end) {
        p++;
        continue;
      }
      if (pageKind(w) === PK_RUN_FREE && n > SPAN_MAX_PAGES && this.slotOf(p) === 0) {
        let q = p + 1;
        while (q < p + n && this.pages.word(q) === PK_RUN_BODY) q++;
        n = q - p;
        this.pages.setWord(p, runHeadWord(PK_RUN_FREE, n));
        this.bump(BC_EVICTIONS);
        this.pages.freeBodyRun(p, n);
      }
      p += n;
    }
  }

  /** The slot holding the cached run at `page`, or 0. */
  private slotOf(page: number): number {
    const u32 = this.lm.u32;
    const fresh = Math.min(u32[this.area + BC_FRESH / WORD_BYTES], BIGCACHE_ENTRIES);
    for (let id = 1; id <= fresh; id++) if (u32[this.t0 + id * BC_ENTRY_WORDS + BCE_PAGES] !== 0 && u32[this.t0 + id * BC_ENTRY_WORDS + BCE_PAGE] === page) return id;
    return 0;
  }

  /**
   * Whether `page` heads a run this cache holds (`walk` asks it of every free run).
   */
  holdsRun(page: number): boolean {
    return this.slotOf(page) !== 0;
  }

  // ---------------------------------------------------------- debug checks

  /** Debug: the O(1) part of the invariants, before an operation reads the lists. */
  private assertCounts(op: string): void {
    if (__HAKMEM_DEBUG__) this.refuse(countsError(this.lm, this.pages, op));
  }

  /** Debug: the cached run in slot `id`, about to be handed out, is what its record says. */
  private assertEntry(id: number, op: string): void {
    if (__HAKMEM_DEBUG__) this.refuse(entryError(this.lm, this.pages, id, op));
  }

  /**
   * Debug: the run of `n` pages at `page` about to be cached is a whole run
   * (its body words), and every run `put` would evict to make room for it is
   * sound.
   */
  private assertPut(page: number, n: number, op: string): void {
    if (!__HAKMEM_DEBUG__) return;
    this.refuse(bodyError(this.pages, page, n, op));
    const u32 = this.lm.u32;
    const a = this.area;
    const budget = u32[a + BC_BUDGET_PAGES / WORD_BYTES];
    if (n > budget) return;
    let count = this.count();
    let cached = u32[a + BC_CACHED_PAGES / WORD_BYTES];
    let id = u32[a + BC_AGE_HEAD / WORD_BYTES];
    for (let k = 0; count >= BIGCACHE_ENTRIES || cached + n > budget; k++) {
      if (id === 0 || id > BIGCACHE_ENTRIES || k >= BIGCACHE_ENTRIES) this.refuse(ageListError(id, count, cached, op));
      this.assertEntry(id, op);
      count--;
      cached -= u32[this.t0 + id * BC_ENTRY_WORDS + BCE_PAGES];
      id = u32[this.t0 + id * BC_ENTRY_WORDS + BCE_AGE_NEXT];
    }
  }

  /** Set while a `finally` releases the lock (so a debug check's throw must not). */
  private guarded = false;

  /** Throws `err` (a debug check's finding), releasing the lock unless a `finally` will. */
  private refuse(err: HeapError | null): void {
    if (err === null) return;
    if (!this.guarded) this.unlock();
    throw err;
  }
}

