import { PAGE_SIZE, SMALL_HEAP_PAGES } from '@hakmem/contracts/layout';
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
