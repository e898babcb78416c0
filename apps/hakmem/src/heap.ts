import { FREE_INVALID, HeapError, ROUTE_LARGE, ROUTE_MID, ROUTE_TINY } from '@hakmem/contracts';
import { MID_CLASS_SIZES, PAGE_SHIFT, PAGE_SIZE, TINY_CLASS_SIZES, TINY_MAX, isTinyPage, midClassOf } from '@hakmem/contracts/layout';
import { HeapCore } from './heap-core.js';
import { buildHeapMap, type HeapMap } from './heap-map.js';
import { attachHeap, detachFromHeap, formatHeap, reclaimWorker, shareHeap, type SharedHeapHandle } from './heap-lifecycle.js';
import { checkHeap, heapStats } from './heap-walk.js';
import type { AllocatorOptions } from './options.js';
import type { AllocatorStats } from './stats.js';
import { checkArrayType, checkLength, MemoryViews, VIEW_GETTERS, VIEW_METHODS, type TypedArrayConstructor, type TypedArrayOf, type TypedBlock } from './typed-views.js';
import type { Variant } from '@hakmem/contracts';

export type { AllocatorStats } from './stats.js';
export type { SharedHeapHandle } from './heap-lifecycle.js';

/**
 * The facade: composes the six boxes into one heap, the only place that
 * knows them all. The hot paths and their slow paths are in HeapCore
 * (heap-core.ts); this adds the rest of the API: calloc, alignedAlloc,
 * realloc, usableSize, and the calls that work through the wired boxes
 * (stats and check: heap-walk.ts; share, detach, reclaim: heap-lifecycle.ts;
 * map: heap-map.ts; typed views: typed-views.ts).
 */
export class Heap extends HeapCore {
  static create(options?: AllocatorOptions): Heap {
    return new Heap(formatHeap(options));
  }

  static attach(handle: SharedHeapHandle, variant?: Variant): Heap {
    return new Heap(attachHeap(handle, variant));
  }

  calloc(count: number, size: number): number {
    for (const v of [count, size])
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`hakmem: calloc operands must be non-negative integers, got ${String(count)} × ${String(size)}`);
    const bytes = count * size;
    if (bytes > this.maxBytes) throw new RangeError(`hakmem: calloc of ${count} × ${size} bytes exceeds maxBytes = ${this.maxBytes}`);
    const ptr = this.malloc(bytes);
    if (ptr !== 0) {
      this.lm.cover(ptr + bytes);
      this.lm.u8.fill(0, ptr, ptr + bytes);
    }
    return ptr;
  }

  alignedAlloc(alignment: number, size: number): number {
    if (typeof alignment !== 'number' || !Number.isInteger(alignment) || alignment < 8 || alignment > PAGE_SIZE || (alignment & (alignment - 1)) !== 0)
      throw new RangeError(`hakmem: alignment must be a power of two from 8 to 65536, got ${String(alignment)}`);
    this.checkSize(size, 'alignedAlloc size');
    if (alignment <= 16) return this.malloc(size);
    // Power-of-two tiny classes are aligned to their size (layout.ts), so they serve alignments up to 1 KiB.
    // A guarded (debug) class must be a power of two with its guard included.
    const tinyNeed = Math.max(size + this.tinyGuard, 1);
    if (tinyNeed <= TINY_MAX && alignment <= TINY_MAX) {
      const ptr = this.malloc(Math.max(alignment, 1 << (32 - Math.clz32(tinyNeed - 1))) - this.tinyGuard);
      // A heap with no room for a SuperSlab serves tiny sizes from mid spans, whose blocks are only 16-aligned.
      if ((ptr & (alignment - 1)) === 0) return ptr;
      this.free(ptr);
    }
    // Otherwise a whole page run: page-aligned, hence aligned to any alignment up to 64 KiB.
    const pages = Math.max(1, Math.ceil((size + this.midGuard) / PAGE_SIZE));
    if (this.routeOfPageRun(pages) === ROUTE_LARGE) return this.mallocLarge(this.largeRunPages(size));
    this.enter();
    let ptr = this.mid.mallocPages(pages);
    if (ptr === 0) {
      this.reclaimForOom();
      ptr = this.mid.mallocPages(pages);
    }
    return this.handOut(ptr, pages * PAGE_SIZE);
  }

  // ------------------------------------------------------------ size queries

  usableSize(ptr: number): number {
    if (ptr === 0) return 0;
    if (typeof ptr !== 'number') throw new TypeError(`hakmem: usableSize expects a number, got ${typeof ptr}`);
    if ((ptr >>> 0) !== ptr) throw new HeapError('INVALID_POINTER', 'a pointer is an integer in [0, 2^32)', ptr, 'frontGate');
    this.enter();
    const n = this.usableOf(ptr);
    if (n >= 0) return n;
    // Before calling the pointer bad, make sure the views are not merely stale.
    this.refreshViews();
    const again = this.usableOf(ptr);
    if (again >= 0) return again;
    throw this.rejection(ptr);
  }

  /** Usable size of the live block at `ptr`, or -1 when `ptr` is not one: asked of the box the front gate routes it to. */
  private usableOf(ptr: number): number {
    const word = this.gate.pageWord(ptr);
    switch (this.routeOfWord(word)) {
      case ROUTE_TINY:
        return isTinyPage(word) ? this.ss.usableSize(ptr, word) : -1;
      case ROUTE_MID:
        return this.mid.usableSize(ptr, word);
      case ROUTE_LARGE:
        return this.big.usableSize(ptr, word);
      default:
        return -1;
    }
  }

  /** The error for a pointer that is not a live block start. */
  private rejection(ptr: number): HeapError {
    const word = this.gate.pageWord(ptr);
    return this.gate.reject(ptr, word, this.routeOfWord(word) === ROUTE_TINY && isTinyPage(word) ? this.tinyRejection(ptr) : FREE_INVALID);
  }

  /** The usable size `malloc(size)` would give (size ≤ maxBytes). */
  private usableFor(size: number): number {
    const tg = this.tinyGuard;
    const mg = this.midGuard;
    const route = this.routeOfSize(size, tg, mg);
    if (route === ROUTE_TINY) return TINY_CLASS_SIZES[this.sizeClass[(size + tg + 15) >>> 4]] - tg;
    if (route === ROUTE_MID) return MID_CLASS_SIZES[midClassOf(Math.max(size, TINY_MAX + 1) + mg)] - mg;
    return this.largeRunPages(size) * PAGE_SIZE - this.largeGuard;
  }

  realloc(ptr: number, size: number): number {
    this.checkSize(size, 'realloc size');
    if (ptr === 0) return this.malloc(size);
    const old = this.usableSize(ptr); // throws for a bad pointer, before anything changes
    if (size === 0) {
      this.free(ptr);
      return 0;
    }
    if (size <= old && (size * 2 > old || this.usableFor(size) === old)) return ptr;
    // A large block grows or shrinks where it lies when BigCache can (pages after it free or cached).
    if (this.routeOfSize(old, 0, 0) === ROUTE_LARGE && this.routeOfSize(size, 0, 0) === ROUTE_LARGE && this.big.resize !== undefined) {
      const pages = this.largeRunPages(size);
      if (this.big.resize(ptr >>> PAGE_SHIFT, (old + this.largeGuard) / PAGE_SIZE, pages)) return this.handOut(ptr, pages * PAGE_SIZE);
    }
    const next = this.malloc(size);
    if (next === 0) return 0;
    // The old block may have come from another worker, past this worker's view.
    this.lm.cover(Math.max(ptr + old, next + size));
    const u8 = this.lm.u8;
    u8.copyWithin(next, ptr, ptr + Math.min(old, size));
    this.free(ptr);
    return next;
  }

  // ------------------------------------------------------------ maintenance
  // The work is in heap-lifecycle.ts and heap-walk.ts; these fold the fast
  // path's counter and bring the facade's views up to date around it.

  /** Returns cached memory to the heap; the allocator stays usable. */
  trim(): void {
    this.flushCaches();
  }

  /** This attachment's worker id: what `reclaim` takes for a worker that died. */
  get workerId(): number {
    return this.worker;
  }

  /** Repairs the heap after worker `deadWorker` died without `detach()` (heap-lifecycle.ts `reclaimWorker`). */
  reclaim(deadWorker: number): { slabs: number; spans: number; locksBroken: number } {
    const out = reclaimWorker(this.parts, deadWorker);
    this.refreshViews();
    return out;
  }

  detach(): void {
    this.flushCaches();
    detachFromHeap(this.parts);
    const dead = () => {
      throw new HeapError('DETACHED', 'this allocator was detached; attach again to use the heap');
    };
    for (const m of ['malloc', 'calloc', 'realloc', 'alignedAlloc', 'free', 'usableSize', 'stats', 'check', 'share', 'trim', 'detach', 'reclaim', 'map'])
      Object.defineProperty(this, m, { value: dead, configurable: true });
    for (const m of VIEW_METHODS) Object.defineProperty(this, m, { value: dead, configurable: true });
    for (const g of VIEW_GETTERS) Object.defineProperty(this, g, { get: dead, configurable: true });
  }

  share(): SharedHeapHandle {
    return shareHeap(this.parts);
  }

  // ------------------------------------------------------- stats and check

  stats(): AllocatorStats {
    this.refreshViews();
    this.foldTinyFrees();
    return heapStats(this.parts, { maxBytes: this.maxBytes, staleRetries: this.staleRetries, oomReclaims: this.oomReclaims });
  }

  /** A plain-JSON summary per slab, span, run and free range (see heap-map.ts); render it with `renderHeapMapSvg`. */
  map(): HeapMap {
    this.refreshViews();
    const p = this.parts;
    return buildHeapMap({
      lm: p.lm,
      pages: p.pages,
      shared: p.shared,
      variant: p.variant,
      variants: p.variants,
      superslab: p.boxes.superslab,
      midLargeAce: p.boxes.midLargeAce,
      mid: p.mid,
      big: p.big,
      tinyGuard: p.tinyGuard,
      midGuard: p.midGuard,
      largeGuard: p.largeGuard,
    });
  }

  check(): void {
    this.refreshViews();
    checkHeap(this.parts, () => this.refreshViews());
  }

  // ------------------------------------------------ typed views (typed-views.ts)
  // Off the malloc/free path: nothing above reads these members.

  private typedViews: MemoryViews | null = null;

  private memoryViews(): MemoryViews {
    return this.typedViews ?? (this.typedViews = new MemoryViews(this.memory, this.shared));
  }

  get epoch(): number {
    return this.memoryViews().epoch();
  }

  get u8(): Uint8Array {
    return this.memoryViews().u8();
  }

  get i32(): Int32Array {
    return this.memoryViews().i32();
  }

  get u32(): Uint32Array {
    return this.memoryViews().u32();
  }

  get f32(): Float32Array {
    return this.memoryViews().f32();
  }

  get f64(): Float64Array {
    return this.memoryViews().f64();
  }

  view<C extends TypedArrayConstructor>(type: C, ptr: number, length: number): TypedArrayOf<C> {
    checkArrayType(type, 'view');
    checkLength(length, 'view');
    return this.memoryViews().ofBlock(type, ptr, length, this.usableSize(ptr));
  }

  mallocAs<C extends TypedArrayConstructor>(type: C, length: number): TypedBlock<TypedArrayOf<C>> | null {
    checkArrayType(type, 'mallocAs');
    checkLength(length, 'mallocAs');
    const ptr = this.malloc(length * type.BYTES_PER_ELEMENT);
    return ptr === 0 ? null : { ptr, view: this.memoryViews().over(type, ptr, length) };
  }

  callocAs<C extends TypedArrayConstructor>(type: C, length: number): TypedBlock<TypedArrayOf<C>> | null {
    checkArrayType(type, 'callocAs');
    checkLength(length, 'callocAs');
    const ptr = this.calloc(length, type.BYTES_PER_ELEMENT);
    return ptr === 0 ? null : { ptr, view: this.memoryViews().over(type, ptr, length) };
  }
}
