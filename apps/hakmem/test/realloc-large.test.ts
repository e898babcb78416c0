import { PAGE_SIZE } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { createAllocator, HeapError, type Allocator } from '../src/index.js';

/**
 * realloc of a large block (above 1 MiB) grows and shrinks it where it lies
 * when BigCache can: into free pages after it (a private heap), into a cached
 * run after it, and by giving its tail back. Contents, usableSize, check() and
 * double-free reporting hold throughout, in both builds.
 */
const MiB = 1 << 20;

function fill(heap: Allocator, p: number, n: number, seed: number): void {
  const u8 = new Uint8Array(heap.memory.buffer);
  for (let i = 0; i < n; i += 4093) u8[p + i] = (seed + i) & 255;
  u8[p + n - 1] = seed & 255;
}

function kept(heap: Allocator, p: number, n: number, seed: number): boolean {
  const u8 = new Uint8Array(heap.memory.buffer);
  for (let i = 0; i < n; i += 4093) if (u8[p + i] !== ((seed + i) & 255)) return false;
  return u8[p + n - 1] === (seed & 255);
}

function expectDoubleFree(heap: Allocator, p: number): void {
  let err: unknown;
  try {
    heap.free(p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HeapError);
  expect(err).toMatchObject({ code: 'DOUBLE_FREE' });
}

describe.each(['release', 'debug'] as const)('realloc of large blocks in place (%s)', (variant) => {
  it('grows into the free pages after the block, byte by byte across many pages, keeping its contents', () => {
    const heap = createAllocator({ variant, maxBytes: 64 * MiB });
    let size = 2 * MiB;
    const p = heap.malloc(size);
    fill(heap, p, size, 7);
    for (let step = 0; step < 40; step++) {
      const q = heap.realloc(p, size + 50_000);
      expect(q).toBe(p);
      size += 50_000;
      expect(heap.usableSize(p)).toBeGreaterThanOrEqual(size);
    }
    expect(kept(heap, p, 2 * MiB, 7)).toBe(true);
    expect(heap.stats().boxes.bigcache.resizes).toBeGreaterThan(0);
    heap.check();
    heap.free(p);
    expectDoubleFree(heap, p);
    heap.check();
  });

  it('grows into a cached run right after it, and moves when the next block is live', () => {
    const heap = createAllocator({ variant, maxBytes: 64 * MiB });
    const p = heap.malloc(3 * MiB);
    const after = heap.malloc(4 * MiB);
    const fence = heap.malloc(2 * MiB);
    fill(heap, p, 3 * MiB, 11);
    heap.free(after); // cached, right after p
    expect(heap.realloc(p, 5 * MiB)).toBe(p);
    expect(heap.usableSize(p)).toBeGreaterThanOrEqual(5 * MiB);
    expect(kept(heap, p, 3 * MiB, 11)).toBe(true);
    heap.check();
    // Past the cached run comes fence, live: the block moves.
    const q = heap.realloc(p, 9 * MiB);
    expect(q).not.toBe(p);
    expect(kept(heap, q, 3 * MiB, 11)).toBe(true);
    expectDoubleFree(heap, p);
    heap.free(q);
    heap.free(fence);
    heap.check();
  });

  it('shrinks in place, giving the tail to the page layer, where it is reused', () => {
    const heap = createAllocator({ variant, maxBytes: 64 * MiB });
    const p = heap.malloc(8 * MiB);
    const fence = heap.malloc(2 * MiB);
    fill(heap, p, 2 * MiB, 23);
    // The debug build's BigCache keeps a 16-byte guard at each run's end.
    const guard = variant === 'debug' ? 16 : 0;
    const runOf = (n: number) => Math.ceil((n + guard) / PAGE_SIZE) * PAGE_SIZE;
    expect(heap.realloc(p, 2 * MiB)).toBe(p);
    expect(heap.usableSize(p)).toBe(runOf(2 * MiB) - guard);
    expect(kept(heap, p, 2 * MiB, 23)).toBe(true);
    heap.check();
    const tail = heap.malloc(5 * MiB); // the first free pages: the tail
    expect(tail).toBe(p + runOf(2 * MiB));
    const usable = heap.usableSize(tail);
    expect(heap.realloc(tail, usable / 2 - PAGE_SIZE)).toBe(tail);
    expect(heap.usableSize(tail)).toBe(runOf(usable / 2 - PAGE_SIZE) - guard);
    heap.check();
    for (const b of [p, tail, fence]) heap.free(b);
    expectDoubleFree(heap, p);
    heap.check();
  });
});
