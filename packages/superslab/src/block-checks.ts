import { HeapError } from '@hakmem/contracts';
import {
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_STATE,
  SM_USED,
  TINY_CLASS_SIZES,
  TINY_CLASSES,
} from '@hakmem/contracts/layout';
import { guardBreach, poisonBreach } from '@hakmem/linear-memory';

/**
 * Debug-build checks of tiny blocks, called only behind `__HAKMEM_DEBUG__`.
 *
 * Block layout in a debug SuperSlab (class size S, guard G = GUARD_BYTES):
 *   | state          | bytes [0, 4)  | bytes [4, S-G) | bytes [S-G, S) |
 *   |----------------|---------------|----------------|----------------|
 *   | live           | user          | user           | guard 0xfd     |
 *   | on a slab list | next link     | poison 0xa5    | poison 0xa5    |
 * The guard is written when the block is handed out (markLive) and checked
 * when it is freed (clearLive) and by `check()`. Poison is written when a
 * block comes back to its slab and checked when the slab hands it out again
 * (refill) and by `check()`. A link is checked by walking the list: it must
 * lead to another free block of the slab, and the count must add up.
 */

/** The class size of the block at `ptr`, read from its slab record (byte view: the class fits one byte). */
export function tinyBlockSize(u8: Uint8Array, slab: number): number {
  return TINY_CLASS_SIZES[u8[slab + SM_CLASS]];
}

/** Throws CORRUPTION when the guard of the live block at `ptr` changed: a write past its usable end. */
export function checkGuard(u8: Uint8Array, ptr: number, size: number): void {
  const at = guardBreach(u8, ptr, size);
  if (at >= 0)
    throw new HeapError('CORRUPTION', `guard byte ${at - ptr} of a live ${size}-byte block was overwritten (write past the usable end, at ${at})`, ptr, 'superslab');
}

/** Throws CORRUPTION when a block on a slab list (link word aside) lost its poison: a write after free. */
export function checkPoison(i32: Int32Array, ptr: number, size: number, where: string): void {
  const at = poisonBreach(i32, ptr, 4, size);
  if (at >= 0) throw new HeapError('CORRUPTION', `free block on the slab's ${where} was written after free (byte ${at - ptr} changed)`, ptr, 'superslab');
}

/** The slab record is one this box may work on: in use, a class in range, counts in order. */
export function checkSlabRecord(u32: Uint32Array, slab: number, op: string): void {
  const m = slab >>> 2;
  const state = u32[m + SM_STATE / 4];
  const cls = u32[m + SM_CLASS / 4];
  const capacity = u32[m + SM_CAPACITY / 4];
  const carved = u32[m + SM_CARVED / 4];
  const used = u32[m + SM_USED / 4];
  if ((state !== SLAB_ACTIVE && state !== SLAB_EMPTY) || cls >= TINY_CLASSES || carved > capacity || used > carved)
    throw new HeapError('CORRUPTION', `${op}: slab record broken (state ${state}, class ${cls}, used ${used}, carved ${carved}, capacity ${capacity})`, slab, 'superslab');
}

/** `ptr` is a carved block of the slab whose blocks start at `start`. */
export function checkBlockOfSlab(ptr: number, start: number, size: number, carved: number, slab: number, op: string): void {
  const rel = ptr - start;
  if (rel < 0 || rel % size !== 0 || rel / size >= carved)
    throw new HeapError('CORRUPTION', `${op}: ${ptr} is not a carved block of slab ${slab}`, ptr, 'superslab');
}
