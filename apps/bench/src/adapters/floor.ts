import type { Adapter, AdapterFactory } from '../adapter.js';
import type { AdapterAbout } from './about.js';

/**
 * Size classes: 16-byte steps up to 1 KiB (classes 1..64; class 0 holds
 * malloc(0) in 16 bytes), then powers of two from 2 KiB (class 65) up to
 * 1 GiB (class 84). Powers of two above 1 KiB keep the class computation to
 * one clz32; the floor is a speed reference, so its waste does not matter.
 */
const SMALL_STEP_SHIFT = 4;
const SMALL_MAX = 1024;
const SMALL_CLASSES = SMALL_MAX >>> SMALL_STEP_SHIFT; // 64
/** Class of a 2^k-byte block for k > 10 is k + LARGE_CLASS_OFFSET: 2 KiB -> 65. */
const LARGE_CLASS_OFFSET = SMALL_CLASSES + 1 - 11;
const LARGEST_CLASS_SHIFT = 30;
const NUM_CLASSES = LARGEST_CLASS_SHIFT + LARGE_CLASS_OFFSET + 1;

/** Block size of each class. */
const CLASS_BYTES = new Int32Array(NUM_CLASSES);
CLASS_BYTES[0] = 1 << SMALL_STEP_SHIFT;
for (let c = 1; c <= SMALL_CLASSES; c++) CLASS_BYTES[c] = c << SMALL_STEP_SHIFT;
for (let c = SMALL_CLASSES + 1; c < NUM_CLASSES; c++) CLASS_BYTES[c] = 2 ** (c - LARGE_CLASS_OFFSET);

/** First block address: 0 stays "no block". */
const BASE = 16;
/** Pointers must stay positive int32s and within one ArrayBuffer. */
const MAX_BUFFER_BYTES = 2 ** 31 - 16;
const MIN_BUFFER_BYTES = 64 * 1024 * 1024;
/**
 * Buffer = slots x largest block x this. Classes never share blocks, so the
 * sum of per-class peaks can pass slots x largest block; twice is ample for
 * the workloads' uniform sizes.
 */
const BUFFER_SLACK = 2;

export const about: AdapterAbout = {
  peer: null,
  options:
    'free-list floor: per class an intrusive LIFO list, bump for new blocks, class in a Uint8Array side table; 16 B steps to 1 KiB then powers of two; no growth, no checks, nothing given back',
};

function classOf(size: number): number {
  return size <= SMALL_MAX ? (size + 15) >>> SMALL_STEP_SHIFT : LARGE_CLASS_OFFSET + 32 - Math.clz32(size - 1);
}

/**
 * The free-list floor: the least a real allocator can do in JavaScript.
 * A block's first 4 bytes hold the next free block of its class while it
 * is free; its class is found from its address in a side table.
 */
class FloorAdapter implements Adapter {
  readonly name = 'floor';
  readonly distinctBlocks = true;
  readonly align = 16;
  private readonly bytes: Uint8Array;
  /** Intrusive links, indexed by ptr >>> 2. */
  private readonly links: Int32Array;
  /** Class of the block starting at each 16-byte granule, indexed by ptr >>> 4. */
  private readonly classAt: Uint8Array;
  /** Head of each class's free list, 0 when empty. */
  private readonly heads: Int32Array;
  private readonly capacity: number;
  private top: number;

  constructor(capacity: number) {
    const buffer = new ArrayBuffer(capacity);
    this.bytes = new Uint8Array(buffer);
    this.links = new Int32Array(buffer);
    this.classAt = new Uint8Array(capacity >>> SMALL_STEP_SHIFT);
    this.heads = new Int32Array(NUM_CLASSES);
    this.capacity = capacity;
    this.top = BASE;
  }

  malloc(size: number): number {
    const cls = classOf(size);
    const head = this.heads[cls];
    if (head !== 0) {
      this.heads[cls] = this.links[head >>> 2];
      return head;
    }
    return this.bump(cls);
  }

  /** Slow path: a new block from the untouched end of the buffer. */
  private bump(cls: number): number {
    const p = this.top;
    const end = p + CLASS_BYTES[cls];
    if (end > this.capacity) return 0;
    this.top = end;
    this.classAt[p >>> SMALL_STEP_SHIFT] = cls;
    return p;
  }

  free(ptr: number): void {
    const cls = this.classAt[ptr >>> SMALL_STEP_SHIFT];
    this.links[ptr >>> 2] = this.heads[cls];
    this.heads[cls] = ptr;
  }

  writeByte(ptr: number, offset: number, value: number): void {
    this.bytes[ptr + offset] = value;
  }

  readByte(ptr: number, offset: number): number {
    return this.bytes[ptr + offset];
  }

  bytesTaken(): number {
    return this.top - BASE;
  }

  stats(): unknown {
    return { capacity: this.capacity, top: this.top };
  }

  dispose(): void {}
}

export const create: AdapterFactory = async (opts) => {
  const want = opts.slots * CLASS_BYTES[classOf(opts.maxSize)] * BUFFER_SLACK;
  const capacity = Math.min(MAX_BUFFER_BYTES, Math.max(MIN_BUFFER_BYTES, want));
  return new FloorAdapter(capacity);
};
