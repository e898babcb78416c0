import { HeapError } from '@hakmem/contracts';
import {
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_FREE_HEAD,
  SM_OWNER,
  SM_STATE,
  SM_USED,
  SS_MAGIC_VALUE,
  TINY_CLASSES,
  TINY_CLASS_SIZES,
  POISON_WORD,
  liveByteOf,
  liveMaskOf,
  slabDataStart,
  slabRecordOf,
  superslabOf,
  WORD_BYTES,
} from '@hakmem/contracts/layout';
import { guardBreach, scannerOf, writeGuard, type LinearMemory } from '@hakmem/linear-memory';

/**
 * Debug-build checks of tiny blocks and slab records, called only behind
 * `__HAKMEM_DEBUG__`.
 *
 * Block layout in a debug SuperSlab (class size S, guard G = GUARD_BYTES):
 *   | state          | bytes [0, 4)  | bytes [4, S-G) | bytes [S-G, S) |
 *   |----------------|---------------|----------------|----------------|
 *   | live           | user          | user           | guard 0xfd     |
 *   | on a slab list | next link     | poison 0xa5    | poison 0xa5    |
 * (on a remote list the link is in bytes [4, 8) and bytes [0, 4) keep the
 * poison: Superslab.freeRemote poisons the block, then links it.)
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

/** Throws CORRUPTION when a block on a slab list lost its poison in bytes [from, size) (by default all but the free-list link): a write after free. */
export function checkPoison(lm: LinearMemory, ptr: number, size: number, where: string, from = WORD_BYTES): void {
  const at = scannerOf(lm).find(ptr + from, ptr + size, POISON_WORD);
  if (at >= 0) throw new HeapError('CORRUPTION', `free block on the slab's ${where} was written after free (byte ${at - ptr} changed)`, ptr, 'superslab');
}

/**
 * The slab record is one this box may work on: in use, a class in range,
 * counts in order. `byOwner` false (a remote free, by a worker that does
 * not own the slab) leaves out `used`: the owner changes it with plain
 * stores at any time (a refill raises it after `carved`), so another
 * worker can read a `used` above the `carved` it read just before (seen on
 * W4-4 debug: used 512, carved 502, a sound heap). State, class and
 * capacity do not change while the slab holds the live block being freed,
 * and `carved` only grows.
 */
export function checkSlabRecord(u32: Uint32Array, slab: number, op: string, byOwner = true): void {
  const m = slab >>> 2;
  const state = u32[m + SM_STATE / WORD_BYTES];
  const cls = u32[m + SM_CLASS / WORD_BYTES];
  const capacity = u32[m + SM_CAPACITY / WORD_BYTES];
  const carved = u32[m + SM_CARVED / WORD_BYTES];
  const used = byOwner ? u32[m + SM_USED / WORD_BYTES] : 0;
  if ((state !== SLAB_ACTIVE && state !== SLAB_EMPTY) || cls >= TINY_CLASSES || carved > capacity || used > carved)
    throw new HeapError('CORRUPTION', `${op}: slab record broken (state ${state}, class ${cls}, used ${byOwner ? used : "(not read)"}, carved ${carved}, capacity ${capacity})`, slab, 'superslab');
}

/** `ptr` is a carved block of the slab whose blocks start at `start`. */
export function checkBlockOfSlab(ptr: number, start: number, size: number, carved: number, slab: number, op: string): void {
  const rel = ptr - start;
  if (rel < 0 || rel % size !== 0 || rel / size >= carved)
    throw new HeapError('CORRUPTION', `${op}: ${ptr} is not a carved block of slab ${slab}`, ptr, 'superslab');
}

/** Debug only: `slab` is an ACTIVE slab of class `cls` owned by `worker`, inside a SuperSlab. */
export function assertOwnedSlab(lm: LinearMemory, slab: number, cls: number, worker: number, op: string): void {
  const u32 = lm.u32;
  const m = slab >>> 2;
  if (u32[superslabOf(slab) >>> 2] !== SS_MAGIC_VALUE)
    throw new HeapError('CORRUPTION', `${op}: slab record ${slab} is not inside a SuperSlab`, slab, 'superslab');
  if (u32[m + SM_STATE / WORD_BYTES] !== SLAB_ACTIVE || u32[m + SM_CLASS / WORD_BYTES] !== cls || u32[m + SM_OWNER / WORD_BYTES] !== worker)
    throw new HeapError('CORRUPTION', `${op}: slab ${slab} is not an ACTIVE class-${cls} slab owned by worker ${worker}`, slab, 'superslab');
}

export function checkNotLive(u8: Uint8Array, i: number, bit: number, ptr: number): void {
  if ((u8[i] & bit) !== 0) throw new HeapError('CORRUPTION', 'block handed out while already live', ptr, 'superslab');
}

/** Debug: writes the guard of a block being handed out; false when the view does not reach the block (refresh, retry). */
export function guardOnMalloc(u8: Uint8Array, ptr: number): boolean {
  const size = tinyBlockSize(u8, slabRecordOf(ptr));
  if (ptr + size > u8.length) return false;
  writeGuard(u8, ptr, size);
  return true;
}

/** Debug: checks the guard of a live block being freed, before anything changes; false on a short view. */
export function guardOnFree(u8: Uint8Array, ptr: number): boolean {
  const size = tinyBlockSize(u8, slabRecordOf(ptr));
  if (ptr + size > u8.length) return false;
  checkGuard(u8, ptr, size);
  return true;
}

/**
 * Debug, before a refill changes anything: the slab record is sane, and the
 * first `want` free-list blocks are carved blocks of the slab that kept
 * their poison.
 */
export function checkTake(lm: LinearMemory, slab: number, cls: number, want: number): void {
  const u32 = lm.u32;
  const m = slab >>> 2;
  checkSlabRecord(u32, slab, 'refill');
  if (u32[m + SM_CLASS / WORD_BYTES] !== cls) throw new HeapError('CORRUPTION', `refill: slab ${slab} is not of class ${cls}`, slab, 'superslab');
  const size = TINY_CLASS_SIZES[cls];
  const start = slabDataStart(slab);
  const carved = u32[m + SM_CARVED / WORD_BYTES];
  let p = u32[m + SM_FREE_HEAD / WORD_BYTES];
  for (let k = 0; p !== 0 && k < want; k++) {
    checkBlockOfSlab(p, start, size, carved, slab, 'refill: free list');
    checkPoison(lm, p, size, 'free list');
    p = u32[p >>> 2];
  }
}

/** Debug, before a block goes back to its slab: a carved, non-live block of a slab in use with blocks out; then poisons it. */
export function checkReturn(lm: LinearMemory, slab: number, ptr: number): void {
  const u32 = lm.u32;
  const m = slab >>> 2;
  if (u32[superslabOf(slab) >>> 2] !== SS_MAGIC_VALUE)
    throw new HeapError('CORRUPTION', `block return: ${ptr} is not inside a SuperSlab`, ptr, 'superslab');
  checkSlabRecord(u32, slab, 'block return');
  const size = TINY_CLASS_SIZES[u32[m + SM_CLASS / WORD_BYTES]];
  checkBlockOfSlab(ptr, slabDataStart(slab), size, u32[m + SM_CARVED / WORD_BYTES], slab, 'block return');
  if (u32[m + SM_USED / WORD_BYTES] === 0) throw new HeapError('CORRUPTION', `block return: slab ${slab} has no block out`, ptr, 'superslab');
  if ((lm.u8[liveByteOf(ptr)] & liveMaskOf(ptr)) !== 0) throw new HeapError('CORRUPTION', 'block return: the block is live', ptr, 'superslab');
  scannerOf(lm).fill(ptr, ptr + size, POISON_WORD); // its first word is then written as the link
}
