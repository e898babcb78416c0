import {
  GRANULE_SHIFT,
  PAGE_MASK,
  slabDataStartAt,
  slabIndexOf,
  superslabOf,
  SLAB_SIZE,
  SM_LIST,
  SS_HEADER_BYTES,
  TINY_CLASS_SIZES,
  TINY_CLASSES,
  WORD_BYTES,
} from '@hakmem/contracts/layout';

/**
 * The records of the bitmap SuperSlab (bitmap-superslab.ts) that only it
 * reads, in a file of their own: esbuild inlines constants imported from
 * another file, while a file's own top-level constants stay module bindings
 * that V8 loads on every call of the hot path (see cache-ops.ts).
 *
 * Per slab, at the end of the slab's own page (its trailer):
 *   | bytes from the page start          | what                                   |
 *   |------------------------------------|----------------------------------------|
 *   | [LIVE_BITS_AT, LIVE_BITS_AT + 512) | live bits: bit b set while block b is the user's |
 *   | [OUT_BITS_AT, OUT_BITS_AT + 512)   | out bits: bit b set while block b is out of the slab (user or a cache) |
 * Bit b is bit (b & 7) of byte (b >>> 3); block b starts at data start + b × class size.
 * Free blocks are the carved ones whose out bit is clear: there is no free list.
 */

/** Block number → byte of its bit in a bitmap, and bit within that byte. */
export const BIT_BYTE_SHIFT = 3;
export const BIT_IN_BYTE = 7;
/** Bytes of one per-block bitmap: a slab holds at most one block per 16-byte granule. */
export const SLAB_BITS_BYTES = (SLAB_SIZE >>> GRANULE_SHIFT) >>> BIT_BYTE_SHIFT;
/** Bytes at the end of each slab's page that hold its two bitmaps instead of blocks. */
export const TRAILER_BYTES = 2 * SLAB_BITS_BYTES;
export const LIVE_BITS_AT = SLAB_SIZE - TRAILER_BYTES;
export const OUT_BITS_AT = SLAB_SIZE - SLAB_BITS_BYTES;

/** Math.clz32 counts from this bit down: 31 - clz32(x) is the index of x's highest set bit. */
export const TOP_BIT = 31;
/** A bitmap byte whose eight blocks are all out. */
export const FULL_BYTE = 0xff;

// Record words of its own, in the first words the shared record layout leaves
// unused (SM_LIST is the last word layout.ts names): only this box reads them.
/** Out-bitmap byte from which `refill` scans for a free block: no byte before it has one. */
export const SM_SCAN_HINT = SM_LIST + WORD_BYTES;
/** 1 while the slab is on its owner's partial list (it may have free blocks and is not current). */
export const SM_LISTED = SM_SCAN_HINT + WORD_BYTES;

/**
 * Block number = (offset in the slab's data) / class size, as a multiply and
 * a shift: granules × RECIP[cls] >>> RECIP_SHIFT. With at most 4096 granules
 * and RECIP = ceil(2^19 / granules per block) the quotient is exact for every
 * offset of a slab (the unit test checks each one) and the product stays
 * below 2^31.
 */
export const RECIP_SHIFT = 19;
export const RECIP: Uint32Array = Uint32Array.from(TINY_CLASS_SIZES, (size) => Math.ceil((1 << RECIP_SHIFT) / (size >>> GRANULE_SHIFT)));
/** Class sizes as a typed array, for the hot path's block-start test. */
export const SIZES: Uint16Array = Uint16Array.from(TINY_CLASS_SIZES);

/** The first byte of the page of the slab holding `ptr` (a slab is one page). */
export const slabPageOf = (ptr: number): number => (ptr - (ptr & PAGE_MASK)) >>> 0;

/**
 * Blocks of class `cls` a slab holds beside its trailer: slab 0's blocks
 * start after the SuperSlab header, so it holds fewer.
 */
export function bitmapCapacity(cls: number, slabIndex: number): number {
  return CAPACITY[cls * 2 + (slabIndex === 0 ? 1 : 0)];
}

const CAPACITY: Uint16Array = (() => {
  const t = new Uint16Array(TINY_CLASSES * 2);
  for (let c = 0; c < TINY_CLASSES; c++) {
    t[c * 2] = Math.floor(LIVE_BITS_AT / TINY_CLASS_SIZES[c]);
    t[c * 2 + 1] = Math.floor((LIVE_BITS_AT - SS_HEADER_BYTES) / TINY_CLASS_SIZES[c]);
  }
  return t;
})();

/** Set bits of each byte value. */
export const POPCOUNT8: Uint8Array = (() => {
  const t = new Uint8Array(FULL_BYTE + 1);
  for (let i = 1; i <= FULL_BYTE; i++) t[i] = (i & 1) + t[i >>> 1];
  return t;
})();

/** The block number of `ptr` in a slab of class `cls` when `ptr` is a block start of the slab's data, else -1. */
export function blockStartOf(ptr: number, cls: number): number {
  const rel = ptr - slabDataStartAt(superslabOf(ptr), slabIndexOf(ptr));
  const b = ((rel >>> GRANULE_SHIFT) * RECIP[cls]) >>> RECIP_SHIFT;
  return rel >= 0 && b * SIZES[cls] === rel ? b : -1;
}

