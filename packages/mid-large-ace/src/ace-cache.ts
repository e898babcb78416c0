import { HeapError } from '@hakmem/contracts';
import { MID_CLASS_SIZES, MID_CLASSES } from '@hakmem/contracts/layout';
import { checkLeaving, poisonMid } from './block-checks.js';
import type { LinearMemory } from '@hakmem/linear-memory';
import { STATE_COUNT_AT, STATE_HITS_AT, STATE_LIMIT_AT, STATE_WORDS, STRIDE } from './cache-layout.js';

/**
 * The ACE cache policy: one LIFO cache of free blocks per mid class, per
 * worker, in JS memory, whose capacities adapt to how each class is used.
 *
 * Every ADAPT_WINDOW cache operations of a class (hits, misses, overflows;
 * counted always, acted on in its slow paths only), a miss rate above
 * 1/GROW_MISS_RATE doubles its capacity, up to a per-class bound
 * (CLASS_CACHE_BYTES worth of its blocks, between MIN_CAPACITY and STRIDE);
 * a class that overflows far more than it misses halves it (not below
 * MIN_CAPACITY). A per-worker byte budget bounds all classes together: a
 * block is cached only while `cachedBytes` stays within `budgetBytes`.
 *
 * How the budget is kept without a byte count on every push and pop: each
 * class has a limit (a free pushes while its count is below it), at most its
 * capacity, and the limits together reserve at most the budget
 * (`reservedBytes` = the sum of limit x class size). A free that meets its
 * limit takes the slow path, which moves the limit up to the capacity if
 * the budget has room, taking back first what other classes reserve beyond
 * what they hold (`reserve`).
 *
 * The cache holds block addresses only. What a block is (a span block or a
 * page run) and where it goes when the cache gives it back is the subclass's
 * business (`returnBlock`): the box class, MidAce, extends this one so that
 * its hot paths read the cache arrays off the same object.
 *
 * The stacks, counts, limits and window hits are words of one buffer (`state`, laid out in cache-layout.ts), so
 * that the facade's written-out fast path touches one typed array for them.
 */

export { STRIDE };
/** Smallest capacity a class shrinks to: a class still caches a block freed right after one handed out. */
export const MIN_CAPACITY = 2;
/**
 * Bytes of blocks an overflowing class keeps its capacity at, at the least
 * (MIN_CAPACITY for classes of 64 KiB and more; never above the class's
 * maximum). An overflow returns half the cache, so the capacity is also the
 * batch a burst of frees goes home in: shrinking to 2 made freeing 4,096
 * live 4 KiB blocks take 747 overflows of 1-2 blocks each (now 193).
 */
const SHRINK_FLOOR_BYTES = 131_072; // 128 KiB
/** Capacity every class starts with. */
const INITIAL_CAPACITY = 4;
/** Per-class bound on cached bytes (it sets each class's maximum capacity). */
const CLASS_CACHE_BYTES = 2_097_152; // 2 MiB
/** Cache operations of a class between two adaptations. */
const ADAPT_WINDOW = 64;
/**
 * A class grows when more than one operation in this many missed. A miss
 * (or an overflow) moves half a cache of blocks, touching each one's first
 * line: dozens of hits' worth, so even 1/16 cost W3 more than its hits did.
 */
const GROW_MISS_RATE = 64;
/** A class shrinks only when at most one operation in this many missed ... */
const SHRINK_MISS_RATE = 256;
/** ... and it overflowed more than twice its misses plus this many times. */
const SHRINK_OVERFLOW_SLACK = 8;
/** The default byte budget is this share (1/n) of the region, between the two bounds below. */
const BUDGET_SHARE = 8;
const MIN_BUDGET_BYTES = 1_048_576; // 1 MiB
const MAX_BUDGET_BYTES = 33_554_432; // 32 MiB

/** The default cache budget of a worker whose region is `regionBytes` long. */
export function defaultBudget(regionBytes: number): number {
  return Math.max(MIN_BUDGET_BYTES, Math.min(MAX_BUDGET_BYTES, Math.floor(regionBytes / BUDGET_SHARE)));
}

export abstract class AceCache {
  readonly lm: LinearMemory;
  /** The whole cache as one view (cache-layout.ts); the arrays below are views of parts of it. */
  readonly state = new Uint32Array(STATE_WORDS);
  readonly slots = this.state.subarray(0, STATE_COUNT_AT);
  readonly count = new Int32Array(this.state.buffer, STATE_COUNT_AT * Uint32Array.BYTES_PER_ELEMENT, MID_CLASSES);
  /** ACE's capacity per class. */
  readonly capacity = new Int32Array(MID_CLASSES);
  /** Per class, the count at which a free takes the slow path (in `state`): count <= limit <= max(count, capacity), sum of limit x size <= budget. */
  readonly limit = new Int32Array(this.state.buffer, STATE_LIMIT_AT * Uint32Array.BYTES_PER_ELEMENT, MID_CLASSES);
  /** Sum over the classes of limit x class size: at most `budgetBytes`. */
  reservedBytes = 0;
  readonly maxCapacity = new Int32Array(MID_CLASSES);
  /** Capacity `adapt` shrinks a class to, at the least (SHRINK_FLOOR_BYTES). */
  private readonly shrinkFloor = new Int32Array(MID_CLASSES);
  /** This window's hits (in `state`), misses and overflows per class (reset by `adapt`). */
  protected readonly hitsW = this.state.subarray(STATE_HITS_AT, STATE_HITS_AT + MID_CLASSES);
  protected readonly missesW = new Int32Array(MID_CLASSES);
  protected readonly overflowsW = new Int32Array(MID_CLASSES);
  readonly budgetBytes: number;
  /** Hits of past adaptation windows (`hits` adds the current ones). */
  private hitsBefore = 0;
  /** Frees that did not go onto a cache (overflows, remote returns); `frees` derives the others. */
  private freesUncached = 0;
  /** Blocks that entered a cache other than by a free's push (refills, an overflow's cached block), and that left it other than by a pop (overflows, flushes). */
  private cacheIn = 0;
  private cacheOut = 0;
  misses = 0;
  overflows = 0;
  capacityGrows = 0;
  capacityShrinks = 0;

  /** Bytes of the blocks all classes cache (at most `reservedBytes`). */
  get cachedBytes(): number {
    let bytes = 0;
    for (let c = 0; c < MID_CLASSES; c++) bytes += this.count[c] * MID_CLASS_SIZES[c];
    return bytes;
  }

  /** Blocks handed out from a cache. */
  get hits(): number {
    let n = this.hitsBefore;
    for (let c = 0; c < MID_CLASSES; c++) n += this.hitsW[c];
    return n;
  }

  /**
   * Successful frees (cached or given back). The pushes are not counted
   * where they happen (a store on every free): what a cache holds is what
   * came in (pushes and `cacheIn`) minus what went out (pops, which are
   * `hits`, and `cacheOut`), so pushes = count + hits + cacheOut - cacheIn.
   */
  get frees(): number {
    let n = this.freesUncached + this.hits + this.cacheOut - this.cacheIn;
    for (let c = 0; c < MID_CLASSES; c++) n += this.count[c];
    return n;
  }

  /** Counts a free that does not simply push onto its cache (an overflow, or a block sent home). */
  protected countFree(): void {
    this.freesUncached++;
  }

  constructor(lm: LinearMemory, budgetBytes: number) {
    this.lm = lm;
    this.budgetBytes = budgetBytes;
    for (let c = 0; c < MID_CLASSES; c++) {
      const max = Math.max(MIN_CAPACITY, Math.min(STRIDE, Math.floor(CLASS_CACHE_BYTES / MID_CLASS_SIZES[c])));
      this.maxCapacity[c] = max;
      this.shrinkFloor[c] = Math.min(max, Math.max(MIN_CAPACITY, Math.floor(SHRINK_FLOOR_BYTES / MID_CLASS_SIZES[c])));
      this.capacity[c] = Math.min(INITIAL_CAPACITY, max);
    }
  }

  /** Gives one cached (not live) block of class `cls` back to where it came from. */
  protected abstract returnBlock(cls: number, ptr: number): void;

  /** Caches a block that already holds its poison (debug): one being freed, or one off a span list whose poison was just checked. */
  cacheBlock(cls: number, ptr: number): void {
    this.cacheIn++;
    this.slots[cls * STRIDE + this.count[cls]++] = ptr;
  }

  /** Caches a block that is not poisoned yet (debug: it is poisoned now): a fresh run or a freshly carved block. */
  pushFresh(cls: number, ptr: number): void {
    if (__HAKMEM_DEBUG__) poisonMid(this.lm, ptr, MID_CLASS_SIZES[cls]);
    this.cacheBlock(cls, ptr);
  }

  /** Blocks a refill of `cls` should fetch: half a cache's worth, but never more than its limit has room for (plus the block returned now). */
  protected refillWant(cls: number): number {
    this.reserve(cls);
    return Math.max(1, Math.min(this.capacity[cls] >>> 1, this.limit[cls] - this.count[cls] + 1));
  }

  private setLimit(cls: number, n: number): void {
    this.reservedBytes += (n - this.limit[cls]) * MID_CLASS_SIZES[cls];
    this.limit[cls] = n;
  }

  /**
   * Slow path: moves the limit of `cls` to its capacity (never below its
   * count) as far as the budget allows. When it is short, every other class
   * first gives back what it reserves beyond what it holds.
   */
  protected reserve(cls: number): void {
    const size = MID_CLASS_SIZES[cls];
    const want = Math.max(this.count[cls], this.capacity[cls]);
    let room = this.budgetBytes - this.reservedBytes + this.limit[cls] * size;
    if (want * size > room) {
      for (let c = 0; c < MID_CLASSES; c++) if (c !== cls && this.limit[c] > this.count[c]) this.setLimit(c, this.count[c]);
      room = this.budgetBytes - this.reservedBytes + this.limit[cls] * size;
    }
    // Every cached byte is reserved, so room covers this class's count.
    this.setLimit(cls, Math.max(this.count[cls], Math.min(want, Math.floor(room / size))));
  }

  /** A free of `cls` that met its limit (`free` counted it): cache `ptr` if the limit can move, else overflow. */
  protected freeAtLimit(cls: number, ptr: number): void {
    this.reserve(cls);
    if (this.count[cls] < this.limit[cls]) this.cacheBlock(cls, ptr);
    else this.overflow(cls, ptr);
  }

  /** The cache of `cls` is full (or the budget is spent): return half of it, then cache or return `ptr` (which free() poisoned). */
  protected overflow(cls: number, ptr: number): void {
    this.overflows++;
    this.overflowsW[cls]++;
    this.adapt(cls);
    const n = this.count[cls];
    const out = n - Math.min(n >>> 1, this.capacity[cls] >>> 1);
    const base = cls * STRIDE;
    if (__HAKMEM_DEBUG__) checkLeaving(this.lm, this.slots, STRIDE, cls, 0, out);
    for (let i = 0; i < out; i++) this.returnBlock(cls, this.slots[base + i]);
    this.cacheOut += out;
    const slots = this.slots;
    for (let i = out; i < n; i++) slots[base + i - out] = slots[base + i];
    this.count[cls] = n - out;
    this.reserve(cls); // adapt may have moved the capacity
    if (this.count[cls] < this.limit[cls]) this.cacheBlock(cls, ptr);
    else this.returnBlock(cls, ptr);
  }

  /** Returns every cached block of every class. */
  protected emptyCaches(): void {
    if (__HAKMEM_DEBUG__) for (let c = 0; c < MID_CLASSES; c++) checkLeaving(this.lm, this.slots, STRIDE, c, 0, this.count[c]);
    for (let c = 0; c < MID_CLASSES; c++) {
      const n = this.count[c];
      for (let i = 0; i < n; i++) this.returnBlock(c, this.slots[c * STRIDE + i]);
      this.cacheOut += n;
      this.count[c] = 0;
      this.setLimit(c, 0);
    }
  }

  /** ACE: resize class `cls`'s cache from its recent hit, miss and overflow counts. */
  protected adapt(cls: number): void {
    const hits = this.hitsW[cls];
    const misses = this.missesW[cls];
    const overflows = this.overflowsW[cls];
    if (hits + misses + overflows < ADAPT_WINDOW) return;
    const cap = this.capacity[cls];
    if (misses * GROW_MISS_RATE > hits + misses && cap < this.maxCapacity[cls]) {
      this.capacity[cls] = Math.min(this.maxCapacity[cls], cap * 2);
      this.capacityGrows++;
    } else if (overflows > 2 * misses + SHRINK_OVERFLOW_SLACK && misses * SHRINK_MISS_RATE <= hits + misses && cap > this.shrinkFloor[cls]) {
      this.capacity[cls] = Math.max(this.shrinkFloor[cls], cap >>> 1);
      this.capacityShrinks++;
    }
    if (__HAKMEM_DEBUG__) {
      const c = this.capacity[cls];
      if (c < MIN_CAPACITY || c > this.maxCapacity[cls])
        throw new HeapError('CORRUPTION', `ACE moved class ${cls}'s capacity to ${c}, outside [${MIN_CAPACITY}, ${this.maxCapacity[cls]}]`, undefined, 'midLargeAce');
    }
    this.hitsBefore += hits;
    this.hitsW[cls] = 0;
    this.missesW[cls] = 0;
    this.overflowsW[cls] = 0;
  }

  /** Whether the cache of a class in [from, to) holds the block (or run) at `ptr`. */
  holds(ptr: number, from: number, to: number): boolean {
    for (let c = from; c < to; c++) for (let i = 0; i < this.count[c]; i++) if (this.slots[c * STRIDE + i] === ptr) return true;
    return false;
  }

  /** Cache invariants: counts within capacity, capacity within bounds, budget respected; `checkBlock` (debug) checks each cached block. */
  protected validateCaches(checkBlock: ((cls: number, ptr: number) => void) | null): string | null {
    let bytes = 0;
    for (let c = 0; c < MID_CLASSES; c++) {
      if (this.capacity[c] < MIN_CAPACITY || this.capacity[c] > this.maxCapacity[c]) return `class ${c} capacity ${this.capacity[c]} outside [${MIN_CAPACITY}, ${this.maxCapacity[c]}]`;
      if (this.count[c] < 0 || this.count[c] > STRIDE) return `class ${c} cache count ${this.count[c]} out of range`;
      bytes += this.count[c] * MID_CLASS_SIZES[c];
      if (checkBlock !== null) for (let i = 0; i < this.count[c]; i++) checkBlock(c, this.slots[c * STRIDE + i]);
    }
    let reserved = 0;
    for (let c = 0; c < MID_CLASSES; c++) {
      if (this.count[c] > this.limit[c]) return `class ${c} caches ${this.count[c]} blocks, over its limit ${this.limit[c]}`;
      reserved += this.limit[c] * MID_CLASS_SIZES[c];
    }
    if (reserved !== this.reservedBytes) return `reserved bytes ${this.reservedBytes} but the limits reserve ${reserved}`;
    if (reserved > this.budgetBytes) return `the limits reserve ${reserved} bytes, over the ${this.budgetBytes}-byte budget`;
    if (bytes > this.budgetBytes) return `caches hold ${bytes} bytes, over the ${this.budgetBytes}-byte budget`;
    return null;
  }

  /** The cache policy's counters (the box adds its own). */
  protected cacheCounters(): Record<string, number | number[]> {
    return {
      hits: this.hits,
      misses: this.misses,
      frees: this.frees,
      overflows: this.overflows,
      capacityGrows: this.capacityGrows,
      capacityShrinks: this.capacityShrinks,
    };
  }
}
