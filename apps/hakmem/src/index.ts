import { Heap, type AllocatorStats, type SharedHeapHandle } from './heap.js';
import { resolveAttachOptions, type AllocatorOptions, type AttachOptions } from './options.js';
import type { Variant } from '@hakmem/contracts';

export { HeapError, type HeapErrorCode, type BoxName, type Variant } from '@hakmem/contracts';
export type { AllocatorOptions, AttachOptions, AllocatorStats, SharedHeapHandle };
export type {
  BoxImplementation,
  BoxImplementations,
  BoxVariant,
  TlsSllBox,
  TlsSllImplementation,
  SuperslabBox,
  SuperslabImplementation,
  SuperslabWalk,
  SharedPoolBox,
  SharedPoolImplementation,
  BigCacheBox,
  BigCacheImplementation,
  FrontGateBox,
  FrontGateImplementation,
  MidLargeAceBox,
  MidLargeAceImplementation,
  SpanWalk,
} from './box-contracts.js';

/** A heap over a linear memory. See the README for the full contract. */
export interface Allocator {
  readonly memory: WebAssembly.Memory;
  readonly variant: Variant;
  malloc(size: number): number;
  calloc(count: number, size: number): number;
  realloc(ptr: number, size: number): number;
  alignedAlloc(alignment: number, size: number): number;
  free(ptr: number): void;
  usableSize(ptr: number): number;
  stats(): AllocatorStats;
  check(): void;
  share(): SharedHeapHandle;
  detach(): void;
  /** Gives this worker's cached blocks, empty slabs and cached large runs back to the heap; stays usable. */
  trim(): void;
  /** This attachment's worker id (1 for the heap's creator); pass it to `reclaim` if this worker dies. */
  readonly workerId: number;
  /**
   * From a surviving worker, for one that was terminated without `detach()`:
   * takes back the locks it held (repairing what they guard) and abandons its
   * slabs and spans for others to adopt. Blocks it held live stay live.
   */
  reclaim(deadWorker: number): { slabs: number; spans: number; locksBroken: number };
}

/**
 * Creates a heap.
 *
 * @example
 * ```ts
 * import { createAllocator } from 'hakmem'
 * const heap = createAllocator({ maxBytes: 64 << 20 })
 * const p = heap.malloc(100)
 * new Uint8Array(heap.memory.buffer, p, 100).fill(7)
 * heap.free(p)
 * ```
 */
export function createAllocator(options?: AllocatorOptions): Allocator {
  return Heap.create(options);
}

/**
 * Attaches this worker to a shared heap another worker created with `shared: true`.
 *
 * @example
 * ```ts
 * // main: worker.postMessage(heap.share())
 * // worker: const heap = attachAllocator(handle)
 * ```
 */
export function attachAllocator(handle: SharedHeapHandle, options?: AttachOptions): Allocator {
  return Heap.attach(handle, resolveAttachOptions(options));
}
