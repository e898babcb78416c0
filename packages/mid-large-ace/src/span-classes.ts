import { HeapError, type HeapWalk, FREE_DOUBLE, FREE_INVALID } from '@hakmem/contracts';
import {
  MID_CLASS_SIZES,
  MID_CLASSES,
  MID_FIRST_RUN_CLASS,
  MID_SPAN_PAGES,
  PAGE_SHIFT,
  POISON_WORD,
  SLAB_LIST_DRY,
  SLAB_LIST_NONE,
  SLAB_LIST_PARTIAL,
  SP_CAPACITY,
  SP_CARVED,
  SP_CLASS,
  SP_FREE_HEAD,
  SP_LIST,
  SP_MAGIC,
  SP_OWNER,
  SP_PAGES,
  SP_REMOTE_HEAD,
  SP_USED,
  SPAN_HEADER_BYTES,
  SPAN_MAGIC_VALUE,
  midSpanCapacity,
  midSpanPageWord,
  pageClass,
  pageDistance,
  pageStart,
  spanBlock,
  spanBlockOffset,
  spanLiveBit,
  spanLiveWordIndex,
  spanStartOf,
  spanWord,
} from '@hakmem/contracts/layout';
import { drainRemoteInto, OwnerLists, pushRemote, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';
import type { AbandonedSpans } from './abandoned-spans.js';
import { STRIDE, type AceCache } from './ace-cache.js';
import { BLOCK_GUARD } from './block-guard.js';
import { checkSpanReturn, checkTake, guardOnFree, LINK_BYTES } from './block-checks.js';
import { countSpanLive, spanProblem } from './span-walk.js';

/**
 * Span classes (mid classes 0..MID_FIRST_RUN_CLASS-1): blocks carved from
 * spans, runs of 1..16 pages with a 64-byte header (layout.ts SP_*) holding
 * the span's counters, free list, remote list and a live bitmap of one bit
 * per block. A block is `spanBlock(span, q, size)`.
 *
 * Who writes what (a shared heap):
 *   | word              | written by                                           |
 *   |-------------------|------------------------------------------------------|
 *   | SP_REMOTE_HEAD    | any worker pushes with CAS; the owner takes it all   |
 *   | live bitmap       | any worker, with Atomics.or / Atomics.and            |
 *   | SP_OWNER, SP_NEXT | the owner, or the mid lock's holder (abandoned-spans)|
 *   | everything else   | the owner only                                       |
 *
 * A span's place in its owner's lists (SP_LIST):
 *   | value              | list     | meaning                                   |
 *   |--------------------|----------|-------------------------------------------|
 *   | SLAB_LIST_NONE     | none     | current span of its class, or in transit  |
 *   | SLAB_LIST_PARTIAL  | partial  | has free blocks                           |
 *   | SLAB_LIST_DRY      | dry      | ran dry; only remote frees can refill it  |
 */

/**
 * 1/size of each span class, a little high: for 0 ≤ rel < 2^20 (a span is at
 * most 16 pages) `(rel * MID_INVERSE[cls]) | 0` is exactly `floor(rel / size)`
 * (the excess, under 2^-10 / size, cannot reach the next integer, and exact
 * multiples cannot round below theirs). A multiply instead of a divide on
 * every span malloc and free. A negative rel truncates to 0, which the
 * callers' `q * size === rel` test rejects.
 */
const INVERSE_EXCESS = 9.313225746154785e-10; // 2^-30
export const MID_INVERSE = Float64Array.from(MID_CLASS_SIZES, (size) => (1 + INVERSE_EXCESS) / size);

export class SpanClasses {
  private readonly lm: LinearMemory;
  private readonly pages: PageLayer;
  private readonly worker: number;
  private readonly shared: boolean;
  private readonly cache: AceCache;
  private readonly abandoned: AbandonedSpans;
  private readonly current = new Uint32Array(MID_FIRST_RUN_CLASS);
  /**
   * One empty span kept per class (it also sits on the partial list), so a
   * class whose live count hovers at a span boundary does not make and give
   * back a span every few operations. A second empty span is given back.
   */
  private readonly spare = new Uint32Array(MID_FIRST_RUN_CLASS);
  /** Spans this worker owns besides the current ones: partial and dry (SP_LIST says which); `refill` looks at dry ones for remote frees before making a new span. */
  readonly lists: OwnerLists;
  spansCreated = 0;
  spansReleased = 0;
  remoteFrees = 0;

  constructor(lm: LinearMemory, pages: PageLayer, worker: number, cache: AceCache, abandoned: AbandonedSpans) {
    this.lm = lm;
    this.pages = pages;
    this.worker = worker;
    this.shared = lm.shared;
    this.cache = cache;
    this.abandoned = abandoned;
    this.lists = new OwnerLists(lm, MID_CLASSES, SP_LIST, SP_REMOTE_HEAD);
  }

  // ------------------------------------------------------------ fast paths

  /**
   * Clears the live bit of `ptr` (page word `word`, a PK_MID_SPAN word) and
   * returns its class, or -FREE_DOUBLE / -FREE_INVALID without changing anything.
   */
  clearLive(ptr: number, word: number): number {
    const cls = pageClass(word);
    const q = this.blockIndex(ptr, word, cls);
    if (q < 0) return -FREE_INVALID;
    const start = spanStartOf(ptr, word);
    const i = spanLiveWordIndex(start, q);
    const bit = spanLiveBit(q);
    const u32 = this.lm.u32;
    if (__HAKMEM_DEBUG__) {
      if (u32[i] & bit) guardOnFree(this.lm, ptr, MID_CLASS_SIZES[cls]);
    }
    if (this.shared) {
      if ((Atomics.and(u32, i, ~bit) & bit) === 0) return -FREE_DOUBLE;
    } else {
      const old = u32[i];
      if ((old & bit) === 0) return -FREE_DOUBLE;
      u32[i] = old & ~bit;
    }
    return cls;
  }

  /** Sets the live bit of the cached block `ptr` of class `cls`, whose page word is at u32 index `i`. */
  markLive(u32: Uint32Array, i: number, ptr: number, cls: number): boolean {
    const start = spanStartOf(ptr, u32[i]);
    const q = (spanBlockOffset(ptr, start) * MID_INVERSE[cls]) | 0;
    const bi = spanLiveWordIndex(start, q);
    const bit = spanLiveBit(q);
    if (__HAKMEM_DEBUG__) {
      if (u32[bi] & bit) throw new HeapError('CORRUPTION', 'cached block is already live', ptr, 'midLargeAce');
    }
    if (this.shared) Atomics.or(u32, bi, bit);
    else u32[bi] |= bit;
    return true;
  }

  /** Whether `ptr` (page word `word`) lies in a span another worker owns. */
  isForeign(ptr: number, word: number): boolean {
    return this.lm.u32[spanWord(spanStartOf(ptr, word), SP_OWNER)] !== this.worker;
  }

  /** Usable bytes of the live block at `ptr` (a PK_MID_SPAN page word `word`), or -1 if it is not one. */
  usableSize(ptr: number, word: number): number {
    const cls = pageClass(word);
    const q = this.blockIndex(ptr, word, cls);
    if (q < 0) return -1;
    return this.lm.u32[spanLiveWordIndex(spanStartOf(ptr, word), q)] & spanLiveBit(q) ? MID_CLASS_SIZES[cls] - BLOCK_GUARD : -1;
  }

  /** Index of the block `ptr` starts, or -1 when it is not a carved block start of its span. */
  private blockIndex(ptr: number, word: number, cls: number): number {
    const start = spanStartOf(ptr, word);
    const rel = spanBlockOffset(ptr, start);
    const size = MID_CLASS_SIZES[cls];
    const q = (rel * MID_INVERSE[cls]) | 0;
    const u32 = this.lm.u32;
    // A span past the end of this worker's view (another worker grew the
    // memory) reads as "not a block": the facade refreshes and asks again.
    // It must be caught here, before an atomic on the bitmap would throw.
    // `length`, not `byteLength`: on a view of a WebAssembly.Memory buffer
    // V8 (Node 20) does not inline the byteLength getter (~17 ns a read).
    if (rel < 0 || q * size !== rel || (start + SPAN_HEADER_BYTES) >>> 2 > u32.length || q >= u32[spanWord(start, SP_CARVED)]) return -1;
    return q;
  }

  // ------------------------------------------------------------ slow paths

  /** Fetches up to `want` blocks of `cls` into the cache: from the current span, partial and dry spans, abandoned ones, then a new span. Returns how many. */
  refill(cls: number, want: number): number {
    let got = 0;
    let span = this.current[cls];
    while (got < want) {
      if (span === 0) {
        span = this.nextPartial(cls);
        if (span === 0) span = this.abandoned.adopt(cls);
        if (span === 0) span = this.newSpan(cls);
        if (span === 0) break;
        this.current[cls] = span;
      }
      got += this.take(span, cls, want - got);
      if (got < want) {
        this.current[cls] = 0;
        this.lists.moveTo(cls, span, SLAB_LIST_DRY);
        span = 0;
      }
    }
    return got;
  }

  /** Takes up to `want` blocks from a span into the cache: remote frees, free list, then fresh carving. */
  private take(span: number, cls: number, want: number): number {
    const u32 = this.lm.u32;
    if (u32[spanWord(span, SP_REMOTE_HEAD)] !== 0) this.collectRemote(span);
    if (__HAKMEM_DEBUG__) checkTake(this.lm, span, cls, want);
    let got = 0;
    let head = u32[spanWord(span, SP_FREE_HEAD)];
    while (head !== 0 && got < want) {
      const next = u32[head >>> 2];
      // checkTake found bytes [LINK_BYTES, size) of each of these still poisoned: only the link word needs it again (after it is read).
      if (__HAKMEM_DEBUG__) u32[head >>> 2] = POISON_WORD;
      this.cache.cacheBlock(cls, head);
      head = next;
      got++;
    }
    u32[spanWord(span, SP_FREE_HEAD)] = head;
    const capacity = u32[spanWord(span, SP_CAPACITY)];
    let carved = u32[spanWord(span, SP_CARVED)];
    const size = MID_CLASS_SIZES[cls];
    while (got < want && carved < capacity) {
      this.cache.pushFresh(cls, spanBlock(span, carved, size));
      carved++;
      got++;
    }
    u32[spanWord(span, SP_CARVED)] = carved;
    u32[spanWord(span, SP_USED)] += got;
    return got;
  }

  private collectRemote(span: number): void {
    this.lm.u32[spanWord(span, SP_USED)] -= drainRemoteInto(this.lm.u32, spanWord(span, SP_REMOTE_HEAD), spanWord(span, SP_FREE_HEAD), this.shared);
  }

  private newSpan(cls: number): number {
    const pages = MID_SPAN_PAGES[cls];
    const page = this.pages.allocRun(pages, 1);
    if (page === 0) return 0;
    const span = pageStart(page);
    const u32 = this.lm.u32;
    this.lm.u8.fill(0, span, span + SPAN_HEADER_BYTES);
    u32[spanWord(span, SP_CLASS)] = cls;
    u32[spanWord(span, SP_CAPACITY)] = midSpanCapacity(cls);
    u32[spanWord(span, SP_OWNER)] = this.worker;
    u32[spanWord(span, SP_PAGES)] = pages;
    u32[spanWord(span, SP_MAGIC)] = SPAN_MAGIC_VALUE;
    for (let d = 0; d < pages; d++) this.pages.setWord(page + d, midSpanPageWord(cls, d));
    this.spansCreated++;
    return span;
  }

  /** Partial lists hold exactly this worker's spans that ran dry and got blocks back (SP_LIST set). */
  private nextPartial(cls: number): number {
    let span = this.lists.partial[cls].pop();
    if (span === undefined) {
      span = this.lists.reviveDry(cls);
      if (span === 0) return 0;
    }
    if (this.spare[cls] === span) this.spare[cls] = 0;
    const u32 = this.lm.u32;
    if (__HAKMEM_DEBUG__) {
      if (u32[spanWord(span, SP_MAGIC)] !== SPAN_MAGIC_VALUE || u32[spanWord(span, SP_OWNER)] !== this.worker || u32[spanWord(span, SP_CLASS)] !== cls)
        throw new HeapError('CORRUPTION', `partial list of class ${cls} holds a span that is not this worker's`, span, 'midLargeAce');
    }
    u32[spanWord(span, SP_LIST)] = SLAB_LIST_NONE;
    return span;
  }

  /** Gives one cached (not live) block back to its span: its free list if this worker owns the span, else the span's remote list. */
  returnBlock(cls: number, ptr: number): void {
    let u32 = this.lm.u32;
    const span = spanStartOf(ptr, u32[this.pages.pt0 + (ptr >>> PAGE_SHIFT)]);
    if (__HAKMEM_DEBUG__) checkSpanReturn(u32, span, ptr, MID_CLASS_SIZES[cls]);
    if (u32[spanWord(span, SP_OWNER)] !== this.worker) {
      this.remoteFrees++;
      // The block may lie past this worker's view; a write there would be dropped.
      if (this.lm.cover(ptr + LINK_BYTES)) u32 = this.lm.u32;
      pushRemote(u32, spanWord(span, SP_REMOTE_HEAD), ptr, this.shared);
      return;
    }
    const head = u32[spanWord(span, SP_FREE_HEAD)];
    const wasDry = head === 0 && u32[spanWord(span, SP_CARVED)] === u32[spanWord(span, SP_CAPACITY)];
    u32[ptr >>> 2] = head;
    u32[spanWord(span, SP_FREE_HEAD)] = ptr;
    const used = --u32[spanWord(span, SP_USED)];
    if (this.current[cls] === span) return;
    if (used === 0 && this.spare[cls] !== 0 && this.spare[cls] !== span) this.releaseSpan(span);
    else if (used === 0 || wasDry) {
      if (used === 0) this.spare[cls] = span;
      this.lists.moveTo(cls, span, SLAB_LIST_PARTIAL);
    }
  }

  /** Gives an empty span's pages back, taking it off its partial list first. */
  private releaseSpan(span: number): void {
    const u32 = this.lm.u32;
    if (u32[spanWord(span, SP_REMOTE_HEAD)] !== 0) return; // blocks still in flight; the owner sees them later
    const cls = u32[spanWord(span, SP_CLASS)];
    if (this.spare[cls] === span) this.spare[cls] = 0;
    this.lists.moveTo(cls, span, SLAB_LIST_NONE);
    u32[spanWord(span, SP_MAGIC)] = 0;
    this.pages.freeRun(span >>> PAGE_SHIFT, u32[spanWord(span, SP_PAGES)], __HAKMEM_DEBUG__);
    this.spansReleased++;
  }

  /**
   * After the caches were emptied: puts each class's current span back on its
   * lists, takes over the spans detached workers left (so that those whose
   * blocks all came back are released instead of staying reserved), collects
   * remote frees and gives back every span with no block out.
   */
  flush(): void {
    for (let c = 0; c < MID_FIRST_RUN_CLASS; c++) {
      const span = this.current[c];
      this.current[c] = 0;
      if (span !== 0) this.lists.moveTo(c, span, SLAB_LIST_PARTIAL);
      for (let s = this.abandoned.adopt(c); s !== 0; s = this.abandoned.adopt(c)) this.lists.moveTo(c, s, SLAB_LIST_PARTIAL);
      const u32 = this.lm.u32; // adoption may have refreshed the views
      for (const s of this.lists.all(c)) {
        if (u32[spanWord(s, SP_REMOTE_HEAD)] !== 0) {
          this.collectRemote(s);
          this.lists.moveTo(c, s, SLAB_LIST_PARTIAL);
        }
        if (u32[spanWord(s, SP_USED)] === 0) this.releaseSpan(s);
      }
    }
  }

  /** Detach, after `flush`: takes every span this worker still owns (all have blocks out) off its lists and returns them, for the abandoned lists. */
  leaveAll(): number[] {
    const out: number[] = [];
    for (let c = 0; c < MID_FIRST_RUN_CLASS; c++) {
      for (const s of this.lists.all(c)) {
        this.lists.moveTo(c, s, SLAB_LIST_NONE);
        out.push(s);
      }
      this.spare[c] = 0;
    }
    return out;
  }

  /** How many cached blocks of this worker lie in `span`. */
  cachedIn(span: number): number {
    let n = 0;
    const u32 = this.lm.u32;
    const { slots, count } = this.cache;
    for (let c = 0; c < MID_FIRST_RUN_CLASS; c++)
      for (let i = 0; i < count[c]; i++) {
        const p = slots[c * STRIDE + i];
        if (spanStartOf(p, u32[this.pages.pt0 + (p >>> PAGE_SHIFT)]) === span) n++;
      }
    return n;
  }

  /**
   * `walk` for a PK_MID_SPAN page `page` (word `word`): a span head. Counts
   * its live blocks; with `w.validate`, checks it whole (span-walk.ts).
   */
  walk(page: number, word: number, w: HeapWalk): string | null {
    const span = pageStart(page);
    w.problemAt = span;
    if (pageDistance(word) !== 0) {
      w.nextPage = page + 1;
      return `page ${page} is a mid span page with no span head before it`;
    }
    const u32 = this.lm.u32;
    w.nextPage = page + Math.max(1, u32[spanWord(span, SP_PAGES)]);
    if (w.validate) return spanProblem(this.lm, this.pages, span, this.cachedIn(span), w);
    const live = countSpanLive(u32, span);
    w.liveBlocks += live;
    w.liveBytes += live * (MID_CLASS_SIZES[pageClass(word)] - BLOCK_GUARD);
    return null;
  }
}
