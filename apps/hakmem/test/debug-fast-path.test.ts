import {
  GUARD_BYTES,
  PAGE_SHIFT,
  PAGE_SIZE,
  SLAB_EMPTY,
  SLAB_META_BYTES,
  SM_CARVED,
  SM_CLASS,
  SM_STATE,
  SS_MASK,
  SS_SLAB_META,
  liveByteOf,
  liveMaskOf,
  superslabOf,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import * as tlsDebug from '@hakmem/tls-sll-box/debug';
import { describe, expect, it } from 'vitest';
import { createAllocator, HeapError, type Allocator } from '../src/index.js';

/**
 * The debug heap's written-out tiny malloc and free (HeapCore
 * `mallocDebugFlat`/`freeDebugFlat`, over the built-in debug TLS cache,
 * SuperSlab and front gate) against the same boxes called one by one: a
 * copy of the debug TLS cache module is a user implementation to the
 * facade, so that heap takes the boxed path (`mallocGuarded`/`freeBoxed`)
 * with the very same checks. Both must leave the same bytes (poison,
 * guards, live bits), hand out the same blocks, and refuse each damage
 * with the same error.
 */
const HEAP_BASE = 3 * PAGE_SIZE;
const MAX_BYTES = 64 << 20;
const flatHeap = () => createAllocator({ variant: 'debug', heapBase: HEAP_BASE, maxBytes: MAX_BYTES });
const boxedHeap = () => createAllocator({ variant: 'debug', heapBase: HEAP_BASE, maxBytes: MAX_BYTES, boxes: { tlsSll: { ...tlsDebug } } });

const u32Of = (heap: Allocator) => new Uint32Array(heap.memory.buffer);
const u8Of = (heap: Allocator) => new Uint8Array(heap.memory.buffer);
/** u32 index of the slab record word at byte `field` for the slab holding `p`. */
const recordWord = (p: number, field: number) => (p - (p & SS_MASK) + SS_SLAB_META + ((p & SS_MASK) >>> PAGE_SHIFT) * SLAB_META_BYTES + field) >>> 2;
const pageWordIndex = (heap: Allocator, p: number) => PageLayer.attach(new LinearMemory(heap.memory, false), HEAP_BASE).pt0 + (p >>> PAGE_SHIFT);

function errorOf(call: () => unknown): HeapError {
  try {
    call();
  } catch (e) {
    if (e instanceof HeapError) return e;
    throw e;
  }
  throw new Error('expected a HeapError');
}

/**
 * Damage `hurt` done to a fresh heap of each kind, then `call`: both heaps
 * throw the same HeapError, of `code` from `box`, matching `why`.
 */
function sameRefusal(
  setup: (heap: Allocator) => number,
  hurt: (heap: Allocator, p: number, size: number) => void,
  call: (heap: Allocator, p: number) => unknown,
  code: string,
  box: string,
  why: RegExp,
): void {
  const errors = [flatHeap(), boxedHeap()].map((heap) => {
    const p = setup(heap);
    hurt(heap, p, blockSize);
    return errorOf(() => call(heap, p));
  });
  expect(errors[0]).toMatchObject({ code, box });
  expect(errors[0].message).toMatch(why);
  expect({ ...errors[0], message: errors[0].message }).toEqual({ ...errors[1], message: errors[1].message });
}

/** The whole size (usable size and guard) of the last block `liveBlock` made. */
let blockSize = 0;
/** A live 64-byte block with a live neighbour on each side (so that nothing about it is a slab edge). */
const liveBlock = (heap: Allocator) => {
  heap.malloc(64);
  const p = heap.malloc(64);
  heap.malloc(64);
  blockSize = heap.usableSize(p) + GUARD_BYTES;
  return p;
};
/** A 64-byte block just freed: on top of its class's cache, poisoned. */
const cachedBlock = (heap: Allocator) => {
  const p = liveBlock(heap);
  heap.free(p);
  return p;
};

/** Addresses where the two heaps' memories differ. */
function differingBytes(a: Allocator, b: Allocator): number[] {
  const x = u8Of(a);
  const y = u8Of(b);
  expect(x.length).toBe(y.length);
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) out.push(i);
  return out;
}
/** The one byte the two heaps differ in from the start: the heap header's record of the TLS cache's build ('debug' or a user's). */
const variantByte = differingBytes(flatHeap(), boxedHeap())[0];

describe('the written-out debug tiny path', () => {
  it('is what the debug heap runs, and a copy of the debug cache module is not', () => {
    expect(differingBytes(flatHeap(), boxedHeap())).toHaveLength(1);
    expect(variantByte - HEAP_BASE).toBeLessThan(PAGE_SIZE);
    const names = (h: Allocator) => [(h as unknown as { malloc: { name: string } }).malloc.name, (h as unknown as { free: { name: string } }).free.name];
    expect(names(flatHeap())).toEqual(['mallocDebugFlat', 'freeDebugFlat']);
    expect(names(boxedHeap())).toEqual(['mallocGuarded', 'freeBoxed']);
  });

  it('leaves the same bytes, blocks and counters as the boxes called one by one', () => {
    const heaps = [flatHeap(), boxedHeap()];
    const held: number[][] = [[], []];
    let x = 11;
    for (let i = 0; i < 30_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const size = x % 1009; // every size whose guarded class is tiny
      const slot = (x >>> 10) % 500;
      heaps.forEach((h, k) => {
        const old = held[k][slot];
        if (old !== undefined) h.free(old);
        held[k][slot] = h.malloc(size);
        u8Of(h)[held[k][slot]] = i & 255;
      });
      expect(held[0][slot]).toBe(held[1][slot]);
      if (i % 10_000 === 9_999) expect(differingBytes(heaps[0], heaps[1])).toEqual([variantByte]);
    }
    // Everything but the build names: the boxed heap's cache is a user implementation ('custom').
    const [a, b] = heaps.map((h) => ({ ...h.stats(), boxVariants: undefined }));
    expect(a).toEqual(b);
    expect(a.boxes.tlsSll.pushes).toBeGreaterThan(20_000);
    for (const h of heaps) h.check();
  });

  it('refuses a free whose page word, SuperSlab or slab record disagree, as the gate does', () => {
    sameRefusal(liveBlock, (h, p) => (u32Of(h)[superslabOf(p) >>> 2] = 0), (h, p) => h.free(p), 'CORRUPTION', 'frontGate', /no SuperSlab header/);
    sameRefusal(liveBlock, (h, p) => (u32Of(h)[pageWordIndex(h, p)] ^= 1 << 4), (h, p) => h.free(p), 'CORRUPTION', 'frontGate', /it names slab/);
    sameRefusal(liveBlock, (h, p) => u32Of(h)[recordWord(p, SM_CLASS)]++, (h, p) => h.free(p), 'CORRUPTION', 'frontGate', /the record class/);
    sameRefusal(liveBlock, (h, p) => (u32Of(h)[recordWord(p, SM_STATE)] = 0), (h, p) => h.free(p), 'CORRUPTION', 'frontGate', /neither ACTIVE nor EMPTY/);
  });

  it('refuses a free of a block that is not a carved block of an ACTIVE slab of its class, as the cache does', () => {
    sameRefusal(liveBlock, (h, p) => (u32Of(h)[recordWord(p, SM_STATE)] = SLAB_EMPTY), (h, p) => h.free(p), 'INVALID_POINTER', 'tlsSll', /does not describe an ACTIVE/);
    // The carved count lowered to the block's own index: the block was never carved.
    sameRefusal(
      liveBlock,
      (h, p, size) => {
        const u32 = u32Of(h);
        const start = p - (p & (PAGE_SIZE - 1)) + ((p & SS_MASK) >>> PAGE_SHIFT === 0 ? 10240 : 0);
        u32[recordWord(p, SM_CARVED)] = (p - start) / size;
      },
      (h, p) => h.free(p),
      'INVALID_POINTER',
      'tlsSll',
      /not the start of a carved/,
    );
    // A granule inside a block, made to look live and guarded: not a block start.
    sameRefusal(
      liveBlock,
      (h, p, size) => {
        const q = p + 16;
        u8Of(h)[liveByteOf(q)] |= liveMaskOf(q);
        u8Of(h).fill(0xfd, q + size - GUARD_BYTES, q + size);
      },
      (h, p) => h.free(p + 16),
      'INVALID_POINTER',
      'tlsSll',
      /not the start of a carved/,
    );
  });

  it('refuses a free whose guard changed, at its first and its last byte', () => {
    for (const at of [0, GUARD_BYTES - 1])
      sameRefusal(liveBlock, (h, p, size) => (u8Of(h)[p + size - GUARD_BYTES + at] = 0), (h, p) => h.free(p), 'CORRUPTION', 'superslab', /guard byte \d+ of a live/);
  });

  it('refuses a free of a block the cache holds even when its live bit and guard were forged', () => {
    sameRefusal(
      cachedBlock,
      (h, p, size) => {
        u8Of(h)[liveByteOf(p)] |= liveMaskOf(p);
        u8Of(h).fill(0xfd, p + size - GUARD_BYTES, p + size);
      },
      (h, p) => h.free(p),
      'DOUBLE_FREE',
      'tlsSll',
      /already in the class/,
    );
    sameRefusal(cachedBlock, () => {}, (h, p) => h.free(p), 'DOUBLE_FREE', 'superslab', /already freed/);
  });

  it('refuses to hand out a cached block whose poison changed (first, middle and last byte) or whose live bit is set', () => {
    for (const at of [0, 37, -1])
      sameRefusal(
        cachedBlock,
        (h, p, size) => (u8Of(h)[p + ((at + size) % size)] ^= 1),
        (h) => h.malloc(64),
        'CORRUPTION',
        'tlsSll',
        at === -1 ? /byte \d+ changed/ : new RegExp(`byte ${at - (at & 3)} changed`),
      );
    sameRefusal(cachedBlock, (h, p) => (u8Of(h)[liveByteOf(p)] |= liveMaskOf(p)), (h) => h.malloc(64), 'CORRUPTION', 'superslab', /handed out while already live/);
  });
});
