/**
 * The machine words the memory layer reads the heap through, named once so
 * that byte offsets, bitmap positions and wide fills say which unit they
 * convert between (the lint rejects the bare numbers).
 */

/** Bytes of a u32/i32 word: a byte offset over this is an index into `u32`. */
export const WORD_BYTES = 4;
/** log2(WORD_BYTES): `byte >>> WORD_SHIFT` is the word index. */
export const WORD_SHIFT = 2;
/** Bits of a u32 word, for bitmaps held a word at a time. */
export const WORD_BITS = 32;
/** log2(WORD_BITS): `bit >>> WORD_BIT_SHIFT` is the bitmap word. */
export const WORD_BIT_SHIFT = 5;
/** `bit & WORD_BIT_MASK` is the position inside its bitmap word. */
export const WORD_BIT_MASK = WORD_BITS - 1;
/** A u32 word with every bit set (`1 << 32` is 1 in JavaScript, not this). */
export const ALL_BITS = 0xffffffff;
/** 2^32: the weight of the high word of a 64-bit value kept as two u32 words. */
export const WORD_RANGE = 2 ** WORD_BITS;

/** Bytes of an f64 lane, the unit of the wide fills and scans. */
export const WIDE_BYTES = 8;
/** log2(WIDE_BYTES): `byte >>> WIDE_SHIFT` is the f64 index. */
export const WIDE_SHIFT = 3;
/** `byte & WIDE_MASK` is non-zero when the byte is not f64-aligned. */
export const WIDE_MASK = WIDE_BYTES - 1;
/** u32 words per f64 lane. */
export const WORDS_PER_WIDE = WIDE_BYTES / WORD_BYTES;
