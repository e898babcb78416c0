import { PAGE_SIZE, SMALL_HEAP_PAGES, SS_MAGIC, SS_MAGIC_VALUE, SS_SIZE } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { heapOf, VARIANTS } from './helpers.js';

/**
 * stats() counts a private heap's tiny blocks from each slab's used count
 * minus the worker's cached blocks, and a shared heap's from the live bits
 * (superslab-walk.ts): both must equal what the program holds, through
 * refills, cache overflows, borrowing (past the small-heap classes), slabs
 * emptied and retired.
 */
describe.each(VARIANTS)('stats() counts exactly what is live (%s)', (variant) => {
  it.each([
    ['private', false],
    ['shared', true],
  ] as const)('%s heap, 40,000 tiny mallocs and frees', (_, shared) => {
    const heap = heapOf(variant, { shared });
    const big = heap.malloc(SMALL_HEAP_PAGES * PAGE_SIZE); // past the small-heap classes: borrowing on
    const live = new Map<number, number>();
    const slots: number[] = new Array(3000).fill(0);
    let x = 7;
    const expectCounts = () => {
      const st = heap.stats();
      let bytes = heap.usableSize(big);
      for (const p of live.keys()) bytes += heap.usableSize(p);
      expect(st.liveBlocks).toBe(live.size + 1);
      expect(st.bytesInUse).toBe(bytes);
    };
    for (let i = 0; i < 40_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const s = (x >>> 0) % slots.length;
      // Phases: grow to 3,000 live blocks, then shrink to a few, twice, so slabs fill, empty and retire.
      const shrinking = i % 20_000 >= 12_000;
      if (slots[s] !== 0) {
        heap.free(slots[s]);
        live.delete(slots[s]);
        slots[s] = 0;
      }
      if (!shrinking || s % 16 === 0) {
        const p = heap.malloc(16 + ((x >>> 8) % 1025));
        slots[s] = p;
        live.set(p, 1);
      }
      if (i % 4000 === 3999) expectCounts();
    }
    expectCounts();
    heap.check();
    for (const p of live.keys()) heap.free(p);
    live.clear();
    expectCounts();
  });
});

describe.each(VARIANTS)('stats() in a shared heap is a snapshot (%s)', (variant) => {
  it('a SuperSlab caught without its header (another worker making or giving it back) is counted as nothing, not reported; check() and a private heap report it', () => {
    for (const shared of [true, false]) {
      const heap = heapOf(variant, { shared });
      const blocks = Array.from({ length: 100 }, () => heap.malloc(48));
      const big = heap.malloc(3 << 20);
      const ss = blocks[0] - (blocks[0] % SS_SIZE); // SuperSlabs are aligned to their size
      const u32 = new Uint32Array(heap.memory.buffer);
      expect(u32[(ss + SS_MAGIC) >>> 2]).toBe(SS_MAGIC_VALUE);
      u32[(ss + SS_MAGIC) >>> 2] = 0; // the moment another worker's stamp is ahead of its header
      if (shared) {
        const st = heap.stats();
        expect(st.liveBlocks).toBe(1); // the large block; the SuperSlab's blocks are out of this snapshot
        expect(st.bytesInUse).toBe(heap.usableSize(big));
      } else {
        expect(() => heap.stats()).toThrow(expect.objectContaining({ code: 'CORRUPTION', box: 'superslab' }));
      }
      // (The debug TLS cache's own check may see it first, through a cached block of that SuperSlab.)
      expect(() => heap.check()).toThrow(expect.objectContaining({ code: 'CORRUPTION' }));
      u32[(ss + SS_MAGIC) >>> 2] = SS_MAGIC_VALUE;
      expect(heap.stats().liveBlocks).toBe(101);
      heap.check();
    }
  });
});
