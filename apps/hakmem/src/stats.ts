import type { BoxName, Variant } from '@hakmem/contracts';
import type { BoxVariant } from './box-contracts.js';

/**
 * The shape of `stats()`. Every value is a number, a string or an array of
 * numbers, so the object survives `JSON.stringify` and `structuredClone`.
 *
 * Every counter named here is reported by the built-in builds. Most are
 * typed optional because a box's `counters()` is typed loosely (a record of
 * numbers) and a user implementation of the box (`AllocatorOptions.boxes`)
 * reports what its own `counters()` returns; `fastPathHits` and
 * `slowPathHits` are always there. The page counters are always there as
 * well (the page layer cannot be swapped); they are optional in the type
 * only because the page layer, too, types its counters as a record.
 */
export interface AllocatorStats {
  /** 'debug' if any box runs its debug build (or a user implementation says it is debug). */
  variant: Variant;
  /** What each box runs: its 'release' or 'debug' build, or 'custom' (a user implementation). */
  boxVariants: Record<BoxName, BoxVariant>;
  /** Bytes of the memory the heap holds, its metadata included; never above `maxBytes`. */
  bytesReserved: number;
  /** The most `bytesReserved` has been since the heap was created. */
  peakBytesReserved: number;
  /** Sum of `usableSize` over the live blocks. */
  bytesInUse: number;
  /** Blocks handed out and not yet freed (by every worker, in a shared heap). */
  liveBlocks: number;
  /** `memory.buffer.byteLength` as this worker sees it (bytes below `heapBase` included). */
  memoryBytes: number;
  /** First byte the heap may use. */
  heapBase: number;
  /** Cap on the managed region `[heapBase, heapBase + maxBytes)`. */
  maxBytes: number;
  /** The page layer under every box (64 KiB pages). */
  pages: PageStats;
  /** Each box's own counters, with the hits of its fast and slow paths. */
  boxes: BoxStats;
}

/** Counters of the page layer (`@hakmem/linear-memory`), in 64 KiB pages. */
export type PageStats = {
  /** Pages some box holds now. */
  pagesInUse?: number;
  /** The most pages held at once. */
  peakPagesInUse?: number;
  /** One past the last page the heap has touched (absolute page number). */
  endPage?: number;
  /** Pages of heap metadata (header, page table) at the start of the region. */
  metaPages?: number;
  /** Times the page layer grew the memory. */
  grows?: number;
  /** Page runs handed to a box, and given back. */
  runsAllocated?: number;
  runsFreed?: number;
};

/** `stats().boxes`: one entry per box, named as in `BoxName`. */
export interface BoxStats {
  tlsSll: TlsSllStats;
  superslab: SuperslabStats;
  sharedPool: SharedPoolStats;
  bigcache: BigCacheStats;
  frontGate: FrontGateStats;
  midLargeAce: MidLargeAceStats;
}

/** Every box's entry: how often its fast path served a call, and how often its slow path had to. */
export type PathStats = {
  fastPathHits: number;
  slowPathHits: number;
};

/** Per-worker tiny caches. Fast path: `pops + pushes`; slow path: `refills + drains`. */
export type TlsSllStats = PathStats & {
  /** Blocks handed out from, and freed into, this worker's caches. */
  pops: number;
  pushes: number;
  /** Times a class cache was empty (refilled from slabs) or full (half drained back). */
  refills: number;
  drains: number;
  /** Blocks moved by those refills and drains. */
  blocksRefilled?: number;
  blocksDrained?: number;
  /** Adaptive cache capacity: times a class cache grew or shrank. */
  capacityGrows?: number;
  capacityShrinks?: number;
  /** Blocks sitting in this worker's caches now. */
  cachedBlocks?: number;
  /** Capacity of each tiny class's cache, by class. */
  capacities?: number[];
};

/** Slabs of tiny blocks inside SuperSlabs. Fast path: blocks reused or carved; slow path: refills. */
export type SuperslabStats = PathStats & {
  /** Cache refills served from this worker's slabs. */
  refills?: number;
  /** Blocks handed out for the first time (carved from a slab's untouched end). */
  carvedBlocks?: number;
  /** Freed blocks handed out again. */
  reusedBlocks?: number;
  /** Refills that took a slab from this worker's partial list (one with free blocks, not the current one). */
  partialHits?: number;
  /** Blocks given back to this worker's own slabs. */
  localReturns?: number;
  /** Blocks freed onto another worker's slab (its remote list), and remote frees this worker collected. */
  remoteFrees?: number;
  remoteCollected?: number;
  /** Dry slabs brought back to use by remote frees. */
  dryRevived?: number;
};

/** Hands slabs to workers. Stage 1 (an EMPTY slab of the class) is the fast path; stages 2 and 3 the slow ones. */
export type SharedPoolStats = PathStats & {
  /** Slabs served from the EMPTY list of their class. */
  stage1Hits?: number;
  /** Slabs served from an UNUSED slab of an existing SuperSlab. */
  stage2Hits?: number;
  /** Slabs served by a new SuperSlab. */
  stage3Hits?: number;
  /** Emptied slabs given back to the pool. */
  releases?: number;
  /** Empty SuperSlabs given back to the page layer. */
  superslabsReleased?: number;
  /** Slabs served by adopting an abandoned one (stage 0, tried first). */
  stage0Adoptions?: number;
  /** Slabs with blocks still out, left for others to adopt (detach, reclaim). */
  slabsAbandoned?: number;
  /** EMPTY slabs the pool keeps now, over every class. */
  emptySlabsKept?: number;
};

/** Cache of freed large runs (above 1 MiB). Fast path: hits; slow path: misses. */
export type BigCacheStats = PathStats & {
  /** Large allocations served from the cache, and those that needed new pages. */
  hits?: number;
  misses?: number;
  /** Freed runs put into the cache. */
  puts?: number;
  /** Cached runs given back to the page layer to stay within budget. */
  evictions?: number;
  /** Cached runs split to serve a smaller request (the tail goes back to the page layer). */
  splits?: number;
  /** Large allocations that found no memory (malloc returned 0). */
  allocFailures?: number;
  /** Large blocks realloc grew or shrank in place. */
  resizes?: number;
  /** Runs and bytes in the cache now, and the cache's budget. */
  cachedRuns?: number;
  cachedBytes?: number;
  budgetBytes?: number;
};

/** Classifies pointers for free. Fast path: frees that went straight to a cache; slow path: drains, rejections, retries. */
export type FrontGateStats = PathStats & {
  /** Pointers refused (`HeapError` thrown by free, realloc or usableSize). */
  rejected?: number;
  /** Calls that found the facade's views stale (the memory grew) and retried after refreshing them. */
  staleViewRetries: number;
  /** Times the heap flushed every cache before admitting it was out of memory. */
  oomReclaims: number;
};

/** Mid and large-run pool (above 1 KiB up to 1 MiB), with adaptive per-class caches. Fast path: cache hits; slow path: misses. */
export type MidLargeAceStats = PathStats & {
  /** Mid allocations served from a class cache, and those that needed a span or run. */
  hits?: number;
  misses?: number;
  /** Mid blocks freed. */
  frees?: number;
  /** Frees that found their class cache full (or its budget spent) and gave half of it back. */
  overflows?: number;
  /** Adaptive cache capacity: times a class cache grew or shrank. */
  capacityGrows?: number;
  capacityShrinks?: number;
  /** Spans (slabs of mid blocks) made and given back to the page layer. */
  spansCreated?: number;
  spansReleased?: number;
  /** Whole-page runs of the run classes handed out and given back. */
  runsAllocated?: number;
  runsReleased?: number;
  /** Blocks freed onto another worker's span. */
  remoteFrees?: number;
  /** Dry spans brought back to use by remote frees. */
  dryRevived?: number;
  /** Spans taken over from, and left to, other workers. */
  spansAdopted?: number;
  spansAbandoned?: number;
  /** Mid allocations that found no memory (malloc returned 0). */
  allocFailures?: number;
  /** Bytes in the class caches now, and their budget. */
  cachedBytes?: number;
  budgetBytes?: number;
  /** Capacity of each mid class's cache, by class. */
  capacities?: number[];
};
