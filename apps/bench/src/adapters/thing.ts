import type { MemPool as MemPoolType } from '@thi.ng/malloc';
import { AdapterUnavailableError, type Adapter, type AdapterFactory } from '../adapter.js';
import type { AdapterAbout } from './about.js';

/**
 * MemPool keeps block addresses in a Uint32Array and indexes it with
 * `block >> 2` (signed), so its buffer must stay below 2 GiB.
 */
const MAX_BUFFER_BYTES = 2 ** 31 - 16;
const MIN_BUFFER_BYTES = 64 * 1024 * 1024;
/**
 * Buffer = slots x (largest block + header) x this. Without splitting or
 * compaction (below) a freed block is reused whole for any smaller request,
 * so the pool needs more room than the live bytes.
 */
const BUFFER_SLACK = 4;
/** MemPool's block header: size and next, two u32s. */
const BLOCK_HEADER_BYTES = 8;
/** pool.js's state words (at `start`, 0 here) and the header's next word. */
const STATE_FREE = 0;
const STATE_USED = 1;
const STATE_TOP = 2;
const BLOCK_NEXT_WORD = 1;

/**
 * `@thi.ng/malloc` MemPool (pool.js, 6.1.x) with its fastest options:
 * - `split: false`: splitting a reused block inserts the remainder into the
 *   address-sorted free list (a list walk), and the fragments lengthen
 *   every later first-fit search. The big win: W1 22k -> 70k it/s, W3
 *   28k -> 127k (1.5 s runs, Node 20, this machine).
 * - `compact: false`: with compaction every free walks the whole free list
 *   to merge neighbours. Alone it is slower (unmerged split fragments pile
 *   up: W1 17k it/s); with `split: false` on or off measured the same
 *   (W1 70.1k vs 70.5k, W3 120k vs 127k, within noise), so off: one list
 *   walk less per free.
 * - `align: 8`: the smallest allowed; 16 measured no faster.
 * No option touches `free`'s search of the used list for the block
 * (O(live blocks)) or first-fit `malloc`, which is why MemPool sits two
 * orders of magnitude below the others whatever the options.
 */
export const about: AdapterAbout = {
  peer: '@thi.ng/malloc',
  options: 'MemPool({ buf: ArrayBuffer(slots x (maxSize + 8) x 4, 64 MiB..2 GiB), align: 8, compact: false, split: false })',
};

class ThingAdapter implements Adapter {
  readonly name = 'thing';
  readonly distinctBlocks = true;
  readonly align = 8;
  private readonly pool: MemPoolType;
  private readonly bytes: Uint8Array;
  private readonly state: Uint32Array;
  private readonly words: Uint32Array;

  constructor(pool: MemPoolType, buffer: ArrayBuffer) {
    this.pool = pool;
    this.bytes = new Uint8Array(buffer);
    // MemPool keeps its state at `start` (0 here) inside the buffer; word 2
    // is `top`, the end of the bump region (pool.js STATE_TOP). `stats()`
    // would walk both block lists to report it.
    this.state = new Uint32Array(buffer, 0, 7);
    this.words = new Uint32Array(buffer);
  }

  malloc(size: number): number {
    return this.pool.malloc(size);
  }

  free(ptr: number): void {
    this.pool.free(ptr);
  }

  writeByte(ptr: number, offset: number, value: number): void {
    this.bytes[ptr + offset] = value;
  }

  readByte(ptr: number, offset: number): number {
    return this.bytes[ptr + offset];
  }

  bytesTaken(): number {
    return this.state[STATE_TOP];
  }

  /**
   * What `free` on each slot's block would leave, in O(n log n) instead of
   * O(n x live): pool.free unlinks the block from the used list (a walk)
   * and inserts it into the address-ordered free list (another walk); with
   * `compact: false` it changes nothing else. So whatever the order of the
   * frees, the end state is the used list without those blocks, in its
   * order, and one free list of the old free blocks and the freed ones in
   * address order; this builds that directly. A pointer that is not on the
   * used list is skipped, as pool.free skips it. Freeing W5's 20,000-odd
   * live blocks one by one took 5 to 10 s per child, twice (warm-up and
   * after the loop); adapters.test.ts checks the two leave the same bytes.
   */
  freeSlots(slots: Int32Array): void {
    const u32 = this.words;
    const freeing = new Set<number>();
    for (let s = 0; s < slots.length; s++) if (slots[s] !== 0) freeing.add((slots[s] >>> 0) - BLOCK_HEADER_BYTES);
    const freed: number[] = [];
    let kept = 0; // last block that stays on the used list
    for (let b = this.state[STATE_USED]; b !== 0; ) {
      const next = u32[(b >>> 2) + BLOCK_NEXT_WORD];
      if (freeing.has(b)) freed.push(b);
      else {
        if (kept === 0) this.state[STATE_USED] = b;
        else u32[(kept >>> 2) + BLOCK_NEXT_WORD] = b;
        kept = b;
      }
      b = next;
    }
    if (kept === 0) this.state[STATE_USED] = 0;
    else u32[(kept >>> 2) + BLOCK_NEXT_WORD] = 0;
    if (freed.length === 0) return;
    freed.sort((x, y) => x - y);
    // Merge the sorted freed blocks into the free list; on equal addresses
    // (impossible in a sound pool) pool.insert puts the new block first.
    let prev = 0;
    let old = this.state[STATE_FREE];
    const link = (b: number): void => {
      if (prev === 0) this.state[STATE_FREE] = b;
      else u32[(prev >>> 2) + BLOCK_NEXT_WORD] = b;
      prev = b;
    };
    for (const b of freed) {
      while (old !== 0 && old < b) {
        link(old);
        old = u32[(old >>> 2) + BLOCK_NEXT_WORD];
      }
      link(b);
    }
    u32[(prev >>> 2) + BLOCK_NEXT_WORD] = old;
  }

  stats(): unknown {
    return this.pool.stats();
  }

  dispose(): void {}
}

export const create: AdapterFactory = async (opts) => {
  let MemPool: typeof MemPoolType;
  try {
    ({ MemPool } = await import('@thi.ng/malloc'));
  } catch (err) {
    throw new AdapterUnavailableError(`cannot import @thi.ng/malloc: ${(err as Error).message}`);
  }
  const want = opts.slots * (opts.maxSize + BLOCK_HEADER_BYTES) * BUFFER_SLACK;
  const size = Math.min(MAX_BUFFER_BYTES, Math.max(MIN_BUFFER_BYTES, want));
  const buffer = new ArrayBuffer(size);
  const pool = new MemPool({ buf: buffer, align: 8, compact: false, split: false });
  const adapter = new ThingAdapter(pool, buffer);
  if (adapter.bytesTaken() !== pool.stats().top) {
    throw new AdapterUnavailableError('@thi.ng/malloc: state word 2 is no longer `top`; bytesTaken() needs updating');
  }
  return adapter;
};
