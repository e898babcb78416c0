import { describe, expect, it } from 'vitest';
import { heapOf, VARIANTS, rng } from './helpers.js';

describe.each(VARIANTS)('churn (%s)', (variant) => {
  // The debug build poisons and verifies every mid block in full (up to 1 MiB per free), about 80x
  // the release cost here: it gets a quarter of the operations so it stays well inside the test timeout.
  const ops = variant === 'debug' ? 500_000 : 2_000_000;
  it(`${ops.toLocaleString('en')} operations across all routes leak nothing inside the allocator`, () => {
    const heap = heapOf(variant, { maxBytes: 1 << 30 });
    const start = heap.stats().bytesReserved;
    const next = rng(42);
    const slots = new Uint32Array(4096);
    const sizes = new Uint32Array(4096);
    let u8 = new Uint8Array(heap.memory.buffer);
    for (let i = 0; i < ops; i++) {
      const s = next() & 4095;
      const r = next() % 1000;
      // 90% tiny, 9.7% mid, 0.3% large.
      const size = r < 900 ? next() % 1025 : r < 997 ? 1025 + (next() % (1 << 20)) : (1 << 20) + (next() % (4 << 20));
      if (slots[s] !== 0) {
        // The byte written at allocation must still be there.
        if (sizes[s] > 0 && u8[slots[s]] !== (sizes[s] & 0xff)) throw new Error(`slot ${s}: block ${slots[s]} lost its first byte`);
        heap.free(slots[s]);
      }
      const p = heap.malloc(size);
      if (p === 0) throw new Error(`malloc(${size}) failed in a 1 GiB heap`);
      if (p >= u8.length) u8 = new Uint8Array(heap.memory.buffer);
      // A malloc(0) block may have no usable byte (a debug build guards it from its first byte).
      if (size > 0) u8[p] = size & 0xff;
      slots[s] = p;
      sizes[s] = size;
      if (i % 250_000 === 0) heap.check();
    }
    heap.check();
    for (let s = 0; s < slots.length; s++) if (slots[s] !== 0) heap.free(slots[s]);
    heap.trim();
    heap.check();
    const stats = heap.stats();
    expect(stats.liveBlocks).toBe(0);
    expect(stats.bytesInUse).toBe(0);
    // Every slab, span, SuperSlab and run went back to the page layer.
    expect(stats.pages.pagesInUse).toBe(0);
    expect(stats.bytesReserved).toBe(start);
    const pool = stats.boxes.sharedPool as Record<string, number>;
    expect(pool.superslabsReleased).toBe(pool.stage3Hits);
    expect(pool.emptySlabsKept).toBe(0);
    expect(stats.boxes.midLargeAce.spansReleased).toBe(stats.boxes.midLargeAce.spansCreated);
    expect(stats.boxes.bigcache.cachedBytes).toBe(0);
  });
});
