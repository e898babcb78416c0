/**
 * Debug-build patterns written into free blocks and block tails. Only the
 * debug builds of the boxes call these (behind `__HAKMEM_DEBUG__`), so they
 * never run in a release heap.
 *
 * - poison: a box that holds a block free (a cache, a free list) fills it
 *   with POISON_WORD and checks the pattern when it hands the block out
 *   again, or when `check()` walks it: a changed word is a write after free.
 *   A box checks only blocks it holds at that moment; once a slab, span or
 *   run leaves it, the pattern means nothing any more.
 * - guard: the last BLOCK_GUARD bytes of every block a guarded box hands
 *   out hold GUARD_WORD; the user's usable size stops before them. A changed
 *   guard word is a write past the end of the block.
 *
 * Both patterns are whole u32 words: every block start and size is a
 * multiple of 16, so word-aligned ranges cover them exactly.
 */

/** 0xa5 in every byte: unlike 0 or a small integer, rarely what a program writes. */
export const POISON_BYTE = 0xa5;
export const POISON_WORD = 0xa5a5a5a5;
/** 0xfd in every byte ("no man's land"). */
export const GUARD_BYTE = 0xfd;
/** Bytes of guard at a block's end: 16 keeps usable sizes on the 16-byte grain. */
export const GUARD_BYTES = 16;

/** Writes `word` into every u32 of the byte range [from, to) (both multiples of 4). */
export function fillWords(u32: Uint32Array, from: number, to: number, word: number): void {
  u32.fill(word, from >>> 2, to >>> 2);
}

/** First byte address in [from, to) whose byte is not `byte`, or -1 (for short ranges such as a guard). */
export function findChangedByte(u8: Uint8Array, from: number, to: number, byte: number): number {
  for (let i = from; i < to; i++) if (u8[i] !== byte) return i;
  return -1;
}

/** First byte address in [from, to) whose u32 is not `word`, or -1 when the range holds the pattern. */
export function findChangedWord(u32: Uint32Array, from: number, to: number, word: number): number {
  const w = word >>> 0;
  for (let i = from >>> 2, end = to >>> 2; i < end; i++) if (u32[i] !== w) return i * 4;
  return -1;
}
