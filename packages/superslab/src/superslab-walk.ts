import type { HeapWalk } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  PK_TINY,
  SLAB_ACTIVE,
  SLAB_BITMAP_BYTES,
  SLAB_EMPTY,
  SLAB_UNUSED,
  SLABS_PER_SS,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_FREE_HEAD,
  SM_REMOTE_HEAD,
  SM_STATE,
  SM_USED,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_MASK,
  SS_SIZE,
  TINY_CLASS_SIZES,
  TINY_CLASSES,
  liveByteOf,
  liveMaskOf,
  isUnusedSlabPageWord,
  REMOTE_FROM_LIVE,
  pageClass,
  pageKind,
  pageSlab,
  slabBitmapWordAt,
  slabDataStart,
  slabIndexOfRecord,
  slabRecordAt,
  superslabOf,
  tinySlabCapacity,
  WORD_BYTES,
} from '@hakmem/contracts/layout';
import type { LinearMemory } from '@hakmem/linear-memory';
import { BLOCK_GUARD } from './block-guard.js';
import { checkGuard, checkPoison } from './block-checks.js';
import { REMOTE_LINK_WORD } from './remote-link.js';

/**
 * The superslab box's walk of the heap (`check()` and `stats()`): a SuperSlab
 * is found from its first page, its slab records are checked against the page
 * table, the live bitmap, the free and remote lists and the worker's cache,
 * and its live blocks are counted. Slow path only; nothing here runs on
 * malloc or free.
 */

/**
 * Slab states and live blocks found by `validateSuperslab`.
 *
 * @deprecated: removed when the facade switches to `Superslab.walk` (which adds to a HeapWalk).
 */
export interface SuperslabWalk {
  liveBlocks: number;
  liveBytes: number;
  activeSlabs: number;
  emptySlabs: number;
  unusedSlabs: number;
}

/**
 * Walks the SuperSlab whose first page is `page` (see HeapWalk): sets
 * `w.nextPage` to the page after it (`page + 1` when no SuperSlab starts
 * there), records it in `w.superslabs`, adds its live blocks, and with
 * `w.validate` checks every invariant of its records. `cached[0..cachedCount)`
 * are the worker's TLS-cached tiny blocks, sorted ascending (a shared heap's
 * counting walk may pass none: it counts live bits); `pt0` indexes the
 * page table as in PageLayer. Returns the first problem, or null.
 */
export function walkSuperslab(lm: LinearMemory, pt0: number, page: number, w: HeapWalk, cached: Uint32Array, cachedCount: number, shared = lm.shared): string | null {
  const u32 = lm.u32;
  const ss = (page << PAGE_SHIFT) >>> 0;
  // The pages after the header's are walked with it; pages of the
  // SuperSlab's range it does not hold belong to other boxes, so the walk
  // goes on at the next page.
  w.nextPage = page + 1;
  const head = superslabOf(ss);
  if (u32[(head + SS_MAGIC) >>> 2] !== SS_MAGIC_VALUE) {
    w.problemAt = ss;
    return `page ${page} is a SuperSlab page but no SuperSlab header is at ${head}`;
  }
  if (ss !== head) return null;
  w.superslabs.push(ss);
  if (!w.validate) {
    if (shared) countLive(u32, ss, w);
    else countUsed(u32, ss, w, cached, cachedCount);
    return null;
  }
  const problem = checkCached(lm.u8, ss, cached, cachedCount, w) ?? checkPageWords(u32, pt0, page, ss, w);
  if (problem !== null) return problem;
  const counts: SuperslabWalk = { liveBlocks: 0, liveBytes: 0, activeSlabs: 0, emptySlabs: 0, unusedSlabs: 0 };
  const records = validateSuperslab(lm, ss, counts, (slab) => cachedPerSlab[slabIndexOfRecord(slab)], shared);
  if (records !== null) {
    w.problemAt = ss;
    return records;
  }
  w.liveBlocks += counts.liveBlocks;
  w.liveBytes += counts.liveBytes;
  return null;
}

/** Cached blocks per slab of the SuperSlab `countCachedPerSlab` last counted. */
const cachedPerSlab = new Int32Array(SLABS_PER_SS);

/** The cached blocks of `ss`, counted per slab into `cachedPerSlab` (`countCachedPerSlab`): a cached block that is live is a problem. */
function checkCached(u8: Uint8Array, ss: number, cached: Uint32Array, cachedCount: number, w: HeapWalk): string | null {
  for (let i = countCachedPerSlab(ss, cached, cachedCount); i < cachedCount && cached[i] < ss + SS_SIZE; i++) {
    const p = cached[i];
    if ((u8[liveByteOf(p)] & liveMaskOf(p)) !== 0) {
      w.problemAt = p;
      return 'a cached block is marked live';
    }
  }
  return null;
}

/** Counts the cached blocks of each slab of `ss` into `cachedPerSlab`; returns the index of the first of them in `cached`. */
function countCachedPerSlab(ss: number, cached: Uint32Array, cachedCount: number): number {
  cachedPerSlab.fill(0);
  const first = lowerBound(cached, cachedCount, ss);
  for (let i = first; i < cachedCount && cached[i] < ss + SS_SIZE; i++) cachedPerSlab[(cached[i] & SS_MASK) >>> PAGE_SHIFT]++;
  return first;
}

/** The first index of `sorted[0..n)` whose value is ≥ `x`. */
function lowerBound(sorted: Uint32Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Each slab's page word agrees with its record: PK_TINY of the record's
 * class and slab index while in use; otherwise PK_SS_SPARE for slab 0 and no
 * SuperSlab word at all for the others (isUnusedSlabPageWord).
 */
function checkPageWords(u32: Uint32Array, pt0: number, page: number, ss: number, w: HeapWalk): string | null {
  for (let s = 0; s < SLABS_PER_SS; s++) {
    const slab = slabRecordAt(ss, s);
    const state = u32[(slab >>> 2) + SM_STATE / WORD_BYTES];
    const pw = u32[pt0 + page + s];
    const inUse = state === SLAB_ACTIVE || state === SLAB_EMPTY;
    let problem: string | null = null;
    if (inUse ? pageKind(pw) !== PK_TINY : !isUnusedSlabPageWord(s, pw)) problem = `slab ${slab} in state ${state} has page word ${pw}`;
    else if (inUse && (pageClass(pw) !== u32[(slab >>> 2) + SM_CLASS / WORD_BYTES] || pageSlab(pw) !== s)) problem = `slab ${slab}: page word class or slab index differs from its record`;
    if (problem !== null) {
      w.problemAt = slab;
      return problem;
    }
  }
  return null;
}

/**
 * stats() in a private heap: a slab's blocks out of it (SM_USED, counted
 * by its owner's refills, drains and frees) are live or in this worker's
 * cache, the only cache there is, so live = used - cached: a pass over
 * the slab records and the cache, not the bitmap (countLive read 2,048
 * bitmap words a SuperSlab; W5's 56 MB heap took ~1 ms a call). A borrowed
 * block counts in the slab it lies in, as its class size does.
 */
function countUsed(u32: Uint32Array, ss: number, w: HeapWalk, cached: Uint32Array, cachedCount: number): void {
  countCachedPerSlab(ss, cached, cachedCount);
  for (let s = 0; s < SLABS_PER_SS; s++) {
    const m = slabRecordAt(ss, s) >>> 2;
    const state = u32[m + SM_STATE / WORD_BYTES];
    if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) continue;
    const live = u32[m + SM_USED / WORD_BYTES] - cachedPerSlab[s];
    w.liveBlocks += live;
    w.liveBytes += live * (TINY_CLASS_SIZES[u32[m + SM_CLASS / WORD_BYTES]] - BLOCK_GUARD);
  }
}

/**
 * stats() in a shared heap, where other workers' caches are out of sight:
 * the live blocks of every ACTIVE or EMPTY slab are the set bits of its
 * share of the live bitmap (only live block starts have one), so a popcount
 * counts them without walking the blocks. A block whose remote bit is set
 * too is a pending remote free, not live.
 */
function countLive(u32: Uint32Array, ss: number, w: HeapWalk): void {
  const remote = REMOTE_FROM_LIVE >>> 2;
  for (let s = 0; s < SLABS_PER_SS; s++) {
    const m = slabRecordAt(ss, s) >>> 2;
    const state = u32[m + SM_STATE / WORD_BYTES];
    if ((state !== SLAB_ACTIVE && state !== SLAB_EMPTY) || u32[m + SM_CARVED / WORD_BYTES] === 0) continue;
    let live = 0;
    const from = slabBitmapWordAt(ss, s);
    for (let i = from; i < from + SLAB_BITMAP_WORDS; i++) live += popcount32(u32[i] & ~Atomics.load(u32, i + remote));
    w.liveBlocks += live;
    w.liveBytes += live * (TINY_CLASS_SIZES[u32[m + SM_CLASS / WORD_BYTES]] - BLOCK_GUARD);
  }
}

const SLAB_BITMAP_WORDS = SLAB_BITMAP_BYTES >>> 2;
// SWAR popcount: bit pairs, then nibbles, then a multiply sums the four bytes into the top one.
const PAIRS = 0x55555555;
const NIBBLES = 0x33333333;
const BYTES = 0x0f0f0f0f;
const BYTE_SUM = 0x01010101;
const TOP_BYTE = 24;
/** Bits of a nibble: the shift that adds each nibble's count to its neighbour's. */
const NIBBLE_BITS = 4;

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & PAIRS);
  v = (v & NIBBLES) + ((v >>> 2) & NIBBLES);
  return (Math.imul((v + (v >>> NIBBLE_BITS)) & BYTES, BYTE_SUM) >>> TOP_BYTE);
}

/**
 * Validates the SuperSlab at `ss` and adds its live blocks to `walk`. Checks
 * every slab record (state, class, used ≤ capacity, carved ≤ capacity), every
 * free-list and remote-list node (inside its slab, on a block boundary, not
 * live, no cycle) and that live + free + remote blocks add up. Returns the
 * first violation, or null. `cachedInSlab(slab)` says how many blocks of the
 * slab a worker cache holds.
 *
 * @deprecated: removed when the facade switches to `Superslab.walk` (which runs it, and the page-word checks).
 */
export function validateSuperslab(lm: LinearMemory, ss: number, walk: SuperslabWalk, cachedInSlab: (slab: number) => number, shared = lm.shared): string | null {
  const u32 = lm.u32;
  const u8 = lm.u8;
  const pending = (p: number): boolean => shared && (Atomics.load(u8, liveByteOf(p) + REMOTE_FROM_LIVE) & liveMaskOf(p)) !== 0;
  if (u32[(ss + SS_MAGIC) >>> 2] !== SS_MAGIC_VALUE) return `SuperSlab ${ss} has a bad magic word`;
  for (let s = 0; s < SLABS_PER_SS; s++) {
    const slab = slabRecordAt(ss, s);
    const m = slab >>> 2;
    const state = u32[m + SM_STATE / WORD_BYTES];
    if (state === SLAB_UNUSED) {
      walk.unusedSlabs++;
      continue;
    }
    if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) return `slab ${slab}: state ${state} is not a slab state`;
    if (state === SLAB_ACTIVE) walk.activeSlabs++;
    else walk.emptySlabs++;
    const cls = u32[m + SM_CLASS / WORD_BYTES];
    if (cls >= TINY_CLASSES) return `slab ${slab}: class ${cls} out of range`;
    const size = TINY_CLASS_SIZES[cls];
    const capacity = u32[m + SM_CAPACITY / WORD_BYTES];
    const carved = u32[m + SM_CARVED / WORD_BYTES];
    const used = u32[m + SM_USED / WORD_BYTES];
    const start = slabDataStart(slab);
    if (capacity !== tinySlabCapacity(cls, s, shared)) return `slab ${slab}: capacity ${capacity} wrong for class ${cls}`;
    if (carved > capacity) return `slab ${slab}: carved ${carved} > capacity ${capacity}`;
    if (used > carved) return `slab ${slab}: used ${used} > carved ${carved}`;
    let live = 0;
    for (let b = 0; b < carved; b++) {
      const p = start + b * size;
      if ((u8[liveByteOf(p)] & liveMaskOf(p)) !== 0 && !pending(p)) {
        live++;
        if (__HAKMEM_DEBUG__) checkGuard(u8, p, size);
      }
    }
    const free = listLength(lm, slab, start, size, carved, u32[m + SM_FREE_HEAD / WORD_BYTES], 'free list', false, shared);
    if (typeof free === 'string') return free;
    // Remote-list nodes: pending remote frees (live bit and remote bit set, counted in `used`), and in a shared
    // heap blocks of a raced double free (remote bit only), which are also cached or on the free list.
    const remote = listLength(lm, slab, start, size, carved, u32[m + SM_REMOTE_HEAD / WORD_BYTES], 'remote list', true, shared);
    if (typeof remote === 'string') return remote;
    if (used + free !== carved) return `slab ${slab}: used ${used} + free ${free} != carved ${carved}`;
    const cached = cachedInSlab(slab);
    if (live + remote + cached > used) return `slab ${slab}: live ${live} + remote ${remote} + cached ${cached} > used ${used}`;
    if (state === SLAB_EMPTY && used !== 0) return `slab ${slab}: EMPTY with ${used} blocks out`;
    walk.liveBlocks += live;
    walk.liveBytes += live * (size - BLOCK_GUARD);
  }
  return null;
}

/**
 * Length of a slab's free list (`remote` false: linked through word 0, every
 * node not live) or remote list (`remote` true: linked through word
 * REMOTE_LINK_WORD; in a shared heap every node's remote bit is set), or the
 * first broken node as a sentence. For a shared heap's remote list the
 * length counts only the pending nodes (live bit set): the others are raced
 * duplicates of cached or free blocks (Superslab's class comment).
 */
function listLength(lm: LinearMemory, slab: number, start: number, size: number, carved: number, head: number, what: string, remote: boolean, shared: boolean): number | string {
  const u32 = lm.u32;
  const u8 = lm.u8;
  const link = remote ? REMOTE_LINK_WORD : 0;
  let n = 0;
  let pendingNodes = 0;
  for (let p = head; p !== 0; p = u32[(p >>> 2) + link]) {
    const rel = p - start;
    if (rel < 0 || rel % size !== 0 || rel / size >= carved) return `slab ${slab}: ${what} node ${p} is not a carved block of the slab`;
    const live = (u8[liveByteOf(p)] & liveMaskOf(p)) !== 0;
    if (remote && shared) {
      if ((Atomics.load(u8, liveByteOf(p) + REMOTE_FROM_LIVE) & liveMaskOf(p)) === 0) return `slab ${slab}: ${what} node ${p} has no remote bit`;
      if (live) pendingNodes++;
    } else if (live) return `slab ${slab}: ${what} node ${p} is live`;
    if (++n > carved) return `slab ${slab}: ${what} has a cycle`;
    if (__HAKMEM_DEBUG__) {
      if (remote) {
        checkPoison(lm, p, WORD_BYTES, what, 0);
        checkPoison(lm, p, size, what, (REMOTE_LINK_WORD + 1) * WORD_BYTES);
      } else checkPoison(lm, p, size, what);
    }
  }
  return remote && shared ? pendingNodes : n;
}
