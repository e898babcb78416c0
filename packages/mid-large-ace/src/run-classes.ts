import { HeapError, type HeapWalk, FREE_DOUBLE, FREE_INVALID } from '@hakmem/contracts';
import {
  MID_CLASSES,
  MID_FIRST_RUN_CLASS,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  isRunHead,
  midRunClass,
  midRunClassPages,
  pageKind,
  pageStart,
  runHeadWord,
  runPages,
} from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import type { AceCache } from './ace-cache.js';
import { BLOCK_GUARD } from './block-guard.js';
import { checkGuard, guardOnFree } from './block-checks.js';

/**
 * Run classes (mid classes MID_FIRST_RUN_CLASS.., `midRunClass(pages)`):
 * one block of 1..SPAN_MAX_PAGES whole pages, page-aligned, whose only
 * state is its page words: the head's word is PK_RUN_LIVE while the block
 * is out and PK_RUN_FREE while a worker's cache holds it (with its page
 * count), every later page's word is PK_RUN_BODY. In a shared heap the head
 * word flips LIVE→FREE with a CAS, so two frees of one run cannot both
 * succeed; FREE→LIVE is written by the one worker whose cache holds it.
 */
export class RunClasses {
  private readonly lm: LinearMemory;
  private readonly pages: PageLayer;
  private readonly shared: boolean;
  private readonly cache: AceCache;
  runsAllocated = 0;
  runsReleased = 0;

  constructor(lm: LinearMemory, pages: PageLayer, cache: AceCache) {
    this.lm = lm;
    this.pages = pages;
    this.shared = lm.shared;
    this.cache = cache;
  }

  /**
   * For a page word that is not PK_MID_SPAN: flips the live run head at
   * `ptr` to free and returns its class, or -FREE_DOUBLE (a free run head) /
   * -FREE_INVALID (no run head at `ptr`) without changing anything.
   */
  clearLive(ptr: number, word: number): number {
    if (!isRunHead(word) || (ptr & PAGE_MASK) !== 0) return -FREE_INVALID;
    if (pageKind(word) === PK_RUN_FREE) return -FREE_DOUBLE;
    const pages = runPages(word);
    if (__HAKMEM_DEBUG__) guardOnFree(this.lm, ptr, pages * PAGE_SIZE);
    const i = this.pages.pt0 + (ptr >>> PAGE_SHIFT);
    const free = runHeadWord(PK_RUN_FREE, pages);
    if (this.shared) {
      if (Atomics.compareExchange(this.lm.u32, i, word, free) !== word) return -FREE_DOUBLE;
    } else this.lm.u32[i] = free;
    return midRunClass(pages);
  }

  /** The cached run `ptr` of class `cls`, whose head word is at u32 index `i`, becomes live. */
  markLive(u32: Uint32Array, i: number, ptr: number, cls: number): boolean {
    const pages = midRunClassPages(cls);
    if (__HAKMEM_DEBUG__) {
      if (u32[i] !== runHeadWord(PK_RUN_FREE, pages)) throw new HeapError('CORRUPTION', 'cached run is not a free run of its class', ptr, 'midLargeAce');
    }
    u32[i] = runHeadWord(PK_RUN_LIVE, pages);
    return true;
  }

  /** Usable bytes of the live run at `ptr` (head word `word`, PK_RUN_LIVE), or -1 when `ptr` is not its first byte. */
  usableSize(ptr: number, word: number): number {
    return (ptr & PAGE_MASK) === 0 ? runPages(word) * PAGE_SIZE - BLOCK_GUARD : -1;
  }

  /** Takes a fresh run of class `cls` from the page layer into the cache (as a free run); returns 1, or 0 when memory is out. */
  refill(cls: number): number {
    const pages = midRunClassPages(cls);
    const page = this.pages.allocRun(pages, 1);
    if (page === 0) return 0;
    this.runsAllocated++;
    this.pages.setWord(page, runHeadWord(PK_RUN_FREE, pages));
    if (pages > 1) this.pages.setWords(page + 1, pages - 1, PK_RUN_BODY);
    this.cache.pushFresh(cls, pageStart(page));
    return 1;
  }

  /** Gives a cached (free) run's pages back to the page layer. */
  returnRun(cls: number, ptr: number): void {
    // Debug: the pages go back poisoned, checked when taken again and by check().
    this.pages.freeRun(ptr >>> PAGE_SHIFT, midRunClassPages(cls), __HAKMEM_DEBUG__);
    this.runsReleased++;
  }

  /**
   * `walk` for a run head page `page` (word `word`) of at most
   * SPAN_MAX_PAGES pages. A live run counts as one block. With
   * `w.validate`: the run ends inside the heap, its body pages say
   * PK_RUN_BODY, a free run sits in this worker's caches (in a shared heap,
   * another worker's cache may hold it: not checked), and the debug build
   * checks a live run's guard (it throws).
   */
  walk(page: number, word: number, w: HeapWalk): string | null {
    const n = runPages(word);
    const run = pageStart(page);
    w.nextPage = page + Math.max(1, n);
    w.problemAt = run;
    const live = pageKind(word) === PK_RUN_LIVE;
    if (w.validate) {
      if (n === 0 || page + n > this.pages.endPage()) return `run at page ${page} has ${n} pages, past the heap end`;
      for (let q = page + 1; q < page + n; q++) if (this.pages.word(q) !== PK_RUN_BODY) return `run at page ${page}: page ${q} has word ${this.pages.word(q)}`;
      if (!live && !this.shared && !this.cache.holds(run, MID_FIRST_RUN_CLASS, MID_CLASSES)) return `free run at page ${page} is held by no cache (lost memory)`;
      if (live && __HAKMEM_DEBUG__) checkLiveRun(this.lm, run, n);
    }
    if (live) {
      w.liveBlocks++;
      w.liveBytes += n * PAGE_SIZE - BLOCK_GUARD;
    }
    return null;
  }
}

/** Debug: the guard of the live run of `pages` pages at `run` is intact (else it throws CORRUPTION). */
export function checkLiveRun(lm: LinearMemory, run: number, pages: number): void {
  lm.cover(run + pages * PAGE_SIZE);
  checkGuard(lm.u8, run, pages * PAGE_SIZE);
}

/**
 * Validates a live mid run (a block of a run class, `pages` pages at `run`):
 * in the debug build its guard must be intact. Returns null or throws.
 */
export function validateLiveRun(lm: LinearMemory, run: number, pages: number): string | null {
  if (__HAKMEM_DEBUG__) checkLiveRun(lm, run, pages);
  return null;
}
