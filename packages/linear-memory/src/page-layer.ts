import { HeapError } from '@hakmem/contracts';
import {
  BIGCACHE_AREA_BYTES,
  FLAG_POISONED,
  FLAG_SHARED,
  H_BASE_PAGE,
  H_BIGCACHE_AREA,
  H_END_PAGE,
  H_FLAGS,
  H_FREE_BITMAP,
  H_GROWS,
  H_HEAP_BASE,
  H_LIMIT_PAGE,
  H_MAGIC,
  H_MAX_BYTES,
  H_MAX_BYTES_HI,
  H_MAX_BYTES_LO,
  H_META_PAGES,
  H_MID_AREA,
  H_NEXT_WORKER,
  H_PAGE_LOCK,
  H_PAGE_TABLE,
  H_PAGES_IN_USE,
  H_PEAK_PAGES,
  H_POOL_AREA,
  H_RUNS_ALLOCATED,
  H_RUNS_FREED,
  H_RUN_INDEX,
  H_RUN_TABLE,
  H_VARIANTS,
  H_VERSION,
  HEADER_BYTES,
  HEAP_LAYOUT_VERSION,
  HEAP_MAGIC,
  MAX_PAGES,
  MID_AREA_BYTES,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_FREE,
  PK_KIND_MASK,
  PK_META,
  PK_RESERVED,
  PK_RUN_BODY,
  FREE_POISONED,
  POISON_WORD,
  freePageWord,
  POOL_AREA_BYTES,
} from '@hakmem/contracts/layout';
import { LinearMemory } from './linear-memory.js';
import { breakLockOf, lockAll, lockWord, unlockAll, unlockWord } from './lock.js';
import { FreeRuns, RUN_INDEX_BYTES } from './free-runs.js';
import { scannerOf } from './block-scan.js';
import { ALL_BITS, WORD_BIT_MASK, WORD_BIT_SHIFT, WORD_BITS, WORD_BYTES, WORD_RANGE } from './words.js';

/**
 * The page layer: hands out and takes back runs of whole pages of the region,
 * grows the memory when it needs more, and owns the page table and the
 * metadata zone.
 *
 * Metadata zone, at `base` (the first page-aligned byte at or above heapBase):
 *
 *   base + 0      global header (layout.ts H_*)
 *   base + 256    shared-pool area, mid area, bigcache area
 *   base + 2048   free-run index: bucket mask and heads (free-runs.ts)
 *   base + 2304   free-page bitmap: bit (p - basePage) set ⇔ page p is free
 *                 and below the heap's end page
 *   then          page table: one u32 word per page of the region
 *   then          run table: one u32 word per page (free-runs.ts)
 *
 * Free pages below the end form maximal runs, each on the free-run index's
 * list of its size's bucket: taking a run (`allocRun(n, 1)`) and giving one
 * back (merged with its free neighbours) are a constant number of steps
 * whatever the heap's size. An aligned request (a SuperSlab), a single page
 * (`takePage`) and a request the index's probes missed when the heap cannot
 * grow search the bitmap, as before, at a cost that grows with the heap.
 *
 * A page that comes back keeps what it last held in its free word (layout.ts
 * `freePageWord`) until it is handed out again: the front gate names a
 * second free of a block there a double free, and a page a debug box gave
 * back poisoned is checked when it is taken again (`allocRun` throws
 * CORRUPTION if it was written) and by `validate()`.
 *
 * Locking: every word of the bitmap, the end page and the pages-in-use
 * counter are written only under the page lock (H_PAGE_LOCK). Page-table
 * words of a run belong to whoever holds the run: the page layer writes them
 * only while the run is free, and stamps a run it hands out PK_RESERVED (with
 * the taker's id), or with the words its taker gave (`allocStampedRun`),
 * before it lets the lock go, so under the lock a page is
 * free exactly when its word is PK_FREE. That is what lets a survivor repair
 * the bitmap after a worker died holding the lock (`reclaimWorker`).
 * Callers may hold a box lock when they call in; the page lock is always the
 * last one taken.
 */
export interface HeapGeometry {
  heapBase: number;
  maxBytes: number;
  base: number;
  basePage: number;
  limitPage: number;
  metaPages: number;
}

const RUN_INDEX_OFFSET = 2048;
const BITMAP_OFFSET = RUN_INDEX_OFFSET + RUN_INDEX_BYTES;
/** The page table starts on a 64-byte (cache-line) boundary after the bitmap. */
const TABLE_ALIGN = 64;
/** PK_RESERVED (layout.ts): the taker's worker id sits above the kind bits. */
const RESERVED_HOLDER_SHIFT = 8;
/** The free word of a page that was a run's body (see `freeBodyRun`). */
const FREE_BODY_WORD = freePageWord(PK_RUN_BODY, false);
const FREE_BODY_POISONED_WORD = freePageWord(PK_RUN_BODY, true);
const AREAS_OFFSET = HEADER_BYTES;

export function planGeometry(heapBase: number, maxBytes: number): HeapGeometry {
  const basePage = Math.ceil(heapBase / PAGE_SIZE);
  const limitPage = Math.min(MAX_PAGES, Math.floor((heapBase + maxBytes) / PAGE_SIZE));
  const regionPages = Math.max(0, limitPage - basePage);
  const bitmapBytes = Math.ceil(regionPages / WORD_BITS) * WORD_BYTES;
  const tableOffset = alignUp(BITMAP_OFFSET + bitmapBytes, TABLE_ALIGN);
  const metaBytes = runTableOffset(tableOffset, regionPages) + regionPages * WORD_BYTES;
  return {
    heapBase,
    maxBytes,
    base: basePage * PAGE_SIZE,
    basePage,
    limitPage,
    metaPages: Math.max(1, Math.ceil(metaBytes / PAGE_SIZE)),
  };
}

/** The run table follows the page table, on a cache-line boundary. */
function runTableOffset(tableOffset: number, regionPages: number): number {
  return alignUp(tableOffset + regionPages * WORD_BYTES, TABLE_ALIGN);
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export class PageLayer {
  readonly lm: LinearMemory;
  readonly base: number;
  readonly basePage: number;
  readonly limitPage: number;
  readonly metaPages: number;
  readonly firstDataPage: number;
  readonly heapBase: number;
  readonly maxBytes: number;
  /** u32 index of the header's first word. */
  readonly h: number;
  /** `u32[pt0 + page]` is the page-table word of absolute page `page`. */
  readonly pt0: number;
  /** u32 index of the free bitmap's first word. */
  readonly bm: number;
  readonly poolArea: number;
  readonly midArea: number;
  readonly bigcacheArea: number;
  /** The free-run index (free-runs.ts). */
  readonly runs: FreeRuns;
  /** Set by `reserve`: the free run holding the pages it found (head page, length). */
  private foundHead = 0;
  private foundLength = 0;

  private constructor(lm: LinearMemory, base: number) {
    this.lm = lm;
    const u32 = lm.u32;
    const h = base >>> 2;
    if (u32[h + H_MAGIC / WORD_BYTES] !== HEAP_MAGIC || u32[h + H_VERSION / WORD_BYTES] !== HEAP_LAYOUT_VERSION)
      throw new HeapError('CORRUPTION', 'no hakmem heap header at this base (wrong handle, or the header was overwritten)', base);
    this.h = h;
    this.base = base;
    this.basePage = u32[h + H_BASE_PAGE / WORD_BYTES];
    this.limitPage = u32[h + H_LIMIT_PAGE / WORD_BYTES];
    this.metaPages = u32[h + H_META_PAGES / WORD_BYTES];
    this.firstDataPage = this.basePage + this.metaPages;
    this.heapBase = u32[h + H_HEAP_BASE / WORD_BYTES];
    // What the user gave: sizes up to it are requests (served or 0), above it errors.
    this.maxBytes = u32[h + H_MAX_BYTES_LO / WORD_BYTES] + u32[h + H_MAX_BYTES_HI / WORD_BYTES] * WORD_RANGE;
    this.pt0 = (u32[h + H_PAGE_TABLE / WORD_BYTES] >>> 2) - this.basePage;
    this.bm = u32[h + H_FREE_BITMAP / WORD_BYTES] >>> 2;
    this.poolArea = u32[h + H_POOL_AREA / WORD_BYTES];
    this.midArea = u32[h + H_MID_AREA / WORD_BYTES];
    this.bigcacheArea = u32[h + H_BIGCACHE_AREA / WORD_BYTES];
    this.runs = new FreeRuns(lm, u32[h + H_RUN_INDEX / WORD_BYTES], u32[h + H_RUN_TABLE / WORD_BYTES], this.bm, this.basePage);
    lm.endWord = h + H_END_PAGE / WORD_BYTES;
  }

  /**
   * Writes a fresh heap header and metadata zone into `lm` for `geo`. The
   * memory must already hold the metadata pages. Returns null-free layer.
   */
  static format(lm: LinearMemory, geo: HeapGeometry, shared: boolean): PageLayer {
    lm.refresh();
    const { base, basePage, limitPage, metaPages } = geo;
    lm.u8.fill(0, base, base + metaPages * PAGE_SIZE);
    const u32 = lm.u32;
    const h = base >>> 2;
    const regionPages = limitPage - basePage;
    const bitmapBytes = Math.ceil(regionPages / WORD_BITS) * WORD_BYTES;
    const table = base + alignUp(BITMAP_OFFSET + bitmapBytes, TABLE_ALIGN);
    u32[h + H_MAGIC / WORD_BYTES] = HEAP_MAGIC;
    u32[h + H_VERSION / WORD_BYTES] = HEAP_LAYOUT_VERSION;
    u32[h + H_FLAGS / WORD_BYTES] = shared ? FLAG_SHARED : 0;
    u32[h + H_BASE_PAGE / WORD_BYTES] = basePage;
    u32[h + H_LIMIT_PAGE / WORD_BYTES] = limitPage;
    u32[h + H_META_PAGES / WORD_BYTES] = metaPages;
    u32[h + H_END_PAGE / WORD_BYTES] = basePage + metaPages;
    u32[h + H_PEAK_PAGES / WORD_BYTES] = 0;
    u32[h + H_PAGE_TABLE / WORD_BYTES] = table;
    u32[h + H_FREE_BITMAP / WORD_BYTES] = base + BITMAP_OFFSET;
    u32[h + H_RUN_INDEX / WORD_BYTES] = base + RUN_INDEX_OFFSET;
    u32[h + H_RUN_TABLE / WORD_BYTES] = base + runTableOffset(table - base, regionPages);
    u32[h + H_POOL_AREA / WORD_BYTES] = base + AREAS_OFFSET;
    u32[h + H_MID_AREA / WORD_BYTES] = base + AREAS_OFFSET + POOL_AREA_BYTES;
    u32[h + H_BIGCACHE_AREA / WORD_BYTES] = base + AREAS_OFFSET + POOL_AREA_BYTES + MID_AREA_BYTES;
    u32[h + H_HEAP_BASE / WORD_BYTES] = geo.heapBase;
    u32[h + H_MAX_BYTES / WORD_BYTES] = Math.floor(Math.min(geo.maxBytes, MAX_PAGES * PAGE_SIZE) / PAGE_SIZE);
    u32[h + H_MAX_BYTES_LO / WORD_BYTES] = geo.maxBytes % WORD_RANGE;
    u32[h + H_MAX_BYTES_HI / WORD_BYTES] = Math.floor(geo.maxBytes / WORD_RANGE);
    if (AREAS_OFFSET + POOL_AREA_BYTES + MID_AREA_BYTES + BIGCACHE_AREA_BYTES > RUN_INDEX_OFFSET)
      throw new Error('hakmem: metadata areas overlap the free bitmap (layout constants are inconsistent)');
    const pt0 = (table >>> 2) - basePage;
    for (let p = basePage; p < basePage + metaPages; p++) u32[pt0 + p] = PK_META;
    return new PageLayer(lm, base);
  }

  /** Reads the header another worker formatted at `base`. */
  static attach(lm: LinearMemory, base: number): PageLayer {
    lm.refresh();
    return new PageLayer(lm, base);
  }

  /**
   * Why `base` is not the start of a heap header that a worker of a shared
   * heap could attach to, or null when it is. Reads only, so a malformed
   * handle is refused before anything is written.
   */
  static headerProblem(lm: LinearMemory, base: unknown): string | null {
    if (typeof base !== 'number' || !Number.isInteger(base) || base < 0) return `base must be a non-negative integer, got ${String(base)}`;
    if (base % PAGE_SIZE !== 0) return `base ${base} is not page-aligned (a heap header starts on a 64 KiB page)`;
    lm.refresh();
    if (base + HEADER_BYTES > lm.u8.length) return `base ${base} lies past the memory's ${lm.u8.length} bytes`;
    const u32 = lm.u32;
    const h = base >>> 2;
    if (u32[h + H_MAGIC / WORD_BYTES] !== HEAP_MAGIC || u32[h + H_VERSION / WORD_BYTES] !== HEAP_LAYOUT_VERSION) return `no hakmem heap header at base ${base}`;
    if (u32[h + H_BASE_PAGE / WORD_BYTES] * PAGE_SIZE !== base) return `the heap header at ${base} records another base`;
    if ((u32[h + H_FLAGS / WORD_BYTES] & FLAG_SHARED) === 0) return `the heap at base ${base} was not created with shared: true`;
    const limit = u32[h + H_LIMIT_PAGE / WORD_BYTES];
    const meta = u32[h + H_META_PAGES / WORD_BYTES];
    if (limit > MAX_PAGES || meta === 0 || u32[h + H_BASE_PAGE / WORD_BYTES] + meta >= limit) return `the heap header at ${base} has an impossible geometry`;
    return null;
  }

  /** A new worker id for this heap (1, 2, …): unique among every worker that ever attached (H_NEXT_WORKER). */
  nextWorkerId(): number {
    const i = this.h + H_NEXT_WORKER / WORD_BYTES;
    return this.lm.shared ? Atomics.add(this.lm.u32, i, 1) + 1 : ++this.lm.u32[i];
  }

  /** The H_VARIANTS byte of box `index` (BOX_NAMES order): what that box runs. */
  variantByte(index: number): number {
    return this.lm.u8[this.base + H_VARIANTS + index];
  }

  /** Records what box `index` runs (at format, before any worker attaches). */
  setVariantByte(index: number, byte: number): void {
    this.lm.u8[this.base + H_VARIANTS + index] = byte;
  }

  /** Page-table word of absolute page `page` (caller checks the range). */
  word(page: number): number {
    return this.lm.u32[this.pt0 + page];
  }

  setWord(page: number, w: number): void {
    this.lm.u32[this.pt0 + page] = w;
  }

  /** Sets the words of pages [page, page + n) to `w`. */
  setWords(page: number, n: number, w: number): void {
    const i = this.pt0 + page;
    this.lm.u32.fill(w, i, i + n);
  }

  endPage(): number {
    return this.lm.u32[this.h + H_END_PAGE / WORD_BYTES];
  }

  pagesInUse(): number {
    return this.lm.u32[this.h + H_PAGES_IN_USE / WORD_BYTES];
  }

  /** Bytes of the memory the heap holds: the metadata zone plus every page handed to a box. */
  bytesReserved(): number {
    return (this.metaPages + this.pagesInUse()) * PAGE_SIZE;
  }

  isFree(page: number): boolean {
    const rel = page - this.basePage;
    return ((this.lm.u32[this.bm + (rel >>> WORD_BIT_SHIFT)] >>> (rel & WORD_BIT_MASK)) & 1) === 1;
  }

  /** Sets or clears the free bits of pages [page, page + n), a 32-bit word at a time. */
  private setFreeBits(page: number, n: number, free: boolean): void {
    const u32 = this.lm.u32;
    for (let rel = page - this.basePage, end = rel + n; rel < end; ) {
      const bit = rel & WORD_BIT_MASK;
      const take = Math.min(WORD_BITS - bit, end - rel);
      const mask = take === WORD_BITS ? ALL_BITS : ((1 << take) - 1) << bit;
      const i = this.bm + (rel >>> WORD_BIT_SHIFT);
      u32[i] = free ? u32[i] | mask : u32[i] & ~mask;
      rel += take;
    }
  }

  /** The last used page in [from, to), or -1 when all are free; reads a bitmap word at a time. */
  private lastUsed(from: number, to: number): number {
    const u32 = this.lm.u32;
    const lo = from - this.basePage;
    let hi = to - this.basePage; // exclusive
    while (hi > lo) {
      const w = (hi - 1) >>> WORD_BIT_SHIFT;
      const start = Math.max(lo, w << WORD_BIT_SHIFT);
      const width = hi - start;
      const mask = width === WORD_BITS ? ALL_BITS : ((1 << width) - 1) << (start & WORD_BIT_MASK);
      const used = ~u32[this.bm + w] & mask;
      if (used !== 0) return this.basePage + (w << WORD_BIT_SHIFT) + WORD_BIT_MASK - Math.clz32(used);
      hi = start;
    }
    return -1;
  }

  /** The page lock, in a shared heap only (a private heap has one thread; see lock.ts). */
  lock(): void {
    if (this.lm.shared) lockWord(this.lm.i32, this.h + H_PAGE_LOCK / WORD_BYTES, true, this.lm.holder);
  }

  unlock(): void {
    if (this.lm.shared) unlockWord(this.lm.i32, this.h + H_PAGE_LOCK / WORD_BYTES, true);
  }

  /**
   * In a shared heap, takes every lock of the heap, the boxes' and this
   * layer's, in the lock order (lock.ts `lockAll`), waiting at most
   * `timeoutMs` for each; returns whether it holds them (then call
   * `unlockAll`). While they are held no other worker changes what they
   * guard: the page words and counters, BigCache's table, the pool's and
   * the mid box's lists, and the memory's length (growth takes the page
   * lock). A private heap has nothing to take: false.
   */
  lockAll(timeoutMs: number): boolean {
    return this.lm.shared && lockAll(this.lm.i32, this.h, this.lm.holder, timeoutMs);
  }

  /** Releases what `lockAll` took. */
  unlockAll(): void {
    unlockAll(this.lm.i32, this.h);
  }

  /**
   * Takes `n` free pages starting on a multiple of `align` pages (absolute),
   * growing the heap's end and the memory if needed. Returns the first page,
   * or 0 when the region or the memory cannot provide them. The page-table
   * words of the run are PK_RESERVED with the taker's id: the caller stamps
   * them.
   */
  allocRun(n: number, align: number): number {
    const reserved = this.reservedWord();
    return this.takeRun(n, align, reserved, reserved);
  }

  /**
   * `allocRun(n, 1)` for a taker that knows the run's words: the first
   * page's word is `head`, the others' `body`, written under the lock (a
   * large run: one pass over its words instead of the PK_RESERVED stamp and
   * then the taker's).
   */
  allocStampedRun(n: number, head: number, body: number): number {
    return this.takeRun(n, 1, head, body);
  }

  private takeRun(n: number, align: number, head: number, body: number): number {
    this.lock();
    try {
      const page = this.reserve(n, align);
      if (page !== 0) {
        this.checkTaken(page, n);
        this.runs.carve(page, n, this.foundHead, this.foundLength);
        this.takeLocked(page, n, head, body);
        // Free pages below the end may lie past this worker's view, if
        // another worker moved the end up: the caller writes there next.
        this.lm.cover((page + n) * PAGE_SIZE);
      }
      return page;
    } finally {
      this.unlock();
    }
  }

  /**
   * Reserves the address range of a run of `n` pages starting on a multiple
   * of `align` pages, all free (growing the heap's end as `allocRun` does),
   * but takes only its first page; the others stay free, so any box may take
   * them, and their owner-to-be takes each with `takePage` when it needs it.
   * A SuperSlab is such a range: it holds the pages of its slabs in use, not
   * 1 MiB from the start. Returns the first page, or 0.
   */
  allocRunHead(n: number, align: number): number {
    this.lock();
    try {
      const page = this.reserve(n, align);
      if (page !== 0) {
        this.checkTaken(page, 1);
        this.runs.carve(page, 1, this.foundHead, this.foundLength);
        const reserved = this.reservedWord();
        this.takeLocked(page, 1, reserved, reserved);
        this.lm.cover((page + n) * PAGE_SIZE);
      }
      return page;
    } finally {
      this.unlock();
    }
  }

  /**
   * Takes page `page` if it is free and below the heap's end: stamped
   * PK_RESERVED (with this worker's id) and counted in use, as `allocRun`
   * does. False, changing nothing, when another box holds it.
   */
  takePage(page: number): boolean {
    this.lock();
    try {
      const end = this.endPage();
      if (page < this.firstDataPage || page >= end || !this.isFree(page)) return false;
      const head = this.headOf(page);
      this.checkTaken(page, 1);
      this.runs.carve(page, 1, head, this.runs.lengthAt(head, end));
      const reserved = this.reservedWord();
      this.takeLocked(page, 1, reserved, reserved);
      this.lm.cover((page + 1) * PAGE_SIZE);
      return true;
    } finally {
      this.unlock();
    }
  }

  /** PK_RESERVED with this worker's id: a taken page's word until its taker stamps it. */
  private reservedWord(): number {
    return PK_RESERVED | (this.lm.holder << RESERVED_HOLDER_SHIFT);
  }

  /**
   * Under the lock: free pages [page, page + n), already out of the free-run
   * index, become the taker's: the first page's word `head`, the others'
   * `body`, out of the bitmap and counted in use (one run).
   */
  private takeLocked(page: number, n: number, head: number, body: number): void {
    const u32 = this.lm.u32;
    u32[this.pt0 + page] = head;
    if (n > 1) this.setWords(page + 1, n - 1, body);
    this.setFreeBits(page, n, false);
    const inUse = (u32[this.h + H_PAGES_IN_USE / WORD_BYTES] += n);
    if (inUse > u32[this.h + H_PEAK_PAGES / WORD_BYTES]) u32[this.h + H_PEAK_PAGES / WORD_BYTES] = inUse;
    u32[this.h + H_RUNS_ALLOCATED / WORD_BYTES]++;
  }

  /**
   * Gives pages [page, page + n) back. Their words become free words that
   * remember what they held. `poison`: a debug box's pages, filled with
   * POISON_WORD here (before the lock: they are still the caller's), so that
   * a write after free into them is found when they are taken again.
   */
  freeRun(page: number, n: number, poison = false): void {
    if (poison) {
      this.lm.cover((page + n) * PAGE_SIZE);
      scannerOf(this.lm).fill(page * PAGE_SIZE, (page + n) * PAGE_SIZE, POISON_WORD);
    }
    this.lock();
    try {
      const u32 = this.lm.u32;
      if (poison) u32[this.h + H_FLAGS / WORD_BYTES] |= FLAG_POISONED;
      for (let p = page; p < page + n; p++) u32[this.pt0 + p] = freePageWord(u32[this.pt0 + p], poison);
      this.released(page, n);
    } finally {
      this.unlock();
    }
  }

  /**
   * `freeRun(page, n)` for a run whose pages after the first all hold
   * PK_RUN_BODY, as the box that owns it stamped them (a large run, or a
   * tail cut from one): their free words are all the same, so they are
   * written with one fill instead of a page at a time. `poisoned`: a debug
   * box already filled the pages with POISON_WORD (the poison of a run it
   * held free, which it gives back as it is); they are checked when taken
   * again, as `freeRun(page, n, true)`'s are.
   */
  freeBodyRun(page: number, n: number, poisoned = false): void {
    this.lock();
    try {
      const u32 = this.lm.u32;
      const i = this.pt0 + page;
      if (poisoned) u32[this.h + H_FLAGS / WORD_BYTES] |= FLAG_POISONED;
      u32[i] = freePageWord(u32[i], poisoned);
      u32.fill(poisoned ? FREE_BODY_POISONED_WORD : FREE_BODY_WORD, i + 1, i + n);
      this.released(page, n);
    } finally {
      this.unlock();
    }
  }

  /** Under the lock: pages [page, page + n), their free words written, are free. */
  private released(page: number, n: number): void {
    const u32 = this.lm.u32;
    this.setFreeBits(page, n, true);
    this.runs.add(page, n, this.endPage());
    u32[this.h + H_PAGES_IN_USE / WORD_BYTES] -= n;
    u32[this.h + H_RUNS_FREED / WORD_BYTES]++;
  }

  /**
   * Under the lock, before free pages [page, page + n) are taken (nothing
   * changed yet): throws CORRUPTION if a poisoned one was written since it
   * came back. Only a heap a debug box gave poisoned pages to looks.
   */
  private checkTaken(page: number, n: number): void {
    if ((this.lm.u32[this.h + H_FLAGS / WORD_BYTES] & FLAG_POISONED) !== 0) this.checkPoisoned(page, n);
  }

  /** Throws CORRUPTION if a poisoned free page of [page, page + n) was written since it came back. */
  private checkPoisoned(page: number, n: number): void {
    const at = this.poisonBreach(page, n);
    if (at >= 0) throw new HeapError('CORRUPTION', `free page ${at >>> PAGE_SHIFT} was written after it was freed, at ${at} (found when the page was taken again)`, at);
  }

  /** The first changed byte address of a poisoned free page in [page, page + n), or -1. */
  private poisonBreach(page: number, n: number): number {
    for (let p = page; p < page + n; p++) {
      if ((this.word(p) & (PK_KIND_MASK | FREE_POISONED)) !== (PK_FREE | FREE_POISONED)) continue;
      this.lm.cover((p + 1) * PAGE_SIZE);
      const at = scannerOf(this.lm).find(p * PAGE_SIZE, (p + 1) * PAGE_SIZE, POISON_WORD);
      if (at >= 0) return at;
    }
    return -1;
  }

  /**
   * Under the lock: the first page of `n` free pages starting on a multiple
   * of `align`, with `foundHead`/`foundLength` set to the free run that holds
   * them (growing the heap's end and the memory if needed), or 0. Changes
   * nothing but the end (and the memory) when it grows.
   */
  private reserve(n: number, align: number): number {
    const end = this.endPage();
    if (align === 1) {
      const head = this.runs.find(n, end);
      if (head !== 0) {
        this.foundHead = head;
        this.foundLength = this.runs.lengthAt(head, end);
        return head;
      }
    } else {
      const page = this.findFreeRun(n, align);
      if (page !== 0) return this.foundAt(page, end);
    }
    const page = this.extend(n, align);
    if (page !== 0 || align !== 1) return page;
    // The index's probes may have passed a fit deep in the request's bucket:
    // before the heap admits it is full, first fit over the bitmap.
    const fit = this.findFreeRun(n, 1);
    return fit === 0 ? 0 : this.foundAt(fit, end);
  }

  /** `reserve`'s result for a free page `page` found in the bitmap. */
  private foundAt(page: number, end: number): number {
    this.foundHead = this.headOf(page);
    this.foundLength = this.runs.lengthAt(this.foundHead, end);
    return page;
  }

  /** The head of the free run holding free page `p`: the page after the last used one before it (metadata pages are never free). */
  private headOf(p: number): number {
    return this.lastUsed(this.basePage, p) + 1;
  }

  /** First fit over the free bitmap: a used page inside a candidate run moves the search past it. */
  private findFreeRun(n: number, align: number): number {
    const end = this.endPage();
    let p = alignUp(this.firstDataPage, align);
    while (p + n <= end) {
      const used = this.lastUsed(p, p + n);
      if (used < 0) return p;
      p = alignUp(used + 1, align);
    }
    return 0;
  }

  /**
   * `reserve` when no free run fits: moves the heap's end up so that the run
   * fits after the free pages at its tail, which join the pages it adds as
   * one free run. Changes nothing when the region or the memory cannot grow.
   */
  private extend(n: number, align: number): number {
    const end = this.endPage();
    const tail = end > this.firstDataPage && this.isFree(end - 1) ? this.runs.headOfTail(end - 1) : end;
    const start = alignUp(tail, align);
    const newEnd = start + n;
    if (newEnd <= end) {
      // The tail run holds it already (the index's probes passed it by).
      this.foundHead = tail;
      this.foundLength = end - tail;
      return start;
    }
    if (newEnd > this.limitPage) return 0;
    const before = this.lm.u8.length;
    if (!this.lm.ensurePages(newEnd, this.limitPage)) return 0;
    if (this.lm.u8.length !== before) this.lm.u32[this.h + H_GROWS / WORD_BYTES]++;
    this.setFreeBits(end, newEnd - end, true);
    this.lm.u32[this.h + H_END_PAGE / WORD_BYTES] = newEnd;
    this.foundHead = this.runs.add(end, newEnd - end, newEnd);
    this.foundLength = newEnd - this.foundHead;
    return start;
  }

  /**
   * A survivor's call for worker `dead`: if it died holding the page lock,
   * takes the lock and rebuilds the free bitmap and the in-use counter from
   * the page words (pages it had reserved but not stamped are freed). Returns
   * whether it had to.
   */
  reclaimWorker(dead: number): boolean {
    const reservedByDead = PK_RESERVED | (dead << RESERVED_HOLDER_SHIFT);
    // Whether or not the dead worker held the lock, pages it reserved and
    // never stamped are freed; the rebuild is valid under the lock either way.
    const broke = breakLockOf(this.lm.i32, this.h + H_PAGE_LOCK / WORD_BYTES, dead, this.lm.holder);
    if (!broke) this.lock();
    try {
      this.lm.refresh();
      const end = this.endPage();
      let used = 0;
      for (let p = this.firstDataPage; p < end; p++) {
        if (this.word(p) === reservedByDead) this.setWord(p, PK_FREE);
        const free = (this.word(p) & PK_KIND_MASK) === PK_FREE;
        this.setFreeBits(p, 1, free);
        if (!free) used++;
      }
      this.lm.u32[this.h + H_PAGES_IN_USE / WORD_BYTES] = used;
      this.runs.rebuild(this.firstDataPage, end);
      return broke;
    } finally {
      // The word itself, shared heap or not: breakLockOf wrote this worker's id there.
      unlockWord(this.lm.i32, this.h + H_PAGE_LOCK / WORD_BYTES, this.lm.shared);
    }
  }

  counters(): Record<string, number> {
    const u32 = this.lm.u32;
    return {
      pagesInUse: u32[this.h + H_PAGES_IN_USE / WORD_BYTES],
      peakPagesInUse: u32[this.h + H_PEAK_PAGES / WORD_BYTES],
      endPage: u32[this.h + H_END_PAGE / WORD_BYTES],
      metaPages: this.metaPages,
      grows: u32[this.h + H_GROWS / WORD_BYTES],
      runsAllocated: u32[this.h + H_RUNS_ALLOCATED / WORD_BYTES],
      runsFreed: u32[this.h + H_RUNS_FREED / WORD_BYTES],
    };
  }

  /**
   * The page layer's invariants: every page below the end is either free
   * (bit set, word PK_FREE) or used (bit clear, word not PK_FREE), the
   * in-use counter matches, and the free-run index holds exactly the
   * maximal free runs (`FreeRuns.validate`). Returns a description of the first violation.
   */
  validate(): string | null {
    const end = this.endPage();
    if (end < this.firstDataPage || end > this.limitPage) return `end page ${end} outside [${this.firstDataPage}, ${this.limitPage}]`;
    let used = 0;
    for (let p = this.basePage; p < end; p++) {
      const w = this.word(p);
      const free = p >= this.firstDataPage && this.isFree(p);
      if (p < this.firstDataPage) {
        if (w !== PK_META) return `metadata page ${p} has page word ${w}`;
        continue;
      }
      if (free && (w & PK_KIND_MASK) !== PK_FREE) return `free page ${p} has page word ${w}`;
      if (!free && (w & PK_KIND_MASK) === PK_FREE) return `page ${p} is marked used in the free bitmap but owned by no box`;
      const breach = free ? this.poisonBreach(p, 1) : -1;
      if (breach >= 0) return `free page ${p} was written after it was freed, at ${breach}`;
      if (!free) used++;
    }
    if (used !== this.pagesInUse()) return `pages in use counter ${this.pagesInUse()} but ${used} pages are used`;
    return this.runs.validate(this.firstDataPage, end);
  }
}
