import { GUARD_BYTE, GUARD_BYTES, POISON_WORD } from '@hakmem/contracts/layout';
import { WIDE_BYTES, WIDE_MASK, WIDE_SHIFT, WORD_BYTES, WORDS_PER_WIDE } from './words.js';

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

/**
 * A Float64Array over the same buffer, so that the poison is written and
 * checked 8 bytes at a time: the check runs on every block a debug box hands
 * out, and halving its loop shows in the debug build's speed. Remembered
 * per view (a heap's views change only when its memory grows).
 */
let wide: Float64Array = new Float64Array(0);
let wideFor: Int32Array | null = null;
function wideOf(i32: Int32Array): Float64Array {
  if (wideFor !== i32) {
    wide = new Float64Array(i32.buffer, 0, i32.length >>> 1);
    wideFor = i32;
  }
  return wide;
}

/** `word` twice, read as one float64; distinct bit patterns compare unequal (the pattern is not a zero or a NaN). */
function wideWord(word: number): number {
  return new Float64Array(Int32Array.of(word | 0, word | 0).buffer)[0];
}
const WIDE_CACHE = { word: 0, wide: wideWord(0) };
/** The patterns every debug check uses, made once: no cache lookup on the common call. */
const POISON_I32 = POISON_WORD | 0;
const WIDE_POISON = wideWord(POISON_WORD);
/** A byte times this is that byte in all four bytes of a word. */
const REPEAT_BYTE = 0x01010101;
const WIDE_GUARD = wideWord(GUARD_BYTE * REPEAT_BYTE);
function wideValue(word: number): number {
  if ((word | 0) === POISON_I32) return WIDE_POISON;
  if (WIDE_CACHE.word !== (word | 0)) {
    WIDE_CACHE.word = word | 0;
    WIDE_CACHE.wide = wideWord(word);
  }
  return WIDE_CACHE.wide;
}

/**
 * Writes `word` into every 32-bit word of the byte range [from, to) (both
 * multiples of 4). The views are Int32Array because the patterns are above
 * 2^31: as int32 they stay small integers to V8, as uint32 they would not.
 */
export function fillWords(i32: Int32Array, from: number, to: number, word: number): void {
  const w = word | 0;
  if ((from & WIDE_MASK) !== 0 && from < to) {
    i32[from >>> 2] = w;
    from += WORD_BYTES;
  }
  if ((to & WIDE_MASK) !== 0 && from < to) {
    to -= WORD_BYTES;
    i32[to >>> 2] = w;
  }
  const f64 = wideOf(i32);
  const v = wideValue(word);
  // Past a few hundred bytes the native fill beats the loop (its call costs about as much as 16 stores).
  if (to - from >= WIDE_FILL_MIN) f64.fill(v, from >>> WIDE_SHIFT, to >>> WIDE_SHIFT);
  else for (let i = from >>> WIDE_SHIFT, end = to >>> WIDE_SHIFT; i < end; i++) f64[i] = v;
}

/** Bytes from which `fillWords` calls the native fill. */
const WIDE_FILL_MIN = 256;

/** First byte address in [from, to) whose word is not `word`, or -1 when the range holds the pattern. */
export function findChangedWord(i32: Int32Array, from: number, to: number, word: number): number {
  const w = word | 0;
  if ((from & WIDE_MASK) !== 0 && from < to) {
    if (i32[from >>> 2] !== w) return from;
    from += WORD_BYTES;
  }
  const f64 = wideOf(i32);
  const v = wideValue(word);
  const end = to >>> WIDE_SHIFT;
  for (let i = from >>> WIDE_SHIFT; i < end; i++) {
    if (f64[i] !== v) return i32[i * WORDS_PER_WIDE] !== w ? i * WIDE_BYTES : i * WIDE_BYTES + WORD_BYTES;
  }
  if ((to & WIDE_MASK) !== 0 && end * WIDE_BYTES < to && i32[end * WORDS_PER_WIDE] !== w) return end * WIDE_BYTES;
  return -1;
}

/** Writes `byte` into [from, to): a loop, because a 16-byte guard is shorter than the cost of calling `fill`. */
export function fillBytes(u8: Uint8Array, from: number, to: number, byte: number): void {
  for (let i = from; i < to; i++) u8[i] = byte;
}

/** First byte address in [from, to) whose byte is not `byte`, or -1 (for short ranges such as a guard). */
export function findChangedByte(u8: Uint8Array, from: number, to: number, byte: number): number {
  for (let i = from; i < to; i++) if (u8[i] !== byte) return i;
  return -1;
}

/**
 * The block-level patterns every guarded box uses (sizes are the block's
 * whole extent; the guard is its last GUARD_BYTES bytes). The boxes keep
 * their own checks around these, which name the box and the invariant.
 */

/**
 * A Float64Array over a byte view's buffer, as `wideOf` is for word views:
 * a 16-byte guard on an 8-byte boundary is then two stores or two compares
 * instead of sixteen (it is written on every debug malloc and checked on
 * every debug free).
 */
/** The guard is exactly two f64 lanes, so an aligned one is two stores. */
const GUARD_IS_TWO_LANES = GUARD_BYTES === 2 * WIDE_BYTES;
let wideBytes: Float64Array = new Float64Array(0);
let wideBytesFor: Uint8Array | null = null;
function wideOfBytes(u8: Uint8Array): Float64Array {
  return wideBytesFor === u8 ? wideBytes : widenBytes(u8);
}
/** Apart from `wideOfBytes`, so that the guard's write and check stay small enough to inline. */
function widenBytes(u8: Uint8Array): Float64Array {
  wideBytes = new Float64Array(u8.buffer, 0, u8.length >>> WIDE_SHIFT);
  wideBytesFor = u8;
  return wideBytes;
}

/** Writes the guard at the end of the `size`-byte block at `ptr`. */
export function writeGuard(u8: Uint8Array, ptr: number, size: number): void {
  const end = ptr + size;
  if (GUARD_IS_TWO_LANES && (end & WIDE_MASK) === 0) {
    const f64 = wideOfBytes(u8);
    f64[(end >>> WIDE_SHIFT) - 2] = WIDE_GUARD;
    f64[(end >>> WIDE_SHIFT) - 1] = WIDE_GUARD;
    return;
  }
  fillBytes(u8, end - GUARD_BYTES, end, GUARD_BYTE);
}

/** First guard byte of the `size`-byte block at `ptr` that changed, or -1. */
export function guardBreach(u8: Uint8Array, ptr: number, size: number): number {
  const end = ptr + size;
  if (GUARD_IS_TWO_LANES && (end & WIDE_MASK) === 0) {
    const f64 = wideOfBytes(u8);
    // Whole guard intact: done. Otherwise the byte scan names the first changed byte.
    if (f64[(end >>> WIDE_SHIFT) - 2] === WIDE_GUARD && f64[(end >>> WIDE_SHIFT) - 1] === WIDE_GUARD) return -1;
  }
  return findChangedByte(u8, end - GUARD_BYTES, end, GUARD_BYTE);
}
