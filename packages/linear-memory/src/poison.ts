/**
 * Helpers for the debug-build block patterns (POISON_* and GUARD_* in
 * `@hakmem/contracts/layout`). Only the debug builds of the boxes call them,
 * behind `__HAKMEM_DEBUG__`, so they never run in a release heap.
 *
 * - poison: a box that holds a block free (a cache, a free list) fills it
 *   with POISON_WORD and checks the pattern when it hands the block out
 *   again, when the block leaves it, and when `check()` walks it: a changed
 *   word is a write after free. A box checks only blocks it holds at that
 *   moment; once a slab, span or run leaves it, the pattern means nothing.
 * - guard: the last GUARD_BYTES bytes of every block a guarded box hands
 *   out hold GUARD_BYTE; the usable size stops before them. A changed guard
 *   byte is a write past the end of the block.
 *
 * Every block start and size is a multiple of 16, so the word helpers cover
 * blocks exactly.
 */

/** Writes `word` into every u32 of the byte range [from, to) (both multiples of 4). */
export function fillWords(u32: Uint32Array, from: number, to: number, word: number): void {
  u32.fill(word, from >>> 2, to >>> 2);
}

/** First byte address in [from, to) whose u32 is not `word`, or -1 when the range holds the pattern. */
export function findChangedWord(u32: Uint32Array, from: number, to: number, word: number): number {
  const w = word >>> 0;
  for (let i = from >>> 2, end = to >>> 2; i < end; i++) if (u32[i] !== w) return i * 4;
  return -1;
}

/** First byte address in [from, to) whose byte is not `byte`, or -1 (for short ranges such as a guard). */
export function findChangedByte(u8: Uint8Array, from: number, to: number, byte: number): number {
  for (let i = from; i < to; i++) if (u8[i] !== byte) return i;
  return -1;
}
