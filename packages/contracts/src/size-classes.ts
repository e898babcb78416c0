import {
  GRANULE,
  GRANULE_SHIFT,
  MID_FIRST_RUN_CLASS,
  TINY_CLASSES,
  TINY_MAX,
  PAGE_SIZE,
  SLAB_SIZE,
  SPAN_HEADER_BYTES,
  SPAN_MAX_BLOCKS,
  SPAN_MAX_PAGES,
  SS_HEADER_BYTES,
  SS_REMOTE_BITMAP_BYTES,
} from './layout.js';

/**
 * Size classes.
 *
 * tiny (≤ 1 KiB): 16-byte steps to 256, then 32-byte steps (288..1024),
 * 40 classes. Rounding waste is at most 12.5% above 128 bytes and 6.25%
 * above 512, and every power of two from 16 to 1024 is a class of its own,
 * whose blocks are aligned to their size (alignedAlloc relies on it). Why 32
 * above 512 rather than 64 (eight per doubling, 32 classes): a class costs
 * about half a slab of free blocks in a heap that still grows, and above 512
 * bytes a class of 64 wastes more than that in rounding (W5: 4.1% of its live
 * bytes in rounding with 32 classes, 2.6% with these; overhead 1.0922 →
 * 1.0885). Finer steps below 512 cost more in slabs than they save (16
 * between 256 and 512 would save about 0.4% of W5's bytes for eight more
 * half-empty slabs, about 0.7%).
 *
 * mid (1 KiB < n ≤ 1 MiB): 1040 B (MID_FIRST_SIZE), then eight classes per
 * doubling from 1152 B up to 60 KiB, carved from spans; then one class per
 * page count, 1..16 pages, each block a run.
 */

function tinySizes(): number[] {
  const s: number[] = [];
  for (let n = 16; n <= 256; n += 16) s.push(n);
  for (let n = 288; n <= TINY_MAX; n += 32) s.push(n);
  return s;
}

export const TINY_CLASS_SIZES: readonly number[] = tinySizes();
if (TINY_CLASS_SIZES.length !== TINY_CLASSES) throw new Error('hakmem: TINY_CLASSES does not match the tiny class table');

/**
 * A size → class table indexed by `(size + 15) >>> 4` for 0 ≤ size ≤ 1024:
 * each size gets `classes[k]` for the first of the ascending `sizes` (the
 * last at least 1024) that holds it.
 */
function granuleTable(sizes: readonly number[], classes: readonly number[]): Uint8Array {
  const t = new Uint8Array((TINY_MAX >>> GRANULE_SHIFT) + 1);
  let k = 0;
  for (let g = 0; g < t.length; g++) {
    while (sizes[k] < g << GRANULE_SHIFT) k++;
    t[g] = classes[k];
  }
  return t;
}

/** Size → tiny class, indexed by `(size + 15) >>> 4` for 0 ≤ size ≤ 1024. */
export const TINY_CLASS_OF_GRANULES: Uint8Array = granuleTable(
  TINY_CLASS_SIZES,
  TINY_CLASS_SIZES.map((_, c) => c),
);

/**
 * Borrowing: when class `c` has no free block left in the slabs its worker
 * holds, a private heap takes blocks from the next classes' slabs, classes
 * c + 1 .. TINY_BORROW_LAST[c], before it takes a slab of its own: a new
 * slab stays about half empty on average until its class grows into it, and
 * every class pays that. Never from a class past the next power of two, and
 * a power-of-two class never borrows: its blocks must stay aligned to their
 * size (alignedAlloc). At most TINY_BORROW_STEPS classes up: on W5's trace
 * (six seeds, before the budget below) 1, 2, 3, 4 and 6 steps measured alike,
 * overheads 1.0795..1.0814, and each step adds rounding waste to a borrowed
 * block. With the budget, two steps: 1.0808 against 1.0858 without
 * borrowing (four seeds; the bench's seed 1.0772 against 1.0885).
 *
 * And at most TINY_BORROW_BUDGET[c] blocks (two slabs' worth) between two
 * slabs the class takes: a class at its high-water mark that borrowed for
 * ever turned into a pump (its blocks freed into the next class's cache,
 * drained back to that class's slabs, borrowed again: W1 went from 781 to
 * 188,000 drains and from 53 to 68 ns an iteration).
 */
export const TINY_BORROW_STEPS = 2;
/** The last class class `c` borrows from (`c` itself: it does not borrow). */
export const TINY_BORROW_LAST: Uint8Array = (() => {
  const t = new Uint8Array(TINY_CLASSES);
  for (let c = 0; c < TINY_CLASSES; c++) {
    let last = c;
    if (!isPowerOfTwo(TINY_CLASS_SIZES[c]))
      while (last < TINY_CLASSES - 1 && last < c + TINY_BORROW_STEPS && (last === c || !isPowerOfTwo(TINY_CLASS_SIZES[last]))) last++;
    t[c] = last;
  }
  return t;
})();

/** Blocks class `c` may borrow between two slabs it takes: two slabs' worth. */
export const TINY_BORROW_BUDGET: Int32Array = new Int32Array(TINY_CLASS_SIZES.map((size) => Math.floor((2 * SLAB_SIZE) / size)));

function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}

/**
 * Small-heap classes: while a heap is small, a tiny size is served from the
 * first of these classes that holds it, so a program with little live data
 * fills five slabs instead of one 64 KiB slab per class (W7: 1,000 blocks of
 * 16..1040 B touched 37 slab pages, about 4× its live bytes, before any
 * block-level waste). Each is a class of TINY_CLASS_SIZES; the powers of two
 * among them keep alignedAlloc's rule (a power-of-two size gets a block
 * aligned to a power of two at least as large).
 */
export const SMALL_HEAP_CLASS_SIZES: readonly number[] = [128, 256, 512, 768, 1024];
/**
 * A heap leaves its small-heap classes for good once it holds this many
 * pages (2 MiB): from then on, one slab per class is a small part of it,
 * and the small-heap classes' rounding waste (up to 2×) is bounded by it.
 */
export const SMALL_HEAP_PAGES = 32;
/** The tiny class of each small-heap class of SMALL_HEAP_CLASS_SIZES. */
export const SMALL_HEAP_CLASSES: readonly number[] = SMALL_HEAP_CLASS_SIZES.map((size) => {
  const c = TINY_CLASS_SIZES.indexOf(size);
  if (c < 0) throw new Error(`hakmem: small-heap class ${size} is not a tiny class`);
  return c;
});

/**
 * A fresh copy of the size → class table of a small heap, indexed like
 * TINY_CLASS_OF_GRANULES: the first small-heap class at least as large.
 * A copy, because the heap overwrites it with TINY_CLASS_OF_GRANULES when
 * it stops being small.
 */
export function smallHeapClassTable(): Uint8Array {
  return granuleTable(SMALL_HEAP_CLASS_SIZES, SMALL_HEAP_CLASSES);
}

export function tinyClassOf(size: number): number {
  return TINY_CLASS_OF_GRANULES[(size + 15) >>> 4];
}

/**
 * Blocks a slab of class `cls` holds; slab 0 of a SuperSlab loses its
 * header's room, and in a shared heap also the remote-freed bitmap's
 * (SS_REMOTE_BITMAP, at the end of slab 0).
 */
export function tinySlabCapacity(cls: number, slabIndex: number, shared = false): number {
  const room = SLAB_SIZE - (slabIndex === 0 ? SS_HEADER_BYTES + (shared ? SS_REMOTE_BITMAP_BYTES : 0) : 0);
  return Math.floor(room / TINY_CLASS_SIZES[cls]);
}


/**
 * The smallest mid class, 1 KiB + 16 B: sizes just above a tiny block (a
 * 1 KiB buffer and a small header) would otherwise round up to 1152 B, 11%
 * more (W5's sizes 1025..1040: 0.34% of its live bytes in rounding).
 */
export const MID_FIRST_SIZE = TINY_MAX + GRANULE;

export const MID_CLASS_SIZES: readonly number[] = (() => {
  const s: number[] = [MID_FIRST_SIZE];
  for (let b = TINY_MAX; s.length < MID_FIRST_RUN_CLASS; b *= 2)
    for (let j = 1; j <= 8 && s.length < MID_FIRST_RUN_CLASS; j++) s.push(b + (b >>> 3) * j);
  for (let k = 1; k <= SPAN_MAX_PAGES; k++) s.push(k * PAGE_SIZE);
  return s;
})();

/** Mid class of `size` (TINY_MAX < size ≤ MID_MAX): MID_FIRST_SIZE, then eight per doubling, then one per page. */
export function midClassOf(size: number): number {
  if (size > PAGE_SIZE) return MID_FIRST_RUN_CLASS - 1 + ((size + PAGE_SIZE - 1) >>> 16);
  if (size <= MID_FIRST_SIZE) return 0;
  const e = 31 - Math.clz32(size - 1); // 2^e < size <= 2^(e+1)
  const step = 1 << (e - 3);
  return ((e - 10) << 3) + ((size - (1 << e) + step - 1) >>> (e - 3));
}

/**
 * Pages per span of each span class: the fewest pages (≤ 16) that waste under
 * 3% of the span, else the least wasteful count; capacity ≤ SPAN_MAX_BLOCKS.
 */
export const MID_SPAN_PAGES: readonly number[] = MID_CLASS_SIZES.map((size, cls) => {
  if (cls >= MID_FIRST_RUN_CLASS) return cls - MID_FIRST_RUN_CLASS + 1;
  let best = 1;
  let bestWaste = 1;
  for (let k = 1; k <= SPAN_MAX_PAGES; k++) {
    const cap = Math.min(SPAN_MAX_BLOCKS, Math.floor((k * PAGE_SIZE - SPAN_HEADER_BYTES) / size));
    if (cap === 0) continue;
    const waste = (k * PAGE_SIZE - cap * size) / (k * PAGE_SIZE);
    if (waste < 0.03) return k;
    if (waste < bestWaste) {
      bestWaste = waste;
      best = k;
    }
  }
  return best;
});

/** Blocks per span of each mid class (1 for run classes). */
export const MID_SPAN_CAPACITY: readonly number[] = MID_CLASS_SIZES.map((size, cls) =>
  cls >= MID_FIRST_RUN_CLASS ? 1 : Math.min(SPAN_MAX_BLOCKS, Math.floor((MID_SPAN_PAGES[cls] * PAGE_SIZE - SPAN_HEADER_BYTES) / size)),
);

export function midSpanCapacity(cls: number): number {
  return MID_SPAN_CAPACITY[cls];
}
