import {
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_FREE,
  PK_KIND_MASK,
  PK_SS_SPARE,
  SLAB_META_BYTES,
  SM_CLASS,
  SS_MASK,
  SS_SLAB_META,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { createAllocator, HeapError, type Allocator, type Variant } from '../src/index.js';

/**
 * The front gate's and BigCache's checks seen through the facade: foreign,
 * interior and free-page pointers (both builds: the gate's reasons), and
 * damage to a slab record (found by `free` in the debug build) or to a cached
 * BigCache run (by the `malloc` that would reuse it), and by `check()` in release). A failing call leaves every byte of the
 * heap and its stats as they were.
 */
const HEAP_BASE = 3 * PAGE_SIZE + 4096; // not page-aligned: the region starts at the next page
const MAX_BYTES = 64 << 20;

function heapOf(variant: Variant): { heap: Allocator; pages: () => PageLayer } {
  const heap = createAllocator({ variant, heapBase: HEAP_BASE, maxBytes: MAX_BYTES });
  // The page table, read the way any box reads it: through the header at the region's base.
  const base = Math.ceil(HEAP_BASE / PAGE_SIZE) * PAGE_SIZE;
  return { heap, pages: () => PageLayer.attach(new LinearMemory(heap.memory, false), base) };
}

function snapshot(heap: Allocator) {
  const { boxes, ...totals } = heap.stats();
  // The gate counts rejections: that counter is the one thing a refused call may change.
  const { rejected: _r, slowPathHits: _s, ...gate } = boxes.frontGate;
  return { bytes: new Uint8Array(heap.memory.buffer).slice(), totals, boxes: { ...boxes, frontGate: gate } };
}

/** Runs `call`, expects a HeapError like `want` whose message matches `why`, and the heap unchanged. */
function expectRefused(heap: Allocator, call: () => unknown, want: Partial<HeapError>, why: RegExp): void {
  const before = snapshot(heap);
  let err: unknown;
  try {
    call();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HeapError);
  expect(err).toMatchObject(want);
  expect((err as Error).message).toMatch(why);
  const after = snapshot(heap);
  expect(after.totals).toEqual(before.totals);
  expect(after.boxes).toEqual(before.boxes);
  expect(after.bytes.length).toBe(before.bytes.length);
  expect(Buffer.compare(after.bytes, before.bytes)).toBe(0);
}

describe.each(['release', 'debug'] as const)('pointers the heap refuses (%s)', (variant) => {
  it('foreign pointers: below heapBase + 64 KiB, in the metadata, above the heap', () => {
    const { heap } = heapOf(variant);
    const live = heap.malloc(100);
    const regionStart = Math.ceil(HEAP_BASE / PAGE_SIZE) * PAGE_SIZE;
    expectRefused(heap, () => heap.free(16), { code: 'INVALID_POINTER', box: 'frontGate', ptr: 16 }, /below the heap's region, which starts at/);
    expectRefused(heap, () => heap.free(HEAP_BASE + 64), { code: 'INVALID_POINTER', box: 'frontGate' }, /below the heap's region/);
    expectRefused(heap, () => heap.free(regionStart + 64), { code: 'INVALID_POINTER', box: 'frontGate' }, /heap metadata/);
    const above = HEAP_BASE + MAX_BYTES + PAGE_SIZE;
    expectRefused(heap, () => heap.free(above), { code: 'INVALID_POINTER', box: 'frontGate', ptr: above }, /beyond the heap's region, which ends at/);
    expectRefused(heap, () => heap.usableSize(above), { code: 'INVALID_POINTER' }, /beyond the heap's region/);
    heap.free(live);
    heap.check();
  });

  it('interior pointers of tiny, mid and large blocks', () => {
    const { heap } = heapOf(variant);
    const tiny = heap.malloc(64);
    const mid = heap.malloc(5000);
    const large = heap.malloc(3 << 20);
    expectRefused(heap, () => heap.free(tiny + 16), { code: 'INVALID_POINTER', box: 'superslab', ptr: tiny + 16 }, /not the start of a block/);
    expectRefused(heap, () => heap.free(mid + 16), { code: 'INVALID_POINTER', box: 'midLargeAce', ptr: mid + 16 }, /not the start/);
    expectRefused(heap, () => heap.free(large + 40), { code: 'INVALID_POINTER', box: 'bigcache' }, new RegExp(`the block starts at ${large}, 40 bytes before it`));
    const deep = large + 2 * PAGE_SIZE + 8;
    expectRefused(heap, () => heap.free(deep), { code: 'INVALID_POINTER', box: 'frontGate', ptr: deep }, new RegExp(`the block starts at ${large}, ${2 * PAGE_SIZE + 8} bytes before it`));
    for (const p of [tiny, mid, large]) heap.free(p);
    heap.check();
  });

  it('pointers into free pages: a large block given back, and pages past the heap end', () => {
    const { heap, pages } = heapOf(variant);
    const large = heap.malloc(3 << 20);
    heap.free(large);
    heap.trim(); // the cached run goes back to the page layer: its pages are free now
    expect(pages().word(large >>> PAGE_SHIFT) & PK_KIND_MASK).toBe(PK_FREE);
    // The free page word remembers a run started there: a second free is still a double free...
    expectRefused(heap, () => heap.free(large), { code: 'DOUBLE_FREE', box: 'bigcache', ptr: large }, /pages went back to the heap/);
    // ...and a pointer that was inside the run is still no block at all.
    expectRefused(heap, () => heap.free(large + 48), { code: 'INVALID_POINTER', box: 'frontGate', ptr: large + 48 }, new RegExp(`in a free page \\(${large >>> PAGE_SHIFT}\\) of the heap`));
    const pastEnd = (pages().endPage() + 3) * PAGE_SIZE + 48;
    expectRefused(heap, () => heap.free(pastEnd), { code: 'INVALID_POINTER', box: 'frontGate' }, /in a free page/);
    heap.check();
  });
});

describe.each(['release', 'debug'] as const)('damage found by the debug free, or by check() in release (%s)', (variant) => {
  it('a slab record whose class disagrees with its page word', () => {
    const { heap } = heapOf(variant);
    const p = heap.malloc(64);
    const u32 = new Uint32Array(heap.memory.buffer);
    const record = (p - (p & SS_MASK) + SS_SLAB_META + ((p & SS_MASK) >>> PAGE_SHIFT) * SLAB_META_BYTES + SM_CLASS) >>> 2;
    const cls = u32[record];
    u32[record] = cls + 1;
    if (variant === 'debug')
      expectRefused(heap, () => heap.free(p), { code: 'CORRUPTION', box: 'frontGate', ptr: p }, new RegExp(`the word says class ${cls}, the record class ${cls + 1}`));
    // In debug the TLS cache, which holds other blocks of that slab, meets the damage first.
    expect(() => heap.check()).toThrow(variant === 'debug' ? expect.objectContaining({ code: 'CORRUPTION', box: 'tlsSll', ptr: expect.any(Number) }) : expect.objectContaining({ code: 'CORRUPTION', box: 'superslab' }));
    u32[record] = cls;
    heap.free(p);
    heap.check();
  });

  it('a cached large run one of whose body pages says it belongs to a SuperSlab', () => {
    const { heap, pages } = heapOf(variant);
    const a = heap.malloc(3 << 20);
    const b = heap.malloc(3 << 20);
    heap.free(a); // cached by the BigCache
    const body = (a >>> PAGE_SHIFT) + 5;
    const word = pages().word(body);
    pages().setWord(body, PK_SS_SPARE);
    // The debug malloc that would hand the run out finds it (a free only looks at the runs it caches or evicts).
    if (variant === 'debug') expectRefused(heap, () => heap.malloc(3 << 20), { code: 'CORRUPTION', box: 'bigcache', ptr: a }, /page \d+ is not part of it \(found by alloc/);
    expect(() => heap.check()).toThrow(expect.objectContaining({ code: 'CORRUPTION', box: 'bigcache' }));
    pages().setWord(body, word);
    heap.free(b);
    heap.check();
  });
});
