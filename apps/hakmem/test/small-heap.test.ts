import { PAGE_SIZE, SMALL_HEAP_CLASS_SIZES, SMALL_HEAP_PAGES, TINY_MAX } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { createAllocator, HeapError } from '../src/index.js';
import { heapOf, Shadow, VARIANTS } from './helpers.js';

/** The bench's PRNG (xorshift32, seed 42) and its exact `u % n` draw in int32 arithmetic. */
const xorshift32 = (x: number): number => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x;
};
const below = (x: number, n: number): number => ((((x >>> 1) % n) << 1) + (x & 1)) % n;

/**
 * W7's loop (the bench's W1 loop on 1,000 slots, sizes 16..1040 B): returns
 * the peak of the live bytes requested, tracked every iteration.
 */
function w7(heap: ReturnType<typeof createAllocator>, slots: Int32Array, iterations: number): number {
  const sizes = new Int32Array(slots.length);
  let x = 42;
  let live = 0;
  let peak = 0;
  for (let i = 0; i < iterations; i++) {
    x = xorshift32(x);
    const s = below(x, slots.length);
    x = xorshift32(x);
    const size = 16 + below(x, 1025);
    if (slots[s] !== 0) {
      heap.free(slots[s] >>> 0);
      live -= sizes[s];
    }
    const p = heap.malloc(size);
    if (p === 0) throw new Error(`malloc(${size}) returned 0 at iteration ${i}`);
    slots[s] = p;
    sizes[s] = size;
    live += size;
    if (live > peak) peak = live;
  }
  return peak;
}

describe('small heaps stay small (issue 12, W7)', () => {
  it('a W7-like program takes at most twice its peak live bytes, over repeated passes', () => {
    // As the bench runs it: the same trace several times, every block freed in between.
    const heap = createAllocator({ maxBytes: 256 << 20 });
    const slots = new Int32Array(1000);
    let peakLive = 0;
    for (let pass = 0; pass < 3; pass++) {
      peakLive = Math.max(peakLive, w7(heap, slots, 100_000));
      heap.check();
      for (let s = 0; s < slots.length; s++) if (slots[s] !== 0) heap.free(slots[s] >>> 0);
      slots.fill(0);
    }
    const { peakBytesReserved, liveBlocks } = heap.stats();
    expect(liveBlocks).toBe(0);
    expect(peakBytesReserved / peakLive).toBeLessThanOrEqual(2);
    // And it stayed a small heap: fewer pages than it takes to leave the small-heap classes.
    expect(peakBytesReserved / PAGE_SIZE).toBeLessThan(SMALL_HEAP_PAGES);
  });

  it.each(VARIANTS)('the pages of a SuperSlab no slab uses serve other boxes (%s)', (variant) => {
    // The region starts on a 1 MiB boundary after its metadata page: the
    // SuperSlab's 16 pages are all the data pages there are.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 64 });
    const heap = createAllocator({ variant, memory, heapBase: 15 * PAGE_SIZE, maxBytes: 17 * PAGE_SIZE });
    const shadow = new Shadow(heap, 15 * PAGE_SIZE);
    shadow.add(heap.malloc(100), 100);
    // The SuperSlab holds its header's page, which serves the first slab.
    expect(heap.stats().bytesReserved).toBe(2 * PAGE_SIZE);
    // So a 10-page mid run fits in its range (a SuperSlab that held all 16 pages left none).
    const run = shadow.add(heap.malloc(10 * PAGE_SIZE - 100), 10 * PAGE_SIZE - 100);
    expect(run.ptr >>> 16).toBeGreaterThan(16);
    expect(run.ptr >>> 16).toBeLessThan(32);
    // Every small-heap class still gets a slab from the pages left, then the heap is full.
    for (const size of SMALL_HEAP_CLASS_SIZES) shadow.add(heap.malloc(size - (variant === 'debug' ? 16 : 0)), size - (variant === 'debug' ? 16 : 0));
    heap.check();
    let n = 0;
    for (; n < 10_000; n++) {
      const p = heap.malloc(TINY_MAX);
      if (p === 0) break;
      shadow.add(p, TINY_MAX);
    }
    expect(n).toBeLessThan(10_000);
    expect(heap.stats().bytesReserved).toBeLessThanOrEqual(17 * PAGE_SIZE);
    heap.check();
    // Freed, the run's pages go back; a double free is still a double free.
    shadow.free(run.ptr);
    let code: string | undefined;
    try {
      heap.free(run.ptr);
    } catch (e) {
      code = (e as HeapError).code;
    }
    expect(code).toBe('DOUBLE_FREE');
    shadow.freeAll();
    heap.check();
    expect(heap.stats().liveBlocks).toBe(0);
  });

  it.each(VARIANTS)('a slab whose page went back to the page layer still names a second free of its blocks a double free (%s)', (variant) => {
    const heap = heapOf(variant);
    const guard = variant === 'debug' ? 16 : 0;
    // Slabs of three small-heap classes, all their blocks freed, then trimmed: the pool keeps two EMPTY
    // slabs per class and turns the rest UNUSED, whose pages go back to the page layer.
    const sizes = SMALL_HEAP_CLASS_SIZES.slice(0, 3).map((c) => c - guard);
    const blocks: number[] = [];
    for (const size of sizes) for (let i = 0; i < (4 * PAGE_SIZE) / (size + guard); i++) blocks.push(heap.malloc(size));
    const full = heap.stats().bytesReserved;
    for (const p of blocks) heap.free(p);
    heap.trim();
    expect(heap.stats().bytesReserved).toBeLessThan(full);
    heap.check();
    for (const p of blocks.filter((_, i) => i % 97 === 0)) {
      let code: string | undefined;
      try {
        heap.free(p);
      } catch (e) {
        code = (e as HeapError).code;
      }
      expect(code).toBe('DOUBLE_FREE');
    }
    heap.check();
  });
});
