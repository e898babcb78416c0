import {
  GRANULE_SHIFT,
  SM_CLASS,
  SM_OWNER,
  slabDataStartAt,
  slabIndexOf,
  slabRecordOf,
  superslabOf,
} from '@hakmem/contracts/layout';
import { BIT_BYTE_SHIFT, BIT_IN_BYTE, FULL_BYTE, LIVE_BITS_AT, RECIP, RECIP_SHIFT, SIZES, slabPageOf } from './bitmap-layout.js';

/**
 * The bitmap SuperSlab's hot functions (the facade calls them directly on
 * the tiny malloc and free paths) and `ownerOf`. The live bit of a block is
 * bit (b & 7) of byte (b >>> 3) of its slab's live bitmap, b its block number.
 */

/**
 * Tiny malloc's hot path: sets the live bit of the block at `ptr` (a block
 * start the cache handed out). False when it was set already, or when `u8`
 * does not reach the bit (a stale view: the caller refreshes and retries).
 */
export function markLive(u8: Uint8Array, ptr: number): boolean {
  const cls = u8[slabRecordOf(ptr) + SM_CLASS];
  const b = (((ptr - slabDataStartAt(superslabOf(ptr), slabIndexOf(ptr))) >>> GRANULE_SHIFT) * RECIP[cls]) >>> RECIP_SHIFT;
  const i = slabPageOf(ptr) + LIVE_BITS_AT + (b >>> BIT_BYTE_SHIFT);
  if (i >= u8.length) return false;
  const bit = 1 << (b & BIT_IN_BYTE);
  const old = u8[i];
  if ((old & bit) !== 0) return false;
  u8[i] = old | bit;
  return true;
}

/**
 * Tiny free's hot path: clears the live bit of the block starting at `ptr`.
 * False, changing nothing, when `ptr` is not a block start of its slab
 * (block number × size must give its offset back), the block is not live,
 * or the view is stale (the byte reads undefined).
 */
export function clearLive(u8: Uint8Array, ptr: number): boolean {
  const cls = u8[slabRecordOf(ptr) + SM_CLASS];
  const rel = ptr - slabDataStartAt(superslabOf(ptr), slabIndexOf(ptr));
  const b = ((rel >>> GRANULE_SHIFT) * RECIP[cls]) >>> RECIP_SHIFT;
  if (b * SIZES[cls] !== rel) return false;
  const i = slabPageOf(ptr) + LIVE_BITS_AT + (b >>> BIT_BYTE_SHIFT);
  const bit = 1 << (b & BIT_IN_BYTE);
  const old = u8[i];
  if ((old & bit) === 0) return false;
  u8[i] = old & ~bit;
  return true;
}

/** `markLive` over a shared memory (atomic): a heap created with `shared: true` that is never shared. */
export function markLiveShared(u8: Uint8Array, ptr: number): boolean {
  const cls = u8[slabRecordOf(ptr) + SM_CLASS];
  const b = (((ptr - slabDataStartAt(superslabOf(ptr), slabIndexOf(ptr))) >>> GRANULE_SHIFT) * RECIP[cls]) >>> RECIP_SHIFT;
  const i = slabPageOf(ptr) + LIVE_BITS_AT + (b >>> BIT_BYTE_SHIFT);
  if (i >= u8.length) return false;
  const bit = 1 << (b & BIT_IN_BYTE);
  return (Atomics.or(u8, i, bit) & bit) === 0;
}

/** `clearLive` over a shared memory (atomic). */
export function clearLiveShared(u8: Uint8Array, ptr: number): boolean {
  const cls = u8[slabRecordOf(ptr) + SM_CLASS];
  const rel = ptr - slabDataStartAt(superslabOf(ptr), slabIndexOf(ptr));
  const b = ((rel >>> GRANULE_SHIFT) * RECIP[cls]) >>> RECIP_SHIFT;
  if (b * SIZES[cls] !== rel) return false;
  const i = slabPageOf(ptr) + LIVE_BITS_AT + (b >>> BIT_BYTE_SHIFT);
  if (i >= u8.length) return false;
  const bit = 1 << (b & BIT_IN_BYTE);
  return (Atomics.and(u8, i, ~bit & FULL_BYTE) & bit) !== 0;
}

/** The worker owning the slab of tiny block `ptr` (the shared pool's SM_OWNER word). */
export function ownerOf(u32: Uint32Array, ptr: number): number {
  return u32[(slabRecordOf(ptr) + SM_OWNER) >>> 2];
}
