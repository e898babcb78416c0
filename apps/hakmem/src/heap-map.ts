import type { BoxName, Variant } from '@hakmem/contracts';
import { PAGE_SHIFT, PAGE_SIZE, PK_FREE, PK_KIND_MASK, PK_MID_SPAN, PK_RUN_BODY, PK_RUN_FREE, PK_RUN_LIVE, PK_SS_SPARE, PK_TINY, SPAN_MAX_PAGES } from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import type { BigCacheBox, BoxVariant, MidAceBox, MidAceImplementation, SuperslabImplementation } from './box-contracts.js';

/**
 * `heap.map()`: a plain-JSON picture of the heap, one region per slab,
 * span, run, run of free pages and the metadata zone, in address order.
 * The facade only reads the page table here (which box owns each page);
 * occupancy inside a slab or span comes from that box's own
 * `slabOccupancy` / `spanOccupancy`, so a box with other record layouts
 * stays its own business, and a box without them shows unknown occupancy.
 */

/** What a region is. `spare-slab`: a page of a SuperSlab not handed to any class yet. */
export type HeapMapRegionKind = 'metadata' | 'slab' | 'spare-slab' | 'span' | 'run' | 'free' | 'unknown';

/**
 * A region's state: slabs `active` / `empty` / `unused` (from the box),
 * spans `owned` / `abandoned`, runs `live` / `cached` (held by BigCache or a
 * mid cache for reuse) / `free` (not held by this worker's caches, e.g. another
 * worker's in a shared heap), `unknown` when the box cannot say.
 */
export type HeapMapRegionState = 'metadata' | 'active' | 'empty' | 'unused' | 'owned' | 'abandoned' | 'live' | 'cached' | 'free' | 'unknown';

export interface HeapMapRegion {
  readonly kind: HeapMapRegionKind;
  /** The box that owns the pages; null for metadata and free pages. */
  readonly box: Extract<BoxName, 'superslab' | 'midLargeAce' | 'bigcache'> | null;
  readonly state: HeapMapRegionState;
  /** First 64 KiB page, counted from address 0 of the memory. */
  readonly firstPage: number;
  readonly pages: number;
  /** First byte (`firstPage × pageSize`) and size in bytes. */
  readonly address: number;
  readonly bytes: number;
  /** The box's size class index (tiny class for slabs, mid class for spans); null for runs and where unknown. */
  readonly sizeClass: number | null;
  /** Bytes per block (guard included in debug builds); a run is one block of all its pages. */
  readonly blockBytes: number | null;
  /** Blocks live / blocks the region holds when full; null when the box does not report them. */
  readonly blocksLive: number | null;
  readonly blocksCapacity: number | null;
  /** Usable bytes of the live blocks, as `stats().bytesInUse` counts them; null when unknown. */
  readonly bytesLive: number | null;
  /** Owning worker id where the box records one (0: none); null otherwise. */
  readonly owner: number | null;
}

export interface HeapMap {
  readonly format: 'hakmem-heap-map';
  readonly version: 1;
  readonly pageSize: number;
  readonly heapBase: number;
  readonly maxBytes: number;
  /** The memory's size when the map was taken. */
  readonly memoryBytes: number;
  readonly shared: boolean;
  readonly variant: Variant;
  readonly boxVariants: Record<BoxName, BoxVariant>;
  /** Page of the metadata zone's start, first data page, and the end of the pages in use (exclusive). */
  readonly basePage: number;
  readonly firstDataPage: number;
  readonly endPage: number;
  readonly totals: {
    /** Sum of the regions' `blocksLive` and `bytesLive` (equal to `stats()` when every region is known). */
    readonly liveBlocks: number;
    readonly bytesInUse: number;
    readonly bytesReserved: number;
    /** Pages per region kind. */
    readonly pages: Record<HeapMapRegionKind, number>;
    /** Regions whose occupancy the owning box did not report. */
    readonly unknownRegions: number;
  };
  readonly regions: readonly HeapMapRegion[];
}

/** What the map needs from a heap: its page layer and the parts of its boxes that speak for their own records. */
export interface HeapMapSource {
  readonly lm: LinearMemory;
  readonly pages: PageLayer;
  readonly shared: boolean;
  readonly variant: Variant;
  readonly variants: Record<BoxName, BoxVariant>;
  readonly superslab: SuperslabImplementation;
  readonly midLargeAce: MidAceImplementation;
  readonly mid: MidAceBox;
  readonly big: BigCacheBox;
  /** Guard bytes per block of each box (0 in release): usable bytes = block − guard. */
  readonly tinyGuard: number;
  readonly midGuard: number;
  readonly largeGuard: number;
}

const KINDS: readonly HeapMapRegionKind[] = ['metadata', 'slab', 'spare-slab', 'span', 'run', 'free', 'unknown'];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Builds the map; the caller refreshes the views first. */
export function buildHeapMap(src: HeapMapSource): HeapMap {
  const { lm, pages } = src;
  const end = pages.endPage();
  const regions: HeapMapRegion[] = [];
  const region = (r: Omit<HeapMapRegion, 'address' | 'bytes'>): void => {
    regions.push({ ...r, address: r.firstPage * PAGE_SIZE, bytes: r.pages * PAGE_SIZE });
  };
  const none = { sizeClass: null, blockBytes: null, blocksLive: null, blocksCapacity: null, bytesLive: null, owner: null } as const;
  region({ kind: 'metadata', box: null, state: 'metadata', firstPage: pages.basePage, pages: pages.firstDataPage - pages.basePage, ...none });
  const slabOccupancy = src.superslab.slabOccupancy;
  const spanOccupancy = src.midLargeAce.spanOccupancy;
  for (let p = pages.firstDataPage; p < end; ) {
    const w = pages.word(p);
    const kind = w & PK_KIND_MASK;
    const at = (p << PAGE_SHIFT) >>> 0;
    if (kind === PK_TINY) {
      const o = slabOccupancy === undefined ? null : slabOccupancy(lm, at);
      if (o === null) region({ kind: 'slab', box: 'superslab', state: 'unknown', firstPage: p, pages: 1, ...none });
      else
        region({
          kind: 'slab',
          box: 'superslab',
          state: o.state,
          firstPage: p,
          pages: 1,
          sizeClass: o.sizeClass,
          blockBytes: o.blockBytes,
          blocksLive: o.live,
          blocksCapacity: o.capacity,
          bytesLive: o.live * (o.blockBytes - src.tinyGuard),
          owner: o.owner,
        });
      p++;
    } else if (kind === PK_SS_SPARE) {
      region({ kind: 'spare-slab', box: 'superslab', state: 'unused', firstPage: p, pages: 1, sizeClass: null, blockBytes: null, blocksLive: 0, blocksCapacity: 0, bytesLive: 0, owner: null });
      p++;
    } else if (kind === PK_MID_SPAN) {
      const o = spanOccupancy === undefined ? null : spanOccupancy(lm, at);
      // Without the box's word, the span's length is what the page table
      // says: the pages after the head whose distance to it keeps counting.
      let n = 1;
      if (o !== null) n = Math.max(1, o.pages);
      else while (p + n < end && (pages.word(p + n) & PK_KIND_MASK) === PK_MID_SPAN && ((pages.word(p + n) >>> 4) & 15) === n) n++;
      if (o === null) region({ kind: 'span', box: 'midLargeAce', state: 'unknown', firstPage: p, pages: n, ...none });
      else
        region({
          kind: 'span',
          box: 'midLargeAce',
          state: o.owner === 0 ? 'abandoned' : 'owned',
          firstPage: p,
          pages: n,
          sizeClass: o.sizeClass,
          blockBytes: o.blockBytes,
          blocksLive: o.live,
          blocksCapacity: o.capacity,
          bytesLive: o.live * (o.blockBytes - src.midGuard),
          owner: o.owner,
        });
      p += n;
    } else if (kind === PK_RUN_LIVE || kind === PK_RUN_FREE) {
      // A run's whole state is its head page word: one block of n pages.
      const n = Math.max(1, Math.min(w >>> 8, end - p));
      const midRun = n <= SPAN_MAX_PAGES;
      const live = kind === PK_RUN_LIVE;
      const box = midRun ? src.mid : src.big;
      const held = !live && box.holdsRun !== undefined && box.holdsRun(p);
      region({
        kind: 'run',
        box: midRun ? 'midLargeAce' : 'bigcache',
        state: live ? 'live' : held ? 'cached' : 'free',
        firstPage: p,
        pages: n,
        sizeClass: null,
        blockBytes: n * PAGE_SIZE,
        blocksLive: live ? 1 : 0,
        blocksCapacity: 1,
        bytesLive: live ? n * PAGE_SIZE - (midRun ? src.midGuard : src.largeGuard) : 0,
        owner: null,
      });
      p += n;
    } else if (kind === PK_RUN_BODY) {
      // A body page with no head before it: only check() can say what went wrong.
      region({ kind: 'unknown', box: null, state: 'unknown', firstPage: p, pages: 1, ...none });
      p++;
    } else {
      let n = 1;
      while (p + n < end && (pages.word(p + n) & PK_KIND_MASK) === kind) n++;
      const free = kind === PK_FREE;
      region({ kind: free ? 'free' : 'unknown', box: null, state: free ? 'free' : 'unknown', firstPage: p, pages: n, ...none });
      p += n;
    }
  }
  const pagesByKind = Object.fromEntries(KINDS.map((k) => [k, 0])) as Mutable<Record<HeapMapRegionKind, number>>;
  let liveBlocks = 0;
  let bytesInUse = 0;
  let unknownRegions = 0;
  for (const r of regions) {
    pagesByKind[r.kind] += r.pages;
    if (r.state === 'unknown') unknownRegions++;
    liveBlocks += r.blocksLive ?? 0;
    bytesInUse += r.bytesLive ?? 0;
  }
  return {
    format: 'hakmem-heap-map',
    version: 1,
    pageSize: PAGE_SIZE,
    heapBase: pages.heapBase,
    maxBytes: pages.maxBytes,
    memoryBytes: lm.memory.buffer.byteLength,
    shared: src.shared,
    variant: src.variant,
    boxVariants: { ...src.variants },
    basePage: pages.basePage,
    firstDataPage: pages.firstDataPage,
    endPage: end,
    totals: { liveBlocks, bytesInUse, bytesReserved: pages.bytesReserved(), pages: pagesByKind, unknownRegions },
    regions,
  };
}
