import type { Adapter, AdapterFactory } from '../adapter.js';
import type { AdapterAbout } from './about.js';

export const about: AdapterAbout = {
  peer: null,
  options:
    'no allocator: malloc = new Uint8Array(size) kept in a handle table, free drops it for the GC; bytesTaken = V8 heapUsed + arrayBuffers growth since creation (includes garbage not yet collected)',
};

/** Stands in for a freed handle's array, so the table holds one element kind only. */
const EMPTY = new Uint8Array(0);

/**
 * What a JavaScript program does without an allocator: a fresh typed array
 * per block, dropped when done. Pointers are handles into a table, recycled
 * LIFO like a free list so the table stays as small as the live set.
 */
class GcAdapter implements Adapter {
  readonly name = 'gc';
  readonly distinctBlocks = true;
  readonly align = 1;
  private blocks: Uint8Array[];
  private freeHandles: Int32Array;
  private freeCount: number;
  private readonly baseline: number;

  constructor(capacity: number) {
    this.blocks = [];
    this.freeHandles = new Int32Array(0);
    this.freeCount = 0;
    this.growTable(capacity);
    const mu = process.memoryUsage();
    this.baseline = mu.heapUsed + mu.arrayBuffers;
  }

  malloc(size: number): number {
    if (this.freeCount === 0) this.growTable(this.blocks.length * 2);
    const h = this.freeHandles[--this.freeCount];
    this.blocks[h] = new Uint8Array(size);
    return h;
  }

  /** Slow path: more handles, stacked so the lowest comes out first. Handle 0 is never handed out. */
  private growTable(length: number): void {
    const old = this.blocks.length;
    for (let h = old; h < length; h++) this.blocks.push(EMPTY);
    const handles = new Int32Array(length);
    handles.set(this.freeHandles.subarray(0, this.freeCount));
    let n = this.freeCount;
    for (let h = length - 1; h >= Math.max(old, 1); h--) handles[n++] = h;
    this.freeHandles = handles;
    this.freeCount = n;
  }

  free(ptr: number): void {
    this.blocks[ptr] = EMPTY;
    this.freeHandles[this.freeCount++] = ptr;
  }

  writeByte(ptr: number, offset: number, value: number): void {
    this.blocks[ptr][offset] = value;
  }

  readByte(ptr: number, offset: number): number {
    return this.blocks[ptr][offset];
  }

  bytesTaken(): number {
    const mu = process.memoryUsage();
    return Math.max(0, mu.heapUsed + mu.arrayBuffers - this.baseline);
  }

  stats(): unknown {
    const mu = process.memoryUsage();
    return { heapUsed: mu.heapUsed, arrayBuffers: mu.arrayBuffers, external: mu.external, handles: this.blocks.length };
  }

  dispose(): void {
    this.blocks = [];
  }
}

export const create: AdapterFactory = async (opts) => new GcAdapter(opts.slots + 1);
