import { FREE_INVALID, FREE_OK, type FreeResult, type HeapWalk } from '@hakmem/contracts';
import {
  H_BIGCACHE_LOCK,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_RUN_BODY,
  PK_RUN_LIVE,
  SPAN_MAX_PAGES,
  pageKind,
  runHeadWord,
  runPages,
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

  /**
   * Frees the large block at `ptr` (page word `word`): FREE_OK, or
   * FREE_INVALID, changing nothing, when `ptr` is not the head of a live
   * large run (a freed run's pages are free at once: the front gate says
   * what they remember).
   */
  free(ptr: number, word: number): FreeResult {
    if ((ptr & PAGE_MASK) !== 0 || pageKind(word) !== PK_RUN_LIVE || runPages(word) <= SPAN_MAX_PAGES) return FREE_INVALID;
    return this.freeRun(ptr >>> PAGE_SHIFT, runPages(word)) ? FREE_OK : FREE_INVALID;
  }

  /** Usable size of the live large block at `ptr`: its whole run, or -1. */
  usableSize(ptr: number, word: number): number {
    if ((ptr & PAGE_MASK) !== 0 || pageKind(word) !== PK_RUN_LIVE || runPages(word) <= SPAN_MAX_PAGES) return -1;
    return runPages(word) * PAGE_SIZE;
  }

  /**
   * The heap walk over the live run at `page` (nothing else routes here: this
   * cache holds no free run). With `w.validate`: its page count fits the
   * heap and its body pages say PK_RUN_BODY.
   */
  walk(page: number, w: HeapWalk): string | null {
    const word = this.pages.word(page);
    const n = runPages(word);
    w.nextPage = page + Math.max(1, n);
    w.problemAt = page * PAGE_SIZE;
    if (pageKind(word) !== PK_RUN_LIVE) return w.validate ? `run at page ${page} is free, but this cache holds no run (lost memory)` : null;
    w.liveBlocks++;
    w.liveBytes += n * PAGE_SIZE;
    if (!w.validate) return null;
    if (page + n > this.pages.endPage()) return `run at page ${page} has ${n} pages, past the heap end`;
    for (let q = page + 1; q < page + n; q++) if (this.pages.word(q) !== PK_RUN_BODY) return `run at page ${page}: page ${q} has word ${this.pages.word(q)}`;
    return null;
  }

  /** Releases the live run of `n` pages at `page`; false, changing nothing, when it is not one. */
  freeRun(page: number, n: number): boolean {
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

  /** No run is ever held free here. */
  holdsRun(_page: number): boolean {
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
