import { BOX_NAMES, HeapError, type BoxName, type Variant } from '@hakmem/contracts';
import {
  GRANULE_SHIFT,
  H_NEXT_WORKER,
  H_VARIANTS,
  MID_CLASS_SIZES,
  MID_FIRST_RUN_CLASS,
  MID_MAX,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_KIND_MASK,
  PK_MID_SPAN,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  PK_SS_SPARE,
  PK_FREE,
  PK_TINY,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_META_BYTES,
  SLABS_PER_SS,
  SM_CARVED,
  SM_CLASS,
  SM_OWNER,
  SM_STATE,
  SP_BITMAP,
  SP_PAGES,
  SPAN_MAX_BLOCKS,
  SPAN_MAX_PAGES,
  SS_BITMAP,
  SS_BITMAP_BYTES,
  SS_MAGIC_VALUE,
  SS_MASK,
  SS_PAGES,
  SS_SLAB_META,
  TINY_CLASS_OF_GRANULES,
  TINY_CLASS_SIZES,
  TINY_CLASSES,
  TINY_MAX,
  TLS_SLL_STRIDE,
  VARIANT_DEBUG_BYTE,
  midClassOf,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { slabRecordOf } from '@hakmem/superslab';
import type {
  BigCacheBox,
  BoxImplementations,
  BoxVariant,
  FrontGateBox,
  FrontGateImplementation,
  MidLargeAceBox,
  MidLargeAceImplementation,
  SharedPoolBox,
  SuperslabBox,
  SuperslabImplementation,
  TlsSllBox,
  TlsSllImplementation,
} from './box-contracts.js';
import { builds, pick } from './box-builds.js';
import { checkInstance } from './box-shape.js';
import { buildHeapMap, type HeapMap } from './heap-map.js';
import { LIVE_BITMAP, TLS_CAPACITY_AT, TLS_COUNT_AT } from './hot-layout.js';
import { resolveOptions, type AllocatorOptions } from './options.js';
import type { AllocatorStats } from './stats.js';
import { checkArrayType, checkLength, MemoryViews, VIEW_GETTERS, VIEW_METHODS, type TypedArrayConstructor, type TypedArrayOf, type TypedBlock } from './typed-views.js';

/** Everything a worker needs to attach to a shared heap; structured-cloneable. */
export interface SharedHeapHandle {
  readonly memory: WebAssembly.Memory;
  readonly base: number;
  readonly variants: Record<BoxName, Variant>;
}

export type { AllocatorStats } from './stats.js';

const SCRATCH = 512;

/**
 * The facade: composes the six boxes into one heap. It is the only place that
 * knows them all. Hot paths here are the tiny malloc/free: a class lookup, a
 * cache pop or push, and one live-bit update; everything else is delegated
 * to a box and every slow path is a separately named method.
 */
export class Heap {
  readonly memory: WebAssembly.Memory;
  readonly variant: Variant;
  readonly variants: Record<BoxName, BoxVariant>;
  /** The implementation each box runs (a built-in build or the user's). */
  private readonly boxes: BoxImplementations;
  private readonly lm: LinearMemory;
  private readonly pages: PageLayer;
  private readonly tls: TlsSllBox;
  private readonly ss: SuperslabBox;
  private readonly pool: SharedPoolBox;
  private readonly big: BigCacheBox;
  private readonly gate: FrontGateBox;
  private readonly mid: MidLargeAceBox;
  private readonly worker: number;
  private readonly maxBytes: number;
  private readonly shared: boolean;
  private readonly scratch = new Uint32Array(SCRATCH);
  private staleRetries = 0;
  private oomReclaims = 0;

  // Hot state, held here rather than reached through the boxes: each field
  // load saved on the tiny fast path shows in W1 (see docs/ARCHITECTURE.md).
  // The functions are the hot operations of the build picked for each box.
  // `declare`: no class-field initialiser, so the constructor's assignment is
  // each field's first store and V8 keeps its type (a typed array's map, a
  // Smi) exact; a field first set to undefined loses it, and every fast-path
  // load then pays a map or Smi check (measured: ~1 ns per W2-64 iteration).
  private declare hotU8: Uint8Array;
  private declare hotU32: Uint32Array;
  private declare readonly tlsCount: Int32Array;
  private declare readonly tlsCapacity: Int32Array;
  private declare readonly tlsSlots: Uint32Array;
  private declare readonly tlsOps: Float64Array;
  /** The built-in cache's one view (TlsSll.state); an empty array for any other build, whose heap never reads it. */
  private declare readonly tlsState: Uint32Array;
  /** Fast-path tiny frees not yet added to tlsOps[1] (the cache's push counter). */
  private tinyFrees = 0;
  private declare readonly gateFirstIndex: number;
  private declare readonly gateBasePage: number;
  private declare readonly gateRegionPages: number;
  private declare readonly popBlock: TlsSllImplementation['popBlock'];
  private declare readonly pushBlock: TlsSllImplementation['pushBlock'];
  private declare readonly markLive: SuperslabImplementation['markLive'];
  private declare readonly clearLive: SuperslabImplementation['clearLive'];
  private declare readonly pageWordOf: FrontGateImplementation['pageWordOf'];
  /**
   * Guard bytes the superslab and mid builds keep at the end of each block
   * (0 in release): usable size = class size − guard. A debug build of either
   * box installs the guarded malloc paths below at construction, so release
   * paths never look at these.
   */
  private readonly tinyGuard: number;
  private readonly midGuard: number;
  private readonly validateLiveRun: NonNullable<MidLargeAceImplementation['validateLiveRun']>;

  /**
   * `boxes` holds what each box runs, built-in or the user's: a user
   * implementation only puts other functions and arrays in the same fields,
   * so the hot paths below are the same code whatever the boxes are.
   */
  constructor(lm: LinearMemory, pages: PageLayer, boxes: BoxImplementations, variants: Record<BoxName, BoxVariant>) {
    this.lm = lm;
    this.pages = pages;
    this.memory = lm.memory;
    this.shared = lm.shared;
    this.variants = variants;
    this.boxes = boxes;
    // A user implementation counts as debug when it says so (its `variant` member).
    this.variant = BOX_NAMES.some((b) => variants[b] === 'debug' || (variants[b] === 'custom' && boxes[b].variant === 'debug')) ? 'debug' : 'release';
    this.maxBytes = pages.maxBytes;
    this.worker = lm.shared ? Atomics.add(lm.u32, (pages.base + H_NEXT_WORKER) >>> 2, 1) + 1 : ++lm.u32[(pages.base + H_NEXT_WORKER) >>> 2];
    lm.holder = this.worker;
    const tlsBuild = boxes.tlsSll;
    const ssBuild = boxes.superslab;
    const gateBuild = boxes.frontGate;
    const midBuild = boxes.midLargeAce;
    this.tls = new tlsBuild.TlsSll();
    if (this.tls.bindMemory !== undefined) this.tls.bindMemory(lm, pages.pt0);
    this.ss = new ssBuild.Superslab(lm, this.worker);
    this.pool = new boxes.sharedPool.SharedPool(lm, pages);
    this.big = new boxes.bigcache.BigCache(lm, pages);
    this.gate = new gateBuild.FrontGate(lm, pages);
    this.mid = new midBuild.MidLargeAce(lm, pages, this.worker);
    if (variants.tlsSll === 'custom') checkInstance('tlsSll', this.tls);
    if (variants.superslab === 'custom') checkInstance('superslab', this.ss);
    if (variants.sharedPool === 'custom') checkInstance('sharedPool', this.pool);
    if (variants.bigcache === 'custom') checkInstance('bigcache', this.big);
    if (variants.frontGate === 'custom') checkInstance('frontGate', this.gate);
    if (variants.midLargeAce === 'custom') checkInstance('midLargeAce', this.mid);
    // A user implementation that keeps no guard bytes leaves these out.
    this.tinyGuard = ssBuild.BLOCK_GUARD ?? 0;
    this.midGuard = midBuild.BLOCK_GUARD ?? 0;
    this.validateLiveRun = midBuild.validateLiveRun ?? noLiveRunCheck;
    // The written-out fast paths (`malloc`, `free`) hold for the built-in
    // release builds in a private heap only (a shared heap sets live bits atomically).
    const flatTiny = tlsBuild === builds.tlsSll.release && ssBuild === builds.superslab.release && !lm.shared && LITTLE_ENDIAN;
    if (!flatTiny) this.malloc = this.mallocBoxed;
    if (this.tinyGuard !== 0) this.malloc = this.mallocGuarded;
    if (this.midGuard !== 0) this.mallocMidLarge = this.mallocMidLargeGuarded;
    this.hotU8 = lm.u8;
    this.hotU32 = lm.u32;
    this.tlsCount = this.tls.count;
    this.tlsCapacity = this.tls.capacity;
    this.tlsSlots = this.tls.slots;
    this.tlsOps = this.tls.ops;
    this.tlsState = (flatTiny ? this.tls.state : undefined) ?? new Uint32Array(0);
    this.gateFirstIndex = this.gate.firstIndex;
    this.gateBasePage = this.gate.basePage;
    this.gateRegionPages = this.gate.regionPages;
    this.popBlock = tlsBuild.popBlock;
    this.pushBlock = tlsBuild.pushBlock;
    this.markLive = lm.shared ? ssBuild.markLiveShared : ssBuild.markLive;
    this.clearLive = lm.shared ? ssBuild.clearLiveShared : ssBuild.clearLive;
    this.pageWordOf = gateBuild.pageWordOf;
    if (lm.shared) this.free = this.freeShared;
    else if (!flatTiny || gateBuild !== builds.frontGate.release) this.free = this.freeBoxed;
  }

  static create(options?: AllocatorOptions): Heap {
    const o = resolveOptions(options);
    const geo = planGeometry(o.heapBase, o.maxBytes);
    const metaEnd = (geo.basePage + geo.metaPages) * PAGE_SIZE;
    // Room for the largest span: then every size up to 60 KiB (and, through the
    // mid box, every tiny size) can be served by an empty heap, whatever the
    // region's alignment does to SuperSlabs.
    if (geo.limitPage < geo.basePage + geo.metaPages + SPAN_MAX_PAGES)
      throw new RangeError(
        `hakmem: maxBytes ${o.maxBytes} is too small: from heapBase ${o.heapBase} the heap needs at least ${metaEnd + SPAN_MAX_PAGES * PAGE_SIZE - o.heapBase} bytes (its metadata up to the next page boundary, then ${SPAN_MAX_PAGES} pages of 64 KiB, the largest span, for blocks)`,
      );
    const wantBytes = Math.max(metaEnd, o.heapBase + o.initialBytes);
    const wantPages = Math.min(geo.limitPage, Math.ceil(wantBytes / PAGE_SIZE));
    let memory = o.memory;
    if (memory === undefined) {
      const maximum = Math.max(geo.limitPage, wantPages);
      memory = new WebAssembly.Memory(o.shared ? { initial: wantPages, maximum, shared: true } : { initial: wantPages, maximum });
    }
    const lm = new LinearMemory(memory, o.shared);
    if (!lm.ensurePages(Math.ceil(metaEnd / PAGE_SIZE)))
      throw new RangeError('hakmem: the memory cannot grow enough to hold the heap metadata');
    lm.ensurePages(wantPages);
    const pages = PageLayer.format(lm, geo, o.shared);
    o.boxes.bigcache.BigCache.formatBudget(lm, pages);
    BOX_NAMES.forEach((b, i) => (lm.u8[pages.base + H_VARIANTS + i] = VARIANT_BYTE[o.variants[b]]));
    return new Heap(lm, pages, o.boxes, o.variants);
  }

  static attach(handle: SharedHeapHandle, variant?: Variant): Heap {
    const variants = checkHandle(handle);
    const lm = new LinearMemory(handle.memory, true);
    const problem = PageLayer.headerProblem(lm, handle.base);
    if (problem !== null) throw new TypeError(`hakmem: attachAllocator: ${problem}; pass the handle share() returned`);
    const pages = PageLayer.attach(lm, handle.base);
    BOX_NAMES.forEach((b, i) => {
      if (lm.u8[pages.base + H_VARIANTS + i] !== VARIANT_BYTE[variants[b]])
        throw new TypeError(`hakmem: attachAllocator: the handle says ${b} runs '${variants[b]}', but the heap at base ${pages.base} was created otherwise`);
    });
    const heapVariant = BOX_NAMES.some((b) => variants[b] === 'debug') ? 'debug' : 'release';
    if (variant !== undefined && variant !== heapVariant)
      throw new TypeError(`hakmem: this heap was created with variant '${heapVariant}', not '${variant}'`);
    const boxes = {} as Record<BoxName, BoxImplementations[BoxName]>;
    for (const b of BOX_NAMES) boxes[b] = pick(b, variants[b]);
    return new Heap(lm, pages, boxes as BoxImplementations, variants);
  }

  // ------------------------------------------------------------------ malloc

  /**
   * Tiny malloc over the built-in release TLS cache and SuperSlab in a
   * private heap, written out: the pop of `popBlock` through the cache's one
   * `state` view and the live-bit set of `markLive` (same layout,
   * contracts/layout.ts), with no call through a function field and no pop
   * counter (the cache derives its pops, see TlsSll.counters). Each typed
   * array a fast path touches costs a map, detach and bounds check, so it
   * touches two: `state` and `hotU32`. Any other build of either box, or a
   * shared heap, gets `mallocBoxed` instead (constructor).
   */
  malloc(size: number): number {
    if ((size >>> 0) !== size) return this.mallocOdd(size);
    if (size <= TINY_MAX) {
      const cls = TINY_CLASS_OF_GRANULES[(size + 15) >>> 4];
      const st = this.tlsState;
      const n = st[TLS_COUNT_AT + cls] - 1;
      if (n >= 0) {
        const ptr = st[cls * TLS_SLL_STRIDE + n];
        st[TLS_COUNT_AT + cls] = n;
        // The live bit as a bit of a little-endian word: the same bit the boxes read as a byte.
        const u32 = this.hotU32;
        const i = ((ptr - (ptr & SS_MASK) + LIVE_BITMAP) >>> 2) + ((ptr & SS_MASK) >>> 9);
        // A detached or short view (the memory grew) has no word i: the slow path refreshes it.
        if (i < u32.length) {
          u32[i] |= 1 << ((ptr >>> GRANULE_SHIFT) & 31);
          return ptr;
        }
        return this.mallocTinySlow(cls, ptr);
      }
      return this.mallocTinySlow(cls, 0);
    }
    return this.mallocMidLarge(size);
  }

  /** `malloc` through the boxes' hot functions: any TLS or SuperSlab build other than the built-in release. */
  private mallocBoxed(size: number): number {
    if ((size >>> 0) !== size) return this.mallocOdd(size);
    if (size <= TINY_MAX) {
      const cls = TINY_CLASS_OF_GRANULES[(size + 15) >>> 4];
      const ptr = this.popBlock(this.tlsCount, this.tlsSlots, this.tlsOps, cls);
      if (ptr !== 0 && this.markLive(this.hotU8, ptr)) return ptr;
      return this.mallocTinySlow(cls, ptr);
    }
    return this.mallocMidLarge(size);
  }

  /**
   * `malloc` when the superslab runs its debug build: a tiny block keeps a
   * guard after its usable end, so the class is the one for size + guard,
   * and sizes whose guard does not fit a tiny class go to the mid box.
   */
  private mallocGuarded(size: number): number {
    if ((size >>> 0) !== size) return this.mallocOdd(size);
    const need = size + this.tinyGuard;
    if (need <= TINY_MAX) {
      const cls = TINY_CLASS_OF_GRANULES[(need + 15) >>> 4];
      const ptr = this.popBlock(this.tlsCount, this.tlsSlots, this.tlsOps, cls);
      if (ptr !== 0 && this.markLive(this.hotU8, ptr)) return ptr;
      return this.mallocTinySlow(cls, ptr);
    }
    return this.mallocMidLarge(size <= TINY_MAX ? TINY_MAX + 1 : size);
  }

  /** Sizes the fast paths do not take: not a u32 (2^32 itself may be a valid request), or above maxBytes. */
  private mallocOdd(size: number): number {
    if (Number.isInteger(size) && size >= 0 && size <= this.maxBytes) return this.mallocLarge(Math.ceil(size / PAGE_SIZE));
    throw new RangeError(`hakmem: malloc size must be an integer in [0, maxBytes = ${this.maxBytes}], got ${String(size)}`);
  }

  private checkSize(size: number, what: string): void {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > this.maxBytes)
      throw new RangeError(`hakmem: ${what} must be an integer in [0, maxBytes = ${this.maxBytes}], got ${String(size)}`);
  }

  /** Tiny slow path: the cache was empty (or the view went stale). */
  private mallocTinySlow(cls: number, popped: number): number {
    if (popped !== 0) {
      this.refreshViews();
      if (this.markLive(this.hotU8, popped)) return popped;
      throw new HeapError('CORRUPTION', 'cached block lies outside the memory', popped, 'tlsSll');
    }
    this.enter();
    let n = this.refillTiny(cls);
    if (n === 0) {
      this.reclaimForOom();
      n = this.refillTiny(cls);
      // No slab to be had (a region too small or too full for a 1 MiB
      // SuperSlab): the mid box's smallest class serves the size instead.
      if (n === 0) return this.mallocMidLarge(TINY_MAX + 1);
    }
    this.syncViews();
    const ptr = this.tls.pop(cls);
    this.markLive(this.hotU8, ptr);
    return ptr;
  }

  private refillTiny(cls: number): number {
    const want = this.tls.refillCount(cls);
    let n = this.ss.refill(cls, this.scratch, want);
    // An adopted abandoned slab may have nothing to give yet (it joins this
    // worker's dry list); the pool runs out of those before it runs out of memory.
    while (n === 0) {
      const slab = this.pool.acquire(cls, this.worker);
      if (slab === 0) return 0;
      this.ss.adopt(cls, slab);
      n = this.ss.refill(cls, this.scratch, want);
    }
    this.tls.splice(cls, this.scratch, n);
    return n;
  }

  private mallocMidLarge(size: number): number {
    if (size > this.maxBytes) return this.mallocOdd(size);
    this.enter();
    if (size <= MID_MAX) {
      let ptr = this.mid.malloc(size);
      if (ptr === 0) {
        this.reclaimForOom();
        ptr = this.mid.malloc(size);
      }
      return this.handOut(ptr, size);
    }
    return this.mallocLarge(Math.ceil(size / PAGE_SIZE));
  }

  /**
   * Every mid and large block leaves through here: the views (and so this
   * worker's `memory.buffer`) must reach its end, since a block another
   * worker freed may lie past them.
   */
  private handOut(ptr: number, size: number): number {
    if (ptr !== 0) this.lm.cover(ptr + size);
    this.syncViews();
    return ptr;
  }

  /**
   * `mallocMidLarge` when the mid box runs its debug build: its blocks keep a
   * guard, so a size within a guard of MID_MAX becomes a large run (of more
   * pages than any mid run, so that free routes it to BigCache).
   */
  private mallocMidLargeGuarded(size: number): number {
    if (size > this.maxBytes) return this.mallocOdd(size);
    this.enter();
    if (size <= MID_MAX - this.midGuard) {
      let ptr = this.mid.malloc(size);
      if (ptr === 0) {
        this.reclaimForOom();
        ptr = this.mid.malloc(size);
      }
      return this.handOut(ptr, size);
    }
    return this.mallocLarge(Math.max(SPAN_MAX_PAGES + 1, Math.ceil(size / PAGE_SIZE)));
  }

  private mallocLarge(pages: number): number {
    this.enter();
    // More pages than the region has can never be served (and would not fit the page word).
    if (pages > this.pages.limitPage - this.pages.firstDataPage) return 0;
    let page = this.big.alloc(pages);
    if (page === 0) {
      this.reclaimForOom();
      page = this.big.alloc(pages);
    }
    return this.handOut(page === 0 ? 0 : (page << PAGE_SHIFT) >>> 0, pages * PAGE_SIZE);
  }

  /** Before admitting out-of-memory: every cache of this worker gives its blocks back. */
  private reclaimForOom(): void {
    this.oomReclaims++;
    this.flushCaches();
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
    if (pages > SPAN_MAX_PAGES) return this.mallocLarge(Math.max(SPAN_MAX_PAGES + 1, Math.ceil(size / PAGE_SIZE)));
    this.enter();
    let ptr = this.mid.mallocClass(MID_FIRST_RUN_CLASS - 1 + pages);
    if (ptr === 0) {
      this.reclaimForOom();
      ptr = this.mid.mallocClass(MID_FIRST_RUN_CLASS - 1 + pages);
    }
    return this.handOut(ptr, pages * PAGE_SIZE);
  }

  // -------------------------------------------------------------------- free

  /**
   * Tiny free over the built-in release front gate, TLS cache and SuperSlab
   * in a private heap, written out as `malloc` is: the page word of
   * `pageWordOf` and the live-bit test and clear of `clearLive` through
   * `hotU32`, the push of `pushBlock` through `state`, counted in a plain field
   * (`tinyFrees`, folded into the cache's counter by stats and slow paths).
   * A detached view reads undefined, so a block past it falls to
   * `freeOther`, which refreshes the views and tries again.
   */
  free(ptr: number): void {
    if ((ptr >>> 0) === ptr) {
      const pg = (ptr >>> PAGE_SHIFT) - this.gateBasePage;
      const word = pg < 0 || pg >= this.gateRegionPages ? PK_FREE : this.hotU32[this.gateFirstIndex + pg] | 0;
      if ((word & PK_KIND_MASK) === PK_TINY && (ptr & 15) === 0) {
        const u32 = this.hotU32;
        const i = ((ptr - (ptr & SS_MASK) + LIVE_BITMAP) >>> 2) + ((ptr & SS_MASK) >>> 9);
        const bit = 1 << ((ptr >>> GRANULE_SHIFT) & 31);
        const old = u32[i];
        if ((old & bit) !== 0) {
          u32[i] = old & ~bit;
          const cls = (word >>> 8) & 0xff;
          const st = this.tlsState;
          const n = st[TLS_COUNT_AT + cls];
          if (n < st[TLS_CAPACITY_AT + cls]) {
            st[cls * TLS_SLL_STRIDE + n] = ptr;
            st[TLS_COUNT_AT + cls] = n + 1;
            this.tinyFrees++;
            return;
          }
          return this.freeTinySlow(cls, ptr);
        }
      }
      if (ptr === 0) return;
      this.freeOther(ptr, word);
      return;
    }
    this.freeOdd(ptr);
  }

  /** `free` through the boxes' hot functions: any front gate, TLS or SuperSlab build other than the built-in release. */
  private freeBoxed(ptr: number): void {
    if ((ptr >>> 0) === ptr) {
      const word = this.pageWordOf(this.hotU32, this.gateFirstIndex, this.gateBasePage, this.gateRegionPages, ptr);
      if ((word & PK_KIND_MASK) === PK_TINY && (ptr & 15) === 0 && this.clearLive(this.hotU8, ptr)) {
        const cls = (word >>> 8) & 0xff;
        if (!this.pushBlock(this.tlsCount, this.tlsCapacity, this.tlsSlots, this.tlsOps, cls, ptr)) this.freeTinySlow(cls, ptr);
        return;
      }
      if (ptr === 0) return;
      this.freeOther(ptr, word);
      return;
    }
    this.freeOdd(ptr);
  }

  /**
   * `free` in a shared heap: a tiny block of a slab another worker owns goes
   * back to that slab (its remote list) at once instead of into this worker's
   * cache. Kept in this worker's cache it would be handed out here again, and
   * the owner's and this worker's blocks would interleave in the same cache
   * lines and live-bitmap bytes, which both cores then fight over.
   */
  private freeShared(ptr: number): void {
    if ((ptr >>> 0) === ptr) {
      const word = this.pageWordOf(this.hotU32, this.gateFirstIndex, this.gateBasePage, this.gateRegionPages, ptr);
      if ((word & PK_KIND_MASK) === PK_TINY && (ptr & 15) === 0 && this.clearLive(this.hotU8, ptr)) {
        if (this.hotU32[(slabRecordOf(ptr) + SM_OWNER) >>> 2] !== this.worker) return this.freeRemoteTiny(ptr);
        const cls = (word >>> 8) & 0xff;
        if (!this.pushBlock(this.tlsCount, this.tlsCapacity, this.tlsSlots, this.tlsOps, cls, ptr)) this.freeTinySlow(cls, ptr);
        return;
      }
      if (ptr === 0) return;
      this.freeOther(ptr, word);
      return;
    }
    this.freeOdd(ptr);
  }

  /** Remote free of a tiny block: onto its slab's remote list, for the owner to collect. */
  private freeRemoteTiny(ptr: number): void {
    this.scratch[0] = ptr;
    this.ss.returnBlocks(this.scratch, 1);
  }

  private freeOdd(ptr: unknown): void {
    if (typeof ptr !== 'number') throw new TypeError(`hakmem: free expects a number, got ${typeof ptr}`);
    throw new HeapError('INVALID_POINTER', 'a pointer is an integer in [0, 2^32)', ptr as number, 'frontGate');
  }

  /** Tiny slow path: the class cache is full; drain its older half back to the slabs. */
  private freeTinySlow(cls: number, ptr: number): void {
    this.enter();
    this.foldTinyFrees();
    const n = this.tls.drain(cls, this.scratch);
    this.ss.returnBlocks(this.scratch, n);
    this.releaseEmptiedSlabs();
    this.tls.push(cls, ptr);
  }

  /** Adds the fast path's tiny frees to the cache's push counter. */
  private foldTinyFrees(): void {
    this.tlsOps[1] += this.tinyFrees; // ops is [pops, pushes] (TlsSllBox.ops)
    this.tinyFrees = 0;
  }

  private releaseEmptiedSlabs(): void {
    const emptied = this.ss.emptied;
    for (let i = 0; i < emptied.length; i++) this.pool.release(emptied[i]);
    emptied.length = 0;
  }

  /** Mid, large, and every pointer the tiny fast path did not accept. */
  private freeOther(ptr: number, word: number): void {
    // The word was read through the hot view, which may have been detached
    // (it reads 0): on fresh views the fast path may take the block after all.
    if (this.enter()) return this.free(ptr);
    const kind = word & PK_KIND_MASK;
    if (kind === PK_MID_SPAN || ((kind === PK_RUN_LIVE || kind === PK_RUN_FREE) && word >>> 8 <= SPAN_MAX_PAGES)) {
      const r = this.mid.free(ptr, word);
      if (r === 0) return;
      return this.freeRejected(ptr, word, r === 1 ? 'double' : null);
    }
    if (kind === PK_RUN_LIVE && (ptr & PAGE_MASK) === 0) {
      if (this.big.free(ptr >>> PAGE_SHIFT, word >>> 8)) return;
      return this.freeRejected(ptr, this.gate.pageWord(ptr), 'double');
    }
    if (kind === PK_RUN_FREE && (ptr & PAGE_MASK) === 0) return this.freeRejected(ptr, word, 'double');
    if (kind === PK_TINY) return this.freeRejected(ptr, word, this.tinyRejection(ptr));
    return this.freeRejected(ptr, word, null);
  }

  private tinyRejection(ptr: number): string | null {
    if (!this.ss.isBlockStart(ptr)) return 'the pointer is not the start of a block of its slab';
    return this.ss.isLive(ptr) ? null : 'double';
  }

  /** Before calling a pointer bad, make sure our views are not simply stale (the memory grew). */
  private freeRejected(ptr: number, word: number, detail: string | null): void {
    if (this.refreshViews()) {
      this.staleRetries++;
      this.free(ptr);
      return;
    }
    throw this.gate.reject(ptr, word, detail);
  }

  /**
   * The view rule's step 2 for the facade (see LinearMemory): every slow path
   * and every public method other than the two fast paths starts here.
   * Returns whether the views changed.
   */
  private enter(): boolean {
    this.lm.fresh();
    return this.syncViews();
  }

  /**
   * Brings this facade's views up to date with the memory. True when they
   * changed: a box may already have refreshed the shared views, so the test
   * is against the facade's own copies.
   */
  private refreshViews(): boolean {
    this.lm.refresh();
    return this.syncViews();
  }

  /**
   * Takes the shared views over if a box refreshed them (the page layer does
   * when it grows the memory). Cheap: no `memory.buffer` read, so it can
   * follow every slow path; only a stale-view suspicion needs `refreshViews`.
   */
  private syncViews(): boolean {
    const lm = this.lm;
    if (this.hotU8 === lm.u8) return false;
    this.hotU8 = lm.u8;
    this.hotU32 = lm.u32;
    return true;
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

  /** Usable size of the live block at `ptr`, or -1 when `ptr` is not one. */
  private usableOf(ptr: number): number {
    const word = this.gate.pageWord(ptr);
    const kind = word & PK_KIND_MASK;
    if (kind === PK_TINY) return (ptr & 15) === 0 && this.ss.isBlockStart(ptr) && this.ss.isLive(ptr) ? TINY_CLASS_SIZES[(word >>> 8) & 0xff] - this.tinyGuard : -1;
    if (kind === PK_MID_SPAN || ((kind === PK_RUN_LIVE || kind === PK_RUN_FREE) && word >>> 8 <= SPAN_MAX_PAGES)) return this.mid.usableSize(ptr, word);
    if (kind === PK_RUN_LIVE && (ptr & PAGE_MASK) === 0) return (word >>> 8) * PAGE_SIZE;
    return -1;
  }

  /** The error for a pointer that is not a live block start. */
  private rejection(ptr: number): HeapError {
    const word = this.gate.pageWord(ptr);
    const kind = word & PK_KIND_MASK;
    if (kind === PK_TINY) return this.gate.reject(ptr, word, this.tinyRejection(ptr));
    return this.gate.reject(ptr, word, kind === PK_RUN_FREE && (ptr & PAGE_MASK) === 0 ? 'double' : null);
  }

  /** The usable size `malloc(size)` would give (size ≤ maxBytes). */
  private usableFor(size: number): number {
    const tg = this.tinyGuard;
    const mg = this.midGuard;
    if (size + tg <= TINY_MAX) return TINY_CLASS_SIZES[TINY_CLASS_OF_GRANULES[(size + tg + 15) >>> 4]] - tg;
    const mid = Math.max(size, TINY_MAX + 1);
    if (mid + mg <= MID_MAX) return MID_CLASS_SIZES[midClassOf(mid + mg)] - mg;
    return Math.max(size <= MID_MAX ? SPAN_MAX_PAGES + 1 : 0, Math.ceil(size / PAGE_SIZE)) * PAGE_SIZE;
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
    if (old > MID_MAX && size > MID_MAX && this.big.resize !== undefined) {
      const pages = Math.ceil(size / PAGE_SIZE);
      if (this.big.resize(ptr >>> PAGE_SHIFT, old / PAGE_SIZE, pages)) return this.handOut(ptr, pages * PAGE_SIZE);
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

  /** Gives every block cached by this worker, every empty slab and span and every cached large run back. */
  private flushCaches(): void {
    this.refreshViews();
    for (let c = 0; c < TINY_CLASSES; c++) {
      const n = this.tls.drainAll(c, this.scratch);
      this.ss.returnBlocks(this.scratch, n);
      // Slabs detached workers left: this worker takes them over, so those
      // whose blocks all came back go to the pool below instead of staying reserved.
      for (let slab = this.pool.adoptAbandoned(c, this.worker); slab !== 0; slab = this.pool.adoptAbandoned(c, this.worker)) this.ss.adopt(c, slab);
    }
    this.ss.releaseCurrent();
    this.releaseEmptiedSlabs();
    this.mid.flush();
    this.big.flush();
    this.refreshViews();
  }

  /** Returns cached memory to the heap; the allocator stays usable. */
  trim(): void {
    this.flushCaches();
  }

  /** This attachment's worker id: what `reclaim` takes for a worker that died. */
  get workerId(): number {
    return this.worker;
  }

  /**
   * Called by a surviving worker for a worker that was terminated (or died)
   * without `detach()`: every lock the dead worker held is taken back and
   * what it guards repaired, and every slab and span it owned is abandoned
   * for other workers to adopt. Blocks the dead worker held live stay live
   * (their owner is whoever knows their addresses); blocks it had in its
   * caches cannot be told apart from blocks in a running worker's cache,
   * so they stay out of circulation. Returns what was reclaimed.
   */
  reclaim(deadWorker: number): { slabs: number; spans: number; locksBroken: number } {
    if (!Number.isInteger(deadWorker) || deadWorker <= 0) throw new RangeError(`hakmem: reclaim needs a worker id (a positive integer), got ${String(deadWorker)}`);
    if (deadWorker === this.worker) throw new RangeError('hakmem: a worker cannot reclaim itself; use detach()');
    let locksBroken = 0;
    // The page lock first: it is the innermost lock, so a survivor holding a
    // box lock may be waiting for it, and the boxes' repairs below take it
    // (BigCache gives orphaned runs back). Freed from the dead worker, every
    // other lock is either the dead worker's (broken below) or held by a
    // survivor that will let it go.
    if (this.pages.reclaimWorker(deadWorker)) locksBroken++;
    if (this.big.reclaimWorker(deadWorker)) locksBroken++;
    const spans = this.mid.reclaimWorker(deadWorker);
    const slabs = this.pool.reclaimWorker(deadWorker);
    this.refreshViews();
    return { slabs, spans, locksBroken };
  }

  detach(): void {
    this.flushCaches();
    // Slabs and spans that still have blocks out go to other workers.
    this.pool.abandon(this.ss.disown());
    this.mid.abandonAll();
    const dead = () => {
      throw new HeapError('DETACHED', 'this allocator was detached; attach again to use the heap');
    };
    for (const m of ['malloc', 'calloc', 'realloc', 'alignedAlloc', 'free', 'usableSize', 'stats', 'check', 'share', 'trim', 'detach', 'reclaim', 'map'])
      Object.defineProperty(this, m, { value: dead, configurable: true });
    for (const m of VIEW_METHODS) Object.defineProperty(this, m, { value: dead, configurable: true });
    for (const g of VIEW_GETTERS) Object.defineProperty(this, g, { get: dead, configurable: true });
  }

  share(): SharedHeapHandle {
    if (!this.shared) throw new HeapError('INVALID_STATE', 'share() needs a heap created with shared: true');
    // A handle must be structured-cloneable and a user implementation is code:
    // there is no way to send it to another worker.
    const custom = BOX_NAMES.find((b) => this.variants[b] === 'custom');
    if (custom !== undefined)
      throw new HeapError('INVALID_STATE', `share() cannot hand a user implementation of ${custom} to another worker; share a heap of built-in builds`, undefined, custom);
    return { memory: this.memory, base: this.pages.base, variants: { ...this.variants } as Record<BoxName, Variant> };
  }

  // ------------------------------------------------------------------ stats

  stats(): AllocatorStats {
    this.refreshViews();
    const walk = this.walk(false);
    this.foldTinyFrees();
    const tls = this.tls.counters();
    const mid = this.mid.counters();
    const big = this.big.counters();
    const pool = this.pool.counters();
    const ss = this.ss.counters();
    const gate = this.gate.counters();
    const pageCounters = this.pages.counters();
    return {
      variant: this.variant,
      boxVariants: { ...this.variants },
      bytesReserved: this.pages.bytesReserved(),
      peakBytesReserved: (this.pages.metaPages + pageCounters.peakPagesInUse) * PAGE_SIZE,
      bytesInUse: walk.liveBytes,
      liveBlocks: walk.liveBlocks,
      memoryBytes: this.memory.buffer.byteLength,
      heapBase: this.pages.heapBase,
      maxBytes: this.maxBytes,
      pages: pageCounters,
      boxes: {
        tlsSll: { fastPathHits: tls.pops + tls.pushes, slowPathHits: tls.refills + tls.drains, ...tls },
        superslab: { fastPathHits: ss.reusedBlocks + ss.carvedBlocks, slowPathHits: ss.refills, ...ss },
        sharedPool: { fastPathHits: pool.stage1Hits, slowPathHits: pool.stage2Hits + pool.stage3Hits, ...pool },
        bigcache: { fastPathHits: big.hits, slowPathHits: big.misses, ...big },
        frontGate: {
          fastPathHits: tls.pushes + (mid.frees as number) + big.puts,
          slowPathHits: tls.drains + gate.rejected + this.staleRetries,
          ...gate,
          staleViewRetries: this.staleRetries,
          oomReclaims: this.oomReclaims,
        },
        midLargeAce: { fastPathHits: mid.hits as number, slowPathHits: mid.misses as number, ...mid },
      },
    };
  }

  /** A plain-JSON summary per slab, span, run and free range (see heap-map.ts); render it with `renderHeapMapSvg`. */
  map(): HeapMap {
    this.refreshViews();
    return buildHeapMap({
      lm: this.lm,
      pages: this.pages,
      shared: this.shared,
      variant: this.variant,
      variants: this.variants,
      superslab: this.boxes.superslab,
      midLargeAce: this.boxes.midLargeAce,
      mid: this.mid,
      big: this.big,
      tinyGuard: this.tinyGuard,
      midGuard: this.midGuard,
    });
  }

  // ------------------------------------------------------------------ check

  check(): void {
    this.refreshViews();
    const fail = (box: BoxName | undefined, msg: string | null, at?: number) => {
      if (msg !== null) throw new HeapError('CORRUPTION', msg, at, box);
    };
    fail(undefined, this.pages.validate());
    fail('tlsSll', this.tls.validate());
    fail('midLargeAce', this.mid.validate());
    fail('bigcache', this.big.validate());
    this.walk(true);
  }

  /**
   * Walks the page table once: counts live blocks and, with `validate`, runs
   * every box's validator over every SuperSlab, span and run.
   */
  private walk(validate: boolean): { liveBlocks: number; liveBytes: number } {
    const u8 = this.lm.u8;
    const u32 = this.lm.u32;
    const pages = this.pages;
    const end = pages.endPage();
    const out = { liveBlocks: 0, liveBytes: 0, activeSlabs: 0, emptySlabs: 0, unusedSlabs: 0, spans: 0 };
    const superslabs: number[] = [];
    const fail = (box: BoxName, msg: string | null, at: number) => {
      if (msg !== null) throw new HeapError('CORRUPTION', msg, at, box);
    };
    const cachedTiny = validate ? this.cachedTinyBySlab() : null;
    const ssValidate = this.boxes.superslab.validateSuperslab;
    const spanValidate = this.boxes.midLargeAce.validateSpan;
    for (let p = pages.firstDataPage; p < end; ) {
      const w = pages.word(p);
      const kind = w & PK_KIND_MASK;
      if (kind === PK_TINY || kind === PK_SS_SPARE) {
        const ss = p << PAGE_SHIFT >>> 0;
        if ((ss & SS_MASK) !== 0 || u32[ss >>> 2] !== SS_MAGIC_VALUE) {
          fail('superslab', `page ${p} is a SuperSlab page but no SuperSlab header is at ${ss - (ss & SS_MASK)}`, ss);
          p++;
          continue;
        }
        superslabs.push(ss);
        if (validate) {
          for (let s = 0; s < SLABS_PER_SS; s++) {
            const slab = ss + SS_SLAB_META + s * SLAB_META_BYTES;
            const state = u32[(slab >>> 2) + SM_STATE / 4];
            const pw = pages.word(p + s);
            const want = state === SLAB_ACTIVE || state === SLAB_EMPTY ? PK_TINY : PK_SS_SPARE;
            if ((pw & PK_KIND_MASK) !== want) fail('superslab', `slab ${slab} in state ${state} has page word ${pw}`, slab);
            if (want === PK_TINY && ((pw >>> 8) & 0xff) !== u32[(slab >>> 2) + SM_CLASS / 4]) fail('superslab', `slab ${slab}: page word class differs from its record`, slab);
          }
          fail('superslab', ssValidate(this.lm, ss, out, (slab) => cachedTiny!.get(slab) ?? 0), ss);
        } else {
          for (let s = 0; s < SLABS_PER_SS; s++) {
            const slab = ss + SS_SLAB_META + s * SLAB_META_BYTES;
            const m = slab >>> 2;
            const state = u32[m + SM_STATE / 4];
            if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) continue;
            const size = TINY_CLASS_SIZES[u32[m + SM_CLASS / 4]];
            // Live bits of this slab's granules: its share of the SuperSlab bitmap.
            let live = 0;
            const from = ss + SS_BITMAP + s * SLAB_BITMAP_BYTES;
            if (u32[m + SM_CARVED / 4] > 0) for (let i = from; i < from + SLAB_BITMAP_BYTES; i++) live += POPCOUNT8[u8[i]];
            out.liveBlocks += live;
            out.liveBytes += live * (size - this.tinyGuard);
          }
        }
        p += SS_PAGES;
      } else if (kind === PK_MID_SPAN) {
        const span = p << PAGE_SHIFT >>> 0;
        if (((w >>> 4) & 15) !== 0) fail('midLargeAce', `page ${p} is a mid span page with no span head before it`, span);
        const n = u32[(span + SP_PAGES) >>> 2];
        const walk = { liveBlocks: 0, liveBytes: 0, spans: 0 };
        if (validate) fail('midLargeAce', spanValidate(this.lm, pages, span, walk, this.mid.cachedIn(span)), span);
        else {
          let live = 0;
          for (let i = 0; i < SPAN_MAX_BLOCKS / 32; i++) live += popcount32(u32[((span + SP_BITMAP) >>> 2) + i]);
          walk.liveBlocks = live;
          walk.liveBytes = live * (MID_CLASS_SIZES[(w >>> 8) & 0xff] - this.midGuard);
        }
        out.liveBlocks += walk.liveBlocks;
        out.liveBytes += walk.liveBytes;
        p += Math.max(1, n);
      } else if (kind === PK_RUN_LIVE || kind === PK_RUN_FREE) {
        const n = w >>> 8;
        if (validate) {
          if (n === 0 || p + n > end) fail('bigcache', `run at page ${p} has ${n} pages, past the heap end`, p * PAGE_SIZE);
          for (let q = p + 1; q < p + n; q++) if (pages.word(q) !== PK_RUN_BODY) fail(n > SPAN_MAX_PAGES ? 'bigcache' : 'midLargeAce', `run at page ${p}: page ${q} has word ${pages.word(q)}`, p * PAGE_SIZE);
          if (kind === PK_RUN_FREE) {
            const held = n > SPAN_MAX_PAGES ? this.big.holds(p) : this.mid.cachesRun((p << PAGE_SHIFT) >>> 0) || this.shared;
            if (!held) fail(n > SPAN_MAX_PAGES ? 'bigcache' : 'midLargeAce', `free run at page ${p} is held by no cache (lost memory)`, p * PAGE_SIZE);
          }
        }
        if (kind === PK_RUN_LIVE) {
          const midRun = n <= SPAN_MAX_PAGES;
          if (validate && midRun) fail('midLargeAce', this.validateLiveRun(this.lm, p * PAGE_SIZE, n), p * PAGE_SIZE);
          out.liveBlocks++;
          out.liveBytes += n * PAGE_SIZE - (midRun ? this.midGuard : 0);
        }
        p += Math.max(1, n);
      } else {
        if (validate && kind === PK_RUN_BODY) fail('bigcache', `page ${p} is a run body with no run head`, p * PAGE_SIZE);
        p++;
      }
    }
    if (validate) fail('sharedPool', this.pool.validate(superslabs), 0);
    return out;
  }

  private cachedTinyBySlab(): Map<number, number> {
    const m = new Map<number, number>();
    const slots = this.tls.slots;
    for (let c = 0; c < TINY_CLASSES; c++)
      for (let i = 0; i < this.tls.count[c]; i++) {
        const p = slots[c * TLS_SLL_STRIDE + i];
        const slab = slabRecordOf(p);
        if (this.ss.isLive(p)) throw new HeapError('CORRUPTION', 'a cached block is marked live', p, 'tlsSll');
        m.set(slab, (m.get(slab) ?? 0) + 1);
      }
    return m;
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

/**
 * The handle's own fields, checked before anything reads the memory: a
 * shared WebAssembly.Memory and a build per box. Returns its variants.
 */
function checkHandle(handle: SharedHeapHandle): Record<BoxName, Variant> {
  if (typeof handle !== 'object' || handle === null) throw new TypeError('hakmem: attachAllocator needs the handle returned by share()');
  if (!(handle.memory instanceof WebAssembly.Memory)) throw new TypeError('hakmem: attachAllocator: the handle has no WebAssembly.Memory; pass the handle share() returned');
  if (typeof SharedArrayBuffer === 'undefined' || !(handle.memory.buffer instanceof SharedArrayBuffer))
    throw new TypeError('hakmem: attachAllocator: the handle\'s memory is not shared; only a heap created with shared: true can be attached');
  const v = handle.variants as unknown;
  if (typeof v !== 'object' || v === null) throw new TypeError('hakmem: attachAllocator: the handle has no variants; pass the handle share() returned');
  const out = {} as Record<BoxName, Variant>;
  for (const b of BOX_NAMES) {
    const x = (v as Record<string, unknown>)[b];
    if (x !== 'release' && x !== 'debug') throw new TypeError(`hakmem: attachAllocator: the handle's variants.${b} must be 'release' or 'debug', got ${String(x)}`);
    out[b] = x;
  }
  for (const k of Object.keys(v)) if (!(BOX_NAMES as readonly string[]).includes(k)) throw new TypeError(`hakmem: attachAllocator: the handle's variants has an unknown box '${k}'`);
  return out;
}

/** The private fast paths set live bits as bits of u32 words, which are the bitmap's bytes only on a little-endian host. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** H_VARIANTS byte per box: what it runs, for anyone reading the header (attach uses the handle). */
const VARIANT_BYTE: Record<BoxVariant, number> = { release: 0, debug: VARIANT_DEBUG_BYTE, custom: 2 };

/** Bytes of the SuperSlab live bitmap that cover one slab. */
const SLAB_BITMAP_BYTES = SS_BITMAP_BYTES / SLABS_PER_SS;

const POPCOUNT8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >>> 1];
  return t;
})();

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** For a mid implementation without `validateLiveRun`: live runs have nothing beyond their page words to check. */
function noLiveRunCheck(): string | null {
  return null;
}
