import {
  PAGE_SHIFT,
  PAGE_SIZE,
  SLAB_META_BYTES,
  SM_CAPACITY,
  SM_CARVED,
  SM_USED,
  SP_CAPACITY,
  SP_CARVED,
  SP_MAGIC,
  SP_USED,
  SPAN_MAGIC_VALUE,
  SS_MASK,
  SS_SLAB_META,
  TINY_CLASS_SIZES,
  smallHeapClassTable,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { attachAllocator, createAllocator, HeapError, type Allocator, type AllocatorOptions } from '../src/index.js';
import { VARIANTS } from './helpers.js';

/**
 * Provocations: each test breaks one rule the way a buggy program would and
 * asserts what the debug build reports, and what the release build does with
 * the same bug (caught, or not caught: those are listed in the boxes'
 * READMEs under "What release does not catch").
 */

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof HeapError) return e.code;
    throw e;
  }
  return 'no error';
}

function errorOf(f: () => unknown): HeapError {
  try {
    f();
  } catch (e) {
    if (e instanceof HeapError) return e;
    throw e;
  }
  throw new Error('expected a HeapError');
}

/** Stats and a hash of the whole memory: what a failing call must leave as it was. */
function snapshot(heap: Allocator): string {
  const s = heap.stats();
  const u8 = new Uint8Array(heap.memory.buffer);
  let h = 0;
  for (let i = 0; i < u8.length; i++) h = (Math.imul(h, 31) + u8[i]) | 0;
  return JSON.stringify([s.liveBlocks, s.bytesInUse, s.bytesReserved, h]);
}

const bytes = (heap: Allocator) => new Uint8Array(heap.memory.buffer);
const words = (heap: Allocator) => new Uint32Array(heap.memory.buffer);

/** Changes the byte at `at` to a value it does not hold (whatever pattern is there). */
function scribble(heap: Allocator, at: number): void {
  const u8 = bytes(heap);
  u8[at] = u8[at] ^ 0x5a;
}

/** Address of the slab record of the tiny block at `p`. */
const slabRecord = (p: number) => p - (p & SS_MASK) + SS_SLAB_META + ((p & SS_MASK) >>> PAGE_SHIFT) * SLAB_META_BYTES;
/** The span header of a mid block, from the span's first page (spans start on a page). */
function spanOf(heap: Allocator, p: number): number {
  for (let s = p - (p % PAGE_SIZE); s > 0; s -= PAGE_SIZE) if (words(heap)[(s + SP_MAGIC) >>> 2] === SPAN_MAGIC_VALUE) return s;
  throw new Error(`no span header below ${p}`);
}

/** Frees `victim`, then enough blocks of its size that the TLS cache drains it back to its slab. */
function drainToSlab(heap: Allocator, victim: number, size: number): void {
  const drainedBefore = heap.stats().boxes.tlsSll.blocksDrained as number;
  const others = Array.from({ length: 600 }, () => heap.malloc(size));
  heap.free(victim);
  for (const p of others) heap.free(p);
  // The oldest cached blocks drain first, and the victim was cached first.
  expect(heap.stats().boxes.tlsSll.blocksDrained).toBeGreaterThan(drainedBefore);
}

/** Frees `victim`, then enough blocks of its class that the mid cache overflows it back to its span. */
function overflowToSpan(heap: Allocator, victim: number, size: number): void {
  const before = heap.stats().boxes.midLargeAce.overflows as number;
  const others = Array.from({ length: 40 }, () => heap.malloc(size));
  heap.free(victim);
  for (const p of others) heap.free(p);
  expect(heap.stats().boxes.midLargeAce.overflows).toBeGreaterThan(before);
}

const ROUTES = [
  { route: 'tiny', size: 40 },
  { route: 'mid span', size: 5000 },
  { route: 'mid run', size: 200_000 },
  { route: 'large', size: (2 << 20) + 1 },
];

describe.each(VARIANTS)('provoked corruption (%s)', (variant) => {
  const heapOf = (o: AllocatorOptions = {}) => createAllocator({ variant, maxBytes: 64 << 20, ...o });
  const debug = variant === 'debug';

  describe.each(ROUTES)('$route blocks', ({ size }) => {
    it('a one-byte overflow past usableSize: debug reports CORRUPTION at check() and free(); release does not see it', () => {
      const heap = heapOf();
      const neighbour = heap.malloc(size);
      const p = heap.malloc(size);
      const usable = heap.usableSize(p);
      expect(usable).toBeGreaterThanOrEqual(size);
      bytes(heap).fill(7, p, p + usable); // writing up to usableSize is allowed
      heap.check();
      scribble(heap, p + usable);
      if (debug) {
        const e = errorOf(() => heap.check());
        expect(e.code).toBe('CORRUPTION');
        expect(e.ptr).toBe(p);
        const before = snapshot(heap);
        expect(codeOf(() => heap.free(p))).toBe('CORRUPTION');
        expect(snapshot(heap)).toBe(before); // p is still live, nothing moved
        expect(heap.usableSize(p)).toBe(usable);
      } else {
        heap.check();
        heap.free(p);
        heap.free(neighbour);
        heap.check();
      }
    });

    it('a write after free, at any byte: debug reports CORRUPTION at check() and when the block is handed out again', () => {
      const heap = heapOf();
      const p = heap.malloc(size);
      const blockBytes = heap.usableSize(p);
      heap.free(p);
      for (const offset of [0, 3, 8, blockBytes >>> 1, blockBytes - 1]) {
        const h = heapOf();
        const q = h.malloc(size);
        expect(q).toBe(p); // same layout in a fresh heap
        h.free(q);
        scribble(h, q + offset);
        if (debug) {
          expect(codeOf(() => h.check()), `offset ${offset}`).toBe('CORRUPTION');
          const before = snapshot(h);
          const e = errorOf(() => h.malloc(size));
          expect(e.code).toBe('CORRUPTION');
          expect(e.ptr).toBe(q);
          expect(snapshot(h)).toBe(before);
        } else {
          h.check();
          expect(h.malloc(size)).toBe(q); // handed out again, with the stray write in it
        }
      }
    });

    it('an interior pointer and a foreign pointer are INVALID_POINTER, and change nothing', () => {
      const heap = heapOf();
      const p = heap.malloc(size);
      const before = snapshot(heap);
      for (const bad of [p + 16, p + heap.usableSize(p) - 16, 8, 65536 + 16, heap.memory.buffer.byteLength + 4096]) {
        expect(codeOf(() => heap.free(bad)), `free(${bad})`).toBe('INVALID_POINTER');
        expect(codeOf(() => heap.usableSize(bad)), `usableSize(${bad})`).toBe('INVALID_POINTER');
      }
      expect(snapshot(heap)).toBe(before);
      heap.free(p);
      heap.check();
    });
  });

  describe('tiny blocks', () => {
    it('a double free after the block left the TLS cache is DOUBLE_FREE, and changes nothing', () => {
      const heap = heapOf();
      const p = heap.malloc(40);
      drainToSlab(heap, p, 40);
      const before = snapshot(heap);
      const e = errorOf(() => heap.free(p));
      expect(e.code).toBe('DOUBLE_FREE');
      expect(e.ptr).toBe(p);
      expect(snapshot(heap)).toBe(before);
      heap.check();
    });

    it('a write after free into a block back on its slab: debug reports CORRUPTION at check() and on refill', () => {
      const heap = heapOf();
      const p = heap.malloc(40);
      drainToSlab(heap, p, 40);
      scribble(heap, p + 8);
      if (debug) {
        expect(codeOf(() => heap.check())).toBe('CORRUPTION');
        // Handing the slab's free blocks out again reaches p and refuses it.
        let code = 'no error';
        for (let i = 0; i < 5000 && code === 'no error'; i++) code = codeOf(() => heap.malloc(40));
        expect(code).toBe('CORRUPTION');
      } else heap.check();
    });

    it('a write into the link word of a block on its slab is caught by check() in both builds', () => {
      const heap = heapOf();
      const p = heap.malloc(40);
      drainToSlab(heap, p, 40);
      words(heap)[p >>> 2] = 12345; // the link now leads outside the slab's blocks
      expect(codeOf(() => heap.check())).toBe('CORRUPTION');
    });

    it.each([
      ['carve cursor past capacity', SM_CARVED, (cap: number) => cap + 3],
      ['used count above carved', SM_USED, (_cap: number, carved: number) => carved + 1],
    ])('corrupted slab metadata (%s) is CORRUPTION from check() in both builds', (_what, field, value) => {
      const heap = heapOf();
      const p = heap.malloc(40);
      const rec = slabRecord(p) >>> 2;
      const u32 = words(heap);
      heap.check();
      u32[rec + field / 4] = value(u32[rec + SM_CAPACITY / 4], u32[rec + SM_CARVED / 4]);
      const e = errorOf(() => heap.check());
      expect(e.code).toBe('CORRUPTION');
      expect(e.box).toBe('superslab');
    });
  });

  describe('mid blocks', () => {
    it('a double free after the block left the mid cache is DOUBLE_FREE, and changes nothing', () => {
      const heap = heapOf();
      const p = heap.malloc(5000);
      overflowToSpan(heap, p, 5000);
      const before = snapshot(heap);
      expect(codeOf(() => heap.free(p))).toBe('DOUBLE_FREE');
      expect(snapshot(heap)).toBe(before);
      heap.check();
    });

    it('a write after free into a block back on its span: debug reports CORRUPTION at check()', () => {
      const heap = heapOf();
      const p = heap.malloc(5000);
      overflowToSpan(heap, p, 5000);
      scribble(heap, p + 100);
      if (debug) expect(codeOf(() => heap.check())).toBe('CORRUPTION');
      else heap.check();
    });

    it.each([
      ['carve cursor past capacity', SP_CARVED, (cap: number) => cap + 1],
      ['used count above carved', SP_USED, (_cap: number, carved: number) => carved + 1],
    ])('corrupted span header (%s) is CORRUPTION from check() in both builds', (_what, field, value) => {
      const heap = heapOf();
      const p = heap.malloc(5000);
      const h = spanOf(heap, p) >>> 2;
      const u32 = words(heap);
      u32[h + field / 4] = value(u32[h + SP_CAPACITY / 4], u32[h + SP_CARVED / 4]);
      const e = errorOf(() => heap.check());
      expect(e.code).toBe('CORRUPTION');
      expect(e.box).toBe('midLargeAce');
    });
  });

  it('large blocks (BigCache runs): the whole run is usable in release, all but its 16-byte guard in debug', () => {
    for (const n of [(2 << 20) + 1, 2 << 20, (2 << 20) - 16]) {
      const heap = heapOf(); // fresh: a cached run would be handed out whole, up to 4 × the request
      const p = heap.malloc(n);
      const run = Math.ceil((n + (debug ? 16 : 0)) / PAGE_SIZE) * PAGE_SIZE;
      expect(heap.usableSize(p)).toBe(run - (debug ? 16 : 0));
      bytes(heap).fill(1, p, p + heap.usableSize(p));
      heap.check();
      heap.free(p);
      heap.check();
    }
  });
});

describe('per-box builds: the box that owns the memory decides', () => {
  it("superslab: 'debug' alone guards tiny blocks", () => {
    const heap = createAllocator({ boxes: { superslab: 'debug' } });
    const p = heap.malloc(40);
    scribble(heap, p + heap.usableSize(p));
    expect(codeOf(() => heap.check())).toBe('CORRUPTION');
    expect(codeOf(() => heap.free(p))).toBe('CORRUPTION');
    // Mid blocks stay unguarded: their box runs its release build.
    const m = heap.malloc(5000);
    scribble(heap, m + heap.usableSize(m));
    expect(codeOf(() => heap.free(m))).toBe('no error');
  });

  it("tlsSll: 'debug' alone poisons cached blocks, but does not guard live ones", () => {
    const heap = createAllocator({ boxes: { tlsSll: 'debug' } });
    const p = heap.malloc(40);
    expect(heap.usableSize(p)).toBe(TINY_CLASS_SIZES[smallHeapClassTable()[(40 + 15) >>> 4]]); // no guard: the superslab runs its release build
    heap.free(p);
    heap.check();
    scribble(heap, p + 20);
    expect(codeOf(() => heap.check())).toBe('CORRUPTION');
    expect(codeOf(() => heap.malloc(40))).toBe('CORRUPTION');
  });

  it("midLargeAce: 'debug' alone guards mid blocks, and sizes near 1 MiB still work", () => {
    const heap = createAllocator({ boxes: { midLargeAce: 'debug' } });
    const m = heap.malloc(5000);
    const end = m + heap.usableSize(m);
    scribble(heap, end);
    expect(codeOf(() => heap.free(m))).toBe('CORRUPTION');
    scribble(heap, end); // undo the stray write: the failed free left m live, and now it frees
    heap.free(m);
    for (const n of [(1 << 20) - 16, (1 << 20) - 1, 1 << 20]) {
      const q = heap.malloc(n);
      expect(heap.usableSize(q)).toBeGreaterThanOrEqual(n);
      bytes(heap).fill(1, q, q + n);
      heap.check();
      heap.free(q);
    }
    heap.check();
  });

  it("bigcache: 'debug' alone guards and poisons large blocks, through the large fast path, realloc, calloc and alignedAlloc", () => {
    const heap = createAllocator({ boxes: { bigcache: 'debug' } });
    expect(heap.variant).toBe('debug');
    const p = heap.malloc(3 << 20);
    expect(heap.usableSize(p)).toBe((3 << 20) + PAGE_SIZE - 16); // 3 MiB + the guard takes a page more
    scribble(heap, p + heap.usableSize(p));
    expect(codeOf(() => heap.free(p))).toBe('CORRUPTION');
    scribble(heap, p + heap.usableSize(p));
    // realloc in place, shrinking then growing: the guard moves with the end, and every byte up to usableSize is the user's.
    for (const n of [(2 << 20) + 5, (5 << 20) - 16, 5 << 20]) {
      expect(heap.realloc(p, n)).toBe(p);
      expect(heap.usableSize(p)).toBeGreaterThanOrEqual(n);
      bytes(heap).fill(2, p, p + heap.usableSize(p));
      heap.check();
    }
    heap.free(p);
    scribble(heap, p + 12345);
    expect(codeOf(() => heap.check())).toBe('CORRUPTION');
    expect(codeOf(() => heap.malloc(5 << 20))).toBe('CORRUPTION');
    scribble(heap, p + 12345);
    const c = heap.calloc(1, 5 << 20);
    expect(c).toBe(p);
    expect(bytes(heap).subarray(c, c + (5 << 20)).every((b) => b === 0)).toBe(true);
    heap.check();
    const a = heap.alignedAlloc(65536, 2 << 20);
    expect(a % 65536).toBe(0);
    expect(heap.usableSize(a)).toBeGreaterThanOrEqual(2 << 20);
    scribble(heap, a + heap.usableSize(a));
    expect(codeOf(() => heap.check())).toBe('CORRUPTION');
    scribble(heap, a + heap.usableSize(a));
    heap.free(a);
    heap.free(c);
    heap.check();
    // Mid blocks stay unguarded: their box runs its release build.
    const m = heap.malloc(5000);
    scribble(heap, m + heap.usableSize(m));
    expect(codeOf(() => heap.free(m))).toBe('no error');
  });

  it('a guarded tiny heap keeps alignedAlloc, realloc and calloc consistent with usableSize', () => {
    const heap = createAllocator({ boxes: { superslab: 'debug', midLargeAce: 'debug' } });
    for (let a = 32; a <= 1024; a *= 2)
      for (const n of [1, a - 16, a, 1000]) {
        const p = heap.alignedAlloc(a, n);
        expect(p % a).toBe(0);
        expect(heap.usableSize(p)).toBeGreaterThanOrEqual(n);
        bytes(heap).fill(3, p, p + heap.usableSize(p));
        heap.check();
        const q = heap.realloc(p, n + 10);
        expect(heap.usableSize(q)).toBeGreaterThanOrEqual(n + 10);
        heap.free(q);
      }
    const c = heap.calloc(1, 1008);
    expect(heap.usableSize(c)).toBeGreaterThanOrEqual(1008);
    heap.check();
  });
});

describe('large blocks in a shared debug heap, across attachments', () => {
  it("a run another attachment took past this one's view is guarded and poisoned, and checked from either side", () => {
    const a = createAllocator({ shared: true, variant: 'debug', initialBytes: 4 << 20, maxBytes: 256 << 20 });
    const b = attachAllocator(a.share()); // a second worker's attachment, driven from this thread
    const p = b.malloc(20 << 20); // the memory grows past a's views
    const usable = b.usableSize(p);
    expect(usable).toBe((20 << 20) + PAGE_SIZE - 16);
    bytes(b).fill(9, p, p + usable);
    // A byte past the end: a's free (its views refreshed to reach the run) refuses, and the block stays live.
    scribble(b, p + usable);
    expect(codeOf(() => a.free(p))).toBe('CORRUPTION');
    expect(codeOf(() => b.check())).toBe('CORRUPTION');
    scribble(b, p + usable);
    a.free(p);
    a.check();
    // A write into the freed run: check() from either attachment, and the malloc that would reuse it.
    scribble(b, p + usable - 1);
    expect(codeOf(() => a.check())).toBe('CORRUPTION');
    expect(codeOf(() => b.check())).toBe('CORRUPTION');
    expect(codeOf(() => b.malloc(20 << 20))).toBe('CORRUPTION');
    scribble(b, p + usable - 1);
    expect(b.malloc(20 << 20)).toBe(p);
    b.free(p);
    a.check();
    b.detach();
  });
});
