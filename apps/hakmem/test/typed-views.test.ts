import { Worker } from 'node:worker_threads';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createAllocator, HeapError, type Allocator, type TypedBlock } from '../src/index.js';
import { VARIANTS } from './helpers.js';

const MIB = 1 << 20;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof HeapError ? e.code : (e as Error).constructor.name;
  }
  return 'no error';
}

/** Grows `memory` by `pages` from another thread, as a worker of a shared heap (or its wasm) would. */
async function growFromWorker(memory: WebAssembly.Memory, pages: number): Promise<void> {
  const worker = new Worker('require("node:worker_threads").workerData.memory.grow(require("node:worker_threads").workerData.pages)', {
    eval: true,
    workerData: { memory, pages },
  });
  await new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
  });
}

/** Makes the heap grow the memory itself: large blocks until memory.buffer is a new, longer one. */
function growByHeap(heap: Allocator): number[] {
  const before = heap.memory.buffer.byteLength;
  const held: number[] = [];
  while (heap.memory.buffer.byteLength === before) {
    const p = heap.malloc(2 * MIB);
    expect(p).not.toBe(0);
    held.push(p);
  }
  return held;
}

describe.each(VARIANTS)('typed views across growth (%s)', (variant) => {
  it('non-shared, grown by the heap: a kept view goes dead, view() and the getters see the data, epoch moves', () => {
    const heap = createAllocator({ variant, maxBytes: 256 * MIB, initialBytes: 1 * MIB });
    const block = heap.mallocAs(Float64Array, 16)!;
    block.view.set(Array.from({ length: 16 }, (_, i) => i + 0.25));
    const kept = block.view;
    const f64 = heap.f64;
    const epoch = heap.epoch;
    expect(heap.epoch).toBe(epoch); // nothing changed since the last look
    const held = growByHeap(heap);
    // The hazard the helpers exist for: the old views are detached.
    expect(kept.length).toBe(0);
    expect(f64.length).toBe(0);
    expect(heap.epoch).not.toBe(epoch);
    const fresh = heap.view(Float64Array, block.ptr, 16);
    expect(Array.from(fresh)).toEqual(Array.from({ length: 16 }, (_, i) => i + 0.25));
    expect(heap.f64[(block.ptr >>> 3) + 15]).toBe(15.25);
    expect(heap.u8.length).toBe(heap.memory.buffer.byteLength);
    expect(heap.u8.buffer).toBe(heap.memory.buffer);
    // Writes through the fresh views land in the block.
    heap.f64[block.ptr >>> 3] = -1;
    expect(heap.view(Float64Array, block.ptr, 1)[0]).toBe(-1);
    for (const p of held) heap.free(p);
    heap.free(block.ptr);
    heap.check();
  });

  it('non-shared, grown by the user (memory.grow): same, and the heap goes on', () => {
    const heap = createAllocator({ variant, maxBytes: 64 * MIB });
    const block = heap.callocAs(Int32Array, 100)!;
    block.view[99] = 42;
    const u32 = heap.u32;
    const epoch = heap.epoch;
    heap.memory.grow(2);
    expect(block.view.length).toBe(0);
    expect(u32.length).toBe(0);
    expect(heap.epoch).toBe(epoch + 1);
    expect(heap.epoch).toBe(epoch + 1);
    expect(heap.view(Int32Array, block.ptr, 100)[99]).toBe(42);
    expect(heap.i32[(block.ptr >>> 2) + 99]).toBe(42);
    expect(heap.u32.length * 4).toBe(heap.memory.buffer.byteLength);
    heap.free(block.ptr);
    heap.check();
  });

  it('shared, grown by the heap, by the user and by another worker: epoch moves each time, views reach the new pages', async () => {
    const heap = createAllocator({ variant, shared: true, maxBytes: 256 * MIB, initialBytes: 1 * MIB });
    const block = heap.mallocAs(Uint32Array, 8)!;
    block.view.fill(7);
    let epoch = heap.epoch;
    expect(heap.epoch).toBe(epoch); // grow(0) alone hands out a new buffer object: not a change

    const held = growByHeap(heap);
    expect(heap.epoch).toBe(epoch + 1);
    epoch = heap.epoch;
    // A shared buffer never detaches: the old view still reads the block.
    expect(block.view[7]).toBe(7);
    const last = held[held.length - 1];
    expect(heap.view(Uint8Array, last, 2 * MIB).length).toBe(2 * MIB);

    heap.memory.grow(1);
    expect(heap.epoch).toBe(epoch + 1);
    epoch = heap.epoch;
    expect(heap.u8.length).toBe(heap.memory.buffer.byteLength);

    const seen = heap.memory.buffer.byteLength;
    await growFromWorker(heap.memory, 3);
    expect(heap.epoch).toBe(epoch + 1);
    expect(heap.memory.buffer.byteLength).toBe(seen + 3 * 65536);
    expect(heap.u8.length).toBe(seen + 3 * 65536);
    expect(heap.view(Uint32Array, block.ptr, 8)[0]).toBe(7);
    for (const p of held) heap.free(p);
    heap.free(block.ptr);
    heap.check();
  });
});

describe.each(VARIANTS)('mallocAs, callocAs and view (%s)', (variant) => {
  const heapOf = () => createAllocator({ variant, maxBytes: 64 * MIB });

  it('mallocAs gives a block of exactly the elements asked for, of the type asked for', () => {
    const heap = heapOf();
    for (const [type, n] of [
      [Uint8Array, 1],
      [Uint8ClampedArray, 33],
      [Int16Array, 7],
      [Float32Array, 1000],
      [Float64Array, 3],
      [BigInt64Array, 5],
      [BigUint64Array, 100_000],
    ] as const) {
      const block = heap.mallocAs(type, n)!;
      expect(block.view).toBeInstanceOf(type);
      expect(block.view.length).toBe(n);
      expect(block.view.byteOffset).toBe(block.ptr);
      expect(heap.usableSize(block.ptr)).toBeGreaterThanOrEqual(n * type.BYTES_PER_ELEMENT);
      expect(block.view.buffer).toBe(heap.memory.buffer);
      heap.free(block.ptr);
    }
    const empty = heap.mallocAs(Float64Array, 0)!;
    expect(empty.ptr).not.toBe(0);
    expect(empty.view.length).toBe(0);
    heap.free(empty.ptr);
  });

  it('callocAs zeroes memory that held data', () => {
    const heap = heapOf();
    const dirty = heap.mallocAs(Float64Array, 64)!;
    dirty.view.fill(NaN);
    heap.free(dirty.ptr);
    const block = heap.callocAs(Float64Array, 64)!;
    expect(block.ptr).toBe(dirty.ptr); // the same block came back: the zeroing is what is tested
    expect(block.view.every((x) => x === 0)).toBe(true);
    heap.free(block.ptr);
  });

  it('out of memory is null, never a throw', () => {
    // The whole region cannot be one block: the heap's own metadata lives in it.
    const heap = createAllocator({ variant, maxBytes: 4 * MIB });
    expect(heap.mallocAs(Float64Array, (4 * MIB) / 8)).toBeNull();
    expect(heap.callocAs(Uint8Array, 4 * MIB)).toBeNull();
    const ok = heap.mallocAs(Uint8Array, 100);
    expect(ok).not.toBeNull();
  });

  it('bad arguments are TypeError or RangeError, and change nothing', () => {
    const heap = heapOf();
    const live = heap.stats().liveBlocks;
    expect(codeOf(() => heap.mallocAs(Array as never, 4))).toBe('TypeError');
    expect(codeOf(() => heap.mallocAs(DataView as never, 4))).toBe('TypeError');
    expect(codeOf(() => heap.callocAs('Float64Array' as never, 4))).toBe('TypeError');
    expect(() => heap.mallocAs(Array as never, 4)).toThrow(/typed-array constructor .*got Array/);
    for (const bad of [-1, 1.5, NaN, Infinity, '4' as never]) {
      expect(codeOf(() => heap.mallocAs(Float64Array, bad))).toBe('RangeError');
      expect(codeOf(() => heap.callocAs(Float64Array, bad))).toBe('RangeError');
    }
    expect(codeOf(() => heap.mallocAs(Float64Array, 2 ** 32))).toBe('RangeError'); // above maxBytes
    expect(heap.stats().liveBlocks).toBe(live);
  });

  it('view checks that the range lies in one live block (both builds)', () => {
    const heap = heapOf();
    const p = heap.malloc(100);
    const usable = heap.usableSize(p);
    expect(heap.view(Uint8Array, p, usable).length).toBe(usable);
    expect(heap.view(Float64Array, p, Math.floor(usable / 8)).length).toBe(Math.floor(usable / 8));
    expect(heap.view(Float64Array, p, 0).length).toBe(0);
    expect(codeOf(() => heap.view(Uint8Array, p, usable + 1))).toBe('RangeError');
    expect(() => heap.view(Float64Array, p, usable)).toThrow(/runs past the end of the block at \d+ \(usable size \d+ bytes\)/);
    expect(codeOf(() => heap.view(Uint8Array, 0, 0))).toBe('INVALID_POINTER');
    expect(codeOf(() => heap.view(Uint8Array, p + 16, 1))).toBe('INVALID_POINTER');
    expect(codeOf(() => heap.view(Uint8Array, 12345678, 1))).toBe('INVALID_POINTER');
    expect(codeOf(() => heap.view(Uint8Array, '8' as never, 1))).toBe('TypeError');
    expect(codeOf(() => heap.view(Uint8Array, p, -1))).toBe('RangeError');
    expect(codeOf(() => heap.view(Object as never, p, 1))).toBe('TypeError');
    const big = heap.malloc(3 * MIB);
    expect(heap.view(Float64Array, big, (3 * MIB) / 8).length).toBe((3 * MIB) / 8);
    heap.free(big);
    heap.free(p);
    expect(['DOUBLE_FREE', 'INVALID_POINTER']).toContain(codeOf(() => heap.view(Uint8Array, p, 1)));
    expect(['DOUBLE_FREE', 'INVALID_POINTER']).toContain(codeOf(() => heap.view(Uint8Array, big, 1)));
  });

  it('after detach the helpers throw DETACHED like every other member', () => {
    const heap = createAllocator({ variant, shared: true, initialBytes: MIB });
    const p = heap.malloc(64);
    heap.detach();
    expect(codeOf(() => heap.view(Uint8Array, p, 1))).toBe('DETACHED');
    expect(codeOf(() => heap.mallocAs(Uint8Array, 1))).toBe('DETACHED');
    expect(codeOf(() => heap.callocAs(Uint8Array, 1))).toBe('DETACHED');
    for (const g of ['epoch', 'u8', 'i32', 'u32', 'f32', 'f64'] as const) expect(codeOf(() => heap[g])).toBe('DETACHED');
  });

  it('types: each constructor gives its own array type', () => {
    const heap = heapOf();
    const p = heap.malloc(64);
    expectTypeOf(heap.view(Float64Array, p, 1)).toEqualTypeOf<Float64Array>();
    expectTypeOf(heap.view(Uint8ClampedArray, p, 1)).toEqualTypeOf<Uint8ClampedArray>();
    expectTypeOf(heap.view(Uint8Array, p, 1)).toEqualTypeOf<Uint8Array>();
    expectTypeOf(heap.view(BigInt64Array, p, 1)).toEqualTypeOf<BigInt64Array>();
    expectTypeOf(heap.mallocAs(Int32Array, 1)).toEqualTypeOf<TypedBlock<Int32Array> | null>();
    expectTypeOf(heap.epoch).toEqualTypeOf<number>();
    heap.free(p);
  });
});
