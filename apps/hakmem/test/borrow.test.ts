import { PAGE_SIZE, SMALL_HEAP_PAGES, TINY_BORROW_BUDGET, TINY_BORROW_LAST, TINY_CLASS_SIZES, tinyClassOf } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { BLOCK_GUARD as debugGuard } from '@hakmem/superslab/debug';
import { HeapError } from '../src/index.js';
import { heapOf, VARIANTS } from './helpers.js';

/** A heap past its small-heap classes (size-classes.ts), so every size has its own class. */
function grownHeap(variant: (typeof VARIANTS)[number]) {
  const heap = heapOf(variant);
  heap.malloc(SMALL_HEAP_PAGES * PAGE_SIZE);
  heap.malloc(1); // the first slab taken past SMALL_HEAP_PAGES pages ends the small-heap classes
  return heap;
}

const C320 = tinyClassOf(320);
const C352 = tinyClassOf(352);

describe('borrowing (release, private heap): a dry class takes blocks of the next classes before a slab', () => {
  it('serves a class without a slab from the next class that has free blocks, without taking pages', () => {
    const heap = grownHeap('release');
    const keep = heap.malloc(352);
    const before = heap.stats().bytesReserved;
    const p = heap.malloc(300);
    expect(TINY_BORROW_LAST[C320]).toBeGreaterThanOrEqual(C352);
    expect(heap.usableSize(p)).toBe(TINY_CLASS_SIZES[C352]);
    expect(heap.stats().bytesReserved).toBe(before);
    // The borrowed block keeps its class: it is a 352-byte block for every purpose.
    heap.free(p);
    expect(() => heap.free(p)).toThrow(HeapError);
    heap.check();
    heap.free(keep);
    heap.check();
  });

  it('never borrows for a power-of-two class, whose blocks must stay aligned to their size', () => {
    const heap = grownHeap('release');
    heap.malloc(544); // the class above 512 has a slab with free blocks
    const p = heap.malloc(512);
    expect(heap.usableSize(p)).toBe(512);
    expect(p % 512).toBe(0);
    const q = heap.alignedAlloc(256, 200);
    expect(q % 256).toBe(0);
    heap.check();
  });

  it('borrows at most its budget between two slabs of its own, then takes one', () => {
    const heap = grownHeap('release');
    // Give the next class many free blocks spread over several slabs it keeps:
    // fill five slabs of 352-byte blocks and free all but one block per slab's worth.
    const per = Math.floor(PAGE_SIZE / 352);
    const blocks: number[] = [];
    for (let i = 0; i < 5 * per; i++) blocks.push(heap.malloc(352));
    blocks.forEach((p, i) => i % per !== 0 && heap.free(p));
    let borrowed = 0;
    let own = 0;
    const held: number[] = [];
    for (let i = 0; i < 4 * TINY_BORROW_BUDGET[C320] && own === 0; i++) {
      const p = heap.malloc(300);
      held.push(p);
      const u = heap.usableSize(p);
      if (u === 320) own++;
      else {
        expect(u).toBeGreaterThan(320);
        expect(u).toBeLessThanOrEqual(TINY_CLASS_SIZES[TINY_BORROW_LAST[C320]]);
        borrowed++;
      }
    }
    expect(own).toBe(1);
    expect(borrowed).toBeGreaterThan(0);
    // The budget is counted in refill batches: at most one batch (half the class's largest cache, 64 KiB of blocks) over.
    expect(borrowed).toBeLessThanOrEqual(TINY_BORROW_BUDGET[C320] + Math.floor(PAGE_SIZE / 320 / 2));
    expect(borrowed).toBeGreaterThanOrEqual(TINY_BORROW_BUDGET[C320]);
    held.forEach((p) => heap.free(p));
    heap.check();
  });

  it('does not borrow in the debug build (its cache checks each block against its class)', () => {
    const heap = grownHeap('debug');
    heap.malloc(352);
    const p = heap.malloc(300);
    expect(heap.usableSize(p)).toBe(TINY_CLASS_SIZES[tinyClassOf(300 + debugGuard)] - debugGuard);
    heap.check();
  });

  it('does not borrow in a shared heap', () => {
    const heap = heapOf('release', { shared: true });
    heap.malloc(SMALL_HEAP_PAGES * PAGE_SIZE);
    heap.malloc(1);
    heap.malloc(352);
    expect(heap.usableSize(heap.malloc(300))).toBe(320);
    heap.check();
  });
});
