import { HeapError } from '@hakmem/contracts';
import {
  MID_MAX,
  PAGE_MASK,
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
} from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';

/** Where `malloc` sends a size. */
export const ROUTE_TINY = 0;
export const ROUTE_MID = 1;
export const ROUTE_LARGE = 2;

/**
 * Front gate box: size → route for malloc, pointer → owning box in O(1) for
 * free. The pointer side is one read of the page table (a u32 per 64 KiB page
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

  route(size: number): number {
    return size <= TINY_MAX ? ROUTE_TINY : size <= MID_MAX ? ROUTE_MID : ROUTE_LARGE;
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

  /** Slow path: builds the error for a pointer no box accepted. `detail` comes from the owning box. */
  reject(ptr: number, word: number, detail: string | null): HeapError {
    this.rejected++;
    const kind = word & PK_KIND_MASK;
    const box = boxOfWord(word);
    if (detail === 'double') return new HeapError('DOUBLE_FREE', describeDouble(kind), ptr, box);
    return new HeapError('INVALID_POINTER', detail ?? describeInvalid(ptr, kind), ptr, box ?? 'frontGate');
  }

  counters(): Record<string, number> {
    return { rejected: this.rejected };
  }
}

/** The box that owns a page, from its page-table word; undefined for pages no box owns. */
/**
 * Hot path of `free`: the page-table word of `ptr`'s page, or PK_FREE outside
 * the region. `firstIndex` is the u32 index of the region's first page word.
 * The facade calls it directly with its own view and geometry.
 */
export function pageWordOf(u32: Uint32Array, firstIndex: number, basePage: number, regionPages: number, ptr: number): number {
  const pg = (ptr >>> 16) - basePage;
  if (pg < 0 || pg >= regionPages) return PK_FREE;
  return u32[firstIndex + pg] | 0;
}

function boxOfWord(word: number): 'superslab' | 'midLargeAce' | 'bigcache' | undefined {
  const kind = word & PK_KIND_MASK;
  if (kind === PK_TINY) return 'superslab';
  if (kind === PK_MID_SPAN) return 'midLargeAce';
  if (kind === PK_RUN_LIVE || kind === PK_RUN_FREE) return word >>> 8 > SPAN_MAX_PAGES ? 'bigcache' : 'midLargeAce';
  return undefined;
}

function describeDouble(kind: number): string {
  return kind === PK_RUN_FREE ? 'the block was already freed (its pages are cached free)' : 'the block is not live: it was already freed';
}

function describeInvalid(ptr: number, kind: number): string {
  switch (kind) {
    case PK_FREE:
      return 'the pointer is not inside any block this heap handed out';
    case PK_META:
      return 'the pointer is inside the heap metadata';
    case PK_SS_SPARE:
      return 'the pointer is inside an unused slab';
    case PK_RUN_BODY:
      return 'the pointer is inside a large block, not at its start';
    case PK_RUN_LIVE:
    case PK_RUN_FREE:
      return (ptr & PAGE_MASK) !== 0 ? 'the pointer is inside a block, not at its start' : 'the pointer is not a live block';
    default:
      return 'the pointer is not the start of a live block';
  }
}
