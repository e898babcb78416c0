import { HeapError } from '@hakmem/contracts';
import {
  MID_ABANDONED_HEADS,
  MID_CLASS_SIZES,
  MID_CLASSES,
  MID_LOCK,
  MID_FIRST_RUN_CLASS,
  MID_SPAN_PAGES,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_KIND_MASK,
  PK_MID_SPAN,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  POISON_WORD,
  SP_BITMAP,
  SP_CAPACITY,
  SP_CARVED,
  SP_CLASS,
  SP_FREE_HEAD,
  SP_MAGIC,
  SP_NEXT,
  SP_OWNER,
  SP_PAGES,
  SP_PARTIAL,
  SP_REMOTE_HEAD,
  SP_USED,
  SPAN_HEADER_BYTES,
  SPAN_MAGIC_VALUE,
  SLAB_LIST_DRY,
  SLAB_LIST_NONE,
  SLAB_LIST_PARTIAL,
  midClassOf,
  midSpanCapacity,
  midSpanPageWord,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { breakLockOf, drainRemoteInto, lockWord, OwnerLists, pushRemote, unlockWord, writeGuard, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';
import { BLOCK_GUARD } from './block-guard.js';
import { checkCachedBlock, checkGuard, checkPoison, checkSpanReturn, classBytes, guardOnFree, poisonMid } from './block-checks.js';

/**
 * Mid-large ACE box: blocks above 1 KiB up to 1 MiB.
 *
 * Classes 0..46 (1152 B .. 60 KiB, eight per doubling) are carved from spans:
 * runs of 1..16 pages with a 64-byte header (layout.ts SP_*) holding the
 * span's counters, free list, remote list and a live bitmap of one bit per
 * block. Classes 47..62 are whole runs of 1..16 pages, one block each, whose
 * only state is their head page word (PK_RUN_LIVE / PK_RUN_FREE).
 *
 * Each worker keeps a LIFO cache per class in JS. ACE: the cache capacity of
 * each class adapts to its observed miss rate. Every 64 cache operations of a
 * class (checked on its slow paths only), a miss rate above 1/16 doubles its
 * capacity, up to a per-class byte bound; a class that overflows far more
 * than it misses halves it. A per-worker byte budget bounds all classes
 * together. Counts, capacities, grows and shrinks are in `counters()`.
 *
 * Shared words (see layout.ts): SP_REMOTE_HEAD is pushed by any worker with
 * CAS and taken by the owner with one exchange; the live bitmap is changed
 * with Atomics.or/and in a shared heap; run head words flip LIVE⇄FREE with a
 * CAS. Everything else in a span header is written by its owner only.
 *
 * A span whose owner detached (or died) with blocks still out is abandoned:
 * SP_OWNER becomes 0 and it goes on its class's abandoned list in the mid
 * area, a stack linked through SP_NEXT. The mid lock (MID_LOCK) guards those
 * lists and SP_OWNER of the spans on them; it is taken before the page lock,
 * never after. A worker that needs a span takes an abandoned one before it
 * makes a new one.
 *
 * A span's place in its owner's lists (SP_PARTIAL):
 *   | value              | list     | meaning                                   |
 *   |--------------------|----------|-------------------------------------------|
 *   | SLAB_LIST_NONE     | none     | current span of its class, or in transit  |
 *   | SLAB_LIST_PARTIAL  | partial  | has free blocks                           |
 *   | SLAB_LIST_DRY      | dry      | ran dry; only remote frees can refill it  |
 */
const STRIDE = 64;
const MIN_CAPACITY = 2;
const INITIAL_CAPACITY = 4;
const CLASS_CACHE_BYTES = 2 << 20;
const ADAPT_WINDOW = 64;

/**
 * 1/size of each span class, a little high: for 0 ≤ rel < 2^20 (a span is at
 * most 16 pages) `(rel * MID_INVERSE[cls]) | 0` is exactly `floor(rel / size)`
 * (the excess, under 2^-10 / size, cannot reach the next integer, and exact
 * multiples cannot round below theirs). A multiply instead of a divide on
 * every span malloc and free. A negative rel truncates to 0, which the
 * callers' `q * size === rel` test rejects.
 */
export const MID_INVERSE = Float64Array.from(MID_CLASS_SIZES, (size) => (1 + 2 ** -30) / size);

export const MID_FREE_OK = 0;
export const MID_FREE_DOUBLE = 1;
export const MID_FREE_INVALID = 2;

export class MidLargeAce {
  readonly lm: LinearMemory;
  readonly pages: PageLayer;
  readonly worker: number;
  private readonly shared: boolean;
  private readonly pt0: number;
  readonly slots = new Uint32Array(MID_CLASSES * STRIDE);
  readonly count = new Int32Array(MID_CLASSES);
  readonly capacity = new Int32Array(MID_CLASSES);
  readonly maxCapacity = new Int32Array(MID_CLASSES);
  private readonly hitsW = new Int32Array(MID_CLASSES);
  private readonly missesW = new Int32Array(MID_CLASSES);
  private readonly overflowsW = new Int32Array(MID_CLASSES);
  private readonly current = new Uint32Array(MID_CLASSES);
  /**
   * One empty span kept per class (it also sits on the partial list), so a
   * class whose live count hovers at a span boundary does not make and give
   * back a span every few operations. A second empty span is given back.
   */
  private readonly spare = new Uint32Array(MID_CLASSES);
  /** Spans this worker owns besides the current ones: partial and dry (SP_PARTIAL says which); `refill` looks at dry ones for remote frees before making a new span. */
  private readonly lists: OwnerLists;
  readonly budgetBytes: number;
  cachedBytes = 0;
  hits = 0;
  misses = 0;
  frees = 0;
  overflows = 0;
  capacityGrows = 0;
  capacityShrinks = 0;
  spansCreated = 0;
  spansReleased = 0;
  runsAllocated = 0;
  runsReleased = 0;
  remoteFrees = 0;
  spansAdopted = 0;
  spansAbandoned = 0;
  allocFailures = 0;

  constructor(lm: LinearMemory, pages: PageLayer, worker: number, budgetBytes?: number) {
    this.lm = lm;
    this.pages = pages;
    this.worker = worker;
    this.shared = lm.shared;
    this.lists = new OwnerLists(lm, MID_CLASSES, SP_PARTIAL, SP_REMOTE_HEAD);
    this.pt0 = pages.pt0;
    const region = (pages.limitPage - pages.basePage) * PAGE_SIZE;
    this.budgetBytes = budgetBytes ?? Math.max(1 << 20, Math.min(32 << 20, Math.floor(region / 8)));
    for (let c = 0; c < MID_CLASSES; c++) {
      const max = Math.max(MIN_CAPACITY, Math.min(STRIDE, Math.floor(CLASS_CACHE_BYTES / MID_CLASS_SIZES[c])));
      this.maxCapacity[c] = max;
      this.capacity[c] = Math.min(INITIAL_CAPACITY, max);
    }
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

  mallocClass(cls: number): number {
    const n = this.count[cls] - 1;
    if (n < 0) return this.refill(cls);
    const ptr = this.slots[cls * STRIDE + n];
    if (!this.markLive(ptr, cls)) return this.refill(cls);
    this.count[cls] = n;
    this.cachedBytes -= MID_CLASS_SIZES[cls];
    this.hits++;
    this.hitsW[cls]++;
    return ptr;
  }

  /** Frees `ptr` whose page word is `word`; returns MID_FREE_OK, _DOUBLE or _INVALID (nothing changed). */
  free(ptr: number, word: number): number {
    const cls = this.classOfLive(ptr, word);
    if (cls < 0) return -cls;
    const size = MID_CLASS_SIZES[cls];
    const n = this.count[cls];
    this.frees++;
    if (__HAKMEM_DEBUG__) poisonMid(this.lm, ptr, classBytes(cls));
    // Shared heap: another worker's span block goes home now (its remote list),
    // so that workers do not end up carving into each other's spans' lines.
    if (this.shared && cls < MID_FIRST_RUN_CLASS && this.lm.u32[(spanStart(ptr, word) >>> 2) + SP_OWNER / 4] !== this.worker) {
      this.returnBlock(cls, ptr);
      return MID_FREE_OK;
    }
    if (n < this.capacity[cls] && this.cachedBytes + size <= this.budgetBytes) {
      this.slots[cls * STRIDE + n] = ptr;
      this.count[cls] = n + 1;
      this.cachedBytes += size;
      return MID_FREE_OK;
    }
    this.overflow(cls, ptr);
    return MID_FREE_OK;
  }

  /** Usable bytes of the live block at `ptr` (page word `word`), or -1 if it is not one. */
  usableSize(ptr: number, word: number): number {
    const kind = word & PK_KIND_MASK;
    if (kind === PK_RUN_LIVE) return (ptr & PAGE_MASK) === 0 ? (__HAKMEM_DEBUG__ ? (word >>> 8) * PAGE_SIZE - BLOCK_GUARD : (word >>> 8) * PAGE_SIZE) : -1;
    if (kind !== PK_MID_SPAN) return -1;
    const cls = (word >>> 8) & 0xff;
    const q = this.blockIndex(ptr, word, cls);
    if (q < 0) return -1;
    const start = spanStart(ptr, word);
    return (this.lm.u32[((start + SP_BITMAP) >>> 2) + (q >>> 5)] >>> (q & 31)) & 1 ? (__HAKMEM_DEBUG__ ? MID_CLASS_SIZES[cls] - BLOCK_GUARD : MID_CLASS_SIZES[cls]) : -1;
  }

  /**
   * Clears the live state of `ptr` and returns its class, or -MID_FREE_DOUBLE /
   * -MID_FREE_INVALID without changing anything.
   */
  private classOfLive(ptr: number, word: number): number {
    // Runs apart: the span path stays small enough for V8 to inline it into the facade's free.
    if ((word & PK_KIND_MASK) !== PK_MID_SPAN) return this.runClassOfLive(ptr, word);
    const cls = (word >>> 8) & 0xff;
    const q = this.blockIndex(ptr, word, cls);
    if (q < 0) return -MID_FREE_INVALID;
    const start = spanStart(ptr, word);
    const i = ((start + SP_BITMAP) >>> 2) + (q >>> 5);
    const bit = 1 << (q & 31);
    const u32 = this.lm.u32;
    if (__HAKMEM_DEBUG__) {
      if (u32[i] & bit) guardOnFree(this.lm, ptr, MID_CLASS_SIZES[cls]);
    }
    if (this.shared) {
      if ((Atomics.and(u32, i, ~bit) & bit) === 0) return -MID_FREE_DOUBLE;
    } else {
      const old = u32[i];
      if ((old & bit) === 0) return -MID_FREE_DOUBLE;
      u32[i] = old & ~bit;
    }
    return cls;
  }

  /** classOfLive for a run (page word PK_RUN_LIVE or PK_RUN_FREE). */
  private runClassOfLive(ptr: number, word: number): number {
    const kind = word & PK_KIND_MASK;
    if ((kind !== PK_RUN_LIVE && kind !== PK_RUN_FREE) || (ptr & PAGE_MASK) !== 0) return -MID_FREE_INVALID;
    const pages = word >>> 8;
    if (kind === PK_RUN_FREE) return -MID_FREE_DOUBLE;
    if (__HAKMEM_DEBUG__) guardOnFree(this.lm, ptr, pages * PAGE_SIZE);
    const i = this.pt0 + (ptr >>> PAGE_SHIFT);
    const free = runHeadWord(PK_RUN_FREE, pages);
    if (this.shared) {
      if (Atomics.compareExchange(this.lm.u32, i, word, free) !== word) return -MID_FREE_DOUBLE;
    } else this.lm.u32[i] = free;
    return MID_FIRST_RUN_CLASS - 1 + pages;
  }

  /** Index of the block `ptr` starts, or -1 when it is not a carved block start of its span. */
  private blockIndex(ptr: number, word: number, cls: number): number {
    const start = spanStart(ptr, word);
    const rel = ptr - start - SPAN_HEADER_BYTES;
    const size = MID_CLASS_SIZES[cls];
    const q = (rel * MID_INVERSE[cls]) | 0;
    const u32 = this.lm.u32;
    // A span past the end of this worker's view (another worker grew the
    // memory) reads as "not a block": the facade refreshes and asks again.
    // It must be caught here, before an atomic on the bitmap would throw.
    if (rel < 0 || q * size !== rel || start + SPAN_HEADER_BYTES > u32.length * 4 || q >= u32[(start + SP_CARVED) >>> 2]) return -1;
    return q;
  }

  private markLive(ptr: number, cls: number): boolean {
    const u32 = this.lm.u32;
    const i = this.pt0 + (ptr >>> PAGE_SHIFT);
    if (i >= u32.length) return false;
    if (__HAKMEM_DEBUG__) {
      const size = classBytes(cls);
      if (ptr + size > this.lm.u8.length) return false;
      checkPoison(this.lm, ptr, 0, size, 'in the cache');
      writeGuard(this.lm.u8, ptr, size);
    }
    if (cls >= MID_FIRST_RUN_CLASS) return markRunLive(u32, i, ptr, cls);
    const word = u32[i];
    const start = spanStart(ptr, word);
    const q = ((ptr - start - SPAN_HEADER_BYTES) * MID_INVERSE[cls]) | 0;
    const bi = ((start + SP_BITMAP) >>> 2) + (q >>> 5);
    if (__HAKMEM_DEBUG__) {
      if ((u32[bi] >>> (q & 31)) & 1) throw new HeapError('CORRUPTION', 'cached block is already live', ptr, 'midLargeAce');
    }
    if (this.shared) Atomics.or(u32, bi, 1 << (q & 31));
    else u32[bi] |= 1 << (q & 31);
    return true;
  }

  // ---------------------------------------------------------------- slow paths

  private refill(cls: number): number {
    this.lm.fresh();
    this.misses++;
    this.missesW[cls]++;
    this.adapt(cls);
    if (this.count[cls] > 0) return this.mallocClass(cls);
    if (cls >= MID_FIRST_RUN_CLASS) {
      const pages = cls - MID_FIRST_RUN_CLASS + 1;
      const page = this.pages.allocRun(pages, 1);
      if (page === 0) {
        this.allocFailures++;
        return 0;
      }
      this.runsAllocated++;
      this.pages.setWord(page, runHeadWord(PK_RUN_FREE, pages));
      if (pages > 1) this.pages.setWords(page + 1, pages - 1, PK_RUN_BODY);
      this.pushCached(cls, (page << PAGE_SHIFT) >>> 0);
      return this.mallocClass(cls);
    }
    // Fetch half a cache's worth, but never more than the byte budget has room for (plus the block returned now).
    const room = Math.floor((this.budgetBytes - this.cachedBytes) / MID_CLASS_SIZES[cls]);
    const want = Math.max(1, Math.min(this.capacity[cls] >>> 1, room + 1));
    let got = 0;
    let span = this.current[cls];
    while (got < want) {
      if (span === 0) {
        span = this.nextPartial(cls);
        if (span === 0) span = this.adoptAbandoned(cls);
        if (span === 0) span = this.newSpan(cls);
        if (span === 0) break;
        this.current[cls] = span;
      }
      got += this.take(span, cls, want - got);
      if (got < want) {
        this.current[cls] = 0;
        this.moveTo(cls, span, SLAB_LIST_DRY);
        span = 0;
      }
    }
    if (got === 0) {
      this.allocFailures++;
      return 0;
    }
    return this.mallocClass(cls);
  }

  /** Caches a block that is not poisoned yet (a fresh run or carved block). */
  private pushCached(cls: number, ptr: number): void {
    if (__HAKMEM_DEBUG__) poisonMid(this.lm, ptr, classBytes(cls));
    this.cacheBlock(cls, ptr);
  }

  /** Caches a block that already holds its poison (debug): one being freed, or one off a span list whose poison was just checked. */
  private cacheBlock(cls: number, ptr: number): void {
    this.slots[cls * STRIDE + this.count[cls]++] = ptr;
    this.cachedBytes += MID_CLASS_SIZES[cls];
  }

  /** Takes up to `want` blocks from a span into the cache: remote frees, free list, then fresh carving. */
  private take(span: number, cls: number, want: number): number {
    const u32 = this.lm.u32;
    const h = span >>> 2;
    if (u32[h + SP_REMOTE_HEAD / 4] !== 0) this.collectRemote(span);
    if (__HAKMEM_DEBUG__) checkTake(this.lm, span, cls, want);
    let got = 0;
    let head = u32[h + SP_FREE_HEAD / 4];
    while (head !== 0 && got < want) {
      const next = u32[head >>> 2];
      // checkTake found bytes [4, size) of each of these still poisoned: only the link word needs it again (after it is read).
      if (__HAKMEM_DEBUG__) u32[head >>> 2] = POISON_WORD;
      this.cacheBlock(cls, head);
      head = next;
      got++;
    }
    u32[h + SP_FREE_HEAD / 4] = head;
    const capacity = u32[h + SP_CAPACITY / 4];
    let carved = u32[h + SP_CARVED / 4];
    const size = MID_CLASS_SIZES[cls];
    while (got < want && carved < capacity) {
      this.pushCached(cls, span + SPAN_HEADER_BYTES + carved * size);
      carved++;
      got++;
    }
    u32[h + SP_CARVED / 4] = carved;
    u32[h + SP_USED / 4] += got;
    return got;
  }

  private collectRemote(span: number): void {
    const h = span >>> 2;
    this.lm.u32[h + SP_USED / 4] -= drainRemoteInto(this.lm.u32, h + SP_REMOTE_HEAD / 4, h + SP_FREE_HEAD / 4, this.shared);
  }

  private newSpan(cls: number): number {
    const pages = MID_SPAN_PAGES[cls];
    const page = this.pages.allocRun(pages, 1);
    if (page === 0) return 0;
    const span = (page << PAGE_SHIFT) >>> 0;
    const u32 = this.lm.u32;
    this.lm.u8.fill(0, span, span + SPAN_HEADER_BYTES);
    const h = span >>> 2;
    u32[h + SP_CLASS / 4] = cls;
    u32[h + SP_CAPACITY / 4] = midSpanCapacity(cls);
    u32[h + SP_OWNER / 4] = this.worker;
    u32[h + SP_PAGES / 4] = pages;
    u32[h + SP_MAGIC / 4] = SPAN_MAGIC_VALUE;
    for (let d = 0; d < pages; d++) this.pages.setWord(page + d, midSpanPageWord(cls, d));
    this.spansCreated++;
    return span;
  }

  /** Partial lists hold exactly this worker's spans that ran dry and got blocks back (SP_PARTIAL set). */
  private nextPartial(cls: number): number {
    let span = this.lists.partial[cls].pop();
    if (span === undefined) {
      span = this.lists.reviveDry(cls);
      if (span === 0) return 0;
    }
    if (this.spare[cls] === span) this.spare[cls] = 0;
    if (__HAKMEM_DEBUG__) {
      const h = span >>> 2;
      const u32 = this.lm.u32;
      if (u32[h + SP_MAGIC / 4] !== SPAN_MAGIC_VALUE || u32[h + SP_OWNER / 4] !== this.worker || u32[h + SP_CLASS / 4] !== cls)
        throw new HeapError('CORRUPTION', `partial list of class ${cls} holds a span that is not this worker's`, span, 'midLargeAce');
    }
    this.lm.u32[(span >>> 2) + SP_PARTIAL / 4] = SLAB_LIST_NONE;
    return span;
  }

  private moveTo(cls: number, span: number, where: number): void {
    this.lists.moveTo(cls, span, where);
  }

  private lockMid(): void {
    lockWord(this.lm.i32, (this.pages.midArea + MID_LOCK) >>> 2, this.shared, this.lm.holder);
  }

  private unlockMid(): void {
    unlockWord(this.lm.i32, (this.pages.midArea + MID_LOCK) >>> 2, this.shared);
  }

  /** An abandoned span of `cls`, now owned by this worker; 0 if none. */
  private adoptAbandoned(cls: number): number {
    const head = ((this.pages.midArea + MID_ABANDONED_HEADS) >>> 2) + cls;
    if (Atomics.load(this.lm.u32, head) === 0) return 0;
    this.lockMid();
    try {
      this.lm.fresh();
      const u32 = this.lm.u32;
      const span = u32[head];
      if (span === 0) return 0;
      const h = span >>> 2;
      u32[head] = u32[h + SP_NEXT / 4];
      u32[h + SP_NEXT / 4] = 0;
      u32[h + SP_PARTIAL / 4] = SLAB_LIST_NONE;
      Atomics.store(u32, h + SP_OWNER / 4, this.worker);
      this.spansAdopted++;
      return span;
    } finally {
      this.unlockMid();
    }
  }

  /** Puts spans that still have blocks out on their class's abandoned list, for another worker to adopt. */
  abandonSpans(spans: number[]): void {
    if (spans.length === 0) return;
    this.lockMid();
    try {
      const u32 = this.lm.u32;
      for (const span of spans) {
        const h = span >>> 2;
        const head = ((this.pages.midArea + MID_ABANDONED_HEADS) >>> 2) + u32[h + SP_CLASS / 4];
        u32[h + SP_PARTIAL / 4] = SLAB_LIST_NONE;
        u32[h + SP_NEXT / 4] = u32[head];
        Atomics.store(u32, h + SP_OWNER / 4, 0);
        u32[head] = span;
        this.spansAbandoned++;
      }
    } finally {
      this.unlockMid();
    }
  }

  /** The cache of `cls` is full (or the budget is spent): return half of it, then cache or return `ptr`. */
  private overflow(cls: number, ptr: number): void {
    this.overflows++;
    this.overflowsW[cls]++;
    this.adapt(cls);
    const n = this.count[cls];
    const out = n - Math.min(n >>> 1, this.capacity[cls] >>> 1);
    const base = cls * STRIDE;
    if (__HAKMEM_DEBUG__) checkLeaving(this.lm, this.slots, cls, 0, out);
    for (let i = 0; i < out; i++) this.returnBlock(cls, this.slots[base + i]);
    this.slots.copyWithin(base, base + out, base + n);
    this.count[cls] = n - out;
    this.cachedBytes -= out * MID_CLASS_SIZES[cls];
    if (this.count[cls] < this.capacity[cls] && this.cachedBytes + MID_CLASS_SIZES[cls] <= this.budgetBytes) this.cacheBlock(cls, ptr); // free() poisoned it
    else this.returnBlock(cls, ptr);
  }

  /** Gives one cached (not live) block back to its span or, for run classes, its pages to the page layer. */
  private returnBlock(cls: number, ptr: number): void {
    if (cls >= MID_FIRST_RUN_CLASS) {
      // Debug: the pages go back poisoned, checked when taken again and by check().
      this.pages.freeRun(ptr >>> PAGE_SHIFT, cls - MID_FIRST_RUN_CLASS + 1, __HAKMEM_DEBUG__);
      this.runsReleased++;
      return;
    }
    let u32 = this.lm.u32;
    const span = spanStart(ptr, u32[this.pt0 + (ptr >>> PAGE_SHIFT)]);
    const h = span >>> 2;
    if (__HAKMEM_DEBUG__) checkSpanReturn(u32, span, ptr, MID_CLASS_SIZES[cls]);
    if (u32[h + SP_OWNER / 4] !== this.worker) {
      this.remoteFrees++;
      // The block may lie past this worker's view; a write there would be dropped.
      if (this.lm.cover(ptr + 4)) u32 = this.lm.u32;
      pushRemote(u32, h + SP_REMOTE_HEAD / 4, ptr, this.shared);
      return;
    }
    const head = u32[h + SP_FREE_HEAD / 4];
    const wasDry = head === 0 && u32[h + SP_CARVED / 4] === u32[h + SP_CAPACITY / 4];
    u32[ptr >>> 2] = head;
    u32[h + SP_FREE_HEAD / 4] = ptr;
    const used = --u32[h + SP_USED / 4];
    if (this.current[cls] === span) return;
    if (used === 0 && this.spare[cls] !== 0 && this.spare[cls] !== span) this.releaseSpan(span);
    else if (used === 0 || wasDry) {
      if (used === 0) this.spare[cls] = span;
      this.moveTo(cls, span, SLAB_LIST_PARTIAL);
    }
  }

  /** Gives an empty span's pages back, taking it off its partial list first. */
  private releaseSpan(span: number): void {
    const u32 = this.lm.u32;
    const h = span >>> 2;
    if (u32[h + SP_REMOTE_HEAD / 4] !== 0) return; // blocks still in flight; the owner sees them later
    const cls = u32[h + SP_CLASS / 4];
    if (this.spare[cls] === span) this.spare[cls] = 0;
    this.moveTo(cls, span, SLAB_LIST_NONE);
    u32[h + SP_MAGIC / 4] = 0;
    this.pages.freeRun(span >>> PAGE_SHIFT, u32[h + SP_PAGES / 4], __HAKMEM_DEBUG__);
    this.spansReleased++;
  }

  /** ACE: resize class `cls`'s cache from its recent hit, miss and overflow counts. */
  private adapt(cls: number): void {
    const hits = this.hitsW[cls];
    const misses = this.missesW[cls];
    const overflows = this.overflowsW[cls];
    if (hits + misses + overflows < ADAPT_WINDOW) return;
    const cap = this.capacity[cls];
    if (misses * 16 > hits + misses && cap < this.maxCapacity[cls]) {
      this.capacity[cls] = Math.min(this.maxCapacity[cls], cap * 2);
      this.capacityGrows++;
    } else if (overflows > 2 * misses + 8 && misses * 64 <= hits + misses && cap > MIN_CAPACITY) {
      this.capacity[cls] = Math.max(MIN_CAPACITY, cap >>> 1);
      this.capacityShrinks++;
    }
    if (__HAKMEM_DEBUG__) {
      const c = this.capacity[cls];
      if (c < MIN_CAPACITY || c > this.maxCapacity[cls])
        throw new HeapError('CORRUPTION', `ACE moved class ${cls}'s capacity to ${c}, outside [${MIN_CAPACITY}, ${this.maxCapacity[cls]}]`, undefined, 'midLargeAce');
    }
    this.hitsW[cls] = 0;
    this.missesW[cls] = 0;
    this.overflowsW[cls] = 0;
  }

  /** Returns every cached block and every span that became empty (trim, detach, out of memory). */
  flush(): void {
    this.lm.fresh();
    if (__HAKMEM_DEBUG__) for (let c = 0; c < MID_CLASSES; c++) checkLeaving(this.lm, this.slots, c, 0, this.count[c]);
    for (let c = 0; c < MID_CLASSES; c++) {
      const n = this.count[c];
      for (let i = 0; i < n; i++) this.returnBlock(c, this.slots[c * STRIDE + i]);
      this.count[c] = 0;
    }
    this.cachedBytes = 0;
    for (let c = 0; c < MID_CLASSES; c++) {
      const span = this.current[c];
      this.current[c] = 0;
      if (span !== 0) this.moveTo(c, span, SLAB_LIST_PARTIAL);
      // Spans detached workers left are taken over, so that those whose
      // blocks all came back are released below instead of staying reserved.
      if (c < MID_FIRST_RUN_CLASS) for (let s = this.adoptAbandoned(c); s !== 0; s = this.adoptAbandoned(c)) this.moveTo(c, s, SLAB_LIST_PARTIAL);
      const u32 = this.lm.u32; // adoption may have refreshed the views
      for (const s of this.lists.all(c)) {
        const h = s >>> 2;
        if (u32[h + SP_REMOTE_HEAD / 4] !== 0) {
          this.collectRemote(s);
          this.moveTo(c, s, SLAB_LIST_PARTIAL);
        }
        if (u32[h + SP_USED / 4] === 0) this.releaseSpan(s);
      }
    }
  }

  /**
   * A survivor's call for worker `dead`: frees the mid lock if the dead
   * worker held it, and abandons every span the dead worker owned so that
   * others adopt them. Returns how many spans it abandoned.
   *
   * A worker that died holding the mid lock may have left an abandoned list
   * half-linked (a span unlinked but not yet owned, or owned-0 but not yet
   * pushed). Under the lock, a span with owner 0 is exactly one that belongs
   * on its class's abandoned list, so the lists are rebuilt from the span
   * headers before the lock is let go.
   */
  reclaimWorker(dead: number): number {
    this.lm.fresh();
    if (breakLockOf(this.lm.i32, (this.pages.midArea + MID_LOCK) >>> 2, dead, this.lm.holder)) {
      try {
        this.relinkAbandoned();
      } finally {
        this.unlockMid();
      }
    }
    const spans = this.spanHeads((h) => this.lm.u32[h + SP_OWNER / 4] === dead);
    this.abandonSpans(spans);
    return spans.length;
  }

  /** Every span (its start) whose header, at u32 index `h`, passes `keep`, in page order. */
  private spanHeads(keep: (h: number) => boolean): number[] {
    const u32 = this.lm.u32;
    const spans: number[] = [];
    const end = this.pages.endPage();
    for (let p = this.pages.firstDataPage; p < end; p++) {
      const w = this.pages.word(p);
      if ((w & PK_KIND_MASK) !== PK_MID_SPAN || ((w >>> 4) & 15) !== 0) continue;
      const h = (p << PAGE_SHIFT) >>> 2;
      if (u32[h + SP_MAGIC / 4] === SPAN_MAGIC_VALUE && keep(h)) spans.push((p << PAGE_SHIFT) >>> 0);
    }
    return spans;
  }

  /** Under the mid lock: rebuilds every class's abandoned list from the spans whose owner is 0. */
  private relinkAbandoned(): void {
    const u32 = this.lm.u32;
    const heads = (this.pages.midArea + MID_ABANDONED_HEADS) >>> 2;
    for (let c = 0; c < MID_CLASSES; c++) u32[heads + c] = 0;
    for (const span of this.spanHeads((h) => u32[h + SP_OWNER / 4] === 0)) {
      const h = span >>> 2;
      const head = heads + u32[h + SP_CLASS / 4];
      u32[h + SP_PARTIAL / 4] = SLAB_LIST_NONE;
      u32[h + SP_NEXT / 4] = u32[head];
      u32[head] = span;
    }
  }

  /** Detach: after `flush`, hands every span this worker still owns (all have blocks out) to the abandoned lists. */
  abandonAll(): void {
    const out: number[] = [];
    for (let c = 0; c < MID_CLASSES; c++) {
      for (const s of this.lists.all(c)) {
        this.moveTo(c, s, SLAB_LIST_NONE);
        out.push(s);
      }
      this.spare[c] = 0;
    }
    this.abandonSpans(out);
  }

  /** How many cached blocks of this worker lie in `span` (for check()). */
  cachedIn(span: number): number {
    let n = 0;
    const u32 = this.lm.u32;
    for (let c = 0; c < MID_FIRST_RUN_CLASS; c++)
      for (let i = 0; i < this.count[c]; i++) {
        const p = this.slots[c * STRIDE + i];
        if (spanStart(p, u32[this.pt0 + (p >>> PAGE_SHIFT)]) === span) n++;
      }
    return n;
  }

  /** Whether the run at `ptr` sits in this worker's cache. */
  cachesRun(ptr: number): boolean {
    for (let c = MID_FIRST_RUN_CLASS; c < MID_CLASSES; c++)
      for (let i = 0; i < this.count[c]; i++) if (this.slots[c * STRIDE + i] === ptr) return true;
    return false;
  }

  counters(): Record<string, number | number[]> {
    return {
      hits: this.hits,
      misses: this.misses,
      frees: this.frees,
      overflows: this.overflows,
      capacityGrows: this.capacityGrows,
      capacityShrinks: this.capacityShrinks,
      spansCreated: this.spansCreated,
      spansReleased: this.spansReleased,
      runsAllocated: this.runsAllocated,
      runsReleased: this.runsReleased,
      remoteFrees: this.remoteFrees,
      dryRevived: this.lists.revived,
      spansAdopted: this.spansAdopted,
      spansAbandoned: this.spansAbandoned,
      allocFailures: this.allocFailures,
      cachedBytes: this.cachedBytes,
      budgetBytes: this.budgetBytes,
      capacities: Array.from(this.capacity),
    };
  }

  /** Cache invariants: counts within capacity, capacity within bounds, budget respected. */
  validate(): string | null {
    let bytes = 0;
    for (let c = 0; c < MID_CLASSES; c++) {
      if (this.capacity[c] < MIN_CAPACITY || this.capacity[c] > this.maxCapacity[c]) return `class ${c} capacity ${this.capacity[c]} outside [${MIN_CAPACITY}, ${this.maxCapacity[c]}]`;
      if (this.count[c] < 0 || this.count[c] > STRIDE) return `class ${c} cache count ${this.count[c]} out of range`;
      bytes += this.count[c] * MID_CLASS_SIZES[c];
      if (__HAKMEM_DEBUG__) for (let i = 0; i < this.count[c]; i++) checkCachedBlock(this.lm, this.pt0, c, this.slots[c * STRIDE + i]);
    }
    if (bytes !== this.cachedBytes) return `cached bytes ${this.cachedBytes} but caches hold ${bytes}`;
    if (bytes > this.budgetBytes) return `caches hold ${bytes} bytes, over the ${this.budgetBytes}-byte budget`;
    return null;
  }
}

/** markLive for a run class (apart, so that the span path inlines): its head page word at `i` becomes LIVE. */
function markRunLive(u32: Uint32Array, i: number, ptr: number, cls: number): boolean {
  const pages = cls - MID_FIRST_RUN_CLASS + 1;
  if (__HAKMEM_DEBUG__) {
    if (u32[i] !== runHeadWord(PK_RUN_FREE, pages)) throw new HeapError('CORRUPTION', 'cached run is not a free run of its class', ptr, 'midLargeAce');
  }
  u32[i] = runHeadWord(PK_RUN_LIVE, pages);
  return true;
}

/** Debug: cached blocks [from, to) of class `cls`, about to leave the cache, still hold their poison. */
function checkLeaving(lm: LinearMemory, slots: Uint32Array, cls: number, from: number, to: number): void {
  if (to > from) lm.fresh();
  const size = classBytes(cls);
  for (let i = from; i < to; i++) checkPoison(lm, slots[cls * STRIDE + i], 0, size, 'in the cache');
}

/**
 * Debug, before a refill changes anything: the first `want` free-list blocks
 * of the span are carved blocks of it that kept their poison (past the link).
 */
function checkTake(lm: LinearMemory, span: number, cls: number, want: number): void {
  const u32 = lm.u32;
  const h = span >>> 2;
  const size = MID_CLASS_SIZES[cls];
  const carved = u32[h + SP_CARVED / 4];
  if (u32[h + SP_MAGIC / 4] !== SPAN_MAGIC_VALUE || u32[h + SP_CLASS / 4] !== cls || carved > u32[h + SP_CAPACITY / 4] || u32[h + SP_USED / 4] > carved)
    throw new HeapError('CORRUPTION', `refill: span ${span} header broken for class ${cls}`, span, 'midLargeAce');
  let p = u32[h + SP_FREE_HEAD / 4];
  for (let k = 0; p !== 0 && k < want; k++) {
    const rel = p - span - SPAN_HEADER_BYTES;
    if (rel < 0 || rel % size !== 0 || rel / size >= carved)
      throw new HeapError('CORRUPTION', `refill: free-list node ${p} is not a carved block of span ${span}`, p, 'midLargeAce');
    checkPoison(lm, p, 4, size, 'on its span list');
    p = u32[p >>> 2];
  }
}

/** First byte of the span holding `ptr`, from its page word's distance field. */
export function spanStart(ptr: number, word: number): number {
  return ((ptr >>> PAGE_SHIFT) - ((word >>> 4) & 15)) * PAGE_SIZE;
}

export interface SpanWalk {
  liveBlocks: number;
  liveBytes: number;
  spans: number;
}

/**
 * Validates the span at `span` and adds its live blocks to `walk`. Checks the
 * header (magic, class, capacity, pages), every page word of the span, the
 * free and remote lists (inside the span, on block boundaries, not live, no
 * cycle) and that used + free = carved. Returns the first violation, or null.
 */
export function validateSpan(lm: LinearMemory, pages: PageLayer, span: number, walk: SpanWalk, cached: number): string | null {
  const u32 = lm.u32;
  const h = span >>> 2;
  if (u32[h + SP_MAGIC / 4] !== SPAN_MAGIC_VALUE) return `span ${span} has a bad magic word`;
  const cls = u32[h + SP_CLASS / 4];
  if (cls >= MID_FIRST_RUN_CLASS) return `span ${span}: class ${cls} is not a span class`;
  const n = u32[h + SP_PAGES / 4];
  if (n !== MID_SPAN_PAGES[cls]) return `span ${span}: ${n} pages, class ${cls} spans have ${MID_SPAN_PAGES[cls]}`;
  const head = span >>> PAGE_SHIFT;
  for (let d = 0; d < n; d++) if (pages.word(head + d) !== midSpanPageWord(cls, d)) return `span ${span}: page ${head + d} has word ${pages.word(head + d)}`;
  const capacity = u32[h + SP_CAPACITY / 4];
  const carved = u32[h + SP_CARVED / 4];
  const used = u32[h + SP_USED / 4];
  if (capacity !== midSpanCapacity(cls)) return `span ${span}: capacity ${capacity} wrong for class ${cls}`;
  if (carved > capacity || used > carved) return `span ${span}: used ${used}, carved ${carved}, capacity ${capacity} out of order`;
  const size = MID_CLASS_SIZES[cls];
  const live = (q: number) => (u32[h + SP_BITMAP / 4 + (q >>> 5)] >>> (q & 31)) & 1;
  let liveCount = 0;
  for (let q = 0; q < capacity; q++) {
    if (live(q)) {
      if (q >= carved) return `span ${span}: block ${q} is live but was never carved`;
      liveCount++;
      if (__HAKMEM_DEBUG__) checkGuard(lm.u8, span + SPAN_HEADER_BYTES + q * size, size);
    }
  }
  const listLen = (first: number, what: string): number | string => {
    let k = 0;
    for (let p = first; p !== 0; p = u32[p >>> 2]) {
      const rel = p - span - SPAN_HEADER_BYTES;
      if (rel < 0 || rel % size !== 0 || rel / size >= carved) return `span ${span}: ${what} node ${p} is not a carved block`;
      if (live(rel / size)) return `span ${span}: ${what} node ${p} is live`;
      if (++k > carved) return `span ${span}: ${what} has a cycle`;
      if (__HAKMEM_DEBUG__) checkPoison(lm, p, 4, size, `on the ${what} of span ${span}`);
    }
    return k;
  };
  const free = listLen(u32[h + SP_FREE_HEAD / 4], 'free list');
  if (typeof free === 'string') return free;
  const remote = listLen(u32[h + SP_REMOTE_HEAD / 4], 'remote list');
  if (typeof remote === 'string') return remote;
  if (used + free !== carved) return `span ${span}: used ${used} + free ${free} != carved ${carved}`;
  if (liveCount + remote + cached > used) return `span ${span}: live ${liveCount} + remote ${remote} + cached ${cached} > used ${used}`;
  walk.liveBlocks += liveCount;
  walk.liveBytes += liveCount * (__HAKMEM_DEBUG__ ? size - BLOCK_GUARD : size);
  walk.spans++;
  return null;
}

/**
 * Validates a live mid run (a block of a run class, `pages` pages at `run`):
 * in the debug build its guard must be intact. Returns null or throws.
 */
export function validateLiveRun(lm: LinearMemory, run: number, pages: number): string | null {
  if (__HAKMEM_DEBUG__) {
    lm.cover(run + pages * PAGE_SIZE);
    checkGuard(lm.u8, run, pages * PAGE_SIZE);
  }
  return null;
}

