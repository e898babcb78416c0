import { GRANULE, TINY_CLASSES, TLS_SLL_STRIDE } from '@hakmem/contracts/layout';
import { OP_POPS, OP_PUSHES } from './cache-ops.js';

/**
 * A TLS cache of fixed capacity: the same per-class LIFO stacks as
 * `@hakmem/tls-sll-box`, but every class holds at most `capacity` blocks,
 * always. No adaptation: a refill fetches a full stack, an overflow sends the
 * older half back, and nothing else ever changes the capacity. It shows what
 * the built-in cache's adaptation buys (compare `stats().boxes.tlsSll`
 * refills and drains), and it is the smallest cache the facade accepts.
 *
 * Block states (per worker, JS only; no shared words):
 *   | state  | where                                  | moved by                     |
 *   |--------|----------------------------------------|------------------------------|
 *   | cached | slots[cls * TLS_SLL_STRIDE + i], i < count[cls] | pop (→ live), drain (→ slab) |
 *   | live   | with the user                          | free → push (→ cached)       |
 */

/** Capacity `fixedTlsSll()` uses when none is given: a handful of blocks per class. */
export const FIXED_TLS_DEFAULT_CAPACITY = 4;

/** Tiny malloc's hot path: the top block of class `cls`, or 0 when it is empty. */
export function popFixed(count: Int32Array, slots: Uint32Array, ops: Float64Array, cls: number): number {
  const n = count[cls] - 1;
  if (n < 0) return 0;
  count[cls] = n;
  ops[OP_POPS]++;
  return slots[cls * TLS_SLL_STRIDE + n];
}

/** Tiny free's hot path: caches `ptr`, or returns false when the class is full. */
export function pushFixed(count: Int32Array, capacity: Int32Array, slots: Uint32Array, ops: Float64Array, cls: number, ptr: number): boolean {
  const n = count[cls];
  if (n >= capacity[cls]) return false;
  slots[cls * TLS_SLL_STRIDE + n] = ptr;
  count[cls] = n + 1;
  ops[OP_PUSHES]++;
  return true;
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > TLS_SLL_STRIDE)
    throw new RangeError(`FixedTlsSll: capacity must be an integer in [1, ${TLS_SLL_STRIDE}], got ${String(capacity)}`);
}

export class FixedTlsSll {
  readonly slots = new Uint32Array(TINY_CLASSES * TLS_SLL_STRIDE);
  readonly count = new Int32Array(TINY_CLASSES);
  readonly capacity = new Int32Array(TINY_CLASSES);
  /** Fast-path counters: `[pops, pushes]`. */
  readonly ops = new Float64Array(2);
  /** The capacity of every class, for ever. */
  readonly fixedCapacity: number;
  refills = 0;
  drains = 0;
  blocksRefilled = 0;
  blocksDrained = 0;

  constructor(capacity: number = FIXED_TLS_DEFAULT_CAPACITY) {
    checkCapacity(capacity);
    this.fixedCapacity = capacity;
    this.capacity.fill(capacity);
  }

  pop(cls: number): number {
    return popFixed(this.count, this.slots, this.ops, cls);
  }

  push(cls: number, ptr: number): boolean {
    return pushFixed(this.count, this.capacity, this.slots, this.ops, cls, ptr);
  }

  /** Slow path, on a miss: room for a whole stack (the class is empty when the facade asks). */
  refillCount(cls: number): number {
    this.refills++;
    return Math.max(1, this.capacity[cls] - this.count[cls]);
  }

  splice(cls: number, src: Uint32Array, n: number): void {
    const at = this.count[cls];
    this.slots.set(src.subarray(0, n), cls * TLS_SLL_STRIDE + at);
    this.count[cls] = at + n;
    this.blocksRefilled += n;
  }

  /** Slow path, on an overflow: the older half of the stack (at least one block) goes into `dest`. */
  drain(cls: number, dest: Uint32Array): number {
    this.drains++;
    const n = this.count[cls];
    const keep = Math.min(n, this.capacity[cls] >>> 1);
    const out = n - keep;
    const base = cls * TLS_SLL_STRIDE;
    dest.set(this.slots.subarray(base, base + out));
    this.slots.copyWithin(base, base + out, base + n);
    this.count[cls] = keep;
    this.blocksDrained += out;
    return out;
  }

  drainAll(cls: number, dest: Uint32Array): number {
    const n = this.count[cls];
    const base = cls * TLS_SLL_STRIDE;
    dest.set(this.slots.subarray(base, base + n));
    this.count[cls] = 0;
    this.blocksDrained += n;
    return n;
  }

  /** Every cached block of every class, sorted ascending (the heap walk's). */
  listCached(): Uint32Array {
    const out = new Uint32Array(this.cached());
    let k = 0;
    for (let c = 0; c < TINY_CLASSES; c++) {
      const base = c * TLS_SLL_STRIDE;
      for (let i = 0; i < this.count[c]; i++) out[k++] = this.slots[base + i];
    }
    return out.sort();
  }

  cached(): number {
    let n = 0;
    for (let c = 0; c < TINY_CLASSES; c++) n += this.count[c];
    return n;
  }

  counters(): { pops: number; pushes: number; refills: number; drains: number; blocksRefilled: number; blocksDrained: number; cachedBlocks: number; capacities: number[] } {
    return {
      pops: this.ops[OP_POPS],
      pushes: this.ops[OP_PUSHES],
      refills: this.refills,
      drains: this.drains,
      blocksRefilled: this.blocksRefilled,
      blocksDrained: this.blocksDrained,
      cachedBlocks: this.cached(),
      capacities: Array.from(this.capacity),
    };
  }

  /**
   * Invariants: every capacity is still the fixed one, every count lies in
   * [0, capacity], every cached block is non-zero, 16-byte aligned and cached
   * once. Returns the first violation, or null.
   */
  validate(): string | null {
    for (let c = 0; c < TINY_CLASSES; c++) {
      if (this.capacity[c] !== this.fixedCapacity) return `class ${c} capacity ${this.capacity[c]} is not the fixed ${this.fixedCapacity}`;
      const n = this.count[c];
      if (n < 0 || n > this.fixedCapacity) return `class ${c} count ${n} outside [0, ${this.fixedCapacity}]`;
      const base = c * TLS_SLL_STRIDE;
      for (let i = 0; i < n; i++) {
        const p = this.slots[base + i];
        if (p === 0 || (p & (GRANULE - 1)) !== 0) return `class ${c} caches misaligned block ${p}`;
        for (let j = 0; j < i; j++) if (this.slots[base + j] === p) return `class ${c} caches block ${p} twice`;
      }
    }
    return null;
  }
}

/**
 * The TLS box implementation with every class's capacity fixed at
 * `capacity`, for `createAllocator({ boxes: { tlsSll: fixedTlsSll(4) } })`.
 *
 * @example
 * ```ts
 * import { createAllocator } from 'hakmem'
 * import { fixedTlsSll } from '@hakmem/alt-boxes'
 * const heap = createAllocator({ boxes: { tlsSll: fixedTlsSll(2) } })
 * heap.stats().boxes.tlsSll.capacities // every class: 2
 * ```
 */
export function fixedTlsSll(capacity: number = FIXED_TLS_DEFAULT_CAPACITY) {
  // Checked here too, so a bad capacity fails when the implementation is made.
  checkCapacity(capacity);
  return {
    variant: 'release' as const,
    TlsCache: class extends FixedTlsSll {
      constructor() {
        super(capacity);
      }
    },
    popBlock: popFixed,
    pushBlock: pushFixed,
  };
}
