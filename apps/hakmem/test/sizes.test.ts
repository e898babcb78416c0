import {
  MID_CLASS_SIZES,
  PAGE_SIZE,
  SMALL_HEAP_CLASS_SIZES,
  SMALL_HEAP_PAGES,
  TINY_BORROW_LAST,
  TINY_CLASS_SIZES,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { BLOCK_GUARD as debugGuard } from '@hakmem/superslab/debug';
import { heapOf, Shadow, VARIANTS } from './helpers.js';

describe.each(VARIANTS)('every size (%s)', (variant) => {
  it('serves every size from 0 to 5000 bytes, all live at once', () => {
    const heap = heapOf(variant);
    const shadow = new Shadow(heap);
    for (let n = 0; n <= 5000; n++) shadow.add(heap.malloc(n), n);
    expect(heap.stats().liveBlocks).toBe(5001);
    heap.check();
    for (const b of [...shadow.blocks.values()]) shadow.free(b.ptr);
    expect(heap.stats().liveBlocks).toBe(0);
    heap.check();
  });

  it('serves every class boundary ±1, tiny and mid', () => {
    const heap = heapOf(variant);
    const shadow = new Shadow(heap);
    const sizes = [...TINY_CLASS_SIZES, ...MID_CLASS_SIZES, 1 << 20].flatMap((s) => [s - 1, s, s + 1]);
    for (const n of sizes) {
      const b = shadow.add(heap.malloc(n), n);
      // A class boundary must not be rounded into the class below it.
      expect(b.usable).toBeGreaterThanOrEqual(n);
    }
    heap.check();
    shadow.freeAll();
    heap.check();
  });

  it('rounds into the smallest class that fits, wasting at most 12.5% above 128 bytes (tiny), once the heap has left its small-heap classes', () => {
    const heap = heapOf(variant);
    // A debug SuperSlab keeps a guard after each block: the class holds n + guard.
    const guard = variant === 'debug' ? debugGuard : 0;
    // Past SMALL_HEAP_PAGES pages, the next slab the heap takes ends its small-heap classes.
    heap.malloc(SMALL_HEAP_PAGES * PAGE_SIZE);
    heap.malloc(1);
    for (let n = 129; n <= 1024 - guard; n++) {
      const p = heap.malloc(n);
      const u = heap.usableSize(p);
      expect(u).toBeGreaterThanOrEqual(n);
      expect((u - n) / (n + guard)).toBeLessThanOrEqual(0.125);
      heap.free(p);
    }
  });

  it('serves a small heap from its small-heap classes until it holds SMALL_HEAP_PAGES pages', () => {
    const heap = heapOf(variant);
    const guard = variant === 'debug' ? debugGuard : 0;
    const smallClassOf = (n: number) => SMALL_HEAP_CLASS_SIZES.find((c) => c >= n + guard) as number;
    const sizes = [0, 1, 16, 100, 128 - guard, 129, 300, 513, 700, 1000 - guard];
    const kept = sizes.map((n) => {
      const p = heap.malloc(n);
      expect(heap.usableSize(p)).toBe(smallClassOf(n) - guard);
      return p;
    });
    // Still small one page short of the limit; the next slab taken past it ends the small-heap classes.
    const pages = heap.stats().bytesReserved / PAGE_SIZE;
    const big = heap.malloc((SMALL_HEAP_PAGES - pages - 1) * PAGE_SIZE);
    expect(heap.usableSize(heap.malloc(200))).toBe(smallClassOf(200) - guard);
    heap.free(big);
    heap.malloc(SMALL_HEAP_PAGES * PAGE_SIZE);
    // More blocks of one class than its slab holds: the next slab it takes ends the small-heap classes.
    for (let i = 0; i <= PAGE_SIZE / SMALL_HEAP_CLASS_SIZES[0]; i++) heap.malloc(100);
    for (const n of [16, 100, 129, 300, 700]) {
      const c = TINY_CLASS_SIZES.findIndex((size) => size >= n + guard);
      const u = heap.usableSize(heap.malloc(n)) + guard;
      // Its own class, or in release one it borrows from while it holds no slab of its own (TINY_BORROW_LAST).
      expect(u).toBeGreaterThanOrEqual(TINY_CLASS_SIZES[c]);
      expect(u).toBeLessThanOrEqual(TINY_CLASS_SIZES[variant === 'debug' ? c : TINY_BORROW_LAST[c]]);
      if (n === 16 || n === 300) expect(u).toBeLessThan(smallClassOf(n));
    }
    // Blocks made while it was small keep their class.
    kept.forEach((p, i) => expect(heap.usableSize(p)).toBe(smallClassOf(sizes[i]) - guard));
    heap.check();
  });

  it('serves powers of two up to 64 MiB, and ±1 around each', () => {
    const heap = heapOf(variant, { maxBytes: 512 << 20 });
    for (let e = 0; e <= 26; e++) {
      for (const n of [(1 << e) - 1, 1 << e, (1 << e) + 1]) {
        const shadow = new Shadow(heap);
        const b = shadow.add(heap.malloc(n), n);
        expect(b.usable).toBeGreaterThanOrEqual(n);
        shadow.free(b.ptr);
      }
    }
    heap.check();
    expect(heap.stats().liveBlocks).toBe(0);
  });
});
