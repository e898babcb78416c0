import {
  MID_CLASS_SIZES,
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

  it('rounds into the smallest class that fits, wasting at most 12.5% above 128 bytes (tiny)', () => {
    const heap = heapOf(variant);
    // A debug SuperSlab keeps a guard after each block: the class holds n + guard.
    const guard = variant === 'debug' ? debugGuard : 0;
    for (let n = 129; n <= 1024 - guard; n++) {
      const p = heap.malloc(n);
      const u = heap.usableSize(p);
      expect(u).toBeGreaterThanOrEqual(n);
      expect((u - n) / (n + guard)).toBeLessThanOrEqual(0.125);
      heap.free(p);
    }
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
