import { FREE_DOUBLE, FREE_INSIDE, FREE_OK, HeapError, type FreeResult, type HeapWalk } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_OWNER,
  SM_STATE,
  SM_USED,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  TINY_CLASSES,
  pageClass,
  slabDataStart,
  slabIndexOfRecord,
  slabRecordOf,
  superslabOf,
} from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import {
  BIT_BYTE_SHIFT,
  BIT_IN_BYTE,
  FULL_BYTE,
  LIVE_BITS_AT,
  OUT_BITS_AT,
  SIZES,
  SM_LISTED,
  SM_SCAN_HINT,
  TOP_BIT,
  TRAILER_BYTES,
  bitmapCapacity,
  blockStartOf,
  slabPageOf,
} from './bitmap-layout.js';
import { clearLive, clearLiveShared, markLive, markLiveShared, ownerOf } from './bitmap-live.js';
import { scanSuperslab, slabOccupancy, type SlabTally } from './bitmap-walk.js';

/**
 * A SuperSlab box with records of its own: no free lists, two bitmaps per
 * slab indexed by block number, kept at the end of the slab's own page.
 *
 * The built-in box keeps one live bit per 16-byte granule in the SuperSlab
 * header and threads free blocks through their first word. This one keeps,
 * per slab, a live bit and an out bit per block (bitmap-layout.ts): a block
 * is free when it is carved and its out bit is clear, so `refill` scans the
 * out bits (from a hint word) and `returnBlocks` clears one; a freed block's
 * bytes are never written by the box. The live-bit index is a multiply and
 * a shift (a reciprocal per class), and `clearLive` checks that the pointer
 * is that block's start, which the granule bitmap got for free.
 *
 * What it shares with the shared pool stays as the pool lays it out: the
 * SuperSlab header and the words SM_STATE, SM_CLASS, SM_OWNER, SM_NEXT,
 * SM_PREV. The pool also writes SM_CAPACITY when it hands out a fresh slab
 * (this box lowers it at `adopt`: blocks stop where the trailer starts),
 * zeroes SM_CARVED and SM_USED of a fresh slab (which is how `adopt` knows
 * the trailer must be cleared), and its debug build reads SM_USED at
 * release. SM_CARVED keeps its meaning (blocks carved) because the debug TLS
 * cache reads it to tell a carved block. SM_FREE_HEAD, SM_REMOTE_HEAD and
 * SM_LIST go unused; SM_SCAN_HINT and SM_LISTED are this box's own.
 *
 * Private heaps only: a heap with a user box cannot be shared, so every slab
 * it sees is this worker's and there are no remote frees (`returnBlocks`
 * throws CORRUPTION for a block of another owner's slab).
 *
 * Words and who writes them:
 *   | word                          | written by                          |
 *   |-------------------------------|-------------------------------------|
 *   | live bits                     | markLive sets, clearLive clears (the facade's fast paths) |
 *   | out bits, SM_SCAN_HINT, SM_LISTED, SM_CARVED, SM_USED | this box (refill, returnBlocks, adopt) |
 *   | SM_CAPACITY                   | the pool (fresh slab), then this box at adopt |
 *   | SM_STATE, SM_CLASS, SM_OWNER, links, header | the shared pool        |
 */
export class BitmapSuperslab {
  readonly lm: LinearMemory;
  readonly worker: number;
  /** The page table, when the facade passes it: `walk` then checks page words against the records. */
  private readonly pages: PageLayer | undefined;
  /** Slab record each class carves from now, 0 if none. */
  readonly current = new Uint32Array(TINY_CLASSES);
  /** Per class, slabs that may have free blocks and are not current (SM_LISTED = 1). */
  private readonly partial: number[][] = Array.from({ length: TINY_CLASSES }, () => []);
  /** Every slab this worker owns (current, partial, or with every block out). */
  private readonly owned = new Set<number>();
  /** Slabs whose last block came back; the facade hands them to the pool. */
  readonly emptied: number[] = [];
  refills = 0;
  carvedBlocks = 0;
  reusedBlocks = 0;
  partialHits = 0;
  localReturns = 0;
  slabsAdopted = 0;

  constructor(lm: LinearMemory, worker: number, pages?: PageLayer) {
    this.lm = lm;
    this.worker = worker;
    this.pages = pages;
  }

  markLive(ptr: number): boolean {
    return this.lm.shared ? markLiveShared(this.lm.u8, ptr) : markLive(this.lm.u8, ptr);
  }

  clearLive(ptr: number): boolean {
    return this.lm.shared ? clearLiveShared(this.lm.u8, ptr) : clearLive(this.lm.u8, ptr);
  }

  /** Whether `ptr` is a carved block start of an ACTIVE or EMPTY slab. */
  isBlockStart(ptr: number): boolean {
    return this.carvedBlockOf(ptr) >= 0;
  }

  isLive(ptr: number): boolean {
    const b = this.carvedBlockOf(ptr);
    return b >= 0 && bitIsSet(this.lm.u8, slabPageOf(ptr) + LIVE_BITS_AT, b);
  }

  /** Usable size of the live block at `ptr` (page word `word`), or -1 when it is not one. */
  usableSize(ptr: number, word: number): number {
    return this.isLive(ptr) ? SIZES[pageClass(word)] : -1;
  }

  /** Why the fast path refused `ptr` in a tiny page: not a block start, a block that is not live, or live after all. */
  freeProblem(ptr: number): FreeResult {
    if (!this.isBlockStart(ptr)) return FREE_INSIDE;
    return this.isLive(ptr) ? FREE_OK : FREE_DOUBLE;
  }

  /** The block number of `ptr` when it is a carved block start of an ACTIVE or EMPTY slab, else -1. */
  private carvedBlockOf(ptr: number): number {
    const u32 = this.lm.u32;
    const m = slabRecordOf(ptr) >>> 2;
    if (m + (SM_USED >>> 2) >= u32.length) return -1;
    const state = u32[m + (SM_STATE >>> 2)];
    const cls = u32[m + (SM_CLASS >>> 2)];
    if ((state !== SLAB_ACTIVE && state !== SLAB_EMPTY) || cls >= TINY_CLASSES) return -1;
    const b = blockStartOf(ptr, cls);
    return b >= 0 && b < u32[m + (SM_CARVED >>> 2)] ? b : -1;
  }

  /**
   * Slow path: fills `dest` with up to `want` free blocks of class `cls`,
   * from the current slab, then from partial slabs. 0: the caller gets a
   * slab from the shared pool and `adopt`s it.
   */
  refill(cls: number, dest: Uint32Array, want: number): number {
    this.refills++;
    let n = 0;
    let slab = this.current[cls];
    while (n < want) {
      if (slab === 0) {
        slab = this.nextPartial(cls);
        if (slab === 0) break;
        this.current[cls] = slab;
      }
      n += this.take(slab, cls, dest, n, want - n);
      if (n < want) {
        // Dry: on no list until one of its blocks comes back (returnBlocks lists it).
        this.current[cls] = 0;
        slab = 0;
      }
    }
    return n;
  }

  /** Makes a slab the pool just handed over the current slab of its class; a fresh one gets its trailer cleared. */
  adopt(cls: number, slab: number): void {
    const u32 = this.lm.u32;
    const m = slab >>> 2;
    if (u32[m + (SM_STATE >>> 2)] !== SLAB_ACTIVE || u32[m + (SM_CLASS >>> 2)] !== cls || u32[m + (SM_OWNER >>> 2)] !== this.worker)
      throw new HeapError('CORRUPTION', `adopt: slab ${slab} is not an ACTIVE class-${cls} slab owned by worker ${this.worker}`, slab, 'superslab');
    if (u32[m + (SM_CARVED >>> 2)] === 0) this.format(slab, cls);
    const cur = this.current[cls];
    if (cur !== 0 && cur !== slab) this.list(cls, cur);
    this.current[cls] = slab;
    this.owned.add(slab);
    this.slabsAdopted++;
  }

  /**
   * A slab with nothing carved: its page last held other blocks (or poison),
   * so both bitmaps are cleared, and its capacity is what fits before them.
   */
  private format(slab: number, cls: number): void {
    const u32 = this.lm.u32;
    const m = slab >>> 2;
    const page = slabPageOf(slabDataStart(slab));
    this.lm.u8.fill(0, page + LIVE_BITS_AT, page + LIVE_BITS_AT + TRAILER_BYTES);
    u32[m + (SM_CAPACITY >>> 2)] = bitmapCapacity(cls, slabIndexOfRecord(slab));
    u32[m + (SM_USED >>> 2)] = 0;
    u32[m + (SM_SCAN_HINT >>> 2)] = 0;
    u32[m + (SM_LISTED >>> 2)] = 0;
  }

  private nextPartial(cls: number): number {
    const slab = this.partial[cls].pop();
    if (slab === undefined) return 0;
    this.lm.u32[(slab >>> 2) + (SM_LISTED >>> 2)] = 0;
    this.partialHits++;
    return slab;
  }

  private list(cls: number, slab: number): void {
    const i = (slab >>> 2) + (SM_LISTED >>> 2);
    if (this.lm.u32[i] !== 0) return;
    this.lm.u32[i] = 1;
    this.partial[cls].push(slab);
  }

  private unlist(cls: number, slab: number): void {
    const i = (slab >>> 2) + (SM_LISTED >>> 2);
    if (this.lm.u32[i] === 0) return;
    this.lm.u32[i] = 0;
    const list = this.partial[cls];
    list.splice(list.indexOf(slab), 1);
  }

  /** Hands a slab whose blocks all came back to `emptied`. */
  private retire(cls: number, slab: number): void {
    this.unlist(cls, slab);
    this.owned.delete(slab);
    this.emptied.push(slab);
  }

  /** Takes up to `want` blocks from one slab: free ones (clear out bits from the scan hint on), then fresh ones. */
  private take(slab: number, cls: number, dest: Uint32Array, at: number, want: number): number {
    const u8 = this.lm.u8;
    const u32 = this.lm.u32;
    const m = slab >>> 2;
    const size = SIZES[cls];
    const start = slabDataStart(slab);
    const out = slabPageOf(start) + OUT_BITS_AT;
    let carved = u32[m + (SM_CARVED >>> 2)];
    const used = u32[m + (SM_USED >>> 2)];
    let got = 0;
    if (used < carved) {
      const end = (carved + BIT_IN_BYTE) >>> BIT_BYTE_SHIFT;
      let i = u32[m + (SM_SCAN_HINT >>> 2)];
      while (i < end && got < want) {
        let byte = u8[out + i];
        while (byte !== FULL_BYTE && got < want) {
          const low = ~byte & (byte + 1); // the lowest clear bit
          const b = (i << BIT_BYTE_SHIFT) + TOP_BIT - Math.clz32(low);
          if (b >= carved) break; // past the carved blocks (only in the last byte)
          byte |= low;
          dest[at + got++] = start + b * size;
        }
        u8[out + i] = byte;
        if (got < want) i++;
      }
      u32[m + (SM_SCAN_HINT >>> 2)] = i;
    }
    this.reusedBlocks += got;
    const capacity = u32[m + (SM_CAPACITY >>> 2)];
    if (got < want && carved < capacity) {
      const k = Math.min(want - got, capacity - carved);
      for (let j = 0; j < k; j++) {
        const b = carved + j;
        u8[out + (b >>> BIT_BYTE_SHIFT)] |= 1 << (b & BIT_IN_BYTE);
        dest[at + got + j] = start + b * size;
      }
      carved += k;
      got += k;
      this.carvedBlocks += k;
      u32[m + (SM_CARVED >>> 2)] = carved;
    }
    u32[m + (SM_USED >>> 2)] = used + got;
    return got;
  }

  /**
   * Slow path: gives blocks from a cache back to their slabs (clears their
   * out bits). A slab whose last block came back (and is not current) goes
   * to `emptied`; one that had none free goes back on its partial list.
   */
  returnBlocks(src: Uint32Array, n: number): void {
    const u8 = this.lm.u8;
    const u32 = this.lm.u32;
    for (let k = 0; k < n; k++) {
      const ptr = src[k];
      const slab = slabRecordOf(ptr);
      const m = slab >>> 2;
      if (u32[m + (SM_OWNER >>> 2)] !== this.worker)
        throw new HeapError('CORRUPTION', `block return: ${ptr} is in slab ${slab} of worker ${u32[m + (SM_OWNER >>> 2)]}; this box serves one worker (no remote frees)`, ptr, 'superslab');
      const cls = u32[m + (SM_CLASS >>> 2)];
      const b = this.carvedBlockOf(ptr);
      const page = slabPageOf(ptr);
      if (b < 0 || !bitIsSet(u8, page + OUT_BITS_AT, b) || bitIsSet(u8, page + LIVE_BITS_AT, b))
        throw new HeapError('CORRUPTION', `block return: ${ptr} is not a block of slab ${slab} that is out and not live`, ptr, 'superslab');
      u8[page + OUT_BITS_AT + (b >>> BIT_BYTE_SHIFT)] &= ~(1 << (b & BIT_IN_BYTE));
      if (b >>> BIT_BYTE_SHIFT < u32[m + (SM_SCAN_HINT >>> 2)]) u32[m + (SM_SCAN_HINT >>> 2)] = b >>> BIT_BYTE_SHIFT;
      const used = --u32[m + (SM_USED >>> 2)];
      this.localReturns++;
      if (this.current[cls] === slab) continue;
      if (used === 0) this.retire(cls, slab);
      else this.list(cls, slab);
    }
  }

  /** Drops every current slab (trim, detach); slabs whose blocks all came back go to `emptied`. */
  releaseCurrent(): void {
    const u32 = this.lm.u32;
    for (let c = 0; c < TINY_CLASSES; c++) {
      const slab = this.current[c];
      if (slab === 0) continue;
      this.current[c] = 0;
      if (u32[(slab >>> 2) + (SM_USED >>> 2)] === 0) this.retire(c, slab);
      else this.list(c, slab);
    }
    for (let c = 0; c < TINY_CLASSES; c++) for (const slab of [...this.partial[c]]) if (u32[(slab >>> 2) + (SM_USED >>> 2)] === 0) this.retire(c, slab);
  }

  /** Detach: every slab this worker still owns (all have blocks out), off its lists, for the pool to abandon. */
  disown(): number[] {
    const u32 = this.lm.u32;
    const out = [...this.owned];
    for (const slab of out) this.unlist(u32[(slab >>> 2) + (SM_CLASS >>> 2)], slab);
    this.owned.clear();
    this.current.fill(0);
    return out;
  }

  /**
   * The walk of `check()` / `stats()` over the SuperSlab whose first page is
   * `page`: adds its live blocks to `w` and, with `w.validate`, checks every
   * record (and the page words, when the facade passed the page layer).
   * `cached[0..cachedCount)`: this worker's cached tiny blocks, ascending.
   */
  walk(page: number, w: HeapWalk, cached: Uint32Array, cachedCount: number): string | null {
    const ss = (page << PAGE_SHIFT) >>> 0;
    const u32 = this.lm.u32;
    // The pool takes a slab's page only while the slab is used, so the pages
    // between this SuperSlab's may be other boxes': the walk goes on page by
    // page, and a later slab page was walked with the header's.
    w.nextPage = page + 1;
    const head = superslabOf(ss);
    if (u32[(head + SS_MAGIC) >>> 2] !== SS_MAGIC_VALUE) {
      w.problemAt = ss;
      return `page ${page} is a SuperSlab page but no SuperSlab header is at ${head}`;
    }
    if (ss !== head) return null;
    w.superslabs.push(ss);
    const tally: SlabTally = { liveBlocks: 0, liveBytes: 0, activeSlabs: 0, emptySlabs: 0, unusedSlabs: 0, problemAt: ss };
    const pages = this.pages;
    const problem = scanSuperslab(this.lm, ss, tally, w.validate, pages === undefined ? null : (p) => pages.word(p), { blocks: cached, count: cachedCount });
    w.liveBlocks += tally.liveBlocks;
    w.liveBytes += tally.liveBytes;
    if (problem !== null) w.problemAt = tally.problemAt;
    return problem;
  }

  counters(): Record<string, number> {
    return {
      refills: this.refills,
      carvedBlocks: this.carvedBlocks,
      reusedBlocks: this.reusedBlocks,
      partialHits: this.partialHits,
      localReturns: this.localReturns,
      slabsAdopted: this.slabsAdopted,
      ownedSlabs: this.owned.size,
    };
  }
}

/** Whether bit `b` of the bitmap at byte `at` is set. */
function bitIsSet(u8: Uint8Array, at: number, b: number): boolean {
  return (u8[at + (b >>> BIT_BYTE_SHIFT)] & (1 << (b & BIT_IN_BYTE))) !== 0;
}

/**
 * The SuperSlab box implementation with its own record layout (per-block
 * live and out bitmaps in each slab's trailer, no free lists), for
 * `createAllocator({ boxes: { superslab: bitmapSuperslab } })`.
 *
 * @example
 * ```ts
 * import { createAllocator } from 'hakmem'
 * import { bitmapSuperslab } from '@hakmem/alt-boxes'
 * const heap = createAllocator({ boxes: { superslab: bitmapSuperslab } })
 * heap.free(heap.malloc(40))
 * heap.check()
 * ```
 */
export const bitmapSuperslab = {
  variant: 'release' as const,
  Superslab: BitmapSuperslab,
  markLive,
  clearLive,
  markLiveShared,
  clearLiveShared,
  ownerOf,
  slabOccupancy,
  BLOCK_GUARD: 0,
};

export { clearLive, clearLiveShared, markLive, markLiveShared, ownerOf };
