import { describe, expect, it } from 'vitest';
import { BOX_NAMES } from '@hakmem/contracts';
import { createAllocator, HeapError, type Allocator } from '../src/index.js';
import { Shadow } from './helpers.js';
import { buildsOf, heapFor, SUITES } from './suites.js';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof HeapError) return e.code;
    if (e instanceof RangeError) return 'RangeError';
    if (e instanceof TypeError) return 'TypeError';
    throw e;
  }
  return 'no error';
}

/** A heap's observable state: stats and a hash of its memory. */
function snapshot(heap: Allocator): string {
  const s = heap.stats();
  // Word by word: a quarter of the work of bytes, and any changed word still changes the hash.
  const words = new Int32Array(heap.memory.buffer);
  let h = 0;
  for (let i = 0; i < words.length; i += 1) h = (Math.imul(h, 31) + words[i]) | 0;
  return JSON.stringify([s.liveBlocks, s.bytesInUse, s.bytesReserved, h]);
}

// One definition for every mix of builds: `pnpm test` runs it in full for
// all-release and all-debug, `pnpm test:matrix` quickly for all 64 mixes.
for (const suite of SUITES) describe(`facade contract (${suite.label})`, () => {
  const { quick } = suite;

  it('reports its variant and runs the builds it was asked for', () => {
    const builds = buildsOf(suite.options);
    expect(heapFor(suite).variant).toBe(Object.values(builds).includes('debug') ? 'debug' : 'release');
    expect(createAllocator({ boxes: { tlsSll: 'debug' } }).variant).toBe('debug');
    const custom = BOX_NAMES.filter((b) => typeof suite.options.boxes?.[b] === 'object');
    if (custom.length === 0) {
      // A shared heap's handle carries every box's build: the mix really took effect.
      expect(heapFor(suite, { shared: true, maxBytes: 16 << 20 }).share().variants).toEqual(builds);
    } else {
      // A user box is code, which no handle can carry: the heap says which boxes are the user's, and refuses to share.
      expect(heapFor(suite).stats().boxVariants).toEqual({ ...builds, ...Object.fromEntries(custom.map((b) => [b, 'custom'])) });
      expect(codeOf(() => heapFor(suite, { shared: true, maxBytes: 16 << 20 }).share())).toBe('INVALID_STATE');
    }
  });

  it('malloc(0) gives unique, freeable pointers', () => {
    const heap = heapFor(suite);
    const ps = new Set(Array.from({ length: 100 }, () => heap.malloc(0)));
    expect(ps.size).toBe(100);
    for (const p of ps) {
      expect(p).not.toBe(0);
      heap.free(p);
    }
  });

  it('rejects invalid sizes with RangeError', () => {
    const heap = heapFor(suite, { maxBytes: 16 << 20 });
    const before = snapshot(heap);
    // Not numbers at all as well: a BigInt or a Symbol made the fast paths' `>>>` throw a TypeError.
    const notNumbers = ['8', 8n, Symbol('8'), null, undefined, {}, [8]] as unknown as number[];
    for (const bad of [-1, 1.5, NaN, Infinity, (16 << 20) + 1, 2 ** 40, ...notNumbers]) {
      const shown = `${typeof bad} ${String(bad)}`;
      expect(codeOf(() => heap.malloc(bad)), `malloc(${shown})`).toBe('RangeError');
      expect(codeOf(() => heap.calloc(1, bad)), `calloc(1, ${shown})`).toBe('RangeError');
      expect(codeOf(() => heap.alignedAlloc(16, bad)), `alignedAlloc(16, ${shown})`).toBe('RangeError');
    }
    expect(snapshot(heap)).toBe(before);
    expect(codeOf(() => heap.calloc(-1, 4))).toBe('RangeError');
    expect(codeOf(() => heap.calloc(2, 0.5))).toBe('RangeError');
    expect(codeOf(() => heap.calloc(1 << 16, 1 << 16))).toBe('RangeError');
    expect(codeOf(() => heap.alignedAlloc(24, 10))).toBe('RangeError');
    expect(codeOf(() => heap.alignedAlloc(4, 10))).toBe('RangeError');
    expect(codeOf(() => heap.alignedAlloc(1 << 17, 10))).toBe('RangeError');
    const p = heap.malloc(10);
    expect(codeOf(() => heap.realloc(p, -5))).toBe('RangeError');
    expect(heap.usableSize(p)).toBeGreaterThanOrEqual(10); // still live
  });

  it('calloc with a zero product behaves like malloc(0)', () => {
    const heap = heapFor(suite);
    const p = heap.calloc(0, 100);
    expect(p).not.toBe(0);
    heap.free(p);
  });

  it('free(0) does nothing; free of a non-number is a TypeError', () => {
    const heap = heapFor(suite);
    heap.free(0);
    expect(codeOf(() => heap.free('12' as unknown as number))).toBe('TypeError');
    expect(codeOf(() => heap.free(undefined as unknown as number))).toBe('TypeError');
  });

  it('rejects foreign, interior and out-of-range pointers and changes nothing', () => {
    const heap = heapFor(suite);
    const shadow = new Shadow(heap);
    const tiny = shadow.add(heap.malloc(64), 64).ptr;
    const mid = shadow.add(heap.malloc(5000), 5000).ptr;
    const run = shadow.add(heap.malloc(200_000), 200_000).ptr;
    const large = shadow.add(heap.malloc(3 << 20), 3 << 20).ptr;
    const before = snapshot(heap);
    const bad = [8, 65536, 70000, tiny + 16, tiny + 8, tiny + 1, mid + 16, mid + 128, run + 65536, run + 16, large + 65536, large + 16, 2 ** 31, 2 ** 32 - 16, -16, 1.5, heap.memory.buffer.byteLength + 64];
    for (const p of bad) {
      expect(codeOf(() => heap.free(p)), `free(${p})`).toBe('INVALID_POINTER');
      expect(codeOf(() => heap.usableSize(p)), `usableSize(${p})`).toBe('INVALID_POINTER');
      expect(codeOf(() => heap.realloc(p, 10)), `realloc(${p})`).toBe('INVALID_POINTER');
    }
    expect(snapshot(heap)).toBe(before);
    heap.check();
    shadow.freeAll();
  });

  it('reports an immediate double free on every route and changes nothing', () => {
    const heap = heapFor(suite);
    for (const size of [0, 16, 500, 1024, 1025, 5000, 60_000, 65_536, 200_000, 1 << 20, (1 << 20) + 1, 5 << 20]) {
      const p = heap.malloc(size);
      const other = heap.malloc(size);
      heap.free(p);
      const before = snapshot(heap);
      expect(codeOf(() => heap.free(p)), `double free of ${size}`).toBe('DOUBLE_FREE');
      expect(snapshot(heap)).toBe(before);
      // A double free with other frees in between is still caught.
      heap.free(other);
      expect(codeOf(() => heap.free(p))).toBe('DOUBLE_FREE');
      expect(codeOf(() => heap.free(other))).toBe('DOUBLE_FREE');
      heap.check();
    }
  });

  it('names the box and the pointer in a HeapError', () => {
    const heap = heapFor(suite);
    const p = heap.malloc(32);
    heap.free(p);
    try {
      heap.free(p);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(HeapError);
      expect((e as HeapError).ptr).toBe(p);
      expect((e as HeapError).box).toBe('superslab');
      expect((e as HeapError).message).toMatch(/DOUBLE_FREE/);
    }
  });

  it('realloc: null, zero, shrink in place, grow with contents, failure keeps the block', () => {
    const heap = heapFor(suite, { maxBytes: 8 << 20 });
    const shadow = new Shadow(heap);
    const a = heap.realloc(0, 100);
    shadow.add(a, 100);
    expect(heap.realloc(a, 90)).toBe(a); // same class: in place
    let b = shadow.remove(a);
    let p = heap.realloc(a, 20_000);
    shadow.verify({ ...b, ptr: p });
    b = shadow.add(p, 20_000);
    const q = heap.realloc(p, (8 << 20) - 65536); // more than this 8 MiB heap can give besides its metadata and p
    expect(q).toBe(0);
    shadow.verify(b); // p stays valid and unchanged
    expect(heap.realloc(p, 0)).toBe(0);
    shadow.blocks.delete(p);
    expect(codeOf(() => heap.free(p))).toBe('DOUBLE_FREE');
    p = heap.malloc(10);
    heap.free(p);
    expect(codeOf(() => heap.realloc(p, 10))).toBe('DOUBLE_FREE');
  });

  it('alignedAlloc returns multiples of every power of two from 8 to 64 KiB', () => {
    const heap = heapFor(suite);
    const shadow = new Shadow(heap);
    for (let a = 8; a <= 65536; a *= 2)
      for (const n of [0, 1, 100, 1000, 5000, 100_000, 1_500_000]) {
        const p = heap.alignedAlloc(a, n);
        expect(p % a, `alignedAlloc(${a}, ${n}) = ${p}`).toBe(0);
        shadow.add(p, n);
      }
    heap.check();
    shadow.freeAll();
    heap.check();
  });

  it('keeps the heap inside [heapBase, memory end) of a caller-given memory', () => {
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 2000 });
    const below = new Uint8Array(memory.buffer, 0, 100_003);
    below.fill(0x5a);
    const heap = heapFor(suite, { memory, heapBase: 100_003, maxBytes: 64 << 20 });
    const shadow = new Shadow(heap, 100_003);
    for (let i = 0; i < (quick ? 1000 : 3000); i++) shadow.add(heap.malloc((i * 131) % 9000), (i * 131) % 9000);
    shadow.add(heap.malloc(2 << 20), 2 << 20);
    shadow.freeAll();
    heap.check();
    expect(new Uint8Array(memory.buffer, 0, 100_003).every((b) => b === 0x5a)).toBe(true);
  });

  it('grows a non-shared memory and never keeps using a stale view', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4000 });
    const heap = heapFor(suite, { memory, initialBytes: 0, maxBytes: 200 << 20 });
    const shadow = new Shadow(heap);
    const first = memory.buffer;
    const blocks = quick ? 600 : 2000;
    for (let i = 0; i < blocks; i++) shadow.add(heap.malloc(i * 37), i * 37);
    expect(memory.buffer).not.toBe(first);
    expect(first.byteLength).toBe(0); // detached by the growth
    // The user grows the memory too: the heap must notice without being told.
    memory.grow(10);
    for (const b of [...shadow.blocks.values()].slice(0, blocks / 4)) shadow.free(b.ptr);
    memory.grow(1);
    for (let i = 0; i < blocks / 4; i++) shadow.add(heap.malloc(100 + i), 100 + i);
    shadow.freeAll();
    expect(heap.stats().liveBlocks).toBe(0);
    heap.check();
  });

  it('returns 0 when out of memory under maxBytes, without damage, and reuses freed memory', () => {
    // Filling a smaller heap asks the same of every route in fewer allocations.
    const cap = quick ? 4 << 20 : 8 << 20;
    const heap = heapFor(suite, { maxBytes: cap });
    const shadow = new Shadow(heap);
    for (const size of [100, 3000, 300_000, 2 << 20]) {
      let p: number;
      while ((p = heap.malloc(size)) !== 0) shadow.add(p, size);
      expect(heap.stats().bytesReserved).toBeLessThanOrEqual(cap);
      heap.check();
      for (const b of shadow.blocks.values()) shadow.verify(b);
      shadow.freeAll();
      heap.check();
      // Everything freed is reusable: the same size fits again.
      const again = heap.malloc(size);
      expect(again).not.toBe(0);
      heap.free(again);
    }
    expect(heap.malloc(cap)).toBe(0);
  });

  it('stats() is plain JSON with every box counted', () => {
    const heap = heapFor(suite);
    const ps = [10, 2000, 200_000, 3 << 20].map((n) => heap.malloc(n));
    ps.forEach((p) => heap.free(p));
    const s = JSON.parse(JSON.stringify(heap.stats()));
    expect(s.liveBlocks).toBe(0);
    expect(s.bytesInUse).toBe(0);
    for (const box of ['tlsSll', 'superslab', 'sharedPool', 'bigcache', 'frontGate', 'midLargeAce']) {
      expect(typeof s.boxes[box].fastPathHits).toBe('number');
      expect(typeof s.boxes[box].slowPathHits).toBe('number');
    }
    expect(s.boxes.tlsSll.pops).toBeGreaterThan(0);
    expect(s.boxes.midLargeAce.misses).toBeGreaterThan(0);
    expect(s.boxes.bigcache.puts).toBe(1);
  });

  it('check() reports a corrupted page table as CORRUPTION', () => {
    const heap = heapFor(suite);
    const p = heap.malloc(40_000);
    heap.check();
    // Scribble on the page-table word of p's page: the metadata zone starts at page 0.
    const stats = heap.stats();
    expect(stats.liveBlocks).toBe(1);
    const u32 = new Uint32Array(heap.memory.buffer);
    const table = u32[52 / 4] >>> 2;
    u32[table + (p >>> 16)] = 0x7;
    expect(codeOf(() => heap.check())).toBe('CORRUPTION');
  });

  it('share() throws without shared: true; detach() ends this allocator', () => {
    const heap = heapFor(suite);
    expect(codeOf(() => heap.share())).toBe('INVALID_STATE');
    const p = heap.malloc(10);
    heap.free(p);
    heap.detach();
    expect(codeOf(() => heap.malloc(10))).toBe('DETACHED');
  });

  it('rejects bad options', () => {
    expect(codeOf(() => createAllocator({ variant: 'fast' as never }))).toBe('TypeError');
    expect(codeOf(() => createAllocator({ boxes: { nope: 'debug' } as never }))).toBe('TypeError');
    expect(codeOf(() => createAllocator({ heapBase: -1 }))).toBe('RangeError');
    expect(codeOf(() => createAllocator({ maxBytes: 1000 }))).toBe('RangeError');
    expect(codeOf(() => createAllocator({ maxBytes: 1.5 }))).toBe('RangeError');
    expect(codeOf(() => createAllocator({ initialBytes: 10 << 20, maxBytes: 1 << 20 }))).toBe('RangeError');
    expect(codeOf(() => createAllocator({ memory: {} as never }))).toBe('TypeError');
    expect(codeOf(() => createAllocator({ shared: true, memory: new WebAssembly.Memory({ initial: 1 }) }))).toBe('TypeError');
  });
});

for (const suite of SUITES) describe(`regressions (${suite.label})`, () => {
  it('a tiny slab given back with its SuperSlab is never written again (its pages may be a live block)', () => {
    const heap = heapFor(suite, { maxBytes: 64 << 20 });
    const ptrs = Array.from({ length: 60 }, () => heap.malloc(1024)); // slab 0 runs dry
    for (const p of ptrs) heap.free(p);
    heap.trim();
    const big = heap.malloc(1 << 20);
    new Uint8Array(heap.memory.buffer).fill(0xab, big, big + (1 << 20));
    for (let i = 0; i < 200; i++) heap.malloc(1024);
    expect(new Uint8Array(heap.memory.buffer, big, 1 << 20).every((b) => b === 0xab)).toBe(true);
    heap.check();
  });

  it('a mid span given back is never written again', () => {
    const heap = heapFor(suite, { maxBytes: 64 << 20 });
    const all = Array.from({ length: 126 }, () => heap.malloc(2000));
    for (const p of all.slice(0, 63)) heap.free(p);
    for (const p of all.slice(63)) heap.free(p);
    heap.trim();
    const run = heap.malloc(128 << 10);
    new Uint8Array(heap.memory.buffer).fill(0xab, run, run + (128 << 10));
    for (let i = 0; i < 200; i++) heap.malloc(2000);
    expect(new Uint8Array(heap.memory.buffer, run, 128 << 10).every((b) => b === 0xab)).toBe(true);
    heap.check();
  });
});
