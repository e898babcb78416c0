import type { SlabOccupancy } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  PK_TINY,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_SIZE,
  SLAB_UNUSED,
  SLABS_PER_SS,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_OWNER,
  SM_STATE,
  SM_USED,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  TINY_CLASSES,
  isUnusedSlabPageWord,
  pageClass,
  pageKind,
  pageSlab,
  slabDataStartAt,
  slabRecordAt,
  slabRecordOf,
  superslabOf,
} from '@hakmem/contracts/layout';
import type { LinearMemory } from '@hakmem/linear-memory';
import {
  BIT_BYTE_SHIFT,
  BIT_IN_BYTE,
  FULL_BYTE,
  LIVE_BITS_AT,
  OUT_BITS_AT,
  POPCOUNT8,
  SIZES,
  SLAB_BITS_BYTES,
  SM_LISTED,
  SM_SCAN_HINT,
  TOP_BIT,
  bitmapCapacity,
  blockStartOf,
  slabPageOf,
} from './bitmap-layout.js';

/**
 * The bitmap SuperSlab's walk and validator: everything `check()` and
 * `stats()` learn about its slabs, read from its own records only.
 */

/** What a walk of one SuperSlab adds up; `problemAt` is the address a problem is about. */
export interface SlabTally {
  liveBlocks: number;
  liveBytes: number;
  activeSlabs: number;
  emptySlabs: number;
  unusedSlabs: number;
  problemAt: number;
}

/** This worker's cached tiny blocks, ascending (the facade's list), or the older per-slab count callback. */
export type CachedTiny = { readonly blocks: Uint32Array; readonly count: number } | ((slab: number) => number);

/**
 * Adds the live blocks of the SuperSlab at `ss` to `t`. With `validate`,
 * also checks, per slab: page word vs record (when `pageWord` is given),
 * state, class, capacity, carved and used counts, no bit past the carved
 * blocks, live ⊆ out, out bits = used, the scan hint, the list word, every
 * cached block of the slab (a carved block, out, not live), and
 * live + cached = used (one worker: no remote frees, no other caches).
 * Returns the first violation (t.problemAt says where), or null.
 */
export function scanSuperslab(lm: LinearMemory, ss: number, t: SlabTally, validate: boolean, pageWord: ((page: number) => number) | null, cached: CachedTiny): string | null {
  const u8 = lm.u8;
  const u32 = lm.u32;
  if (validate && u32[(ss + SS_MAGIC) >>> 2] !== SS_MAGIC_VALUE) return `SuperSlab ${ss} has a bad magic word`;
  for (let s = 0; s < SLABS_PER_SS; s++) {
    const slab = slabRecordAt(ss, s);
    const m = slab >>> 2;
    const state = u32[m + (SM_STATE >>> 2)];
    const inUse = state === SLAB_ACTIVE || state === SLAB_EMPTY;
    const cls = u32[m + (SM_CLASS >>> 2)];
    const carved = u32[m + (SM_CARVED >>> 2)];
    const page = slabPageOf(slabDataStartAt(ss, s));
    if (!validate) {
      if (!inUse || cls >= TINY_CLASSES) continue;
      let live = 0;
      const end = page + LIVE_BITS_AT + ((carved + BIT_IN_BYTE) >>> BIT_BYTE_SHIFT);
      for (let i = page + LIVE_BITS_AT; i < end; i++) live += POPCOUNT8[u8[i]];
      t.liveBlocks += live;
      t.liveBytes += live * SIZES[cls];
      continue;
    }
    t.problemAt = slab;
    if (pageWord !== null) {
      const pw = pageWord((ss >>> PAGE_SHIFT) + s);
      if (inUse ? pageKind(pw) !== PK_TINY : !isUnusedSlabPageWord(s, pw)) return `slab ${slab} in state ${state} has page word ${pw}`;
      if (inUse && pageClass(pw) !== cls) return `slab ${slab}: page word class differs from its record`;
      if (inUse && pageSlab(pw) !== s) return `slab ${slab}: its page word names slab ${pageSlab(pw)}`;
    }
    if (state === SLAB_UNUSED) {
      t.unusedSlabs++;
      continue;
    }
    if (!inUse) return `slab ${slab}: state ${state} is not a slab state`;
    if (state === SLAB_ACTIVE) t.activeSlabs++;
    else t.emptySlabs++;
    if (cls >= TINY_CLASSES) return `slab ${slab}: class ${cls} out of range`;
    const capacity = u32[m + (SM_CAPACITY >>> 2)];
    const used = u32[m + (SM_USED >>> 2)];
    const hint = u32[m + (SM_SCAN_HINT >>> 2)];
    const listed = u32[m + (SM_LISTED >>> 2)];
    if (capacity !== bitmapCapacity(cls, s)) return `slab ${slab}: capacity ${capacity} wrong for class ${cls}`;
    if (carved > capacity) return `slab ${slab}: carved ${carved} > capacity ${capacity}`;
    if (used > carved) return `slab ${slab}: used ${used} > carved ${carved}`;
    if (hint > SLAB_BITS_BYTES) return `slab ${slab}: scan hint ${hint} is past its bitmap`;
    if (listed > 1 || (state === SLAB_EMPTY && listed !== 0)) return `slab ${slab}: list word ${listed} (state ${state})`;
    let live = 0;
    let out = 0;
    for (let j = 0; j < SLAB_BITS_BYTES; j++) {
      const lb = u8[page + LIVE_BITS_AT + j];
      const ob = u8[page + OUT_BITS_AT + j];
      const full = j < carved >>> BIT_BYTE_SHIFT;
      const carvedMask = full ? FULL_BYTE : j === carved >>> BIT_BYTE_SHIFT ? (1 << (carved & BIT_IN_BYTE)) - 1 : 0;
      if (((lb | ob) & ~carvedMask & FULL_BYTE) !== 0) return `slab ${slab}: a ${(lb & ~carvedMask & FULL_BYTE) !== 0 ? 'live' : 'out'} bit past its ${carved} carved blocks is set (bitmap byte ${j})`;
      if ((lb & ~ob) !== 0) return `slab ${slab}: block ${(j << BIT_BYTE_SHIFT) + lowestBit(lb & ~ob)} is live but not out of the slab`;
      if (j < hint && (ob & carvedMask) !== carvedMask) return `slab ${slab}: scan hint ${hint} passes over free block ${(j << BIT_BYTE_SHIFT) + lowestBit(~ob & carvedMask)}`;
      live += POPCOUNT8[lb];
      out += POPCOUNT8[ob];
    }
    if (out !== used) return `slab ${slab}: ${out} blocks are out by its bitmap, used says ${used}`;
    const inCache = typeof cached === 'function' ? cached(slab) : checkCached(u8, slab, page, cls, carved, cached, t);
    if (typeof inCache === 'string') return inCache;
    if (live + inCache !== used) return `slab ${slab}: live ${live} + cached ${inCache} != used ${used}`;
    if (state === SLAB_EMPTY && used !== 0) return `slab ${slab}: EMPTY with ${used} blocks out`;
    t.liveBlocks += live;
    t.liveBytes += live * SIZES[cls];
  }
  t.problemAt = ss;
  return null;
}

/** The cached blocks inside the slab's page: each must be a carved block, out and not live. Returns how many, or the problem. */
function checkCached(u8: Uint8Array, slab: number, page: number, cls: number, carved: number, cached: { readonly blocks: Uint32Array; readonly count: number }, t: SlabTally): number | string {
  const { blocks, count } = cached;
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (blocks[mid] < page) lo = mid + 1;
    else hi = mid;
  }
  let n = 0;
  for (let i = lo; i < count && blocks[i] < page + SLAB_SIZE; i++, n++) {
    const p = blocks[i];
    const b = blockStartOf(p, cls);
    t.problemAt = p;
    if (b < 0 || b >= carved) return `slab ${slab}: cached block ${p} is not a carved block of the slab`;
    const bit = 1 << (b & BIT_IN_BYTE);
    if ((u8[page + LIVE_BITS_AT + (b >>> BIT_BYTE_SHIFT)] & bit) !== 0) return 'a cached block is marked live';
    if ((u8[page + OUT_BITS_AT + (b >>> BIT_BYTE_SHIFT)] & bit) === 0) return `slab ${slab}: cached block ${p} is not out of the slab`;
  }
  t.problemAt = slab;
  return n;
}

/** Index of the lowest set bit of a non-zero byte. */
function lowestBit(x: number): number {
  return TOP_BIT - Math.clz32(x & -x);
}

/**
 * For `heap.map()`: the occupancy of the slab holding `ptr`, from this box's
 * records, or null when no SuperSlab header is there. A snapshot without locks.
 */
export function slabOccupancy(lm: LinearMemory, ptr: number): SlabOccupancy | null {
  const u8 = lm.u8;
  const u32 = lm.u32;
  const ss = superslabOf(ptr);
  if (ss + SLAB_SIZE > u8.length || u32[(ss + SS_MAGIC) >>> 2] !== SS_MAGIC_VALUE) return null;
  const m = slabRecordOf(ptr) >>> 2;
  const state = u32[m + (SM_STATE >>> 2)];
  const owner = u32[m + (SM_OWNER >>> 2)];
  if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) return { state: 'unused', sizeClass: -1, blockBytes: 0, live: 0, capacity: 0, carved: 0, owner };
  const cls = u32[m + (SM_CLASS >>> 2)];
  if (cls >= TINY_CLASSES) return null;
  const carved = u32[m + (SM_CARVED >>> 2)];
  const bits = slabPageOf(ptr) + LIVE_BITS_AT;
  if (bits + SLAB_BITS_BYTES > u8.length) return null;
  let live = 0;
  for (let i = 0; i < (carved + BIT_IN_BYTE) >>> BIT_BYTE_SHIFT; i++) live += POPCOUNT8[u8[bits + i]];
  return { state: state === SLAB_ACTIVE ? 'active' : 'empty', sizeClass: cls, blockBytes: SIZES[cls], live, capacity: u32[m + (SM_CAPACITY >>> 2)], carved, owner };
}
