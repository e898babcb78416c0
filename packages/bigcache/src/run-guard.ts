import { HeapError } from '@hakmem/contracts';
import { GUARD_BYTES, PAGE_SIZE, POISON_BYTE, POISON_WORD, WORD_BYTES } from '@hakmem/contracts/layout';
import { findChangedByte, guardBreach, scannerOf, writeGuard, type LinearMemory } from '@hakmem/linear-memory';

/**
 * The debug build's guard and poison for large runs, as the superslab and
 * the mid box keep them for their blocks (`@hakmem/linear-memory`'s
 * poison.ts says what each pattern means):
 * - guard: the last BLOCK_GUARD bytes of a live run hold GUARD_BYTE, and its
 *   usable size stops before them; `free`, `resize` and `check()` test them.
 * - poison: a run this box takes back (cached, or a tail cut from a live
 *   run) is filled with POISON_WORD, checked before a cached run is handed
 *   out again and by `check()`; the pages it gives back to the page layer
 *   keep it (`freeBodyRun(page, n, true)`), and the page layer checks them
 *   when it hands them out.
 * Both cost in proportion to the run in hand: the fill and the check go
 * through the heap's block scanner (the engine's memset, a wasm loop of 64
 * bytes a step). Only the debug build calls these.
 */

/** Bytes of the guard at the end of every live large run: GUARD_BYTES in the debug build, 0 in release. */
export const BLOCK_GUARD: number = __HAKMEM_DEBUG__ ? GUARD_BYTES : 0;

/** Writes the guard at the end of the live run of `n` pages at `page`. */
export function writeRunGuard(lm: LinearMemory, page: number, n: number): void {
  const end = (page + n) * PAGE_SIZE;
  lm.cover(end);
  writeGuard(lm.u8, page * PAGE_SIZE, n * PAGE_SIZE);
}

/** The live run of `n` pages at `page` has its guard, or the error `op` throws (changing nothing). */
export function guardError(lm: LinearMemory, page: number, n: number, op: string): HeapError | null {
  const ptr = page * PAGE_SIZE;
  lm.cover(ptr + n * PAGE_SIZE);
  const at = guardBreach(lm.u8, ptr, n * PAGE_SIZE);
  if (at < 0) return null;
  return new HeapError('CORRUPTION', `guard byte ${at - ptr} of the live ${n * PAGE_SIZE - GUARD_BYTES}-byte large block at ${ptr} was overwritten (write past the usable end, at ${at}; found by ${op})`, ptr, 'bigcache');
}

/** Fills the `n` pages at `page` with the poison: a run this box now holds free, or a tail it gives back. */
export function poisonRun(lm: LinearMemory, page: number, n: number): void {
  const from = page * PAGE_SIZE;
  const to = from + n * PAGE_SIZE;
  lm.cover(to);
  scannerOf(lm).fill(from, to, POISON_WORD);
}

/**
 * The first byte of the `n` poisoned pages at `page` (a cached run) that
 * changed since they were filled, or -1.
 */
export function poisonBreach(lm: LinearMemory, page: number, n: number): number {
  const from = page * PAGE_SIZE;
  const to = from + n * PAGE_SIZE;
  lm.cover(to);
  const at = scannerOf(lm).find(from, to, POISON_WORD);
  if (at < 0) return -1;
  // The scanner names the word; the message names the byte.
  return findChangedByte(lm.u8, at, at + WORD_BYTES, POISON_BYTE);
}

/** The cached run of `n` pages at `page` still holds its poison, or the error `op` throws (before it changes anything). */
export function poisonError(lm: LinearMemory, page: number, n: number, op: string): HeapError | null {
  const at = poisonBreach(lm, page, n);
  return at < 0 ? null : new HeapError('CORRUPTION', poisonMessage(page, n, at) + ` (found by ${op}, before touching the cache)`, page * PAGE_SIZE, 'bigcache');
}

/** What a changed byte `at` of the cached run of `n` pages at `page` means. */
export function poisonMessage(page: number, n: number, at: number): string {
  return `the freed large block at ${page * PAGE_SIZE} (${n} pages, cached) was written after it was freed, at ${at} (byte ${at - page * PAGE_SIZE} of it)`;
}
