/**
 * The one shape every allocator takes in the benchmark. The workload loops
 * call only these methods, and each child process runs one adapter class,
 * so every call site in a loop stays monomorphic.
 *
 * Pointers are int32 bit patterns: the loops keep them in an `Int32Array`
 * (Smi-friendly reads), and `0` means "no block". An adapter whose peer
 * hands out addresses at or above 2^31 turns them back with `>>> 0` where
 * it needs the unsigned value.
 */
export interface Adapter {
  readonly name: string;
  /**
   * False only for the loop ceiling, whose blocks all alias one address:
   * the correctness check then skips the pattern test.
   */
  readonly distinctBlocks: boolean;
  /** Alignment every pointer must have (1 when pointers are handles, not addresses). */
  readonly align: number;
  /** A block of at least `size` bytes, or 0 when the allocator is out of memory. */
  malloc(size: number): number;
  free(ptr: number): void;
  writeByte(ptr: number, offset: number, value: number): void;
  readByte(ptr: number, offset: number): number;
  /**
   * Bytes this allocator has taken from its memory or buffer so far (its
   * high-water mark where the allocator keeps one). W5 divides the peak of
   * this by the peak of live bytes requested.
   */
  bytesTaken(): number;
  /** The allocator's own statistics, JSON-serialisable, or null when it keeps none. */
  stats(): unknown;
  /**
   * Optional: a JSON picture of the heap (hakmem's `heap.map()`), taken once
   * after the timed loop of the workloads that show one in the report.
   */
  heapMap?(): unknown;
  /**
   * Optional: frees every non-zero pointer in `slots`, leaving the heap
   * exactly as calling `free` on each in slot order would, only faster.
   * For a peer whose free is linear in the live blocks (MemPool), where
   * freeing a W5-sized heap one block at a time takes seconds untimed.
   * Does not touch `slots`; freeAll (mixed-loop.ts) zeroes it.
   */
  freeSlots?(slots: Int32Array): void;
  dispose(): void;
}

/** What a workload tells an adapter before it starts, so buffers can be sized once. */
export interface AdapterOptions {
  /** Largest single request the workload makes. */
  readonly maxSize: number;
  /** Most blocks alive at once. */
  readonly slots: number;
}

export type AdapterFactory = (opts: AdapterOptions) => Promise<Adapter>;

/**
 * Thrown by a factory when its peer cannot be loaded (not built, not
 * installed): the CLI reports it as "adapter unavailable", not as a crash.
 */
export class AdapterUnavailableError extends Error {
  override readonly name = 'AdapterUnavailableError';
}
