import {
  BC_BUDGET_PAGES,
  BC_CACHED_PAGES,
  BC_CLOCK,
  BC_COUNT,
  BC_COUNTERS,
  BC_ENTRY_BYTES,
  BC_TABLE,
  BIGCACHE_ENTRIES,
  H_BIGCACHE_LOCK,
  PAGE_SHIFT,
  PK_KIND_MASK,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  SPAN_MAX_PAGES,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { HeapError } from '@hakmem/contracts';
import { breakLockOf, lockWord, unlockWord, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';

/**
 * BigCache box: large blocks (above 1 MiB) as whole page runs. A freed run is
 * kept in a small table for reuse by a later request of about its size, and
 * given back to the page layer (evicted, oldest first) once the cache holds
 * more than its byte budget or its table is full.
 *
 * Shared state, all under the bigcache lock (H_BIGCACHE_LOCK), taken before
 * the page lock when both are needed: the entry table {page, pages, stamp},
 * the count, cached-pages total, clock and counters in the bigcache area, and
 * the head page words of cached runs (PK_RUN_FREE). A live run's head word is
 * PK_RUN_LIVE; `free` flips it under the lock, which is also what makes a
 * double free of a large block detectable.
 *
 * Run states: LIVE (user) → FREE (cached) → LIVE (reused) | released (page layer).
 *
 * Invariants live in one validator (`cacheViolation`): `validate()` reports it for
 * `check()` in both builds, and the debug build runs it on entry to `alloc`,
 * `free` and `flush` (under the lock, before anything changes), so a damaged
 * cache table or page word is a HeapError('CORRUPTION') from the operation
 * that would have acted on it. Its cost is the table (32 entries) plus the
 * page words of the cached runs, bounded by the budget.
 */
const COUNTER_NAMES = ['hits', 'misses', 'puts', 'evictions', 'splits', 'allocFailures'] as const;
const HITS = 0;
const MISSES = 1;
const PUTS = 2;
const EVICTIONS = 3;
const SPLITS = 4;
const FAILURES = 5;

export class BigCache {
  readonly lm: LinearMemory;
  readonly pages: PageLayer;
  private readonly area: number;
  private readonly lockIndex: number;

  constructor(lm: LinearMemory, pages: PageLayer, budgetBytes?: number) {
    this.lm = lm;
    this.pages = pages;
    this.area = pages.bigcacheArea >>> 2;
    this.lockIndex = (pages.base + H_BIGCACHE_LOCK) >>> 2;
    if (budgetBytes !== undefined) lm.u32[this.area + BC_BUDGET_PAGES / 4] = budgetBytes >>> PAGE_SHIFT;
  }

  /** Sets the default budget when the heap is formatted: an eighth of the region, 8..128 MiB. */
  static formatBudget(lm: LinearMemory, pages: PageLayer): void {
    const regionPages = pages.limitPage - pages.basePage;
    lm.u32[(pages.bigcacheArea >>> 2) + BC_BUDGET_PAGES / 4] = Math.max(128, Math.min(2048, regionPages >>> 3));
  }

  private lock(): void {
    lockWord(this.lm.i32, this.lockIndex, this.lm.shared, this.lm.holder);
  }

  private unlock(): void {
    unlockWord(this.lm.i32, this.lockIndex, this.lm.shared);
  }

  private bump(i: number): void {
    this.lm.u32[this.area + BC_COUNTERS / 4 + i]++;
  }

  /** Page count of the run the last successful `alloc` returned. */
  lastPages = 0;

  /**
   * A live run of at least `n` pages, page-aligned: a cached run when one fits
   * (a larger one is split and its tail released), else fresh pages. Returns
   * its first page (its size in `lastPages`), or 0 when memory is out.
   */
  alloc(n: number): number {
    this.lock();
    try {
      if (__HAKMEM_DEBUG__) assertCacheValid(this.lm, this.pages, 'alloc');
      const hit = this.takeFit(n);
      if (hit !== 0) {
        this.bump(HITS);
        return hit;
      }
      this.bump(MISSES);
      let page = this.pages.allocRun(n, 1);
      if (page === 0 && this.count() > 0) {
        // Everything cached goes back before the heap admits it is full.
        this.evictAll();
        page = this.pages.allocRun(n, 1);
      }
      if (page === 0) {
        this.bump(FAILURES);
        return 0;
      }
      this.stamp(page, n);
      this.lastPages = n;
      return page;
    } finally {
      this.unlock();
    }
  }

  /**
   * Frees the live run at `page`. Returns false, changing nothing, if its head
   * is not a live run (a double free raced with us).
   */
  free(page: number, n: number): boolean {
    this.lock();
    try {
      if (__HAKMEM_DEBUG__) assertCacheValid(this.lm, this.pages, 'free');
      if (this.pages.word(page) !== runHeadWord(PK_RUN_LIVE, n)) return false;
      this.pages.setWord(page, runHeadWord(PK_RUN_FREE, n));
      this.put(page, n);
      return true;
    } finally {
      this.unlock();
    }
  }

  private count(): number {
    return this.lm.u32[this.area + BC_COUNT / 4];
  }

  private entry(i: number): number {
    return this.area + BC_TABLE / 4 + i * (BC_ENTRY_BYTES / 4);
  }

  private takeFit(n: number): number {
    const u32 = this.lm.u32;
    const count = this.count();
    let best = -1;
    let bestPages = 0;
    for (let i = 0; i < count; i++) {
      const p = u32[this.entry(i) + 1];
      if (p >= n && (best < 0 || p < bestPages)) {
        best = i;
        bestPages = p;
      }
    }
    if (best < 0) return 0;
    const page = u32[this.entry(best)];
    this.removeEntry(best);
    // Keep up to a quarter of slack; a bigger run is split and its tail released.
    if (bestPages > n + (n >>> 2)) {
      this.bump(SPLITS);
      this.pages.freeRun(page + n, bestPages - n);
      bestPages = n;
    }
    this.pages.setWord(page, runHeadWord(PK_RUN_LIVE, bestPages));
    this.lastPages = bestPages;
    return page;
  }

  private put(page: number, n: number): void {
    const u32 = this.lm.u32;
    this.bump(PUTS);
    const budget = u32[this.area + BC_BUDGET_PAGES / 4];
    if (n > budget) {
      this.release(page, n);
      return;
    }
    while (this.count() >= BIGCACHE_ENTRIES || u32[this.area + BC_CACHED_PAGES / 4] + n > budget) this.evictOldest();
    const i = this.count();
    const e = this.entry(i);
    u32[e] = page;
    u32[e + 1] = n;
    u32[e + 2] = ++u32[this.area + BC_CLOCK / 4];
    u32[this.area + BC_COUNT / 4] = i + 1;
    u32[this.area + BC_CACHED_PAGES / 4] += n;
  }

  private removeEntry(i: number): void {
    const u32 = this.lm.u32;
    const last = this.count() - 1;
    const e = this.entry(i);
    u32[this.area + BC_CACHED_PAGES / 4] -= u32[e + 1];
    if (i !== last) u32.copyWithin(e, this.entry(last), this.entry(last) + BC_ENTRY_BYTES / 4);
    u32[this.area + BC_COUNT / 4] = last;
  }

  private evictOldest(): void {
    const u32 = this.lm.u32;
    const count = this.count();
    let oldest = 0;
    for (let i = 1; i < count; i++) if (u32[this.entry(i) + 2] < u32[this.entry(oldest) + 2]) oldest = i;
    const page = u32[this.entry(oldest)];
    const n = u32[this.entry(oldest) + 1];
    this.removeEntry(oldest);
    this.bump(EVICTIONS);
    this.release(page, n);
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

  private stamp(page: number, n: number): void {
    this.pages.setWord(page, runHeadWord(PK_RUN_LIVE, n));
    if (n > 1) this.pages.setWords(page + 1, n - 1, PK_RUN_BODY);
  }

  private release(page: number, n: number): void {
    this.pages.freeRun(page, n);
  }

  counters(): Record<string, number> {
    const u32 = this.lm.u32;
    const out: Record<string, number> = {};
    COUNTER_NAMES.forEach((name, i) => (out[name] = u32[this.area + BC_COUNTERS / 4 + i]));
    out.cachedRuns = this.count();
    out.cachedBytes = u32[this.area + BC_CACHED_PAGES / 4] * (1 << PAGE_SHIFT);
    out.budgetBytes = u32[this.area + BC_BUDGET_PAGES / 4] * (1 << PAGE_SHIFT);
    return out;
  }

  /**
   * Invariants: every entry is a cached run inside the heap (head word
   * PK_RUN_FREE of its size, body words PK_RUN_BODY, and the run ends where
   * its size says), no run is cached twice, the cached total matches the
   * entries and respects the budget. Returns the first violation, or null.
   */
  validate(): string | null {
    const v = cacheViolation(this.lm, this.pages);
    return v === null ? null : v.message;
  }

  /**
   * A survivor's call for worker `dead`: frees the bigcache lock if the dead
   * worker held it, then repairs what an update it left half-done can leave:
   * entries that no longer describe a cached run are dropped, the cached
   * pages are recounted, and a large run whose head says FREE but that no
   * entry holds (the worker died between flipping the head and `put`, or
   * between removing an entry and handing the run out or back) is given back
   * to the page layer. Returns whether the lock was broken.
   */
  reclaimWorker(dead: number): boolean {
    const broke = breakLockOf(this.lm.i32, this.lockIndex, dead, this.lm.holder);
    if (!broke) return false;
    try {
      this.lm.fresh();
      const u32 = this.lm.u32;
      let total = 0;
      u32[this.area + BC_COUNT / 4] = Math.min(this.count(), BIGCACHE_ENTRIES);
      for (let i = this.count() - 1; i >= 0; i--) {
        const n = u32[this.entry(i) + 1];
        if (n === 0 || this.pages.word(u32[this.entry(i)]) !== runHeadWord(PK_RUN_FREE, n)) this.removeEntry(i);
      }
      for (let i = 0; i < this.count(); i++) total += u32[this.entry(i) + 1];
      u32[this.area + BC_CACHED_PAGES / 4] = total;
      this.releaseOrphanRuns();
      return true;
    } finally {
      this.unlock();
    }
  }

  /**
   * Under the lock: walks the page words and releases every free large run
   * (more pages than a mid span, so not the mid box's) that no entry holds.
   */
  private releaseOrphanRuns(): void {
    const end = this.pages.endPage();
    let p = this.pages.firstDataPage;
    while (p < end) {
      const w = this.pages.word(p);
      const kind = w & PK_KIND_MASK;
      const n = w >>> 8;
      if ((kind !== PK_RUN_FREE && kind !== PK_RUN_LIVE) || n === 0 || p + n > end) {
        p++;
        continue;
      }
      if (kind === PK_RUN_FREE && n > SPAN_MAX_PAGES && !this.holds(p)) {
        this.bump(EVICTIONS);
        this.release(p, n);
      }
      p += n;
    }
  }

  /** Whether `page` heads a run this cache holds. */
  holds(page: number): boolean {
    const count = this.count();
    for (let i = 0; i < count; i++) if (this.lm.u32[this.entry(i)] === page) return true;
    return false;
  }
}

/**
 * The cache's invariants, read from memory (see `validate`): the first broken
 * one and the run it concerns (page 0: the table as a whole).
 */
function cacheViolation(lm: LinearMemory, pages: PageLayer): { message: string; page: number } | null {
  const u32 = lm.u32;
  const area = pages.bigcacheArea >>> 2;
  const entry = (i: number) => area + BC_TABLE / 4 + i * (BC_ENTRY_BYTES / 4);
  const count = u32[area + BC_COUNT / 4];
  if (count > BIGCACHE_ENTRIES) return { message: `entry count ${count} > ${BIGCACHE_ENTRIES}`, page: 0 };
  const end = pages.endPage();
  const seen = new Set<number>();
  let total = 0;
  for (let i = 0; i < count; i++) {
    const page = u32[entry(i)];
    const n = u32[entry(i) + 1];
    if (seen.has(page)) return { message: `run at page ${page} is cached twice`, page };
    seen.add(page);
    if (page < pages.firstDataPage || n === 0 || page + n > end) return { message: `cached run at page ${page} of ${n} pages is not inside the heap's pages`, page };
    if (pages.word(page) !== runHeadWord(PK_RUN_FREE, n)) return { message: `cached run at page ${page} has head word ${pages.word(page)}, not a free run of ${n} pages`, page };
    for (let p = page + 1; p < page + n; p++) if ((pages.word(p) & PK_KIND_MASK) !== PK_RUN_BODY) return { message: `cached run at page ${page}: page ${p} is not part of it`, page };
    if (page + n < end && pages.word(page + n) === PK_RUN_BODY) return { message: `cached run at page ${page}: its pages go on past the ${n} its entry and head word say`, page };
    total += n;
  }
  const cached = u32[area + BC_CACHED_PAGES / 4];
  if (total !== cached) return { message: `cached pages ${cached} but entries add to ${total}`, page: 0 };
  const budget = u32[area + BC_BUDGET_PAGES / 4];
  if (total > budget) return { message: `cache holds ${total} pages, over its budget of ${budget}`, page: 0 };
  return null;
}

/** Debug build: the cache must be sound before `op` acts on it (under the lock, nothing changed yet). */
function assertCacheValid(lm: LinearMemory, pages: PageLayer, op: string): void {
  const v = cacheViolation(lm, pages);
  if (v !== null) throw new HeapError('CORRUPTION', `${v.message} (found by ${op}, before touching the cache)`, v.page === 0 ? undefined : (v.page << PAGE_SHIFT) >>> 0, 'bigcache');
}
