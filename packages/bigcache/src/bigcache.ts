import {
  BC_ALL_SLOTS,
  BC_ALLOC_FAILURES,
  BC_BUCKET_MASK,
  BC_BUDGET_PAGES,
  BC_CACHED_PAGES,
  BC_COUNTER_COUNT,
  BC_COUNTERS,
  BC_ENTRY_WORDS,
  BC_EVICTIONS,
  BC_HITS,
  BC_MISSES,
  BC_PUTS,
  BC_RESIZES,
  BC_SPLITS,
  BC_USED,
  BCE_BUCKET_NEXT,
  BCE_PAGE,
  BCE_PAGES,
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
import { assertCacheValid, cacheViolation, countsError, entryError, poisonViolation, putError } from './bigcache-checks.js';
import { BigCacheTable, linkRun, unlinkRun } from './bigcache-table.js';
import { HIGH_BIT, LAST_BUCKET, SAME_BUCKET_PROBES, SLACK_HEADROOM, SPLIT_RATIO, bucketOf } from './bucket.js';
import { growRun, shrinkRun } from './bigcache-resize.js';
import { releaseOrphanRuns, walkRun } from './bigcache-walk.js';
import { BLOCK_GUARD, guardError, poisonError, poisonRun, writeRunGuard } from './run-guard.js';

export { bucketOf } from './bigcache-checks.js';

/**
 * BigCache box: large blocks (above 1 MiB) as whole page runs. A freed run is
 * kept for reuse by a later request of up to four times fewer pages, and given back to the
 * page layer (evicted, oldest first) once the cache holds more than its byte
 * budget or its table is full.
 *
 * Every operation is a constant number of steps, whatever the table holds and
 * whatever the run's size (a miss, which asks the page layer, aside):
 * - cached runs sit in size-bucket lists (four buckets per power of two of
 *   the page count, a bit per non-empty bucket), so a fitting run is a few
 *   probes of the request's own bucket or the head of the next non-empty one;
 *   a slot mask finds a free slot and counts the runs;
 * - runs are neither split inside the cache nor merged with cached
 *   neighbours: either would leave a head word where no block started or
 *   turn a freed block's head into a body word, and a later free of such a
 *   pointer would get the wrong error (double free against invalid
 *   pointer). A run is handed out whole up to SPLIT_RATIO times the
 *   request; beyond that its tail goes to the page layer, whose free words
 *   remember what the pages were;
 * - eviction takes the run cached longest, by the put count stamped on its
 *   slot: a look at each of the 28 slots, on the few puts that evict, rather
 *   than an age list kept up to date on every put and hit.
 *
 * Shared state, all under the bigcache lock (H_BIGCACHE_LOCK), taken before
 * the page lock when both are needed: the entry slots and lists, the slot
 * mask, cached-pages total and counters in the bigcache area, and the head page
 * words of cached runs (PK_RUN_FREE). A live run's head word is PK_RUN_LIVE;
 * `free` flips it under the lock, which is also what makes a double free of a
 * large block detectable.
 *
 * Run states: LIVE (user) → FREE (cached) → LIVE (reused) | released (page layer).
 *
 * Checks: `validate()` (what `check()` runs, both builds) walks the whole
 * table, the lists and every cached run's page words (`cacheViolation`). The
 * debug build checks, on entry to each operation and before anything
 * changes, only what that operation is about to act on: the slot mask and
 * the budget (O(1)), the run it hands out or takes in (its page words), and each run it
 * is about to evict. `flush` acts on every run, so it checks them all. A
 * damaged record or page word is a HeapError('CORRUPTION') from the
 * operation that would have acted on it, and from `check()` in any case.
 * The debug build also guards and poisons the runs themselves (run-guard.ts):
 * a write past a live run's usable end, or into a freed one, is CORRUPTION
 * from the operation that next acts on that run, or from `check()`.
 *
 * Files: this one decides (alloc, free, resize, flush, eviction, the lock);
 * `bigcache-table.ts` keeps the slots, bucket lists, stamps and totals;
 * `bigcache-resize.ts` grows and shrinks a run in place; `bigcache-walk.ts`
 * holds the page-word walks (the heap walk's step, orphan release);
 * `bigcache-checks.ts` the validators; `run-guard.ts` the debug build's
 * guard and poison of the runs.
 */
/** `counters()` names, in counter-index order (BC_HITS .. BC_RESIZES). */
const COUNTER_NAMES = ['hits', 'misses', 'puts', 'evictions', 'splits', 'allocFailures', 'resizes'] as const;
/** Default budget: an eighth of the region (a shift of 3), at least 8 MiB and at most 128 MiB (in 64 KiB pages). */
const BUDGET_SHARE_SHIFT = 3;
/** A MiB is `1 << MIB_SHIFT` bytes. */
const MIB_SHIFT = 20;
const MIN_BUDGET_MIB = 8;
const MAX_BUDGET_MIB = 128;
const MIN_BUDGET_PAGES = (MIN_BUDGET_MIB << MIB_SHIFT) >>> PAGE_SHIFT;
const MAX_BUDGET_PAGES = (MAX_BUDGET_MIB << MIB_SHIFT) >>> PAGE_SHIFT;

export class BigCache {
  readonly lm: LinearMemory;
  readonly pages: PageLayer;
  /** The slots, lists, totals and counters (`bigcache-table.ts`). */
  private readonly table: BigCacheTable;
  /** The table's `area`, `t0` and `bk` and the page layer's `pt0`, copied for the arithmetic of the paths here. */
  private readonly area: number;
  private readonly t0: number;
  private readonly bk: number;
  private readonly pt0: number;
  private readonly lockIndex: number;

  constructor(lm: LinearMemory, pages: PageLayer, budgetBytes?: number) {
    this.lm = lm;
    this.pages = pages;
    this.table = new BigCacheTable(lm, pages.bigcacheArea);
    this.area = this.table.area;
    this.t0 = this.table.t0;
    this.bk = this.table.bk;
    this.pt0 = pages.pt0;
    this.lockIndex = (pages.base + H_BIGCACHE_LOCK) >>> 2;
    if (budgetBytes !== undefined) lm.u32[this.area + BC_BUDGET_PAGES / WORD_BYTES] = budgetBytes >>> PAGE_SHIFT;
  }

  /** Sets the default budget when the heap is formatted: an eighth of the region, 8..128 MiB. */
  static formatBudget(lm: LinearMemory, pages: PageLayer): void {
    const regionPages = pages.limitPage - pages.basePage;
    lm.u32[(pages.bigcacheArea >>> 2) + BC_BUDGET_PAGES / WORD_BYTES] = Math.max(MIN_BUDGET_PAGES, Math.min(MAX_BUDGET_PAGES, regionPages >>> BUDGET_SHARE_SHIFT));
  }

  /**
   * The bigcache lock, in a shared heap only: a private heap has one thread,
   * and writing the word there cost W6 about 10 ns an iteration (lockWord and
   * unlockWord are calls; process CPU time, BigCache alone).
   */
  private lock(): void {
    if (this.lm.shared) lockWord(this.lm.i32, this.lockIndex, true, this.lm.holder);
  }

  private unlock(): void {
    if (this.lm.shared) unlockWord(this.lm.i32, this.lockIndex, true);
  }

  /** Page count of the run the last successful `alloc` returned. */
  lastPages = 0;

  /**
   * A live run of at least `n` pages, page-aligned: a cached run when one fits
   * (whole, unless it is more than SPLIT_RATIO times `n`: then its tail goes
   * back to the page layer), else fresh pages.
   * Returns its first page (its size in `lastPages`), or 0 when memory is out.
   *
   * The hit is written out over the table's words with `unlinkRun` (as is
   * the put in `freeRun`): through the table's methods a put and a hit cost
   * W6 ~8 ns more (loads of the table's fields and calls V8 did not inline).
   */
  alloc(n: number): number {
    this.lock();
    if (__HAKMEM_DEBUG__) this.assertCounts('alloc');
    const u32 = this.lm.u32;
    const t0 = this.t0;
    const bk = this.bk;
    // Up to SAME_BUCKET_PROBES runs of the request's own bucket, the most
    // recently cached first (all of the last bucket, unbounded above) ...
    let b = bucketOf(n);
    let id = u32[bk + b];
    let prev = 0;
    for (let k = 0; id !== 0 && u32[t0 + id * BC_ENTRY_WORDS + BCE_PAGES] < n; k++) {
      if (k + 1 >= SAME_BUCKET_PROBES && b !== LAST_BUCKET) id = 0;
      else {
        prev = id;
        id = u32[t0 + id * BC_ENTRY_WORDS + BCE_BUCKET_NEXT];
      }
    }
    if (id === 0) {
      // ... else the head of the next non-empty bucket: every run of a larger
      // bucket is at least as large as any of bucket b. `~1 << b` (every bit
      // but bit 0, shifted) keeps the mask's bits above b; esbuild folds it to -2 << b.
      const above = u32[this.area + BC_BUCKET_MASK / WORD_BYTES] & (~1 << b);
      if (above === 0) return this.allocMiss(n);
      b = HIGH_BIT - Math.clz32(above & -above);
      id = u32[bk + b];
      prev = 0;
    }
    if (__HAKMEM_DEBUG__) this.assertEntry(id, 'alloc');
    const e = t0 + id * BC_ENTRY_WORDS;
    const page = u32[e + BCE_PAGE];
    const cached = u32[e + BCE_PAGES];
    // A run up to SPLIT_RATIO times the request goes out whole: its head page
    // is one a block started on before (warm in the TLB and cache, and
    // already backed by the OS), and no tail goes to the page layer to come
    // back later as a block starting on a page nobody touched. Splitting at a
    // quarter of slack, W6 took a page fault on ~2% of its mallocs (~50 ns an
    // iteration). Only what is beyond that goes back to the page layer, whose
    // free words remember that those pages were a run's body (a later free of
    // a pointer there is an invalid pointer, not a double free).
    // Slack in a live block is lost to the heap until the block is freed:
    // near its limit (less than SLACK_HEADROOM times the slack left to grow
    // into) the run is split at the request, so a heap about to fill up
    // fits as many blocks as before.
    const slack = cached - n;
    const split = slack > n * (SPLIT_RATIO - 1) || slack * SLACK_HEADROOM > this.pages.limitPage - this.pages.endPage();
    const give = split ? n : cached;
    // Debug: the pages handed out still hold the poison their free left (a
    // split tail keeps it, and the page layer checks it when it hands those
    // pages out).
    if (__HAKMEM_DEBUG__) this.refuse(poisonError(this.lm, page, give, 'alloc'));
    u32[this.area + BC_COUNTERS / WORD_BYTES + BC_HITS]++;
    unlinkRun(u32, this.area, t0, bk, id, e, b, prev);
    if (split) {
      this.table.bump(BC_SPLITS);
      this.pages.freeBodyRun(page + n, slack, __HAKMEM_DEBUG__);
    }
    u32[this.pt0 + page] = runHeadWord(PK_RUN_LIVE, give);
    if (__HAKMEM_DEBUG__) writeRunGuard(this.lm, page, give);
    this.lastPages = give;
    this.unlock();
    return page;
  }

  /** `alloc` when nothing cached fits: fresh pages (the lock is held; released here). */
  private allocMiss(n: number): number {
    try {
      this.table.bump(BC_MISSES);
      const head = runHeadWord(PK_RUN_LIVE, n);
      let page = this.pages.allocStampedRun(n, head, PK_RUN_BODY);
      if (page === 0 && this.table.any()) {
        // Everything cached goes back before the heap admits it is full.
        if (__HAKMEM_DEBUG__) assertCacheValid(this.lm, this.pages, 'alloc');
        this.evictAll();
        page = this.pages.allocStampedRun(n, head, PK_RUN_BODY);
      }
      if (page === 0) {
        this.table.bump(BC_ALLOC_FAILURES);
        return 0;
      }
      if (__HAKMEM_DEBUG__) writeRunGuard(this.lm, page, n);
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
   * its whole run less the debug build's guard (BLOCK_GUARD), or -1 when
   * `ptr` is not the first byte of a live run of this box.
   */
  usableSize(ptr: number, word: number): number {
    if ((ptr & PAGE_MASK) !== 0 || pageKind(word) !== PK_RUN_LIVE || runPages(word) <= SPAN_MAX_PAGES) return -1;
    return runPages(word) * PAGE_SIZE - BLOCK_GUARD;
  }

  /**
   * Frees the live run at `page`. Returns false, changing nothing, if its head
   * is not a live run of `n` pages (a double free raced with us). `free`'s
   * work once it has checked the pointer.
   */
  freeRun(page: number, n: number): boolean {
    this.lock();
    if (__HAKMEM_DEBUG__) this.assertCounts('free');
    const u32 = this.lm.u32;
    const at = this.pt0 + page;
    if (u32[at] !== runHeadWord(PK_RUN_LIVE, n)) {
      this.unlock();
      return false;
    }
    if (__HAKMEM_DEBUG__) {
      this.assertPut(page, n, 'free');
      this.refuse(guardError(this.lm, page, n, 'free'));
      poisonRun(this.lm, page, n);
    }
    u32[at] = runHeadWord(PK_RUN_FREE, n);
    const a = this.area;
    const now = ++u32[a + BC_COUNTERS / WORD_BYTES + BC_PUTS];
    // A free slot and room in the budget: cached with no eviction (`put` does the rest).
    if (u32[a + BC_USED / WORD_BYTES] !== BC_ALL_SLOTS && u32[a + BC_CACHED_PAGES / WORD_BYTES] + n <= u32[a + BC_BUDGET_PAGES / WORD_BYTES]) linkRun(u32, a, this.t0, this.bk, page, n, now);
    else this.put(page, n, now);
    this.unlock();
    return true;
  }

  /**
   * Resizes the live run at `page` from `oldPages` to `newPages` pages where
   * it lies (both above a mid span's size), with `shrinkRun` or `growRun`.
   * Shrinking always works: the tail goes to the page layer. Growing takes
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
      if (__HAKMEM_DEBUG__) this.refuse(guardError(this.lm, page, oldPages, 'resize'));
      if (newPages === oldPages) return true;
      const ok = newPages < oldPages ? shrinkRun(this.lm, this.pages, page, oldPages, newPages) : growRun(this.lm, this.pages, this.table, page, oldPages, newPages);
      if (ok) {
        this.table.bump(BC_RESIZES);
        // The run may have taken a whole cached run's pages, more than asked for.
        if (__HAKMEM_DEBUG__) writeRunGuard(this.lm, page, runPages(this.pages.word(page)));
      }
      return ok;
    } finally {
      this.guarded = false;
      this.unlock();
    }
  }

  /**
   * Caches the free run at `page` (head word already PK_RUN_FREE), evicting
   * the oldest runs to make room, or gives it back if it alone is over the
   * budget; `now` is the put count (`freeRun` counted this put).
   */
  private put(page: number, n: number, now: number): void {
    const u32 = this.lm.u32;
    const budget = u32[this.area + BC_BUDGET_PAGES / WORD_BYTES];
    if (n > budget) {
      this.pages.freeBodyRun(page, n, __HAKMEM_DEBUG__);
      return;
    }
    while (this.table.full() || u32[this.area + BC_CACHED_PAGES / WORD_BYTES] + n > budget) this.evictOldest(now);
    this.table.insert(page, n, now);
  }

  /** Gives the run cached longest back to the page layer; `now` is the put count. */
  private evictOldest(now: number): void {
    const u32 = this.lm.u32;
    const id = this.table.oldest(now);
    const e = this.t0 + id * BC_ENTRY_WORDS;
    const page = u32[e + BCE_PAGE];
    const n = u32[e + BCE_PAGES];
    this.table.remove(id, e);
    this.table.bump(BC_EVICTIONS);
    this.pages.freeBodyRun(page, n, __HAKMEM_DEBUG__);
  }

  private evictAll(): void {
    const now = this.lm.u32[this.area + BC_COUNTERS / WORD_BYTES + BC_PUTS];
    while (this.table.any()) this.evictOldest(now);
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
    out.cachedRuns = this.table.count();
    out.cachedBytes = u32[this.area + BC_CACHED_PAGES / WORD_BYTES] * PAGE_SIZE;
    out.budgetBytes = u32[this.area + BC_BUDGET_PAGES / WORD_BYTES] * PAGE_SIZE;
    return out;
  }

  /**
   * The heap walk's step for the large run whose head is page `page` (its
   * word a run head of more pages than a mid span): counts a live run as one
   * block of its usable bytes (the run less BLOCK_GUARD), and sets
   * `w.nextPage` past the run (past `page` at least). With `w.validate`, it
   * also checks the run's page words (it ends inside the heap, its body
   * pages are PK_RUN_BODY), that a free run is one this cache holds and, in
   * the debug build, a live run's guard; it returns the first broken one,
   * with `w.problemAt` the run's first byte, else null (`walkRun`).
   */
  walk(page: number, w: HeapWalk): string | null {
    return walkRun(this.pages, this.table, page, w);
  }

  /**
   * Invariants: every slot in use is a cached run inside the heap (head word
   * PK_RUN_FREE of its size, body words PK_RUN_BODY, and the run ends where
   * its size says), on the list of its size's bucket once; no run is cached twice; the bucket mask says which buckets are
   * non-empty; the count and cached total match the slots and respect the
   * table and the budget. Returns the first violation, or null.
   */
  validate(): string | null {
    const v = cacheViolation(this.lm, this.pages) ?? (__HAKMEM_DEBUG__ ? poisonViolation(this.lm, this.pages) : null);
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
      this.table.rebuild(this.pages);
      releaseOrphanRuns(this.pages, this.table);
      return true;
    } finally {
      // The word itself, shared heap or not: breakLockOf wrote this worker's id there.
      unlockWord(this.lm.i32, this.lockIndex, this.lm.shared);
    }
  }

  /**
   * Whether `page` heads a run this cache holds (`walk` asks it of every free run).
   */
  holdsRun(page: number): boolean {
    return this.table.slotOf(page) !== 0;
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

  /** Debug: the run about to be cached, and every run `put` would evict for it, are sound (`putError`). */
  private assertPut(page: number, n: number, op: string): void {
    if (__HAKMEM_DEBUG__) this.refuse(putError(this.lm, this.pages, page, n, op));
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

