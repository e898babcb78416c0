import {
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_OWNER,
  SM_STATE,
  SS_BITMAP,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  TINY_CLASSES,
  TINY_CLASS_SIZES,
  liveByteOf,
  liveMaskOf,
  REMOTE_FROM_LIVE,
  slabDataStart,
  slabRecordOf,
  superslabOf,
  WORD_BYTES,
} from '@hakmem/contracts/layout';
import type { SlabOccupancy } from '@hakmem/contracts';
import type { LinearMemory } from '@hakmem/linear-memory';

export type { SlabOccupancy };

/**
 * Occupancy of the slab holding `ptr` (any address inside its page), for
 * the heap map, or null when no SuperSlab header is there. A read of the
 * records without locks: in a shared heap other workers may be changing
 * them, so the numbers are a snapshot, not a validation (`check()` is that).
 */
export function slabOccupancy(lm: LinearMemory, ptr: number): SlabOccupancy | null {
  const u32 = lm.u32;
  const u8 = lm.u8;
  const ss = superslabOf(ptr);
  if (ss + SS_BITMAP >= u8.length || u32[(ss + SS_MAGIC) >>> 2] !== SS_MAGIC_VALUE) return null;
  const slab = slabRecordOf(ptr);
  const m = slab >>> 2;
  const state = u32[m + SM_STATE / WORD_BYTES];
  const owner = u32[m + SM_OWNER / WORD_BYTES];
  if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) return { state: 'unused', sizeClass: -1, blockBytes: 0, live: 0, capacity: 0, carved: 0, owner };
  const cls = u32[m + SM_CLASS / WORD_BYTES];
  if (cls >= TINY_CLASSES) return null;
  const size = TINY_CLASS_SIZES[cls];
  const carved = u32[m + SM_CARVED / WORD_BYTES];
  const start = slabDataStart(slab);
  let live = 0;
  for (let b = 0; b < carved; b++) {
    const p = start + b * size;
    // In a shared heap a block whose remote bit is set too is a pending remote free, not live.
    if ((u8[liveByteOf(p)] & liveMaskOf(p)) !== 0 && !(lm.shared && (Atomics.load(u8, liveByteOf(p) + REMOTE_FROM_LIVE) & liveMaskOf(p)) !== 0)) live++;
  }
  return { state: state === SLAB_ACTIVE ? 'active' : 'empty', sizeClass: cls, blockBytes: size, live, capacity: u32[m + SM_CAPACITY / WORD_BYTES], carved, owner };
}
