import type { BoxName, FreeResult, HeapError, HeapWalk, Route, SlabOccupancy, SpanOccupancy, Variant } from '@hakmem/contracts';

export type { SlabOccupancy, SpanOccupancy };
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';

/**
 * What the facade uses of each box, as structural types: a user-supplied
 * implementation of a box is an object of that box's `…Implementation` type,
 * passed as `createAllocator({ boxes: { bigcache: myBigCache } })`.
 *
 * An implementation has the shape of a box package's module: a class the
 * facade instantiates once per heap (per worker), plus the hot operations as
 * free functions over typed arrays. The facade keeps those functions and the
 * arrays they work on in its own fields and calls them directly on the tiny
 * malloc/free path, so a user implementation costs that path nothing more
 * than the built-in builds do. Both builds of every box package satisfy these
 * types (checked when the facade is type-checked: `box-builds.ts`).
 *
 * These are interfaces, not the built-in classes' types: the built-in classes
 * have private members, which would make only those very classes acceptable.
 *
 * Glossary: a *page word* is the page table's u32 for a 64 KiB page
 * (`PK_*` kinds in `@hakmem/contracts/layout`); a *slab* is addressed by its
 * record's byte offset in its SuperSlab header; a *span* by its first byte;
 * a *run* by its first page number. Validators return the first broken
 * invariant as a sentence, or null.
 */

/** Which build a box runs: a built-in build, or an implementation the user passed. */
export type BoxVariant = Variant | 'custom';

// ---------------------------------------------------------------- tlsSll

/**
 * One worker's caches of free tiny blocks, a LIFO stack per tiny size class
 * (`TINY_CLASSES` classes). How the stacks lie in `slots` is the box's own
 * business: the facade passes the arrays to the build's `popBlock` and
 * `pushBlock` and reads nothing in them (`check()` asks `listCached`).
 */
export interface TlsCacheBox {
  /** Cached blocks (the box's layout), for `popBlock`/`pushBlock`. */
  readonly slots: Uint32Array;
  /** Blocks cached per class (`TINY_CLASSES` entries). */
  readonly count: Int32Array;
  /** Most blocks a class may hold before `pushBlock` refuses (`TINY_CLASSES` entries, each at least 1). */
  readonly capacity: Int32Array;
  /** Fast-path counters: `[pops, pushes]`. A build may leave pops at 0 and derive them in `counters()`. */
  readonly ops: Float64Array;
  /**
   * The built-in build only: one view over `slots`, `count` and `capacity`,
   * for the facade's written-out fast path (through that build's
   * `popState`/`pushState`).
   */
  readonly state?: Uint32Array;
  /**
   * The built-in debug build only, once bound (`bindMemory`): its bit per
   * cached block (one per 16-byte granule of the memory, bit
   * `(ptr >>> 4) & 31` of word `ptr >>> 9`; the array is replaced as it
   * grows), for the facade's written-out debug fast path, which keeps the
   * bits as that build's `popBlock`/`pushBlock` do.
   */
  readonly debugMemory?: { readonly cachedBits: Uint32Array };
  /** Same as `popBlock` over this cache's arrays. */
  pop(cls: number): number;
  /** Same as `pushBlock` over this cache's arrays. */
  push(cls: number, ptr: number): boolean;
  /** Slow path, on a miss: how many blocks (at least 1) to fetch for class `cls`. */
  refillCount(cls: number): number;
  /** Puts `n` blocks from `src` (a refill batch) on top of class `cls`'s stack. */
  splice(cls: number, src: Uint32Array, n: number): void;
  /** Slow path, on an overflow: moves some of class `cls`'s blocks (at least one) into `dest`; returns how many. */
  drain(cls: number, dest: Uint32Array): number;
  /** Moves every block of class `cls` into `dest` (trim, detach, out of memory); returns how many. */
  drainAll(cls: number, dest: Uint32Array): number;
  /** Every cached block of every class, sorted ascending (slow path: `check()`). */
  listCached(): Uint32Array;
  /** At least `pops`, `pushes`, `refills`, `drains` (the facade derives its path counters from them). */
  counters(): { pops: number; pushes: number; refills: number; drains: number };
  validate(): string | null;
  /** Optional (debug builds): lets the cache check pushed blocks against the page table and slab records. */
  bindMemory?(lm: LinearMemory, pt0: number): void;
}

export interface TlsCacheImplementation {
  /** Which build this is; a user implementation may say 'debug' if it validates (default 'release'). */
  readonly variant?: Variant;
  readonly TlsCache: new () => TlsCacheBox;
  /** Tiny malloc's hot path: the top block of class `cls`, or 0 when it is empty. */
  readonly popBlock: (count: Int32Array, slots: Uint32Array, ops: Float64Array, cls: number) => number;
  /** Tiny free's hot path: caches `ptr`, or returns false when the class is at capacity. */
  readonly pushBlock: (count: Int32Array, capacity: Int32Array, slots: Uint32Array, ops: Float64Array, cls: number, ptr: number) => boolean;
}

/** @deprecated the old names of TlsCacheBox and TlsCacheImplementation (a cache of array stacks, not a linked list). */
export type TlsSllBox = TlsCacheBox;
/** @deprecated see TlsCacheImplementation. */
export type TlsSllImplementation = TlsCacheImplementation;

// ------------------------------------------------------------- superslab

/**
 * One worker's view of SuperSlabs: carving tiny blocks out of slabs and
 * taking them back. Its slab records and live bits are its own (beyond the
 * words the shared pool reads, layout.ts): the facade asks `walk`,
 * `usableSize`, `freeProblem` and `ownerOf`.
 */
export interface SuperslabBox {
  /** Slabs whose last block came back; the facade hands them to the shared pool and empties the array. */
  readonly emptied: number[];
  /** Fills `dest` with up to `want` free blocks of class `cls` from this worker's slabs; returns how many (0: needs a slab). */
  refill(cls: number, dest: Uint32Array, want: number): number;
  /** Takes ownership of `slab` (fresh from the shared pool) for class `cls`. */
  adopt(cls: number, slab: number): void;
  /** Gives `n` blocks from `src` back to their slabs (this worker's or, remotely, another's). */
  returnBlocks(src: Uint32Array, n: number): void;
  /** Lets go of the current slab of every class (trim, detach). */
  releaseCurrent(): void;
  /** Detach: takes every slab this worker still owns (all have blocks out) off its lists and returns them, for the pool to abandon. */
  disown(): number[];
  isBlockStart(ptr: number): boolean;
  isLive(ptr: number): boolean;
  /** Usable size of the live tiny block at `ptr` (whose page word is `word`), or -1 when `ptr` is not one. */
  usableSize(ptr: number, word: number): number;
  /** For a pointer in a tiny page the fast path refused: FREE_INSIDE (no block start), FREE_DOUBLE (a block start not live) or FREE_OK (live). */
  freeProblem(ptr: number): FreeResult;
  /**
   * The heap walk over the SuperSlab whose page word routes here at `page`
   * (see HeapWalk). `cached[0..cachedCount)` are this worker's cached tiny
   * blocks, sorted ascending; a counting walk (stats) of a shared heap
   * passes none. Returns the first broken invariant, or null.
   */
  walk(page: number, w: HeapWalk, cached: Uint32Array, cachedCount: number): string | null;
  /** At least `reusedBlocks`, `carvedBlocks`, `refills`. */
  counters(): Record<string, number>;
  /**
   * Optional, shared heaps: the free of tiny block `ptr` by a worker that
   * does not own its slab, whole (the owner's live bit is the owner's to
   * write): true when the block went to its slab, false, changing nothing,
   * when it is no live block (the facade then asks `freeProblem`). Without
   * it the facade clears the live bit with `clearLiveShared` and hands the
   * block to `returnBlocks`.
   */
  freeRemote?(ptr: number): boolean;
  /**
   * Optional, shared heaps: `markLiveShared` refused the cached block `ptr`
   * although the view reaches it. True when the box took the block back
   * (a raced double free left a remote free of it pending): the facade pops
   * another. False means the refusal has no such cause (CORRUPTION).
   */
  dropRaced?(ptr: number): boolean;
}

export interface SuperslabImplementation {
  readonly variant?: Variant;
  readonly Superslab: new (lm: LinearMemory, worker: number, pages: PageLayer) => SuperslabBox;
  /** Tiny malloc's hot path: sets `ptr`'s live bit; false if it was set already (or `ptr` lies outside the view). */
  readonly markLive: (u8: Uint8Array, ptr: number) => boolean;
  /** Tiny free's hot path: clears `ptr`'s live bit; false if it was clear. */
  readonly clearLive: (u8: Uint8Array, ptr: number) => boolean;
  /** `markLive` for a shared memory, called by the slab's owner (a box may refuse a block, see `dropRaced`). */
  readonly markLiveShared: (u8: Uint8Array, ptr: number) => boolean;
  /** `clearLive` for a shared memory: the free by the slab's owner (another worker's goes to `freeRemote` when the box has it). */
  readonly clearLiveShared: (u8: Uint8Array, ptr: number) => boolean;
  /** A shared heap's free: the worker id that owns the slab of tiny block `ptr` (0: none). */
  readonly ownerOf: (u32: Uint32Array, ptr: number) => number;
  /** Guard bytes kept after each block's usable end (debug builds: 16); absent means 0. */
  readonly BLOCK_GUARD?: number;
  /**
   * Optional, for `heap.map()`: the occupancy of the slab holding `ptr`, read
   * from this implementation's own records (null if it finds none). Without
   * it the map shows this box's slabs with unknown occupancy.
   */
  readonly slabOccupancy?: (lm: LinearMemory, ptr: number) => SlabOccupancy | null;
}


// ------------------------------------------------------------ sharedPool

/** Hands slabs to workers and takes emptied ones back; gives empty SuperSlabs to the page layer. */
export interface SharedPoolBox {
  /** An ACTIVE slab of class `cls` owned by `owner`, or 0 when no memory is left. */
  acquire(cls: number, owner: number): number;
  release(slab: number): void;
  /** At least `stage1Hits`, `stage2Hits`, `stage3Hits`. */
  counters(): Record<string, number>;
  /** `check()`, given the SuperSlabs the page table shows. */
  validate(superslabs: number[]): string | null;
  /** Detach: keeps slabs with blocks still out (ACTIVE, owner 0) for another worker to adopt. */
  abandon(slabs: number[]): void;
  /** An abandoned slab of class `cls`, now owned by `owner` (ACTIVE), or 0 when there is none (trim gathers them). */
  adoptAbandoned(cls: number, owner: number): number;
  /** For a dead worker: takes back the pool lock if it held it (repairing the lists), and abandons its slabs; returns how many. */
  reclaimWorker(dead: number): number;
}

export interface SharedPoolImplementation {
  readonly variant?: Variant;
  readonly SharedPool: new (lm: LinearMemory, pages: PageLayer) => SharedPoolBox;
}

// -------------------------------------------------------------- bigcache

/**
 * Large blocks (above `MID_MAX`) as whole page runs. A live run's head page
 * word is `runHeadWord(PK_RUN_LIVE, pages)` (the front gate routes it here
 * when it has more pages than a mid run); the rest of its pages and its
 * cached runs are this box's to lay out and walk.
 */
export interface BigCacheBox {
  /** A live run of at least `pages` pages; its first page, or 0 when memory is out. */
  alloc(pages: number): number;
  /** Frees the large block at `ptr` (page word `word`): FREE_OK, FREE_DOUBLE (a run it holds free) or FREE_INVALID; nothing changes unless FREE_OK. */
  free(ptr: number, word: number): FreeResult;
  /** Usable size of the live large block at `ptr`, or -1 when `ptr` is not one. */
  usableSize(ptr: number, word: number): number;
  /** Gives every kept run back to the page layer. */
  flush(): void;
  /**
   * Optional: resizes the live run of `oldPages` at `page` to `newPages` (both
   * above a mid span's size) where it lies; true when it did, false (nothing
   * changed) when the block must move. Without it, realloc always moves.
   */
  resize?(page: number, oldPages: number, newPages: number): boolean;
  /** The heap walk over the run whose head page word routes here at `page` (see HeapWalk). */
  walk(page: number, w: HeapWalk): string | null;
  /** Optional, for `heap.map()`: whether this box holds the free run at `page` for reuse (absent: the map calls it free). */
  holdsRun?(page: number): boolean;
  /** At least `hits`, `misses`, `puts`. */
  counters(): Record<string, number>;
  validate(): string | null;
  /** For a dead worker: takes back the BigCache lock if it held it, dropping entries it left half-done; returns whether it did. */
  reclaimWorker(dead: number): boolean;
}

export interface BigCacheImplementation {
  readonly variant?: Variant;
  /** Guard bytes kept at the end of each live run (debug builds: 16); absent means 0. The facade asks `alloc` for the pages of size + guard. */
  readonly BLOCK_GUARD?: number;
  readonly BigCache: {
    new (lm: LinearMemory, pages: PageLayer): BigCacheBox;
    /** Called once when a heap is formatted, before any instance exists (shared defaults in memory). */
    formatBudget(lm: LinearMemory, pages: PageLayer): void;
  };
}

// ------------------------------------------------------------- frontGate

/** Classifies pointers through the page table and words the errors for rejected ones. */
export interface FrontGateBox {
  /** u32 index of the region's first page word; with the next two, the geometry `pageWordOf` needs. */
  readonly firstIndex: number;
  readonly basePage: number;
  readonly regionPages: number;
  /** Page word of `ptr`'s page (PK_FREE outside the region). */
  pageWord(ptr: number): number;
  /** The error for a pointer no box accepted; `result` is what the owning box found (FREE_INVALID when no box owns the page). */
  reject(ptr: number, word: number, result: FreeResult): HeapError;
  counters(): Record<string, number>;
}

export interface FrontGateImplementation {
  readonly variant?: Variant;
  readonly FrontGate: new (lm: LinearMemory, pages: PageLayer) => FrontGateBox;
  /** Free's hot path: the page word of `ptr`'s page, or PK_FREE outside the region. */
  readonly pageWordOf: (u32: Uint32Array, firstIndex: number, basePage: number, regionPages: number, ptr: number) => number;
  /** The router: which box serves `size` bytes (ROUTE_TINY, ROUTE_MID or ROUTE_LARGE), given the superslab's and the mid box's guard bytes. */
  readonly routeOfSize: (size: number, tinyGuard: number, midGuard: number) => Route;
  /** Which box owns a page, from its page word (ROUTE_* of `@hakmem/contracts`). */
  readonly routeOfWord: (word: number) => Route;
  /** Which box serves a page-aligned run of `pages` whole pages (ROUTE_MID or ROUTE_LARGE). */
  readonly routeOfPageRun: (pages: number) => Route;
  /** Pages of the large run for `size` bytes (more than any mid run has, so free routes it to BigCache). */
  readonly largeRunPages: (size: number) => number;
}

// ----------------------------------------------------------- midLargeAce

/**
 * Mid blocks (above `TINY_MAX` up to `MID_MAX`): spans of one class, and page
 * runs of up to `SPAN_MAX_PAGES`, with the ACE caches over them. Spans and
 * runs are this box's to lay out and walk.
 */
export interface MidAceBox {
  /** A block of at least `size` bytes, or 0 when memory is out. */
  malloc(size: number): number;
  /**
   * The built-in build only: its class caches as one view (the box's
   * cache-layout.ts), for the facade's written-out fast path in a private heap.
   */
  readonly state?: Uint32Array;
  /** A page-aligned run of `pages` (1..SPAN_MAX_PAGES) whole pages, or 0 (alignedAlloc). */
  mallocPages(pages: number): number;
  /** Frees the block at `ptr` (page word `word`): FREE_OK, FREE_DOUBLE or FREE_INVALID; nothing changes unless FREE_OK. */
  free(ptr: number, word: number): FreeResult;
  /** Usable size of the live block at `ptr`, or -1 when `ptr` is not one. */
  usableSize(ptr: number, word: number): number;
  flush(): void;
  /** The heap walk over the span or mid run whose page word routes here at `page` (see HeapWalk). */
  walk(page: number, w: HeapWalk): string | null;
  /** Optional, for `heap.map()`: whether this worker's caches hold the free mid run at `page` (absent: the map calls it free). */
  holdsRun?(page: number): boolean;
  /** At least `hits`, `misses`, `frees`. */
  counters(): Record<string, number | number[]>;
  validate(): string | null;
  /** Detach: after `flush`, hands every span this worker still owns to the abandoned lists. */
  abandonAll(): void;
  /** For a dead worker: takes back the mid lock if it held it, and abandons its spans; returns how many. */
  reclaimWorker(dead: number): number;
}

export interface MidAceImplementation {
  readonly variant?: Variant;
  readonly MidAce: new (lm: LinearMemory, pages: PageLayer, worker: number) => MidAceBox;
  /** Guard bytes kept after each block's usable end (debug builds: 16); absent means 0. */
  readonly BLOCK_GUARD?: number;
  /**
   * Optional, for `heap.map()`: the occupancy of the span starting at byte
   * `span`, read from this implementation's own header (null if it finds
   * none). Without it the map shows spans with unknown occupancy.
   */
  readonly spanOccupancy?: (lm: LinearMemory, span: number) => SpanOccupancy | null;
}

/** @deprecated the old names of MidAceBox and MidAceImplementation (the box serves mid sizes only). */
export type MidLargeAceBox = MidAceBox;
/** @deprecated see MidAceImplementation. */
export type MidLargeAceImplementation = MidAceImplementation;


// ---------------------------------------------------------------- by box

/** The contract of each box, by box name. */
export interface BoxImplementations {
  tlsSll: TlsCacheImplementation;
  superslab: SuperslabImplementation;
  sharedPool: SharedPoolImplementation;
  bigcache: BigCacheImplementation;
  frontGate: FrontGateImplementation;
  midLargeAce: MidAceImplementation;
}

/**
 * A user-supplied implementation of one box (which one depends on the key it
 * is given under in `boxes`).
 *
 * @example
 * ```ts
 * import { createAllocator, type BoxImplementations } from 'hakmem'
 * import { uncachedBigCache } from '@hakmem/alt-boxes'
 * const heap = createAllocator({ boxes: { bigcache: uncachedBigCache } })
 * heap.stats().boxVariants.bigcache // 'custom'
 * ```
 */
export type BoxImplementation = BoxImplementations[BoxName];
