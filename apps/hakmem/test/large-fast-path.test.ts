import { PAGE_SIZE } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { createAllocator, HeapError, type Allocator } from '../src/index.js';
import { heapOf, VARIANTS } from './helpers.js';

/**
 * A private heap over the built-in release front gate takes its large
 * blocks to BigCache straight (heap-core.ts `mallocLargeFlat`, the live-run
 * branch of `freeOther`); a shared heap goes through the router. Both must
 * answer every free the same way: the same error codes for interior, stale,
 * double and foreign pointers, and the same blocks after the memory grew
 * from outside between the calls.
 */
const MiB = 1 << 20;

/** The debug build's BigCache keeps a 16-byte guard at each run's end: the usable bytes of `malloc(n)`'s run in `heap`. */
function usableOfRun(heap: Allocator, n: number): number {
  const guard = heap.variant === 'debug' ? 16 : 0;
  return Math.ceil((n + guard) / PAGE_SIZE) * PAGE_SIZE - guard;
}

function codeOf(heap: Allocator, ptr: number): string {
  try {
    heap.free(ptr);
    return 'ok';
  } catch (e) {
    return e instanceof HeapError ? e.code : String(e);
  }
}

/** One scripted sequence of large mallocs and frees, good and bad; returns what each free answered. */
function script(heap: Allocator): string[] {
  const out: string[] = [];
  const a = heap.malloc(3 * MiB);
  const b = heap.malloc(MiB + 1);
  const c = heap.malloc(8 * MiB);
  expect(a % PAGE_SIZE).toBe(0);
  expect(heap.usableSize(b)).toBe(usableOfRun(heap, MiB + 1));
  out.push(codeOf(heap, a + PAGE_SIZE)); // inside a live run
  out.push(codeOf(heap, a + 16)); // not page-aligned
  out.push(codeOf(heap, a));
  out.push(codeOf(heap, a)); // cached now
  out.push(codeOf(heap, a + PAGE_SIZE)); // inside a cached run
  // The memory grows from outside: the facade's views are detached.
  heap.memory.grow(2);
  out.push(codeOf(heap, b));
  heap.memory.grow(1);
  const d = heap.malloc(2 * MiB); // a cached run fits: may be a's, split
  out.push(d === a ? 'reused' : 'fresh');
  heap.memory.grow(1);
  out.push(codeOf(heap, c));
  out.push(codeOf(heap, c));
  out.push(codeOf(heap, d + 2 * MiB)); // past d: a split-off tail, or the rest of a's run
  out.push(codeOf(heap, d));
  // A block pushed out of the cache by later frees, then freed again.
  const many = Array.from({ length: 40 }, () => heap.malloc(5 * MiB));
  const first = many[0];
  for (const p of many) heap.free(p);
  out.push(codeOf(heap, first));
  heap.check();
  expect(heap.stats().liveBlocks).toBe(0);
  return out;
}

describe('the private large fast path', () => {
  it('answers every free as the routed path of a shared heap does', () => {
    const opts = { maxBytes: 512 * MiB };
    const fast = script(createAllocator(opts));
    const routed = script(createAllocator({ ...opts, shared: true }));
    expect(fast).toEqual(routed);
    expect(fast.slice(0, 5)).toEqual(['INVALID_POINTER', 'INVALID_POINTER', 'ok', 'DOUBLE_FREE', 'INVALID_POINTER']);
    expect(fast[5]).toBe('ok');
    expect(fast.slice(7, 9)).toEqual(['ok', 'DOUBLE_FREE']);
    expect(fast[10]).toBe('ok');
    expect(fast[11]).toBe('DOUBLE_FREE');
  });

  it('a debug heap (the routed path) answers the same', () => {
    const opts = { maxBytes: 512 * MiB };
    expect(script(createAllocator({ ...opts, variant: 'debug' }))).toEqual(script(createAllocator(opts)));
  });

  it('hands a cached run out whole down to a quarter of it, and splits it below, in every kind of heap', () => {
    for (const opts of [{}, { shared: true }, { variant: 'debug' as const }]) {
      const heap = createAllocator({ maxBytes: 256 * MiB, ...opts });
      const a = heap.malloc(8 * MiB); // 128 pages
      const guard = heap.malloc(2 * MiB); // keeps a's run from merging with what follows
      heap.free(a);
      const b = heap.malloc(2 * MiB); // 32 pages: 128 ≤ 4 × 32, the whole run, its head page reused
      expect(b).toBe(a);
      expect(heap.usableSize(b)).toBe(usableOfRun(heap, 8 * MiB));
      expect(codeOf(heap, b + 4 * MiB)).toBe('INVALID_POINTER'); // inside the live run
      heap.free(b);
      const c = heap.malloc(MiB + 1); // 17 pages: 128 > 4 × 17, split
      expect(c).toBe(a);
      expect(heap.usableSize(c)).toBe(usableOfRun(heap, MiB + 1));
      expect(codeOf(heap, c + 17 * PAGE_SIZE)).toBe('INVALID_POINTER'); // the tail given back: it was a body page
      expect(heap.stats().liveBlocks).toBe(2);
      heap.free(c);
      heap.free(guard);
      heap.check();
    }
  });

  it('returns 0 for a size past the region and keeps the heap usable', () => {
    const heap = createAllocator({ maxBytes: 64 * MiB });
    const big = heap.malloc(48 * MiB);
    expect(big).not.toBe(0);
    expect(heap.malloc(32 * MiB)).toBe(0);
    heap.free(big);
    const again = heap.malloc(60 * MiB);
    expect(again).not.toBe(0);
    heap.free(again);
    heap.check();
  });
});

describe.each(VARIANTS)('large blocks near the heap limit (%s)', (variant) => {
  it('a cached run handed out whole does not cost a filling heap any block', () => {
    const count = (pre: number): number => {
      const heap = heapOf(variant, { maxBytes: 64 << 20 });
      if (pre > 0) heap.free(heap.malloc(pre));
      let n = 0;
      while (heap.malloc(2 << 20) !== 0) n++;
      return n;
    };
    const none = count(0);
    expect(none).toBeGreaterThan(25);
    expect(count(8 << 20)).toBe(none);
    expect(count(16 << 20)).toBe(none);
  });
});
