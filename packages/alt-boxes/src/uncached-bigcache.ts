import {
  H_BIGCACHE_LOCK,
  PK_RUN_BODY,
  PK_RUN_LIVE,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { breakLockOf, lockWord, unlockWord, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';

/**
 * A BigCache that caches nothing: `alloc` always takes fresh pages from the
 * page layer and `free` gives the run back at once. Large blocks then cost a
 * page-layer call each way, and the heap holds no freed large run, ever (the
 * baseline the built-in cache's reuse is measured against, and the
 * smallest-footprint choice for programs that free large blocks for good).
 *
 * Shared words: the head and body page words of the live runs it made, and
 * nothing else. `free` checks the head word and releases the run under the
 * BigCache lock (H_BIGCACHE_LOCK, taken before the page lock), so a second
 * free of a run cannot release it twice. Counters are per instance (JS).
 *
 * Run states: LIVE (user) → released (page layer). Because a freed run is
 * gone from the page table at once, a second free of it finds free pages:
 * the facade reports that as INVALID_POINTER, not DOUBLE_FREE.
 */
export class UncachedBigCache {
  readonly lm: LinearMemory;
  readonly pages: PageLayer;
  private readonly lockIndex: number;
  /** Runs allocated (every alloc is a miss: nothing is cached). */
  misses = 0;
  /** Runs freed, each released at once. */
  puts = 0;
  allocFailures = 0;
  /** Pages of the live runs it handed out. */
  livePages = 0;

  constructor(lm: LinearMemory, pages: PageLayer) {
    this.lm = lm;
    this.pages = pages;
    this.lockIndex = (pages.base + H_BIGCACHE_LOCK) >>> 2;
  }

  /** Nothing to format: this cache keeps no state in the memory. */
  static formatBudget(_lm: LinearMemory, _pages: PageLayer): void {}

  /** A fresh live run of `n` pages: its first page, or 0 when memory is out. */
  alloc(n: number): number {
    const page = this.pages.allocRun(n, 1);
    if (page === 0) {
      this.allocFailures++;
      return 0;
    }
    this.pages.setWord(page, runHeadWord(PK_RUN_LIVE, n));
    if (n > 1) this.pages.setWords(page + 1, n - 1, PK_RUN_BODY);
    this.misses++;
    this.livePages += n;
    return page;
  }

  /** Releases the live run of `n` pages at `page`; false, changing nothing, when it is not one. */
  free(page: number, n: number): boolean {
    lockWord(this.lm.i32, this.lockIndex, this.lm.shared, this.lm.holder);
    try {
      if (this.pages.word(page) !== runHeadWord(PK_RUN_LIVE, n)) return false;
      this.pages.freeRun(page, n);
    } finally {
      unlockWord(this.lm.i32, this.lockIndex, this.lm.shared);
    }
    this.puts++;
    this.livePages -= n;
    return true;
  }

  /** Nothing is cached, so there is nothing to give back. */
  flush(): void {}

  holds(_page: number): boolean {
    return false;
  }

  counters(): Record<string, number> {
    return {
      hits: 0,
      misses: this.misses,
      puts: this.puts,
      releases: this.puts,
      allocFailures: this.allocFailures,
      cachedRuns: 0,
      cachedBytes: 0,
      livePages: this.livePages,
    };
  }

  /** For a dead worker: frees the BigCache lock if it held it (nothing is cached, so nothing needs repair). */
  reclaimWorker(dead: number): boolean {
    if (!breakLockOf(this.lm.i32, this.lockIndex, dead, this.lm.holder)) return false;
    unlockWord(this.lm.i32, this.lockIndex, this.lm.shared);
    return true;
  }

  /** Invariant: no more runs freed than allocated, no negative live pages. Returns the violation, or null. */
  validate(): string | null {
    if (this.puts > this.misses) return `${this.puts} runs freed but only ${this.misses} allocated`;
    if (this.livePages < 0) return `live pages ${this.livePages} below zero`;
    return null;
  }
}

/**
 * The BigCache box implementation that caches nothing, for
 * `createAllocator({ boxes: { bigcache: uncachedBigCache } })`.
 *
 * @example
 * ```ts
 * import { createAllocator } from 'hakmem'
 * import { uncachedBigCache } from '@hakmem/alt-boxes'
 * const heap = createAllocator({ boxes: { bigcache: uncachedBigCache } })
 * heap.free(heap.malloc(4 << 20)) // the pages go straight back
 * heap.stats().boxes.bigcache.cachedBytes // 0
 * ```
 */
export const uncachedBigCache = {
  variant: 'release' as const,
  BigCache: UncachedBigCache,
};
