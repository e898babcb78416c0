import { MID_CLASS_SIZES, MID_FIRST_RUN_CLASS, SP_BITMAP, SP_CAPACITY, SP_CARVED, SP_CLASS, SP_MAGIC, SP_OWNER, SP_PAGES, SPAN_MAGIC_VALUE } from '@hakmem/contracts/layout';
import type { SpanOccupancy } from '@hakmem/contracts';
import type { LinearMemory } from '@hakmem/linear-memory';

export type { SpanOccupancy };


/**
 * Occupancy of the span whose first byte is `span`, for the heap map, or
 * null when no span header is there. Read without the mid lock: in a shared
 * heap it is a snapshot, not a validation (`check()` validates).
 */
export function spanOccupancy(lm: LinearMemory, span: number): SpanOccupancy | null {
  const u32 = lm.u32;
  const h = span >>> 2;
  if (h + SP_MAGIC / 4 >= u32.length || u32[h + SP_MAGIC / 4] !== SPAN_MAGIC_VALUE) return null;
  const cls = u32[h + SP_CLASS / 4];
  if (cls >= MID_FIRST_RUN_CLASS) return null;
  const capacity = u32[h + SP_CAPACITY / 4];
  let live = 0;
  for (let q = 0; q < capacity; q++) live += (u32[h + SP_BITMAP / 4 + (q >>> 5)] >>> (q & 31)) & 1;
  return {
    sizeClass: cls,
    blockBytes: MID_CLASS_SIZES[cls],
    live,
    capacity,
    carved: u32[h + SP_CARVED / 4],
    pages: u32[h + SP_PAGES / 4],
    owner: u32[h + SP_OWNER / 4],
  };
}
