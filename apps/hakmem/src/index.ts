import { Heap, type AllocatorStats, type SharedHeapHandle } from './heap.js';
import { resolveAttachOptions, type AllocatorOptions, type AttachOptions } from './options.js';
import type { TypedArrayConstructor, TypedArrayOf, TypedBlock } from './typed-views.js';
import type { Variant } from '@hakmem/contracts';
import type { HeapMap } from './heap-map.js';

export { HeapError, type HeapErrorCode, type BoxName, type Variant } from '@hakmem/contracts';
export type { AllocatorOptions, AttachOptions, AllocatorStats, SharedHeapHandle };
export type { TypedArrayConstructor, TypedArrayOf, TypedBlock } from './typed-views.js';
export type {
  PageStats,
  BoxStats,
  PathStats,
  TlsSllStats,
  SuperslabStats,
  SharedPoolStats,
  BigCacheStats,
  FrontGateStats,
  MidLargeAceStats,
} from './stats.js';
export type { HeapMap, HeapMapRegion, HeapMapRegionKind, HeapMapRegionState } from './heap-map.js';
export { renderHeapMapSvg, type HeapMapSvgOptions } from './map-svg.js';
export type {
  BoxImplementation,
  BoxImplementations,
  BoxVariant,
  TlsCacheBox,
  TlsCacheImplementation,
  TlsSllBox,
  TlsSllImplementation,
  SuperslabBox,
  SuperslabImplementation,
  SharedPoolBox,
  SharedPoolImplementation,
  BigCacheBox,
  BigCacheImplementation,
  FrontGateBox,
  FrontGateImplementation,
  MidAceBox,
  MidAceImplementation,
  MidLargeAceBox,
  MidLargeAceImplementation,
  SlabOccupancy,
  SpanOccupancy,
} from './box-contracts.js';

/**
 * A heap over a linear memory: `malloc` and `free` of blocks addressed by
 * byte offsets (`number`s) into `memory.buffer`. Pointers are multiples of 8
 * (of 16 when the block is 16 bytes or more); 0 is NULL and never a block.
 *
 * Errors: a bad size or alignment is a `RangeError`; a pointer of the wrong
 * type a `TypeError`; a pointer this heap did not hand out, or one freed
 * already, a `HeapError` (`code` `'INVALID_POINTER'` or `'DOUBLE_FREE'`,
 * `ptr` the pointer). A call that throws changes nothing in the heap.
 * Out of memory is never an error: the allocating call returns 0 (or null).
 *
 * Growth: the heap grows `memory` when it needs pages, which (in a
 * non-shared memory) detaches every typed array made over the old buffer.
 * Keep pointers, not views: take views with `view`, `u8`..`f64` when you use
 * them, or re-take kept ones when `epoch` changes. See the README.
 */
export interface Allocator {
  /** The memory this heap manages; pointers are offsets into `memory.buffer`. */
  readonly memory: WebAssembly.Memory;
  /** 'debug' if any box runs its debug build (or a user implementation says it is debug), else 'release'. */
  readonly variant: Variant;
  /**
   * A block of at least `size` usable bytes (`usableSize` tells how many), or
   * 0 when the heap cannot grow enough (after giving back every cache).
   * `malloc(0)` returns a valid, unique, freeable pointer. The block's bytes
   * are not cleared (use `calloc`).
   * @param size an integer from 0 to `maxBytes`
   * @returns the block's pointer, or 0 when out of memory
   * @throws RangeError if `size` is negative, not an integer, not a number, or above `maxBytes`
   */
  malloc(size: number): number;
  /**
   * A zeroed block of `count × size` bytes, or 0 when out of memory. A
   * product of 0 behaves like `malloc(0)`.
   * @returns the block's pointer, or 0 when out of memory
   * @throws RangeError if an operand is negative or not an integer, or the product is above `maxBytes`
   */
  calloc(count: number, size: number): number;
  /**
   * Resizes a block, moving it if it must. `realloc(0, n)` is `malloc(n)`;
   * `realloc(p, 0)` frees `p` and returns 0. Otherwise the first
   * `min(old usable size, size)` bytes are kept, and on failure it returns 0
   * with `p` still valid and unchanged.
   * @returns the block's (maybe new) pointer; 0 when out of memory or when `size` is 0
   * @throws RangeError for a bad `size`, and for a bad `ptr` what `free` throws; both before anything changes
   */
  realloc(ptr: number, size: number): number;
  /**
   * A block of at least `size` bytes whose pointer is a multiple of
   * `alignment`; freed with `free`.
   * @param alignment a power of two from 8 to 65536
   * @returns the block's pointer, or 0 when out of memory
   * @throws RangeError for any other alignment, or a bad `size` (as `malloc`)
   */
  alignedAlloc(alignment: number, size: number): number;
  /**
   * Gives a block back. `free(0)` does nothing.
   * @throws TypeError if `ptr` is not a number
   * @throws HeapError `'INVALID_POINTER'` for a pointer this heap never returned or one inside a block
   *   (a pointer to a free slot of a slab may be reported as `'DOUBLE_FREE'`)
   * @throws HeapError `'DOUBLE_FREE'` for a block freed already: in both builds when nothing was
   *   allocated in between, in the debug build for as long as its memory was not handed out again
   */
  free(ptr: number): void;
  /**
   * Bytes of the block at `ptr` that may be used (at least what was asked
   * for; writing up to it is allowed). `usableSize(0)` is 0.
   * @throws what `free` throws, for a pointer that is not a live block
   */
  usableSize(ptr: number): number;
  /**
   * The heap's figures as a plain JSON-serialisable object: bytes reserved
   * and in use, live blocks, page counters, and each box's counters with its
   * fast- and slow-path hits. In a shared heap it describes the whole heap
   * (every worker's blocks). See `AllocatorStats`.
   */
  stats(): AllocatorStats;
  /**
   * Walks the whole heap and runs every box's invariants. In the debug build
   * a write past the end of a block or into a freed block is found here at
   * the latest.
   * @throws HeapError `'CORRUPTION'` naming the box and the damaged block on any broken invariant
   */
  check(): void;
  /**
   * A structured-cloneable handle to post to a worker, which passes it to
   * `attachAllocator`.
   * @throws HeapError `'INVALID_STATE'` if the heap was created without `shared: true`, or runs a user box implementation
   */
  share(): SharedHeapHandle;
  /**
   * For a worker that is done: hands its cached blocks, slabs and spans back
   * to the shared heap. Afterwards every member of this object throws
   * `HeapError` `'DETACHED'`; the heap and every other attachment go on.
   */
  detach(): void;
  /** Gives this worker's cached blocks, empty slabs and cached large runs back to the heap; stays usable. */
  trim(): void;
  /** This attachment's worker id (1 for the heap's creator); pass it to `reclaim` if this worker dies. */
  readonly workerId: number;
  /**
   * From a surviving worker, for one that was terminated without `detach()`:
   * takes back the locks it held (repairing what they guard) and abandons its
   * slabs and spans for others to adopt. Blocks it held live stay live.
   * @throws RangeError if `deadWorker` is not a positive integer, or is this worker's own id
   */
  reclaim(deadWorker: number): { slabs: number; spans: number; locksBroken: number };
  /**
   * A plain-JSON picture of the heap: one region per slab, span, run, range
   * of free pages and the metadata zone, in address order, each with its
   * box, class, blocks live / capacity, bytes and page range. Occupancy comes
   * from each box's own records (a user box without `slabOccupancy` /
   * `spanOccupancy` shows `state: 'unknown'`). In a shared heap it is a
   * snapshot taken without locks. Draw it with `renderHeapMapSvg`, or save
   * it as JSON and run `hakmem-map in.json out.svg`.
   */
  map(): HeapMap;

  /**
   * A number that changes whenever the memory grew since the last look (by
   * this heap, by you, by a wasm module, or by another worker): when it is
   * not the value you saw, views made before may be stale, so make them
   * again. In a shared memory it calls `memory.grow(0)` first, which is how
   * a worker sees the length another worker gave the memory. Cheap, but not
   * free (it reads `memory.buffer`): read it once per batch of work, not per
   * element. There is no growth callback: nothing tells the heap when wasm
   * or user code grows the memory, so a callback could not keep its promise.
   */
  readonly epoch: number;
  /**
   * Views of the whole memory, always over its current buffer (made again
   * after growth, cached otherwise). Index with a pointer scaled to the
   * element size: `heap.f64[ptr >>> 3]`, `heap.u32[ptr >>> 2]`. Take one per
   * batch of work (`const f64 = heap.f64`), not per element. In a shared
   * memory they cover the length this worker has seen; `epoch` or `view`
   * bring that up to date.
   */
  readonly u8: Uint8Array;
  /** See `u8`; index with `ptr >>> 2`. */
  readonly i32: Int32Array;
  /** See `u8`; index with `ptr >>> 2`. */
  readonly u32: Uint32Array;
  /** See `u8`; index with `ptr >>> 2`. */
  readonly f32: Float32Array;
  /** See `u8`; index with `ptr >>> 3`. */
  readonly f64: Float64Array;
  /**
   * A new view of `length` elements of the live block at `ptr`, over the
   * memory's current buffer. Checked in both builds (it is not on the
   * malloc/free path): the range `[ptr, ptr + length × BYTES_PER_ELEMENT)`
   * must lie in the block. `ptr` must be the block's start; for part of a
   * block use `.subarray()` of the view. The view is stale once the memory
   * grows: make it again (it is cheap), or when `epoch` changes.
   * @example
   * ```ts
   * const v = heap.view(Float64Array, ptr, 4)
   * ```
   * @throws TypeError if `type` is not a typed-array constructor, or `ptr` not a number
   * @throws RangeError if `length` is not a non-negative integer, or the range runs past the block's usable size
   * @throws HeapError `'INVALID_POINTER'` for 0 or a pointer that is not a live block start (`'DOUBLE_FREE'` for a freed one), as `usableSize`
   */
  view<C extends TypedArrayConstructor>(type: C, ptr: number, length: number): TypedArrayOf<C>;
  /**
   * `malloc` of `length` elements of `type`, with a view of them: returns
   * `{ ptr, view }`, or null when out of memory. Keep `ptr`; the view is
   * stale once the memory grows (take a new one with `view(type, ptr, length)`).
   * @throws TypeError if `type` is not a typed-array constructor
   * @throws RangeError if `length` is not a non-negative integer, or the bytes are above `maxBytes`
   */
  mallocAs<C extends TypedArrayConstructor>(type: C, length: number): TypedBlock<TypedArrayOf<C>> | null;
  /** `mallocAs` with the elements zeroed (`calloc`). Null when out of memory; throws as `mallocAs`. */
  callocAs<C extends TypedArrayConstructor>(type: C, length: number): TypedBlock<TypedArrayOf<C>> | null;
}

/**
 * Creates a heap. Every option is checked here (see `AllocatorOptions`).
 *
 * @example
 * ```ts
 * import { createAllocator } from 'hakmem'
 * const heap = createAllocator({ maxBytes: 64 << 20 })
 * const block = heap.mallocAs(Float64Array, 100)
 * if (block === null) throw new Error('out of memory')
 * block.view.fill(1.5)
 * // Later, after anything may have grown the memory: a fresh view from the pointer.
 * heap.view(Float64Array, block.ptr, 100)[0] // 1.5
 * heap.free(block.ptr)
 * ```
 * @throws TypeError for an unknown option (naming the option it likely meant) or one of the wrong type
 * @throws RangeError for an option out of range (`maxBytes` too small for the heap's metadata, `initialBytes` above `maxBytes`, ...)
 */
export function createAllocator(options?: AllocatorOptions): Allocator {
  return Heap.create(options);
}

/**
 * Attaches this worker to a shared heap another worker created with
 * `shared: true`: any worker may then free any block. The handle carries the
 * heap's variant and box choices.
 *
 * @example
 * ```ts
 * // main: worker.postMessage(heap.share())
 * // worker: const heap = attachAllocator(handle)
 * ```
 * @throws TypeError if `handle` is not what `share()` returned, for an unknown option, or a `variant` other than the heap's
 */
export function attachAllocator(handle: SharedHeapHandle, options?: AttachOptions): Allocator {
  return Heap.attach(handle, resolveAttachOptions(options));
}
