/**
 * What boxes and the facade pass each other when the heap is walked or a
 * block is freed: the shared vocabulary of `check()`, `stats()` and `free`.
 */

/**
 * One walk of the page table (`check()` validates, `stats()` only counts).
 * The facade visits each page whose page word routes to a box and hands the
 * box this object; the box walks the records starting there, which only it
 * knows, adds their live blocks, and says where its region ends.
 */
export interface HeapWalk {
  /** true for `check()`: test every invariant of the records walked; false for `stats()`: count only. */
  readonly validate: boolean;
  /** Live blocks found so far. */
  liveBlocks: number;
  /** Sum of the usable sizes of those blocks. */
  liveBytes: number;
  /** Set by the box: the first page after the region it just walked (at least the page it was given + 1). */
  nextPage: number;
  /** Set by the box when it returns a problem: the address the problem is about (default: the region's first byte). */
  problemAt: number;
  /** SuperSlabs met so far (their first bytes), for the shared pool's validator. */
  readonly superslabs: number[];
}

/** A fresh walk (`validate`: check() or stats()). */
export function newHeapWalk(validate: boolean): HeapWalk {
  return { validate, liveBlocks: 0, liveBytes: 0, nextPage: 0, problemAt: 0, superslabs: [] };
}

/** What a box's `free` (and the checks before it) found. */
export type FreeResult = typeof FREE_OK | typeof FREE_DOUBLE | typeof FREE_INVALID | typeof FREE_INSIDE;
/** The block was live and is free now. */
export const FREE_OK = 0;
/** The pointer is a block start of this box, but that block is not live: a double free. Nothing changed. */
export const FREE_DOUBLE = 1;
/** The pointer is no block of this box (the front gate words why, from the page word). Nothing changed. */
export const FREE_INVALID = 2;
/** The pointer lies inside a slab or span of this box but not at the start of one of its blocks. Nothing changed. */
export const FREE_INSIDE = 3;
