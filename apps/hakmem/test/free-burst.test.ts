import { describe, expect, it } from 'vitest';
import { heapOf, VARIANTS } from './helpers.js';

/**
 * A program that frees a whole batch of blocks of one size (a structure torn
 * down, a phase ended) sends them home in batches: the tiny cache drains and
 * the mid cache overflows move dozens of blocks each, however many frees
 * came before. Before, an overflowing class shrank its cache to 8 (tiny) or
 * 2 (mid) blocks, and each drain then moved 4 or 1: freeing 4,096 blocks of
 * 64 B took ~1,000 drains, of 4 KiB ~890 overflows. Counted, not timed; the
 * bench's W2 passes (a free of every block between two passes) time it.
 */
describe.each(VARIANTS)('a burst of frees goes home in batches (%s)', (variant) => {
  const BLOCKS = 4096;
  it.each([64, 1024, 4096, 16384])('%i B: fill, free all, refill, free all', (size) => {
    const heap = heapOf(variant, { maxBytes: 1 << 30 });
    const blocks = new Uint32Array(BLOCKS);
    // Tiny sizes drain the TLS cache, mid sizes overflow the ACE cache (a debug build's 1024 B, guard included, is mid).
    const moves = (): number => {
      const boxes = heap.stats().boxes;
      // The built-in ACE cache counts its overflows (an alternative mid box may not).
      return boxes.tlsSll.drains + (boxes.midLargeAce.overflows ?? 0);
    };
    for (let round = 0; round < 2; round++) {
      let u8 = new Uint8Array(heap.memory.buffer);
      for (let i = 0; i < BLOCKS; i++) {
        const p = heap.malloc(size);
        expect(p).not.toBe(0);
        if (p >= u8.length) u8 = new Uint8Array(heap.memory.buffer);
        u8[p] = i & 255;
        blocks[i] = p;
      }
      expect(heap.stats().liveBlocks).toBe(BLOCKS);
      const before = moves();
      for (let i = 0; i < BLOCKS; i++) {
        // Nothing handed out twice, nothing overwritten while live.
        if (u8[blocks[i]] !== (i & 255)) throw new Error(`block ${i} at ${blocks[i]} lost its byte`);
        heap.free(blocks[i]);
      }
      const batches = moves() - before;
      expect(batches).toBeGreaterThan(0);
      // At least 16 blocks a batch on average (the tiny floor of 64 drains 32; the mid floor at 4 KiB, 32 blocks, returns 16; at 16 KiB, 8 blocks, 4).
      expect(batches).toBeLessThanOrEqual(BLOCKS / (size === 16384 ? 4 : 16));
      expect(heap.stats().liveBlocks).toBe(0);
      heap.check();
    }
  });
});
