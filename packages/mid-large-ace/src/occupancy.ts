import { MID_CLASS_SIZES, SP_CAPACITY, SP_CARVED, SP_CLASS, SP_MAGIC, SP_OWNER, SP_PAGES, SPAN_MAGIC_VALUE, isMidRunClass, spanLiveBit, spanLiveWordIndex, spanWord } from '@hakmem/contracts/layout';
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
  if (spanWord(span, SP_MAGIC) >= u32.length || u32[spanWord(span, SP_MAGIC)] !== SPAN_MAGIC_VALUE) return null;
  const cls = u32[spanWord(span, SP_CLASS)];
  if (isMidRunClass(cls)) return null;
  const capacity = u32[spanWord(span, SP_CAPACITY)];
  let live = 0;
  for (let q = 0; q < capacity; q++) if (u32[spanLiveWordIndex(span, q)] & spanLiveBit(q)) live++;
  return {
    sizeClass: cls,
    blockBytes: MID_CLASS_SIZES[cls],
    live,
    capacity,
    carved: u32[spanWord(span, SP_CARVED)],
    pages: u32[spanWord(span, SP_PAGES)],
    owner: u32[spanWord(span, SP_OWNER)],
  };
}
