import { createAllocator, type Allocator, type AllocatorOptions, type Variant } from '../src/index.js';

/**
 * The variants the suite runs under. HAKMEM_VARIANTS picks them; by default
 * every test runs against both builds. The per-box build matrix of the
 * conformance and property suites is in suites.ts.
 */
export const VARIANTS: Variant[] = (process.env.HAKMEM_VARIANTS ?? 'release,debug').split(',') as Variant[];

export function heapOf(variant: Variant, options: AllocatorOptions = {}): Allocator {
  return createAllocator({ variant, maxBytes: 256 << 20, ...options });
}

/** A block the shadow model knows: where, how big, and the byte pattern written into it. */
export interface ShadowBlock {
  ptr: number;
  size: number;
  usable: number;
  seed: number;
}

/**
 * Mirror of the heap's live blocks. Every allocation is checked against it
 * (alignment, bounds, no overlap) and stamped with a pattern; every free and
 * realloc checks the pattern survived.
 */
export class Shadow {
  readonly blocks = new Map<number, ShadowBlock>();
  /** Live block starts in address order, for O(log n) overlap checks. */
  private readonly starts: number[] = [];
  private seed = 1;

  constructor(readonly heap: Allocator, readonly heapBase = 0) {}

  add(ptr: number, size: number): ShadowBlock {
    const heap = this.heap;
    if (ptr === 0) throw new Error(`allocation of ${size} bytes returned 0`);
    const usable = heap.usableSize(ptr);
    if (usable < size) throw new Error(`usableSize ${usable} < requested ${size} at ${ptr}`);
    if (ptr % 8 !== 0) throw new Error(`pointer ${ptr} is not 8-aligned`);
    if (usable >= 16 && ptr % 16 !== 0) throw new Error(`pointer ${ptr} with ${usable} usable bytes is not 16-aligned`);
    if (ptr < this.heapBase + 65536) throw new Error(`pointer ${ptr} below heapBase + 64 KiB`);
    if (ptr + usable > heap.memory.buffer.byteLength) throw new Error(`block ${ptr}+${usable} past the memory end`);
    const at = this.indexOf(ptr);
    for (const j of [at - 1, at]) {
      const b = j >= 0 && j < this.starts.length ? this.blocks.get(this.starts[j])! : undefined;
      if (b && ptr < b.ptr + b.usable && b.ptr < ptr + usable) throw new Error(`block ${ptr}+${usable} overlaps live block ${b.ptr}+${b.usable}`);
    }
    const block = { ptr, size, usable, seed: this.seed++ };
    this.blocks.set(ptr, block);
    this.starts.splice(at, 0, ptr);
    this.stamp(block);
    return block;
  }

  /** First index whose start is ≥ ptr. */
  private indexOf(ptr: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] < ptr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  stamp(b: ShadowBlock): void {
    const u8 = new Uint8Array(this.heap.memory.buffer);
    for (let i = 0; i < b.size; i++) u8[b.ptr + i] = (b.seed * 31 + i) & 0xff;
  }

  verify(b: ShadowBlock, upTo = b.size): void {
    const u8 = new Uint8Array(this.heap.memory.buffer);
    for (let i = 0; i < Math.min(upTo, b.size); i++)
      if (u8[b.ptr + i] !== ((b.seed * 31 + i) & 0xff)) throw new Error(`block ${b.ptr} (size ${b.size}) byte ${i} changed while live`);
  }

  remove(ptr: number): ShadowBlock {
    const b = this.blocks.get(ptr);
    if (!b) throw new Error(`shadow has no block ${ptr}`);
    this.verify(b);
    this.blocks.delete(ptr);
    this.starts.splice(this.indexOf(ptr), 1);
    return b;
  }

  free(ptr: number): void {
    this.remove(ptr);
    this.heap.free(ptr);
  }

  freeAll(): void {
    for (const ptr of [...this.blocks.keys()]) this.free(ptr);
  }

  liveBytes(): number {
    let n = 0;
    for (const b of this.blocks.values()) n += b.usable;
    return n;
  }
}

/** xorshift32, the workloads' PRNG (shared/docs/workloads.md): a seeded stream of u32s. */
export function rng(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}
