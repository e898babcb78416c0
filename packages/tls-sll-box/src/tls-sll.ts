import { HeapError } from '@hakmem/contracts';
import { OP_POPS, OP_PUSHES, STATE_CAPACITY_AT, STATE_COUNT_AT, STATE_WORDS, stateSlotIndex } from './cache-layout.js';
import { bind, checkBlockOfClass, checkCachedPoison, isCached, markCached, memoryOf, poisonCached, unmarkCached, type CacheMemory } from './cache-checks.js';
import {
  GRANULE,
  TINY_CLASSES,
  TINY_CLASS_SIZES,
  TLS_SLL_STRIDE as STRIDE,
  WORD_BYTES,
} from '@hakmem/contracts/layout';
import type { LinearMemory } from '@hakmem/linear-memory';

/**
 * TLS cache box (package tls-sll-box, box name 'tlsSll'): one worker's
 * caches of free tiny blocks, a LIFO array stack per size class in a JS
 * typed array (not a linked list, whatever the old name said). Per-worker state lives in JS by design (a
 * worker's module state is thread-local), so push and pop touch no shared
 * memory and need no atomics.
 *
 * Block states seen from here:
 *   | state  | where                          | who moves it            |
 *   |--------|--------------------------------|-------------------------|
 *   | cached | slots[cls * STRIDE + i], i<count | pop (→ live), drain (→ slab) |
 *   | live   | with the user                  | free → push (→ cached)  |
 *
 * Capacity adapts: a refill (the stack ran dry) doubles the class's capacity
 * up to its maximum; two overflows in a row with no refill between halve it,
 * so a class that only frees stops hoarding blocks.
 *
 * The hot operations are the functions `popBlock` and `pushBlock` over the
 * cache's typed arrays; the facade holds those arrays itself and calls the
 * functions directly, because every field load saved on this path shows in
 * the benchmark. They spell `stateSlotIndex(cls, n)` out as
 * `cls * STRIDE + n`: through the accessor a push+pop loop measured about 3%
 * slower (2.36 → 2.44 ns per call, median of 10 runs); the state-accessor
 * test checks both name the same slot. The `TlsCache` methods call the same functions.
 */

/**
 * Top block of class `cls`, or 0 when the cache is empty. It counts nothing:
 * every block enters by a counted push or refill and leaves by a pop or a
 * counted drain, so `counters()` derives the pops, and the hottest path of
 * all saves a read-modify-write.
 */
export function popBlock(count: Int32Array, slots: Uint32Array, ops: Float64Array, cls: number): number {
  if (__HAKMEM_DEBUG__) checkClass(cls);
  const n = count[cls] - 1;
  if (n < 0) return 0;
  if (__HAKMEM_DEBUG__) checkLeaving(count, cls, slots[cls * STRIDE + n]);
  count[cls] = n;
  return slots[cls * STRIDE + n];
}

/** Caches `ptr`; false when the class is at capacity (the caller drains, then pushes again). */
export function pushBlock(count: Int32Array, capacity: Int32Array, slots: Uint32Array, ops: Float64Array, cls: number, ptr: number): boolean {
  if (__HAKMEM_DEBUG__) checkPush(count, slots, cls, ptr);
  const n = count[cls];
  if (n >= capacity[cls]) return false;
  slots[cls * STRIDE + n] = ptr;
  count[cls] = n + 1;
  ops[OP_PUSHES]++;
  if (__HAKMEM_DEBUG__) poisonEntering(count, cls, ptr);
  return true;
}
/**
 * The facade's written-out private fast path (release builds only) works on
 * the cache's one `state` view instead of three arrays: `popState` is
 * `popBlock` over it, with no pop counter (the cache derives its pops).
 */
export function popState(st: Uint32Array, cls: number): number {
  const n = st[STATE_COUNT_AT + cls] - 1;
  if (n < 0) return 0;
  st[STATE_COUNT_AT + cls] = n;
  return st[cls * STRIDE + n];
}

/** `pushBlock` over the `state` view, uncounted (the facade counts these pushes itself); false at capacity. */
export function pushState(st: Uint32Array, cls: number, ptr: number): boolean {
  const n = st[STATE_COUNT_AT + cls];
  if (n >= st[STATE_CAPACITY_AT + cls]) return false;
  st[cls * STRIDE + n] = ptr;
  st[STATE_COUNT_AT + cls] = n + 1;
  return true;
}

/**
 * Bytes a full cache of one class may hold (64 KiB); keeps big classes from
 * hoarding. 32 KiB (32 blocks of 1 KiB) overflowed twice as often once a
 * small heap maps several sizes onto each of its five classes (W7: 662
 * against 167 slow paths per 200,000 iterations, 25-44 against 21-25 ns an
 * iteration), at the same pages held (W7 16, W5 902).
 */
const CLASS_CACHE_BYTES = 65536;
const MIN_CAPACITY = 8;
/**
 * A class that only overflows halves its capacity down to this (or to its
 * maximum, if that is less), not to MIN_CAPACITY. Each drain moves half the
 * cache, so the capacity is also the batch a burst of frees goes back to
 * the slabs in: with a floor of 8, freeing 4,096 blocks of one class
 * shrank it to 8 and drained 4 blocks at a time, ~1,000 drains (freeing
 * 4,096 live blocks of 64 B cost 33-65 ns a free, of 1 KiB 50-90; with 64,
 * 18-30 and 23-38; dlmalloc 15-20).
 */
const SHRINK_FLOOR = 64;
const INITIAL_CAPACITY = 32;

export interface TlsCacheCounters {
  pops: number;
  pushes: number;
  refills: number;
  drains: number;
  blocksRefilled: number;
  blocksDrained: number;
  capacityGrows: number;
  capacityShrinks: number;
}

export class TlsCache {
  /** The whole cache as one view: `slots`, then `count`, then `capacity` (see cache-layout.ts). */
  readonly state = new Uint32Array(STATE_WORDS);
  readonly slots = this.state.subarray(0, STATE_COUNT_AT);
  readonly count = new Int32Array(this.state.buffer, STATE_COUNT_AT * WORD_BYTES, TINY_CLASSES);
  readonly capacity = new Int32Array(this.state.buffer, STATE_CAPACITY_AT * WORD_BYTES, TINY_CLASSES);
  readonly maxCapacity = new Int32Array(TINY_CLASSES);
  /** Fast-path counters, see OP_POPS / OP_PUSHES; this build bumps pushes only (pops are derived). */
  readonly ops = new Float64Array(2);
  /** Overflows since the last refill, per class. */
  private readonly overflowRun = new Int32Array(TINY_CLASSES);
  refills = 0;
  drains = 0;
  blocksRefilled = 0;
  blocksDrained = 0;
  capacityGrows = 0;
  capacityShrinks = 0;

  constructor(maxCapacityCap = STRIDE) {
    for (let c = 0; c < TINY_CLASSES; c++) {
      const max = Math.max(MIN_CAPACITY, Math.min(maxCapacityCap, STRIDE, Math.floor(CLASS_CACHE_BYTES / TINY_CLASS_SIZES[c])));
      this.maxCapacity[c] = max;
      this.capacity[c] = Math.min(INITIAL_CAPACITY, max);
    }
  }

  /**
   * Lets the debug build check blocks against the heap's page table and slab
   * records and poison the blocks it caches (`pt0` as in PageLayer). The
   * release build ignores it. Without it, the debug build checks only what
   * the cache itself knows.
   */
  bindMemory(lm: LinearMemory, pt0: number): void {
    if (__HAKMEM_DEBUG__) {
      const mem: CacheMemory = { lm, pt0, cachedBits: new Uint32Array(0) };
      bind(this.count, mem);
      (this as { debugMemory?: CacheMemory }).debugMemory = mem;
    }
  }

  /**
   * Debug build, once bound: the record `bindMemory` made, whose
   * `cachedBits` (one bit per 16-byte granule, set while the block starting
   * there is cached; the array is replaced as it grows) the facade's
   * written-out debug fast path reads and keeps as this build's pop and push
   * do. Undefined in release and before `bindMemory`.
   */
  declare readonly debugMemory?: CacheMemory;

  pop(cls: number): number {
    return popBlock(this.count, this.slots, this.ops, cls);
  }

  push(cls: number, ptr: number): boolean {
    return pushBlock(this.count, this.capacity, this.slots, this.ops, cls, ptr);
  }

  /** Slow path, on a miss: how many blocks to fetch, after growing the capacity. */
  refillCount(cls: number): number {
    this.refills++;
    this.overflowRun[cls] = 0;
    const cap = this.capacity[cls];
    if (cap < this.maxCapacity[cls]) {
      this.capacity[cls] = Math.min(this.maxCapacity[cls], cap * 2);
      this.capacityGrows++;
    }
    return Math.max(1, this.capacity[cls] >>> 1);
  }

  /** Appends `n` blocks from `src` (a refill batch) to class `cls`. */
  splice(cls: number, src: Uint32Array, n: number): void {
    const at = this.count[cls];
    if (__HAKMEM_DEBUG__) {
      if (at + n > STRIDE) throw new HeapError('CORRUPTION', `refill of ${n} overflows class ${cls}'s cache`, undefined, 'tlsSll');
      for (let i = 0; i < n; i++) checkPush(this.count, this.slots, cls, src[i]);
    }
    // Loops, not set(subarray()): a batch is a few dozen blocks, and each
    // subarray is a new typed array object (a builtin call and an allocation).
    const slots = this.slots;
    const base = stateSlotIndex(cls, at);
    for (let i = 0; i < n; i++) slots[base + i] = src[i];
    this.count[cls] = at + n;
    this.blocksRefilled += n;
    if (__HAKMEM_DEBUG__) for (let i = 0; i < n; i++) poisonEntering(this.count, cls, src[i]);
  }

  /**
   * Slow path, on an overflow: moves the older half of class `cls`'s blocks
   * (the bottom of the stack, the coldest) into `dest` and returns how many.
   */
  drain(cls: number, dest: Uint32Array): number {
    this.drains++;
    const n = this.count[cls];
    const floor = Math.min(SHRINK_FLOOR, this.maxCapacity[cls]);
    if (++this.overflowRun[cls] >= 2 && this.capacity[cls] > floor) {
      this.capacity[cls] = Math.max(floor, this.capacity[cls] >>> 1);
      this.overflowRun[cls] = 0;
      this.capacityShrinks++;
    }
    const keep = Math.min(n >>> 1, this.capacity[cls] >>> 1);
    const out = n - keep;
    const base = stateSlotIndex(cls, 0);
    if (__HAKMEM_DEBUG__) for (let i = 0; i < out; i++) checkLeaving(this.count, cls, this.slots[base + i]);
    const slots = this.slots;
    for (let i = 0; i < out; i++) dest[i] = slots[base + i];
    for (let i = 0; i < keep; i++) slots[base + i] = slots[base + out + i];
    this.count[cls] = keep;
    this.blocksDrained += out;
    return out;
  }

  /** Empties class `cls` into `dest` (detach, trim, out-of-memory). */
  drainAll(cls: number, dest: Uint32Array): number {
    const n = this.count[cls];
    if (__HAKMEM_DEBUG__) for (let i = 0; i < n; i++) checkLeaving(this.count, cls, this.slots[stateSlotIndex(cls, i)]);
    dest.set(this.slots.subarray(stateSlotIndex(cls, 0), stateSlotIndex(cls, n)));
    this.count[cls] = 0;
    this.blocksDrained += n;
    return n;
  }

  cached(): number {
    let n = 0;
    for (let c = 0; c < TINY_CLASSES; c++) n += this.count[c];
    return n;
  }

  /**
   * Every cached block of every class, sorted ascending (slow path: the
   * heap walk of `check()` looks blocks up in it).
   */
  listCached(): Uint32Array {
    const out = new Uint32Array(this.cached());
    let at = 0;
    for (let c = 0; c < TINY_CLASSES; c++) {
      const base = stateSlotIndex(c, 0);
      out.set(this.slots.subarray(base, base + this.count[c]), at);
      at += this.count[c];
    }
    return out.sort();
  }

  /** Whether `ptr` sits in class `cls`'s cache (slow: used by error reporting and check()). */
  contains(cls: number, ptr: number): boolean {
    return cached(this.count, this.slots, cls, ptr);
  }

  /**
   * Invariants: counts within capacity, capacities within bounds, every cached
   * block aligned and cached once. Returns the first violation, or null.
   */
  validate(): string | null {
    for (let c = 0; c < TINY_CLASSES; c++) {
      const n = this.count[c];
      if (n < 0 || n > STRIDE) return `class ${c} count ${n} out of range`;
      if (this.capacity[c] < 1 || this.capacity[c] > this.maxCapacity[c]) return `class ${c} capacity ${this.capacity[c]} outside [1, ${this.maxCapacity[c]}]`;
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) {
        const p = this.slots[stateSlotIndex(c, i)];
        if (p === 0 || (p & (GRANULE - 1)) !== 0) return `class ${c} caches misaligned block ${p}`;
        if (seen.has(p)) return `class ${c} caches block ${p} twice`;
        seen.add(p);
        if (__HAKMEM_DEBUG__) {
          const mem = memoryOf(this.count);
          if (mem !== undefined) {
            checkBlockOfClass(mem, c, p, 'cached block', 'CORRUPTION');
            checkCachedPoison(mem, c, p);
          }
        }
      }
    }
    return null;
  }

  counters(): TlsCacheCounters & { cachedBlocks: number; capacities: number[] } {
    return {
      // Blocks in = refilled + pushed; out = popped + drained; what is left is cached.
      pops: this.blocksRefilled + this.ops[OP_PUSHES] - this.blocksDrained - this.cached() + this.ops[OP_POPS],
      pushes: this.ops[OP_PUSHES],
      refills: this.refills,
      drains: this.drains,
      blocksRefilled: this.blocksRefilled,
      blocksDrained: this.blocksDrained,
      capacityGrows: this.capacityGrows,
      capacityShrinks: this.capacityShrinks,
      cachedBlocks: this.cached(),
      capacities: Array.from(this.capacity),
    };
  }
}

function checkClass(cls: number): void {
  if (!(cls >= 0 && cls < TINY_CLASSES && (cls | 0) === cls))
    throw new HeapError('CORRUPTION', `size class ${cls} out of range [0, ${TINY_CLASSES})`, undefined, 'tlsSll');
}

function cached(count: Int32Array, slots: Uint32Array, cls: number, ptr: number): boolean {
  const base = stateSlotIndex(cls, 0);
  for (let i = base, end = base + count[cls]; i < end; i++) if (slots[i] === ptr) return true;
  return false;
}

function checkPush(count: Int32Array, slots: Uint32Array, cls: number, ptr: number): void {
  checkClass(cls);
  if (ptr === 0 || (ptr & (GRANULE - 1)) !== 0 || (ptr >>> 0) !== ptr)
    throw new HeapError('INVALID_POINTER', `block is not 16-byte aligned`, ptr, 'tlsSll');
  const mem = memoryOf(count);
  if (mem !== undefined) checkBlockOfClass(mem, cls, ptr, 'push');
  // A bound cache keeps a bit per cached block (O(1)); an unbound one, which
  // only a box-level test makes, scans its class.
  if (mem !== undefined ? isCached(mem, ptr) : cached(count, slots, cls, ptr))
    throw new HeapError('DOUBLE_FREE', `block is already in the class ${cls} cache`, ptr, 'tlsSll');
}

/** Debug: a block leaving the cache (pop, drain) must still hold the poison written when it came in. */
function checkLeaving(count: Int32Array, cls: number, ptr: number): void {
  const mem = memoryOf(count);
  if (mem === undefined) return;
  checkCachedPoison(mem, cls, ptr);
  unmarkCached(mem, ptr);
}

function poisonEntering(count: Int32Array, cls: number, ptr: number): void {
  const mem = memoryOf(count);
  if (mem === undefined) return;
  poisonCached(mem, cls, ptr);
  markCached(mem, ptr);
}
