import { HeapError, type FreeResult, type HeapWalk, FREE_OK } from '@hakmem/contracts';
import {
  MID_CLASSES,
  MID_FIRST_RUN_CLASS,
  MID_CLASS_SIZES,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_MID_SPAN,
  PK_RUN_LIVE,
  SPAN_MAX_PAGES,
  isMidRunClass,
  midClassOf,
  midRunClass,
  pageKind,
} from '@hakmem/contracts/layout';
import { writeGuard, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';
import { AbandonedSpans } from './abandoned-spans.js';
import { AceCache, defaultBudget } from './ace-cache.js';
import { STATE_COUNT_AT, STATE_HITS_AT, STATE_LIMIT_AT, STRIDE } from './cache-layout.js';
import { BLOCK_GUARD } from './block-guard.js';
import { checkCachedBlock, checkPoison, poisonMid } from './block-checks.js';
import { RunClasses } from './run-classes.js';
import { SpanClasses } from './span-classes.js';

/**
 * Mid ACE box: blocks above 1 KiB up to 1 MiB, one per worker.
 *
 * Classes 0..47 (1040 B, then 1152 B .. 60 KiB eight per doubling) are span
 * classes (span-classes.ts: blocks carved from spans, span lists, remote
 * frees); classes 48..63 are whole runs of 1..16 pages (run-classes.ts). Each
 * worker keeps a LIFO cache per class whose capacity adapts to its miss rate
 * (ace-cache.ts; this class extends it, so the hot paths read the cache off
 * `this`). Spans of a detached or dead worker are abandoned and adopted
 * under the mid lock (abandoned-spans.ts).
 *
 * Which part serves a block: the page word on `free` and `usableSize`
 * (PK_MID_SPAN: spans, else runs), the class everywhere else
 * (`isMidRunClass(cls)`: runs, else spans), decided here once per operation.
 */
export class MidAce extends AceCache {
  readonly pages: PageLayer;
  readonly worker: number;
  private readonly shared: boolean;
  private readonly pt0: number;
  private readonly spans: SpanClasses;
  private readonly runs: RunClasses;
  private readonly abandoned: AbandonedSpans;
  allocFailures = 0;

  constructor(lm: LinearMemory, pages: PageLayer, worker: number, budgetBytes?: number) {
    super(lm, budgetBytes ?? defaultBudget((pages.limitPage - pages.basePage) * PAGE_SIZE));
    this.pages = pages;
    this.worker = worker;
    this.shared = lm.shared;
    this.pt0 = pages.pt0;
    this.abandoned = new AbandonedSpans(lm, pages, worker);
    this.spans = new SpanClasses(lm, pages, worker, this, this.abandoned);
    this.runs = new RunClasses(lm, pages, this);
  }

  /** A block of at least `size` bytes (1 KiB < size ≤ 1 MiB), or 0 when memory is out. */
  malloc(size: number): number {
    if (__HAKMEM_DEBUG__) {
      const cls = midClassOf(size + BLOCK_GUARD);
      if (!(cls >= 0 && cls < MID_CLASSES))
        throw new HeapError('INVALID_STATE', `size ${size} plus its ${BLOCK_GUARD}-byte guard is not a mid size`, undefined, 'midLargeAce');
      return this.mallocClass(cls);
    }
    return this.mallocClass(midClassOf(size));
  }

  /** A page-aligned run of `pages` (1..SPAN_MAX_PAGES) whole pages, or 0 when memory is out; its usable size is `pages * PAGE_SIZE - BLOCK_GUARD`. */
  mallocPages(pages: number): number {
    if (__HAKMEM_DEBUG__) {
      if (!(Number.isInteger(pages) && pages >= 1 && pages <= SPAN_MAX_PAGES))
        throw new HeapError('INVALID_STATE', `mallocPages(${pages}): a mid run has 1 to ${SPAN_MAX_PAGES} pages`, undefined, 'midLargeAce');
    }
    return this.mallocClass(midRunClass(pages));
  }

  /** A block of mid class `cls`, or 0 (what `malloc` and `mallocPages` come to). */
  mallocClass(cls: number): number {
    const st = this.state;
    const n = st[STATE_COUNT_AT + cls] - 1;
    if (n < 0) return this.refill(cls);
    const ptr = st[cls * STRIDE + n];
    if (!this.markLive(ptr, cls)) return this.refill(cls);
    st[STATE_COUNT_AT + cls] = n;
    st[STATE_HITS_AT + cls]++;
    return ptr;
  }

  /** Frees `ptr` whose page word is `word`: FREE_OK, FREE_DOUBLE (not live) or FREE_INVALID (no block starts there); on the last two nothing changed. */
  free(ptr: number, word: number): FreeResult {
    // Span blocks first and apart: the span path stays small enough for V8 to inline it into the facade's free.
    const span = pageKind(word) === PK_MID_SPAN;
    const cls = span ? this.spans.clearLive(ptr, word) : this.runs.clearLive(ptr, word);
    if (cls < 0) return -cls as FreeResult;
    const size = MID_CLASS_SIZES[cls];
    if (__HAKMEM_DEBUG__) poisonMid(this.lm, ptr, size);
    // Shared heap: another worker's span block goes home now (its remote list),
    // so that workers do not end up carving into each other's spans' lines.
    if (this.shared && span && this.spans.isForeign(ptr, word)) {
      this.countFree();
      this.spans.returnBlock(cls, ptr);
      return FREE_OK;
    }
    const st = this.state;
    const n = st[STATE_COUNT_AT + cls];
    if (n < st[STATE_LIMIT_AT + cls]) {
      st[cls * STRIDE + n] = ptr;
      st[STATE_COUNT_AT + cls] = n + 1;
      return FREE_OK;
    }
    this.countFree();
    this.freeAtLimit(cls, ptr);
    return FREE_OK;
  }

  /** Usable bytes of the live block at `ptr` (page word `word`), or -1 if it is not one. */
  usableSize(ptr: number, word: number): number {
    const kind = pageKind(word);
    if (kind === PK_RUN_LIVE) return this.runs.usableSize(ptr, word);
    return kind === PK_MID_SPAN ? this.spans.usableSize(ptr, word) : -1;
  }

  /** The cached block `ptr` of class `cls` becomes live; false when its page lies past this worker's view. */
  private markLive(ptr: number, cls: number): boolean {
    const u32 = this.lm.u32;
    const i = this.pt0 + (ptr >>> PAGE_SHIFT);
    if (i >= u32.length) return false;
    if (__HAKMEM_DEBUG__) {
      const size = MID_CLASS_SIZES[cls];
      if (ptr + size > this.lm.u8.length) return false;
      checkPoison(this.lm, ptr, 0, size, 'in the cache');
      writeGuard(this.lm.u8, ptr, size);
    }
    return isMidRunClass(cls) ? this.runs.markLive(u32, i, ptr, cls) : this.spans.markLive(u32, i, ptr, cls);
  }

  // ---------------------------------------------------------------- slow paths

  private refill(cls: number): number {
    this.lm.fresh();
    this.misses++;
    this.missesW[cls]++;
    this.adapt(cls);
    if (this.count[cls] > 0) return this.mallocClass(cls);
    const got = isMidRunClass(cls) ? this.runs.refill(cls) : this.spans.refill(cls, this.refillWant(cls));
    if (got === 0) {
      this.allocFailures++;
      return 0;
    }
    return this.mallocClass(cls);
  }

  /** Gives one cached (not live) block back to its span or, for run classes, its pages to the page layer. */
  protected returnBlock(cls: number, ptr: number): void {
    if (isMidRunClass(cls)) this.runs.returnRun(cls, ptr);
    else this.spans.returnBlock(cls, ptr);
  }

  /** Returns every cached block and every span that became empty (trim, detach, out of memory). */
  flush(): void {
    this.lm.fresh();
    this.emptyCaches();
    this.spans.flush();
  }

  /** Detach: after `flush`, hands every span this worker still owns (all have blocks out) to the abandoned lists. */
  abandonAll(): void {
    this.abandoned.abandon(this.spans.leaveAll());
  }

  /** Puts spans that still have blocks out on their class's abandoned list, for another worker to adopt. */
  abandonSpans(spans: number[]): void {
    this.abandoned.abandon(spans);
  }

  /** For dead worker `dead`: takes back the mid lock if it held it, and abandons its spans; returns how many. */
  reclaimWorker(dead: number): number {
    return this.abandoned.reclaimWorker(dead);
  }

  /**
   * One step of the heap walk, for a page whose word routes here: a span
   * head (PK_MID_SPAN) or a run head of at most SPAN_MAX_PAGES pages. Adds
   * its live blocks to `w`, sets `w.nextPage`, and with `w.validate` checks
   * every invariant of it; returns the first broken one (`w.problemAt` set),
   * or null.
   */
  walk(page: number, w: HeapWalk): string | null {
    const word = this.pages.word(page);
    return pageKind(word) === PK_MID_SPAN ? this.spans.walk(page, word, w) : this.runs.walk(page, word, w);
  }

  /** How many cached blocks of this worker lie in `span` (`walk`'s used-count check; tests). */
  cachedIn(span: number): number {
    return this.spans.cachedIn(span);
  }

  /** Whether this worker's cache holds the free run at `page` (`heap.map()`). */
  holdsRun(page: number): boolean {
    return this.cachesRun((page << PAGE_SHIFT) >>> 0);
  }

  /** Whether the run at `ptr` sits in this worker's cache (`walk`'s lost-memory check; tests). */
  cachesRun(ptr: number): boolean {
    return this.holds(ptr, MID_FIRST_RUN_CLASS, MID_CLASSES);
  }

  get spansCreated(): number {
    return this.spans.spansCreated;
  }

  get spansReleased(): number {
    return this.spans.spansReleased;
  }

  get remoteFrees(): number {
    return this.spans.remoteFrees;
  }

  get runsAllocated(): number {
    return this.runs.runsAllocated;
  }

  get runsReleased(): number {
    return this.runs.runsReleased;
  }

  get spansAdopted(): number {
    return this.abandoned.spansAdopted;
  }

  get spansAbandoned(): number {
    return this.abandoned.spansAbandoned;
  }

  counters(): Record<string, number | number[]> {
    return {
      ...this.cacheCounters(),
      spansCreated: this.spans.spansCreated,
      spansReleased: this.spans.spansReleased,
      runsAllocated: this.runs.runsAllocated,
      runsReleased: this.runs.runsReleased,
      remoteFrees: this.spans.remoteFrees,
      dryRevived: this.spans.lists.revived,
      spansAdopted: this.abandoned.spansAdopted,
      spansAbandoned: this.abandoned.spansAbandoned,
      allocFailures: this.allocFailures,
      cachedBytes: this.cachedBytes,
      reservedBytes: this.reservedBytes,
      budgetBytes: this.budgetBytes,
      capacities: Array.from(this.capacity),
    };
  }

  /** Cache invariants: counts within capacity, capacity within bounds, budget respected (debug: every cached block checked). */
  validate(): string | null {
    return this.validateCaches(__HAKMEM_DEBUG__ ? (c, p) => checkCachedBlock(this.lm, this.pt0, c, p) : null);
  }
}
