import { FREE_INVALID, FREE_OK, HeapError, ROUTE_LARGE, ROUTE_MID, ROUTE_TINY, type BoxName, type FreeResult, type Variant } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  MID_CLASS_SIZES,
  MID_MAX,
  PAGE_SIZE,
  PK_FREE,
  PK_RUN_LIVE,
  SMALL_HEAP_PAGES,
  TINY_BORROW_LAST,
  TINY_BORROW_BUDGET,
  TINY_CLASSES,
  TINY_CLASS_OF_GRANULES,
  TINY_CLASS_SIZES,
  TINY_MAX,
  isTinyPage,
  midClassOf,
  smallHeapClassTable,
} from '@hakmem/contracts/layout';
import { scannerOf, type BlockScanner, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';
import type {
  BigCacheBox,
  BoxVariant,
  FrontGateBox,
  FrontGateImplementation,
  MidAceBox,
  SharedPoolBox,
  SuperslabBox,
  SuperslabImplementation,
  TlsCacheBox,
  TlsCacheImplementation,
} from './box-contracts.js';
import { builds } from './box-builds.js';
import type { HeapParts } from './heap-parts.js';
import {
  CACHED_WORD_SHIFT,
  CLASS_MASK,
  CLASS_SHIFT,
  DIST_MASK,
  DIST_SHIFT,
  GRANULE_BITS,
  GUARD_BYTES_DEBUG,
  GUARD_WORD,
  KIND_MASK,
  KIND_MID_SPAN,
  KIND_TINY,
  LIVE_BIT_MASK,
  LIVE_BITMAP,
  LIVE_WORD_SHIFT,
  LIVE_BITMAP_WORD,
  MID_COUNT_AT,
  MID_HITS_AT,
  MID_LIMIT_AT,
  MID_SPAN_CLASSES,
  MID_STRIDE,
  POISON,
  RECORD_CARVED,
  RECORD_CLASS,
  RECORD_STATE,
  RECORD_WORDS,
  RECORDS_WORD,
  REMOTE_WORDS,
  SLAB0_DATA,
  SLAB_MASK,
  SLAB_OF_WORD,
  SLAB_OWNER_WORD,
  SLAB_SHIFT,
  SPAN_BITMAP,
  SPAN_CARVED,
  SPAN_HEADER,
  SS_MAGIC_WORD,
  STATE_ACTIVE,
  SUPERSLAB_MASK,
  TLS_CAPACITY_AT,
  TLS_COUNT_AT,
  TLS_STRIDE,
} from './hot-layout.js';

/**
 * The facade's hot half: the boxes' fast-path state held in fields, the
 * written-out tiny malloc and free, their slow paths, and the view rule. A
 * class lookup, a cache pop or push, and one live-bit update; everything else
 * goes to a box through a separately named slow path. `Heap` (heap.ts)
 * adds the rest of the API on top.
 *
 * One class with its fast paths and their slow paths side by side, so it is
 * longer than the other facade files: splitting it further would put a call
 * through another object on the hot path.
 */
export class HeapCore {
  readonly memory: WebAssembly.Memory;
  readonly variant: Variant;
  readonly variants: Record<BoxName, BoxVariant>;
  /** The wired boxes (heap-parts.ts): what the walk and the lifecycle functions work through. */
  protected readonly parts: HeapParts;
  protected readonly lm: LinearMemory;
  protected readonly pages: PageLayer;
  protected readonly tls: TlsCacheBox;
  protected readonly ss: SuperslabBox;
  protected readonly pool: SharedPoolBox;
  protected readonly big: BigCacheBox;
  protected readonly gate: FrontGateBox;
  protected readonly mid: MidAceBox;
  protected readonly worker: number;
  protected readonly maxBytes: number;
  protected readonly shared: boolean;
  protected readonly scratch: Uint32Array;
  protected staleRetries = 0;
  protected oomReclaims = 0;
  /**
   * The mid box is the built-in release build in a private heap, routed to
   * by the built-in release front gate. Then `malloc` and `freeOther` write
   * out its span classes' cache pop and push (over its one `state` view,
   * hot-layout.ts) and the span live bit, and its other sizes go to it
   * straight (`mallocMidLarge`), without the view rule's `enter`/`cover`,
   * which a private heap does not need there: a view of a non-shared memory
   * is either detached (length 0, every read undefined: the paths test for
   * it and take their slow path) or covers all of the memory, and only
   * another worker could hand over bytes past it. No routing call either:
   * its answer for those sizes and words is fixed.
   */
  protected declare readonly flatMid: boolean;
  /** With `flatMid`, the largest size the fast paths hand the mid box (MID_MAX, or maxBytes if less: above it malloc throws); else 0. */
  protected declare readonly flatMidMax: number;
  /**
   * Sizes above this go straight to BigCache (`mallocLargeFlat`, and a live
   * run's free in `freeOther`): in a private heap routed by the built-in
   * release front gate, whose answer for them is fixed (routeOfSize: above
   * MID_MAX less the mid guard). No `enter`/`cover`: `lm.fresh()` catches a
   * detached view, and the page layer covers the runs it hands out. 2^32
   * (no size) in any other heap.
   */
  protected declare readonly flatLargeAbove: number;
  /** The mid box's cache view (MidAceBox.state); an empty array when not `flatMid`. */
  protected declare readonly midState: Uint32Array;
  /** u32 index of page 0's page word (the page layer's pt0): page word of `ptr` = hotU32[midPt0 + (ptr >>> PAGE_SHIFT)]. */
  protected declare readonly midPt0: number;
  /**
   * Size → tiny class for this heap (indexed like TINY_CLASS_OF_GRANULES).
   * While the heap is small it maps sizes onto the few small-heap classes
   * (size-classes.ts), so that barely used classes do not each hold a slab;
   * `noteSlab` gives every size its own class once the heap has grown. Its
   * contents change, the array never does.
   */
  protected declare readonly sizeClass: Uint8Array;
  /** Whether `sizeClass` still maps any size onto a small-heap class. */
  protected declare smallHeap: boolean;
  /** Whether a dry tiny class takes blocks of the next classes before a new slab (`borrowBlocks`). */
  protected declare readonly borrowTiny: boolean;
  /** Per tiny class, blocks it may still borrow before it takes a slab of its own (TINY_BORROW_BUDGET). */
  protected declare readonly borrowLeft: Int32Array;

  // Hot state, held here rather than reached through the boxes: each field
  // load saved on the tiny fast path shows in W1 (see docs/ARCHITECTURE.md).
  // The functions are the hot operations of the build picked for each box.
  // `declare`: no class-field initialiser, so the constructor's assignment is
  // each field's first store and V8 keeps its type (a typed array's map, a
  // Smi) exact; a field first set to undefined loses it, and every fast-path
  // load then pays a map or Smi check (measured: ~1 ns per W2-64 iteration).
  protected declare hotU8: Uint8Array;
  protected declare hotU32: Uint32Array;
  protected declare readonly tlsCount: Int32Array;
  protected declare readonly tlsCapacity: Int32Array;
  protected declare readonly tlsSlots: Uint32Array;
  protected declare readonly tlsOps: Float64Array;
  /** The built-in cache's one view (TlsCache.state); an empty array for any other build, whose heap never reads it. */
  protected declare readonly tlsState: Uint32Array;
  /** Fast-path tiny frees not yet added to tlsOps[1] (the cache's push counter). */
  protected tinyFrees = 0;
  protected declare readonly gateFirstIndex: number;
  protected declare readonly gateBasePage: number;
  protected declare readonly gateRegionPages: number;
  protected declare readonly popBlock: TlsCacheImplementation['popBlock'];
  protected declare readonly pushBlock: TlsCacheImplementation['pushBlock'];
  protected declare readonly markLive: SuperslabImplementation['markLive'];
  protected declare readonly clearLive: SuperslabImplementation['clearLive'];
  protected declare readonly pageWordOf: FrontGateImplementation['pageWordOf'];
  protected declare readonly ownerOf: SuperslabImplementation['ownerOf'];
  /**
   * With the written-out debug tiny path (`mallocDebugFlat`/`freeDebugFlat`):
   * the debug TLS cache's record of which blocks it holds (its `cachedBits`);
   * otherwise an empty record that no path reads. And the memory's block
   * scanner, the one every debug box poisons and checks with (otherwise
   * `NO_SCANNER`, which no path calls).
   */
  protected declare readonly tlsDebug: { readonly cachedBits: Uint32Array };
  protected declare readonly scan: BlockScanner;
  /**
   * Guard bytes the superslab and mid builds keep at the end of each block
   * (0 in release): usable size = class size − guard. A debug build of either
   * box installs the guarded malloc paths below at construction, so release
   * paths never look at these.
   */
  protected readonly tinyGuard: number;
  protected readonly midGuard: number;
  /** BigCache's guard at the end of each live run (0 in release); `largeRunPages` counts it in. */
  protected readonly largeGuard: number;
  /** The front gate's routing functions (FrontGateImplementation). */
  protected readonly routeOfSize: FrontGateImplementation['routeOfSize'];
  protected readonly routeOfWord: FrontGateImplementation['routeOfWord'];
  protected readonly routeOfPageRun: FrontGateImplementation['routeOfPageRun'];
  /** The front gate's `largeRunPages`, of the size plus BigCache's guard. */
  protected readonly largeRunPages: FrontGateImplementation['largeRunPages'];

  /**
   * `parts` holds what each box runs, built-in or the user's: a user
   * implementation only puts other functions and arrays in the same fields,
   * so the hot paths below are the same code whatever the boxes are.
   */
  constructor(parts: HeapParts) {
    const lm = parts.lm;
    const boxes = parts.boxes;
    this.parts = parts;
    this.lm = lm;
    this.pages = parts.pages;
    this.memory = lm.memory;
    this.shared = parts.shared;
    this.variants = parts.variants;
    this.variant = parts.variant;
    this.maxBytes = parts.pages.maxBytes;
    this.worker = parts.worker;
    this.scratch = parts.scratch;
    this.tls = parts.tls;
    this.ss = parts.ss;
    this.pool = parts.pool;
    this.big = parts.big;
    this.gate = parts.gate;
    this.mid = parts.mid;
    this.tinyGuard = parts.tinyGuard;
    this.midGuard = parts.midGuard;
    this.largeGuard = parts.largeGuard;
    this.smallHeap = parts.pages.pagesInUse() < SMALL_HEAP_PAGES;
    this.sizeClass = this.smallHeap ? smallHeapClassTable() : TINY_CLASS_OF_GRANULES.slice();
    const tlsBuild = boxes.tlsSll;
    const ssBuild = boxes.superslab;
    const gateBuild = boxes.frontGate;
    this.routeOfSize = gateBuild.routeOfSize;
    this.routeOfWord = gateBuild.routeOfWord;
    this.routeOfPageRun = gateBuild.routeOfPageRun;
    const largeGuard = parts.largeGuard;
    const runPagesOf = gateBuild.largeRunPages;
    this.largeRunPages = largeGuard === 0 ? runPagesOf : (size) => runPagesOf(size + largeGuard);
    // The written-out fast paths hold for the built-in release TLS cache and
    // SuperSlab: `malloc`/`free` in a private heap, `mallocSharedFlat`/
    // `freeSharedFlat` (with the release front gate too) in a shared one.
    const builtIn = tlsBuild === builds.tlsSll.release && ssBuild === builds.superslab.release && LITTLE_ENDIAN;
    const flatTiny = builtIn && !lm.shared;
    const flatShared = builtIn && lm.shared && gateBuild === builds.frontGate.release;
    this.borrowTiny = flatTiny;
    this.borrowLeft = TINY_BORROW_BUDGET.slice();
    if (flatShared) this.malloc = this.mallocSharedFlat;
    else if (!flatTiny) this.malloc = this.mallocBoxed;
    if (this.tinyGuard !== 0) this.malloc = this.mallocGuarded;
    // The written-out debug tiny path holds for the built-in debug TLS cache,
    // SuperSlab and front gate in a private heap (the checks and patterns of
    // hot-layout.ts are theirs).
    const debugMemory = tlsBuild === builds.tlsSll.debug && ssBuild === builds.superslab.debug && gateBuild === builds.frontGate.debug ? this.tls.debugMemory : undefined;
    const debugFlat = debugMemory !== undefined && !lm.shared && LITTLE_ENDIAN && this.tinyGuard === GUARD_BYTES_DEBUG;
    this.tlsDebug = debugFlat ? debugMemory : { cachedBits: new Uint32Array(0) };
    // Only that path scans here: a release heap makes no wasm instance for it.
    this.scan = debugFlat ? scannerOf(lm) : NO_SCANNER;
    if (debugFlat) this.malloc = this.mallocDebugFlat;
    this.hotU8 = lm.u8;
    this.hotU32 = lm.u32;
    this.tlsCount = this.tls.count;
    this.tlsCapacity = this.tls.capacity;
    this.tlsSlots = this.tls.slots;
    this.tlsOps = this.tls.ops;
    this.tlsState = (flatTiny || flatShared || debugFlat ? this.tls.state : undefined) ?? new Uint32Array(0);
    this.gateFirstIndex = this.gate.firstIndex;
    this.gateBasePage = this.gate.basePage;
    this.gateRegionPages = this.gate.regionPages;
    this.popBlock = tlsBuild.popBlock;
    this.pushBlock = tlsBuild.pushBlock;
    this.markLive = lm.shared ? ssBuild.markLiveShared : ssBuild.markLive;
    this.clearLive = lm.shared ? ssBuild.clearLiveShared : ssBuild.clearLive;
    this.pageWordOf = gateBuild.pageWordOf;
    this.ownerOf = ssBuild.ownerOf;
    const midState = this.mid.state;
    this.flatMid = parts.boxes.midLargeAce === builds.midLargeAce.release && gateBuild === builds.frontGate.release && !lm.shared && this.midGuard === 0 && midState !== undefined;
    this.flatMidMax = this.flatMid ? Math.min(MID_MAX, this.maxBytes) : 0;
    this.midState = (this.flatMid ? midState : undefined) ?? new Uint32Array(0);
    this.midPt0 = this.pages.pt0;
    this.flatLargeAbove = gateBuild === builds.frontGate.release && !lm.shared ? MID_MAX - this.midGuard : NO_LARGE_FAST_PATH;
    if (flatShared) this.free = this.freeSharedFlat;
    else if (lm.shared) this.free = this.freeShared;
    else if (debugFlat) this.free = this.freeDebugFlat;
    else if (!flatTiny || gateBuild !== builds.frontGate.release) this.free = this.freeBoxed;
  }

  // ------------------------------------------------------------------ malloc

  /**
   * Tiny malloc over the built-in release TLS cache and SuperSlab in a
   * private heap: those builds' `popState` (over the cache's one `state`
   * view) and `markLiveWord` (the live bit as a bit of a u32 word), written
   * out with the numbers of hot-layout.ts, which a test holds to the boxes;
   * no call, no pop counter (the cache derives its pops, see
   * TlsCache.counters). Each typed array a fast path touches costs a map,
   * detach and bounds check, so it touches two: `state` and `hotU32`. Any
   * other build of either box, a user box, or a shared heap gets
   * `mallocBoxed` instead (constructor), which calls the boxes' functions.
   */
  malloc(size: number): number {
    if (typeof size !== 'number' || (size >>> 0) !== size) return this.mallocHugeOrThrow(size);
    if (size <= TINY_MAX) {
      const cls = this.sizeClass[(size + 15) >>> 4];
      // popState, written out (hot-layout.ts)
      const st = this.tlsState;
      const n = st[TLS_COUNT_AT + cls] - 1;
      if (n >= 0) {
        const ptr = st[cls * TLS_STRIDE + n];
        st[TLS_COUNT_AT + cls] = n;
        // markLiveWord, written out: the live bit as a bit of a little-endian word.
        const u32 = this.hotU32;
        const i = ((ptr - (ptr & SUPERSLAB_MASK) + LIVE_BITMAP) >>> 2) + ((ptr & SUPERSLAB_MASK) >>> LIVE_WORD_SHIFT);
        // A detached or short view (the memory grew) has no word i: the slow path refreshes it.
        if (i < u32.length) {
          u32[i] |= 1 << ((ptr >>> GRANULE_BITS) & LIVE_BIT_MASK);
          return ptr;
        }
        return this.mallocTinySlow(cls, ptr);
      }
      return this.mallocTinySlow(cls, 0);
    }
    return this.mallocMidLarge(size);
  }

  /**
   * `malloc` in a shared heap over the built-in release TLS cache and
   * SuperSlab, written out as `malloc` is: the owner sets the live bit with a
   * plain store (only the owner writes live bits, see the superslab box's
   * header), after one plain load of the block's remote-freed bit
   * (markLiveShared; Atomics.load is a builtin call in Node 20, ~9 ns): a block that a raced double free left pending on its
   * slab's remote list goes to the slow path, which drops it and pops
   * another.
   */
  protected mallocSharedFlat(size: number): number {
    if (typeof size !== 'number' || (size >>> 0) !== size) return this.mallocHugeOrThrow(size);
    if (size <= TINY_MAX) {
      const cls = this.sizeClass[(size + 15) >>> 4];
      // popState, written out (hot-layout.ts); each value computed once keeps the bytecode small (see freeSharedFlat)
      const st = this.tlsState;
      const at = TLS_COUNT_AT + cls;
      const n = st[at] - 1;
      if (n >= 0) {
        const ptr = st[cls * TLS_STRIDE + n];
        st[at] = n;
        // markLiveShared, written out in words: the remote word lies in the SuperSlab's first page, as the live word does.
        const u32 = this.hotU32;
        const off = ptr & SUPERSLAB_MASK;
        const i = ((ptr - off) >>> 2) + LIVE_BITMAP_WORD + (off >>> LIVE_WORD_SHIFT);
        const bit = 1 << (ptr >>> GRANULE_BITS); // `<<` takes its count mod 32: the granule's bit (& LIVE_BIT_MASK)
        if (i < u32.length && (u32[i + REMOTE_WORDS] & bit) === 0) {
          u32[i] |= bit;
          return ptr;
        }
        return this.mallocTinySlow(cls, ptr);
      }
      return this.mallocTinySlow(cls, 0);
    }
    return this.mallocMidLarge(size);
  }

  /** `malloc` through the boxes' hot functions: any TLS or SuperSlab build other than the built-in release. */
  protected mallocBoxed(size: number): number {
    if (typeof size !== 'number' || (size >>> 0) !== size) return this.mallocHugeOrThrow(size);
    if (size <= TINY_MAX) {
      const cls = this.sizeClass[(size + 15) >>> 4];
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
  protected mallocGuarded(size: number): number {
    if (typeof size !== 'number' || (size >>> 0) !== size) return this.mallocHugeOrThrow(size);
    const need = size + this.tinyGuard;
    if (need <= TINY_MAX) {
      const cls = this.sizeClass[(need + 15) >>> 4];
      const ptr = this.popBlock(this.tlsCount, this.tlsSlots, this.tlsOps, cls);
      if (ptr !== 0 && this.markLive(this.hotU8, ptr)) return ptr;
      return this.mallocTinySlow(cls, ptr);
    }
    return this.mallocMidLarge(size <= TINY_MAX ? TINY_MAX + 1 : size);
  }

  /**
   * `mallocGuarded` over the built-in debug TLS cache and SuperSlab in a
   * private heap, written out as `malloc` is: every check those builds' pop
   * and `markLive` make, as tests on the block before anything changes (the
   * cache's top block kept its poison, every byte; its live bit is clear;
   * its slab record has its class; the view reaches it), then the pop, the
   * cache's bit for the block cleared, the guard written and the live bit
   * set. A block that fails a test, an empty cache and every other size go
   * to `mallocGuarded`, whose boxes check again and report.
   */
  protected mallocDebugFlat(size: number): number {
    if (typeof size === 'number' && (size >>> 0) === size && size + GUARD_BYTES_DEBUG <= TINY_MAX) {
      const need = size + GUARD_BYTES_DEBUG;
      const cls = this.sizeClass[(need + 15) >>> 4];
      const st = this.tlsState;
      const n = st[TLS_COUNT_AT + cls] - 1;
      if (n >= 0) {
        const ptr = st[cls * TLS_STRIDE + n];
        const end = ptr + TINY_SIZE[cls];
        const u32 = this.hotU32;
        const off = ptr & SUPERSLAB_MASK;
        const ss = (ptr - off) >>> 2; // the SuperSlab's first u32 index
        const i = ss + LIVE_BITMAP_WORD + (off >>> LIVE_WORD_SHIFT);
        const bit = 1 << ((ptr >>> GRANULE_BITS) & LIVE_BIT_MASK);
        const bits = this.tlsDebug.cachedBits;
        const w = ptr >>> CACHED_WORD_SHIFT;
        // markLive sizes the guard by the record's class byte: written out, that byte must be `cls`.
        const recordClass = u32[ss + RECORDS_WORD + (off >>> PAGE_SHIFT) * RECORD_WORDS + RECORD_CLASS] & 0xff;
        if (end >>> 2 <= u32.length && (u32[i] & bit) === 0 && recordClass === cls && w < bits.length && this.scan.holds(ptr, end, POISON_I32)) {
          st[TLS_COUNT_AT + cls] = n;
          bits[w] &= ~bit;
          const g = (end >>> 2) - 4; // the guard: the block's last four words
          u32[g] = GUARD_WORD;
          u32[g + 1] = GUARD_WORD;
          u32[g + 2] = GUARD_WORD;
          u32[g + 3] = GUARD_WORD;
          u32[i] |= bit;
          return ptr;
        }
      }
    }
    return this.mallocGuarded(size);
  }

  /**
   * Sizes the fast paths do not take: not a u32 (2^32 itself may be a valid
   * request), above maxBytes, or not a number at all. The fast paths test
   * `typeof` first: `>>>` would throw a TypeError on a BigInt or a Symbol,
   * where the contract asks for a RangeError.
   */
  protected mallocHugeOrThrow(size: number): number {
    if (Number.isInteger(size) && size >= 0 && size <= this.maxBytes) return this.mallocLarge(this.largeRunPages(size));
    throw new RangeError(`hakmem: malloc size must be an integer in [0, maxBytes = ${this.maxBytes}], got ${String(size)}`);
  }

  protected checkSize(size: number, what: string): void {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > this.maxBytes)
      throw new RangeError(`hakmem: ${what} must be an integer in [0, maxBytes = ${this.maxBytes}], got ${String(size)}`);
  }

  /** Tiny slow path: the cache was empty (or the view went stale, or a shared heap's box refused the block). */
  protected mallocTinySlow(cls: number, popped: number): number {
    if (popped !== 0) {
      this.refreshViews();
      const ptr = this.claimCached(cls, popped);
      if (ptr !== 0) return ptr;
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
    const ptr = this.claimCached(cls, this.tls.pop(cls));
    // Every refilled block was one a raced double free left pending (dropped): refill again.
    return ptr !== 0 ? ptr : this.mallocTinySlow(cls, 0);
  }

  /**
   * Hands out the cached block `ptr` of class `cls` (just popped): sets its
   * live bit and returns it. A block the superslab refuses because a raced
   * double free left it pending (`dropRaced`, shared heaps) is dropped and
   * the next one popped; 0 when the cache ran out.
   */
  protected claimCached(cls: number, ptr: number): number {
    let p = ptr;
    while (p !== 0) {
      if (this.markLive(this.hotU8, p)) return p;
      const ss = this.ss;
      if (ss.dropRaced === undefined || !ss.dropRaced(p)) throw new HeapError('CORRUPTION', 'cached block lies outside the memory', p, 'tlsSll');
      p = this.tls.pop(cls);
    }
    return 0;
  }

  protected refillTiny(cls: number): number {
    const want = this.tls.refillCount(cls);
    let n = this.ss.refill(cls, this.scratch, want);
    if (n === 0 && this.borrowTiny && this.borrowLeft[cls] > 0) {
      n = this.borrowBlocks(cls, want);
      this.borrowLeft[cls] -= n;
    }
    // An adopted abandoned slab may have nothing to give yet (it joins this
    // worker's dry list); the pool runs out of those before it runs out of memory.
    while (n === 0) {
      const slab = this.pool.acquire(cls, this.worker);
      if (slab === 0) return 0;
      this.borrowLeft[cls] = TINY_BORROW_BUDGET[cls];
      if (this.smallHeap) this.noteSlab();
      this.ss.adopt(cls, slab);
      n = this.ss.refill(cls, this.scratch, want);
    }
    this.tls.splice(cls, this.scratch, n);
    return n;
  }

  /**
   * Class `cls` has no free block left in this worker's slabs: blocks of the
   * next classes' slabs (TINY_BORROW_LAST, size-classes.ts) instead of a new
   * slab, which would stay about half empty until the class grows into it.
   * A borrowed block keeps its class (its page word): its free goes to that
   * class's cache. Only over the built-in release TLS cache in a private heap
   * (`borrowTiny`): another build may check that a class's cache holds blocks
   * of that class only (the debug build does).
   */
  protected borrowBlocks(cls: number, want: number): number {
    for (let c = cls + 1, last = TINY_BORROW_LAST[cls]; c <= last; c++) {
      const n = this.ss.refill(c, this.scratch, want);
      if (n !== 0) return n;
    }
    return 0;
  }

  /**
   * A small heap took a slab: once the heap holds SMALL_HEAP_PAGES pages,
   * every size goes back to its own class. Blocks already handed out keep
   * theirs (their class is in their page word), so the rounding waste that
   * stays is at most that of the blocks a small heap made.
   */
  protected noteSlab(): void {
    if (this.pages.pagesInUse() < SMALL_HEAP_PAGES) return;
    this.sizeClass.set(TINY_CLASS_OF_GRANULES);
    this.smallHeap = false;
  }

  /** Mid and large sizes, and the tiny sizes a guard or a missing SuperSlab sends on (front gate `routeOfSize`). */
  protected mallocMidLarge(size: number): number {
    if (size <= this.flatMidMax) {
      const cls = size <= PAGE_SIZE ? MID_CLASS_OF_LINE[(size - 1) >>> MID_LINE_SHIFT] : midClassOf(size);
      // The mid box's mallocClass for a span class, written out (hot-layout.ts):
      // pop its cache, set the block's bit in the span's live bitmap.
      const st = this.midState;
      const n = st[MID_COUNT_AT + cls] - 1;
      if (n >= 0 && cls < MID_SPAN_CLASSES) {
        const ptr = st[cls * MID_STRIDE + n];
        const u32 = this.hotU32;
        const pi = this.midPt0 + (ptr >>> PAGE_SHIFT);
        // A detached view (the memory grew) has no word pi: the box's path refreshes it.
        if (pi < u32.length) {
          const span = (((ptr >>> PAGE_SHIFT) - ((u32[pi] >>> DIST_SHIFT) & DIST_MASK)) << PAGE_SHIFT) >>> 0;
          const q = ((ptr - span - SPAN_HEADER) * MID_INVERSE[cls]) | 0;
          u32[((span + SPAN_BITMAP) >>> 2) + (q >>> 5)] |= 1 << (q & 31);
          st[MID_COUNT_AT + cls] = n;
          st[MID_HITS_AT + cls]++;
          return ptr;
        }
      }
      // A miss, a run class or a detached view: the box's own path.
      const ptr = this.mid.malloc(size);
      if (ptr !== 0) {
        // The box's slow path may have refreshed the shared views.
        this.syncViews();
        return ptr;
      }
    }
    if (size > this.flatLargeAbove && size <= this.maxBytes) return this.mallocLargeFlat(size);
    return this.mallocMidLargeSlow(size);
  }

  /**
   * A large malloc in a private heap over the built-in release front gate
   * (`flatLargeAbove`): BigCache straight, the views synced after it (a miss
   * may grow the memory); out of memory goes to `mallocLarge`, which
   * flushes the caches and tries again.
   */
  protected mallocLargeFlat(size: number): number {
    const pages = this.largeRunPages(size);
    this.lm.fresh();
    const page = pages <= this.pages.limitPage - this.pages.firstDataPage ? this.big.alloc(pages) : 0;
    if (page === 0) return this.mallocLarge(pages);
    this.syncViews();
    return (page << PAGE_SHIFT) >>> 0;
  }

  /** `mallocMidLarge` through the router and the view rule: any other build, a shared heap, large sizes, or out of memory. */
  protected mallocMidLargeSlow(size: number): number {
    if (size > this.maxBytes) return this.mallocHugeOrThrow(size);
    this.enter();
    if (this.routeOfSize(size, 0, this.midGuard) !== ROUTE_LARGE) {
      let ptr = this.mid.malloc(size);
      if (ptr === 0) {
        this.reclaimForOom();
        ptr = this.mid.malloc(size);
      }
      return this.handOut(ptr, size);
    }
    return this.mallocLarge(this.largeRunPages(size));
  }

  /**
   * Every mid and large block leaves through here: the views (and so this
   * worker's `memory.buffer`) must reach its end, since a block another
   * worker freed may lie past them.
   */
  protected handOut(ptr: number, size: number): number {
    if (ptr !== 0) this.lm.cover(ptr + size);
    this.syncViews();
    return ptr;
  }

  protected mallocLarge(pages: number): number {
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

  /** Gives every block cached by this worker, every empty slab and span and every cached large run back. */
  protected flushCaches(): void {
    this.foldTinyFrees();
    this.refreshViews();
    this.parts.flushCaches();
    this.refreshViews();
  }

  /** Before admitting out-of-memory: every cache of this worker gives its blocks back. */
  protected reclaimForOom(): void {
    this.oomReclaims++;
    this.flushCaches();
  }

  // -------------------------------------------------------------------- free

  /**
   * Tiny free over the built-in release front gate, TLS cache and SuperSlab
   * in a private heap, as `malloc` is: the page word of `pageWordOf` read
   * through `hotU32`, those builds' `clearLiveWord` and `pushState` written
   * out (hot-layout.ts), the push
   * counted in a plain field (`tinyFrees`, folded into the cache's counter by
   * stats and slow paths).
   * A detached view reads undefined, so a block past it falls to
   * `freeOther`, which refreshes the views and tries again.
   */
  free(ptr: number): void {
    if ((ptr >>> 0) === ptr) {
      const pg = (ptr >>> PAGE_SHIFT) - this.gateBasePage;
      const word = pg < 0 || pg >= this.gateRegionPages ? PK_FREE : this.hotU32[this.gateFirstIndex + pg] | 0;
      if ((word & KIND_MASK) === KIND_TINY && (ptr & 15) === 0) {
        // clearLiveWord, written out (hot-layout.ts)
        const u32 = this.hotU32;
        const i = ((ptr - (ptr & SUPERSLAB_MASK) + LIVE_BITMAP) >>> 2) + ((ptr & SUPERSLAB_MASK) >>> LIVE_WORD_SHIFT);
        const bit = 1 << ((ptr >>> GRANULE_BITS) & LIVE_BIT_MASK);
        const old = u32[i];
        if ((old & bit) !== 0) {
          u32[i] = old & ~bit;
          // pushState, written out
          const cls = (word >>> CLASS_SHIFT) & CLASS_MASK;
          const st = this.tlsState;
          const n = st[TLS_COUNT_AT + cls];
          if (n < st[TLS_CAPACITY_AT + cls]) {
            st[cls * TLS_STRIDE + n] = ptr;
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
    this.throwNotAPointer(ptr);
  }

  /**
   * `free` over the built-in debug front gate, TLS cache and SuperSlab in a
   * private heap, written out as `free` is: every check those builds make on
   * a tiny free, as tests before anything changes. The gate's cross-check of
   * the page word (a SuperSlab header, the word's slab, the slab record's
   * class) and the cache's "block of its class" (an ACTIVE slab of the
   * class, the start of a carved block) read the record once; then the live
   * bit, the guard (the block's last four words), the cache's bit for the
   * block (not cached already) and room in the class. Then the live bit is
   * cleared, the block pushed and poisoned through the memory's scanner (as
   * the cache's `poisonEntering` does) and its cached bit set. Anything that
   * fails a test goes to `freeBoxed`, whose boxes check again and report
   * (or, for a full cache or a short view, take their slow paths).
   */
  protected freeDebugFlat(ptr: number): void {
    const pg = (ptr >>> PAGE_SHIFT) - this.gateBasePage;
    if ((ptr >>> 0) === ptr && (pg >>> 0) < this.gateRegionPages && (ptr & 15) === 0) {
      const u32 = this.hotU32;
      const word = u32[this.gateFirstIndex + pg] | 0;
      const off = ptr & SUPERSLAB_MASK;
      const ss = (ptr - off) >>> 2; // the SuperSlab's first u32 index
      const slab = off >>> PAGE_SHIFT;
      const rec = ss + RECORDS_WORD + slab * RECORD_WORDS;
      const cls = (word >>> CLASS_SHIFT) & CLASS_MASK;
      if (
        (word & KIND_MASK) === KIND_TINY &&
        ((word >>> SLAB_SHIFT) & SLAB_MASK) === slab &&
        cls < TINY_CLASSES &&
        u32[ss] === SS_MAGIC_WORD &&
        u32[rec + RECORD_STATE] === STATE_ACTIVE &&
        u32[rec + RECORD_CLASS] === cls
      ) {
        const size = TINY_SIZE[cls];
        const end = ptr + size;
        const rel = (off & (PAGE_SIZE - 1)) - (slab === 0 ? SLAB0_DATA : 0);
        const q = (rel * TINY_INVERSE[cls]) | 0; // floor(rel / size) for rel >= 0, as MID_INVERSE
        const i = ss + LIVE_BITMAP_WORD + (off >>> LIVE_WORD_SHIFT);
        const bit = 1 << ((ptr >>> GRANULE_BITS) & LIVE_BIT_MASK);
        const old = u32[i];
        const g = (end >>> 2) - 4; // the guard: the block's last four words
        const bits = this.tlsDebug.cachedBits;
        const w = ptr >>> CACHED_WORD_SHIFT;
        const st = this.tlsState;
        const n = st[TLS_COUNT_AT + cls];
        if (
          rel >= 0 &&
          q * size === rel &&
          q < u32[rec + RECORD_CARVED] &&
          (old & bit) !== 0 &&
          g + 4 <= u32.length &&
          u32[g] === GUARD_WORD &&
          u32[g + 1] === GUARD_WORD &&
          u32[g + 2] === GUARD_WORD &&
          u32[g + 3] === GUARD_WORD &&
          w < bits.length &&
          (bits[w] & bit) === 0 &&
          n < st[TLS_CAPACITY_AT + cls]
        ) {
          u32[i] = old & ~bit;
          st[cls * TLS_STRIDE + n] = ptr;
          st[TLS_COUNT_AT + cls] = n + 1;
          this.tinyFrees++;
          this.scan.fillBlock(ptr, end, POISON_I32);
          bits[w] |= bit;
          return;
        }
      }
    }
    this.freeBoxed(ptr);
  }

  /** `free` through the boxes' hot functions: any front gate, TLS or SuperSlab build other than the built-in release. */
  protected freeBoxed(ptr: number): void {
    if ((ptr >>> 0) === ptr) {
      const word = this.pageWordOf(this.hotU32, this.gateFirstIndex, this.gateBasePage, this.gateRegionPages, ptr);
      if ((word & KIND_MASK) === KIND_TINY && (ptr & 15) === 0 && this.clearLive(this.hotU8, ptr)) {
        const cls = (word >>> CLASS_SHIFT) & CLASS_MASK;
        if (!this.pushBlock(this.tlsCount, this.tlsCapacity, this.tlsSlots, this.tlsOps, cls, ptr)) this.freeTinySlow(cls, ptr);
        return;
      }
      if (ptr === 0) return;
      this.freeOther(ptr, word);
      return;
    }
    this.throwNotAPointer(ptr);
  }

  /**
   * `free` in a shared heap: a tiny block of a slab another worker owns goes
   * back to that slab (its remote list) at once instead of into this worker's
   * cache. Kept in this worker's cache it would be handed out here again, and
   * the owner's and this worker's blocks would interleave in the same cache
   * lines and live-bitmap bytes, which both cores then fight over. The
   * owner's own free is `clearLiveShared` and a cache push.
   */
  protected freeShared(ptr: number): void {
    if ((ptr >>> 0) === ptr) {
      const word = this.pageWordOf(this.hotU32, this.gateFirstIndex, this.gateBasePage, this.gateRegionPages, ptr);
      if ((word & KIND_MASK) === KIND_TINY && (ptr & 15) === 0) {
        if (this.ownerOf(this.hotU32, ptr) !== this.worker) return this.freeRemoteTiny(ptr, word);
        if (this.clearLive(this.hotU8, ptr)) {
          const cls = (word >>> CLASS_SHIFT) & CLASS_MASK;
          if (!this.pushBlock(this.tlsCount, this.tlsCapacity, this.tlsSlots, this.tlsOps, cls, ptr)) this.freeTinySlow(cls, ptr);
          return;
        }
      }
      if (ptr === 0) return;
      this.freeOther(ptr, word);
      return;
    }
    this.throwNotAPointer(ptr);
  }

  /**
   * `freeShared` over the built-in release front gate, TLS cache and
   * SuperSlab, written out as `free` is: a tiny block whose live bit is set,
   * whose remote-freed bit is clear and whose slab this worker owns (the
   * owner word of the slab the page word names) has its live bit cleared
   * with a plain store (`clearLiveShared`) and is pushed (`pushState`).
   * Everything else (another owner's block, a pointer to report, ptr 0, a
   * stale view) goes to `freeShared`, which sorts it out through the boxes:
   * one call instead of three branches, and each value computed once (a
   * page test as one unsigned compare), keep this function small enough for
   * V8 to inline it next to `mallocSharedFlat` (docs/ARCHITECTURE.md).
   */
  protected freeSharedFlat(ptr: number): void {
    if ((ptr >>> 0) === ptr) {
      const pg = (ptr >>> PAGE_SHIFT) - this.gateBasePage;
      const word = (pg >>> 0) < this.gateRegionPages ? this.hotU32[this.gateFirstIndex + pg] | 0 : PK_FREE;
      if ((word & KIND_MASK) === KIND_TINY && (ptr & 15) === 0) {
        const u32 = this.hotU32;
        const off = ptr & SUPERSLAB_MASK;
        const ss = (ptr - off) >>> 2; // the SuperSlab's first u32 index
        const i = ss + LIVE_BITMAP_WORD + (off >>> LIVE_WORD_SHIFT);
        const bit = 1 << (ptr >>> GRANULE_BITS); // as in mallocSharedFlat
        const old = u32[i];
        // Live and no remote free pending (one test of both bits), and ours (ownerOf, written out): only then is
        // the live bit ours to clear.
        if ((old & ~u32[i + REMOTE_WORDS] & bit) !== 0 && u32[ss + SLAB_OWNER_WORD + (word & SLAB_OF_WORD)] === this.worker) {
          u32[i] = old ^ bit;
          // pushState, written out
          const cls = (word >>> CLASS_SHIFT) & CLASS_MASK;
          const st = this.tlsState;
          const at = TLS_COUNT_AT + cls;
          const n = st[at];
          if (n < st[TLS_CAPACITY_AT + cls]) {
            st[cls * TLS_STRIDE + n] = ptr;
            st[at] = n + 1;
            this.tinyFrees++;
            return;
          }
          return this.freeTinySlow(cls, ptr);
        }
      }
    }
    this.freeShared(ptr);
  }

  /**
   * Remote free of the tiny block `ptr` (page word `word`): onto its slab's
   * remote list, for the owner to collect; a block that is not live goes on
   * to `freeOther`, which reports it. A superslab without `freeRemote`
   * clears the live bit here and gives the block back through `returnBlocks`.
   */
  protected freeRemoteTiny(ptr: number, word: number): void {
    const ss = this.ss;
    if (ss.freeRemote !== undefined) {
      if (ss.freeRemote(ptr)) return;
    } else if (this.clearLive(this.hotU8, ptr)) {
      this.scratch[0] = ptr;
      ss.returnBlocks(this.scratch, 1);
      return;
    }
    this.freeOther(ptr, word);
  }

  /** `free` of a value that is no u32: a TypeError for a non-number, else INVALID_POINTER. */
  protected throwNotAPointer(ptr: unknown): void {
    if (typeof ptr !== 'number') throw new TypeError(`hakmem: free expects a number, got ${typeof ptr}`);
    throw new HeapError('INVALID_POINTER', 'a pointer is an integer in [0, 2^32)', ptr as number, 'frontGate');
  }

  /** Tiny slow path: the class cache is full; drain its older half back to the slabs. */
  protected freeTinySlow(cls: number, ptr: number): void {
    this.enter();
    this.foldTinyFrees();
    const n = this.tls.drain(cls, this.scratch);
    this.ss.returnBlocks(this.scratch, n);
    this.releaseEmptiedSlabs();
    this.tls.push(cls, ptr);
  }

  /** Adds the fast path's tiny frees to the cache's push counter. */
  protected foldTinyFrees(): void {
    this.tlsOps[1] += this.tinyFrees; // ops is [pops, pushes] (TlsCacheBox.ops)
    this.tinyFrees = 0;
  }

  protected releaseEmptiedSlabs(): void {
    this.parts.releaseEmptiedSlabs();
  }

  /** Mid, large, and every pointer the tiny fast path did not accept: the front gate routes it to its box. */
  protected freeOther(ptr: number, word: number): void {
    if ((word & KIND_MASK) === KIND_MID_SPAN && this.flatMid) {
      // The mid box's span free, written out (hot-layout.ts): a carved block
      // start whose live bit is set, into a cache with room. The word came
      // through hotU32, so that view is not detached and covers the span.
      const cls = (word >>> CLASS_SHIFT) & CLASS_MASK;
      const span = (((ptr >>> PAGE_SHIFT) - ((word >>> DIST_SHIFT) & DIST_MASK)) << PAGE_SHIFT) >>> 0;
      const rel = ptr - span - SPAN_HEADER;
      const q = (rel * MID_INVERSE[cls]) | 0;
      const u32 = this.hotU32;
      if (rel >= 0 && q * MID_SIZE[cls] === rel && q < u32[(span + SPAN_CARVED) >>> 2]) {
        const bi = ((span + SPAN_BITMAP) >>> 2) + (q >>> 5);
        const bit = 1 << (q & 31);
        const old = u32[bi];
        const st = this.midState;
        const n = st[MID_COUNT_AT + cls];
        // Below its limit, the class's cache has room within its capacity and the budget (AceCache).
        if ((old & bit) !== 0 && n < st[MID_LIMIT_AT + cls]) {
          u32[bi] = old & ~bit;
          st[cls * MID_STRIDE + n] = ptr;
          st[MID_COUNT_AT + cls] = n + 1;
          return;
        }
      }
    } else if ((word & KIND_MASK) === PK_RUN_LIVE && this.flatLargeAbove !== NO_LARGE_FAST_PATH && this.big.free(ptr, word) === FREE_OK) {
      // A large block in a private heap over the built-in release front gate
      // (see flatLargeAbove): the word came through a view that is not
      // detached, so the box's views are not either. Anything but FREE_OK
      // changed nothing, and the full path below reports it.
      return;
    }
    this.freeOtherSlow(ptr, word);
  }

  /** `freeOther` past the written-out mid push: the router, and the error. */
  protected freeOtherSlow(ptr: number, word: number): void {
    // A span block the written-out push did not take (a full cache, no live
    // block start): the box, which changes nothing unless it answers FREE_OK;
    // the full path below reports.
    if ((word & KIND_MASK) === KIND_MID_SPAN && this.flatMid && this.mid.free(ptr, word) === FREE_OK) {
      this.syncViews();
      return;
    }
    // The word was read through the hot view, which may have been detached
    // (it reads 0): on fresh views the fast path may take the block after all.
    if (this.enter()) return this.free(ptr);
    let r: FreeResult = FREE_INVALID;
    const route = this.routeOfWord(word);
    if (route === ROUTE_MID) r = this.mid.free(ptr, word) as FreeResult;
    else if (route === ROUTE_LARGE) r = this.big.free(ptr, word);
    else if (route === ROUTE_TINY && isTinyPage(word)) r = this.tinyRejection(ptr);
    if (r !== FREE_OK) this.freeRejected(ptr, word, r);
  }

  /**
   * What the superslab says of a pointer in a tiny page that the fast path
   * refused; a live block start here (only a stale view gets here with one,
   * and `enter` retried that) is no block the fast path can take either.
   */
  protected tinyRejection(ptr: number): FreeResult {
    const r = this.ss.freeProblem(ptr);
    return r === FREE_OK ? FREE_INVALID : r;
  }

  /** Before calling a pointer bad, make sure our views are not simply stale (the memory grew). */
  protected freeRejected(ptr: number, word: number, result: FreeResult): void {
    if (this.refreshViews()) {
      this.staleRetries++;
      this.free(ptr);
      return;
    }
    throw this.gate.reject(ptr, word, result);
  }

  /**
   * The view rule's step 2 for the facade (see LinearMemory): every slow path
   * and every public method other than the two fast paths starts here.
   * Returns whether the views changed.
   */
  protected enter(): boolean {
    this.lm.fresh();
    return this.syncViews();
  }

  /**
   * Brings this facade's views up to date with the memory. True when they
   * changed: a box may already have refreshed the shared views, so the test
   * is against the facade's own copies.
   */
  protected refreshViews(): boolean {
    this.lm.refresh();
    return this.syncViews();
  }

  /**
   * Takes the shared views over if a box refreshed them (the page layer does
   * when it grows the memory). Cheap: no `memory.buffer` read, so it can
   * follow every slow path; only a stale-view suspicion needs `refreshViews`.
   */
  protected syncViews(): boolean {
    const lm = this.lm;
    if (this.hotU8 === lm.u8) return false;
    this.hotU8 = lm.u8;
    this.hotU32 = lm.u32;
    return true;
  }

}


/** Mid class sizes, and the mid box's 1/size table (both exported for test/hot-layout.test.ts only) (span-classes.ts MID_INVERSE: `(rel * MID_INVERSE[cls]) | 0` is `floor(rel / size)` in a span). */
export const MID_SIZE = Int32Array.from(MID_CLASS_SIZES);
/**
 * midClassOf for sizes up to a page, by 16-byte steps (every mid class
 * boundary is a multiple of 16; 1040 B is not one of 128):
 * `MID_CLASS_OF_LINE[(size - 1) >>> 4]`, a 4 KiB table.
 * The arithmetic form cost 7 ns of a 25 ns mid malloc/free pair (process
 * CPU time, min of 5 passes, 3 processes); a table read costs well under one.
 */
export const MID_LINE_SHIFT = 4;
export const MID_CLASS_OF_LINE = Uint8Array.from({ length: PAGE_SIZE >>> MID_LINE_SHIFT }, (_, i) => (i < TINY_MAX >>> MID_LINE_SHIFT ? 0 : midClassOf((i + 1) << MID_LINE_SHIFT)));
/**
 * 1/size for each size, raised by 2^-30 so that `(rel * r[c]) | 0` is
 * exactly `floor(rel / size)` for every offset a slab or span holds (the
 * mid box's span-classes.ts shows the bound).
 */
const reciprocals = (sizes: readonly number[]): Float64Array => Float64Array.from(sizes, (size) => (1 + 2 ** -30) / size);
export const MID_INVERSE = reciprocals(MID_CLASS_SIZES);

/** Tiny class sizes, and their reciprocals as MID_INVERSE (the written-out debug path's block-start test). */
const TINY_SIZE = Int32Array.from(TINY_CLASS_SIZES);
const TINY_INVERSE = reciprocals(TINY_CLASS_SIZES);
/** `HeapCore.scan` of a heap without the written-out debug path: never called. */
const NO_SCANNER: BlockScanner = {
  fill: noScanner,
  find: noScanner,
  fillBlock: noScanner,
  holds: noScanner,
};
function noScanner(): never {
  throw new Error('hakmem: internal error: this heap has no block scanner (only the written-out debug path scans)');
}

/** The poison as the int32 the scanner's block forms take. */
const POISON_I32 = POISON | 0;

/** `flatLargeAbove` of a heap whose large sizes take the routed path: above every u32 size. */
const NO_LARGE_FAST_PATH = 2 ** 32;

/** The private fast paths set live bits as bits of u32 words, which are the bitmap's bytes only on a little-endian host. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

