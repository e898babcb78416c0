import { FREE_DOUBLE, FREE_INSIDE, HeapError, ROUTE_LARGE, ROUTE_MID, ROUTE_NONE, ROUTE_RUN_BODY, ROUTE_TINY, type BoxName, type FreeResult, type Route } from '@hakmem/contracts';
import {
  MID_MAX,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_FREE,
  PK_KIND_MASK,
  PK_META,
  PK_MID_SPAN,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  PK_SS_SPARE,
  PK_TINY,
  SPAN_MAX_PAGES,
  TINY_MAX,
  MID_CLASS_SIZES,
  MID_SPAN_CAPACITY,
  SPAN_HEADER_BYTES,
  SS_HEADER_BYTES,
  TINY_CLASS_SIZES,
  rememberedWord,
  tinySlabCapacity,
  pageClass,
  pageDistance,
  pageSlab,
  runPages,
} from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import { checkedPageWord } from './page-word-check.js';

/**
 * Front gate box: the router. Size → box for malloc (`routeOfSize`), page
 * word → box for free, usableSize and the heap walk (`routeOfWord`), pointer
 * → page word in O(1) (`pageWordOf`). The pointer side is one read of the page table (a u32 per 64 KiB page
 * at a fixed place in the memory): its kind says which box owns the page and
 * its payload gives the class, so no header and no registry lookup is needed.
 * The gate reads shared words only; it writes none.
 */
export class FrontGate {
  readonly lm: LinearMemory;
  readonly firstIndex: number;
  readonly basePage: number;
  readonly regionPages: number;
  rejected = 0;

  constructor(lm: LinearMemory, pages: PageLayer) {
    this.lm = lm;
    this.basePage = pages.basePage;
    this.regionPages = pages.limitPage - pages.basePage;
    this.firstIndex = pages.pt0 + pages.basePage;
  }

  /**
   * The page-table word of the page holding `ptr`, or 0 (PK_FREE) when `ptr`
   * lies outside the region or beyond the current view (the caller then
   * refreshes the view and asks again before calling the pointer invalid).
   * `ptr` must already be a u32.
   */
  pageWord(ptr: number): number {
    return pageWordOf(this.lm.u32, this.firstIndex, this.basePage, this.regionPages, ptr);
  }

  /**
   * Slow path: builds the error for a pointer no box accepted. `result` is
   * what the owning box found (FREE_INVALID when no box owns the page).
   */
  reject(ptr: number, word: number, result: FreeResult): HeapError {
    this.rejected++;
    const kind = word & PK_KIND_MASK;
    const box = ownerBox(word);
    if (result === FREE_DOUBLE) return new HeapError('DOUBLE_FREE', describeDouble(kind), ptr, box);
    if (result === FREE_INSIDE) return new HeapError('INVALID_POINTER', 'the pointer is not the start of a block of its slab', ptr, box ?? 'frontGate');
    // A run head cached free, a span's block start no box called live: freed already (usableSize and free agree).
    if ((kind === PK_RUN_FREE && (ptr & PAGE_MASK) === 0) || (kind === PK_MID_SPAN && wasBlockStart(ptr, word, this.lm.shared))) return new HeapError('DOUBLE_FREE', describeDouble(kind), ptr, box);
    // A page that went back remembers what it held: a block start there was freed already.
    const held = rememberedWord(word);
    if (held !== PK_FREE && wasBlockStart(ptr, held, this.lm.shared))
      return new HeapError('DOUBLE_FREE', `the block was already freed: its ${kind === PK_FREE ? 'pages went back to the heap' : 'slab is unused now'} and have not been handed out again`, ptr, ownerBox(held));
    return new HeapError('INVALID_POINTER', this.describeInvalid(ptr, word), ptr, box ?? 'frontGate');
  }

  /** Why no box accepts `ptr`, from where it lies and what its page holds (slow path: may read the page table). */
  private describeInvalid(ptr: number, word: number): string {
    const pg = (ptr >>> PAGE_SHIFT) - this.basePage;
    switch (word & PK_KIND_MASK) {
      case PK_FREE:
        if (pg < 0) return `the pointer is not inside any block this heap handed out: it lies below the heap's region, which starts at ${this.basePage * PAGE_SIZE}`;
        if (pg >= this.regionPages) return `the pointer is not inside any block this heap handed out: it lies beyond the heap's region, which ends at ${(this.basePage + this.regionPages) * PAGE_SIZE}`;
        return `the pointer is not inside any block this heap handed out: it lies in a free page (${ptr >>> PAGE_SHIFT}) of the heap`;
      case PK_META:
        return 'the pointer is inside the heap metadata';
      case PK_SS_SPARE:
        return 'the pointer is inside an unused slab';
      case PK_RUN_BODY: {
        const head = this.runHeadBefore(pg);
        const why = 'the pointer is inside a large block, not at its start';
        return head < 0 ? why : `${why}: the block starts at ${(this.basePage + head) * PAGE_SIZE}, ${ptr - (this.basePage + head) * PAGE_SIZE} bytes before it`;
      }
      case PK_RUN_LIVE:
      case PK_RUN_FREE:
        return (ptr & PAGE_MASK) !== 0
          ? `the pointer is inside a block, not at its start: the block starts at ${ptr - (ptr & PAGE_MASK)}, ${ptr & PAGE_MASK} bytes before it`
          : 'the pointer is not a live block';
      default:
        return 'the pointer is not the start of a live block';
    }
  }

  /** The region page of the run head before body page `pg`, or -1 when the page table shows none. */
  private runHeadBefore(pg: number): number {
    const u32 = this.lm.u32;
    for (let p = pg; p >= 0; p--) {
      const kind = u32[this.firstIndex + p] & PK_KIND_MASK;
      if (kind === PK_RUN_LIVE || kind === PK_RUN_FREE) return p;
      if (kind !== PK_RUN_BODY) return -1;
    }
    return -1;
  }

  counters(): Record<string, number> {
    return { rejected: this.rejected };
  }
}

/**
 * Hot path of `free`: the page-table word of `ptr`'s page, or PK_FREE outside
 * the region. `firstIndex` is the u32 index of the region's first page word.
 * The facade calls it directly with its own view and geometry. The debug
 * build cross-checks the word with the owning box's records
 * (page-word-check.ts); in release that line is gone and this stays three.
 */
export function pageWordOf(u32: Uint32Array, firstIndex: number, basePage: number, regionPages: number, ptr: number): number {
  const pg = (ptr >>> PAGE_SHIFT) - basePage;
  if (pg < 0 || pg >= regionPages) return PK_FREE;
  if (__HAKMEM_DEBUG__) return checkedPageWord(u32, firstIndex + pg, pg, regionPages, ptr);
  return u32[firstIndex + pg] | 0;
}

/** Which box serves `size` bytes, given the guard bytes the superslab and mid builds keep after each block. */
export function routeOfSize(size: number, tinyGuard: number, midGuard: number): Route {
  return size + tinyGuard <= TINY_MAX ? ROUTE_TINY : size + midGuard <= MID_MAX ? ROUTE_MID : ROUTE_LARGE;
}

/** Bits of a uint32: `>>>` works modulo 2^UINT_BITS. */
const UINT_BITS = 32;
/** Sizes up to this round up to whole pages in uint32 arithmetic (`size + PAGE_MASK` stays below 2^32). */
const UINT_ROUND_MAX = 2 ** UINT_BITS - PAGE_SIZE;

/**
 * Pages of the large run for `size` bytes: always more than a mid run has, so that free routes it to BigCache.
 * An add and a shift rather than `Math.ceil(size / PAGE_SIZE)`, a float multiply and round: W6 ~4 ns an iteration of ~95.
 */
export function largeRunPages(size: number): number {
  const pages = size <= UINT_ROUND_MAX ? (size + PAGE_MASK) >>> PAGE_SHIFT : Math.ceil(size / PAGE_SIZE);
  return pages > SPAN_MAX_PAGES ? pages : SPAN_MAX_PAGES + 1;
}

/** Which box serves a page-aligned run of `pages` whole pages (alignedAlloc): mid page classes up to a span's size, then BigCache. */
export function routeOfPageRun(pages: number): Route {
  return pages <= SPAN_MAX_PAGES ? ROUTE_MID : ROUTE_LARGE;
}

/** Which box owns a page, from its page-table word. */
export function routeOfWord(word: number): Route {
  switch (word & PK_KIND_MASK) {
    case PK_TINY:
    case PK_SS_SPARE:
      return ROUTE_TINY;
    case PK_MID_SPAN:
      return ROUTE_MID;
    case PK_RUN_LIVE:
    case PK_RUN_FREE:
      return runPages(word) > SPAN_MAX_PAGES ? ROUTE_LARGE : ROUTE_MID;
    case PK_RUN_BODY:
      return ROUTE_RUN_BODY;
    default:
      return ROUTE_NONE;
  }
}

/** The box a route names, for errors; undefined for pages no box owns. */
export function boxOfRoute(route: Route): BoxName | undefined {
  return route === ROUTE_TINY ? 'superslab' : route === ROUTE_MID ? 'midLargeAce' : route === ROUTE_LARGE ? 'bigcache' : undefined;
}

/** The box named in an error about a pointer in a page with `word`: an unused slab's page is no box's. */
function ownerBox(word: number): BoxName | undefined {
  return (word & PK_KIND_MASK) === PK_SS_SPARE ? undefined : boxOfRoute(routeOfWord(word));
}

/** Whether `ptr` was the start of a block when its page held `held` (a live page word). */
function wasBlockStart(ptr: number, held: number, shared: boolean): boolean {
  const kind = held & PK_KIND_MASK;
  const page = ptr - (ptr & PAGE_MASK);
  if (kind === PK_RUN_LIVE || kind === PK_RUN_FREE) return ptr === page;
  const cls = pageClass(held);
  if (kind === PK_TINY) {
    const slab = pageSlab(held);
    const size = TINY_CLASS_SIZES[cls];
    const rel = ptr - page - (slab === 0 ? SS_HEADER_BYTES : 0);
    // In a shared heap slab 0 ends at the remote-freed bitmap (tinySlabCapacity's `shared`).
    return size !== undefined && rel >= 0 && rel % size === 0 && rel / size < tinySlabCapacity(cls, slab, shared);
  }
  if (kind === PK_MID_SPAN) {
    const size = MID_CLASS_SIZES[cls];
    const rel = ptr - (page - pageDistance(held) * PAGE_SIZE) - SPAN_HEADER_BYTES;
    return size !== undefined && rel >= 0 && rel % size === 0 && rel / size < MID_SPAN_CAPACITY[cls];
  }
  return false;
}

function describeDouble(kind: number): string {
  return kind === PK_RUN_FREE ? 'the block was already freed (its pages are cached free)' : 'the block is not live: it was already freed';
}
