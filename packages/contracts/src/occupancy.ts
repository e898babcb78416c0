/**
 * What the heap map shows of one slab or span, as the box that owns it reads
 * its own records (superslab `slabOccupancy`, mid-large-ace `spanOccupancy`).
 * One definition here, so the boxes that report it and the facade that asks
 * agree on its shape.
 */

/** One slab. */
export interface SlabOccupancy {
  /** `unused` slabs have no class and no blocks. */
  readonly state: 'active' | 'empty' | 'unused';
  /** Tiny class index, or -1 for an unused slab. */
  readonly sizeClass: number;
  /** Bytes per block of the class (the guard included in debug builds). */
  readonly blockBytes: number;
  /** Blocks handed to the user (live bit set). */
  readonly live: number;
  /** Blocks the slab holds when fully carved. */
  readonly capacity: number;
  /** Blocks carved so far. */
  readonly carved: number;
  /** Worker that owns the slab (0: abandoned or pool). */
  readonly owner: number;
}

/** One mid span. */
export interface SpanOccupancy {
  /** Mid span class index. */
  readonly sizeClass: number;
  /** Bytes per block of the class (the guard included in debug builds). */
  readonly blockBytes: number;
  /** Blocks handed to the user (live bit set). */
  readonly live: number;
  readonly capacity: number;
  readonly carved: number;
  /** Pages the span covers, its header's page included. */
  readonly pages: number;
  /** Worker that owns the span (0: abandoned). */
  readonly owner: number;
}
