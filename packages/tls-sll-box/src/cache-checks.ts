import { HeapError } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  POISON_WORD,
  SLAB_ACTIVE,
  SM_CARVED,
  SM_CLASS,
  SM_STATE,
  SS_MAGIC_VALUE,
  TINY_CLASS_SIZES,
  WORD_BYTES,
  isTinyPage,
  pageClass,
  slabDataStart,
  slabRecordOf,
  superslabOf,
  GRANULE_SHIFT,
} from '@hakmem/contracts/layout';
import { scannerOf, type LinearMemory } from '@hakmem/linear-memory';

/**
 * Debug-build checks of the blocks a TLS cache holds, called only behind
 * `__HAKMEM_DEBUG__`. A cache bound to its heap's memory (`TlsCache.bindMemory`)
 * checks each block it takes against the page table and the slab record,
 * fills every cached block with poison, and checks the poison whenever a
 * block leaves the cache (pop, drain) and in `validate()`. It reads the
 * shared layout words directly (the layout is the contract between boxes),
 * never another box's code.
 */
export interface CacheMemory {
  readonly lm: LinearMemory;
  /** `u32[pt0 + page]` is the page-table word of absolute page `page`. */
  readonly pt0: number;
  /**
   * One bit per 16-byte granule of the memory, set while the block starting
   * there is in this cache: the push check's "already cached?" in O(1)
   * instead of a scan of the class. Grown to the highest block seen.
   */
  cachedBits: Uint32Array;
}

/** Granules per word of `cachedBits` (log2): 32 bits, a granule each. */
const BITS_SHIFT = 5;
const BIT_MASK = 31;

function bitWord(mem: CacheMemory, ptr: number): number {
  const w = ptr >>> (GRANULE_SHIFT + BITS_SHIFT);
  if (w >= mem.cachedBits.length) {
    const grown = new Uint32Array(Math.max(w + 1, mem.cachedBits.length * 2));
    grown.set(mem.cachedBits);
    mem.cachedBits = grown;
  }
  return w;
}

/** Records that the block at `ptr` entered the cache. */
export function markCached(mem: CacheMemory, ptr: number): void {
  const w = bitWord(mem, ptr); // first: it may replace mem.cachedBits
  mem.cachedBits[w] |= 1 << ((ptr >>> GRANULE_SHIFT) & BIT_MASK);
}

/** Records that the block at `ptr` left the cache. */
export function unmarkCached(mem: CacheMemory, ptr: number): void {
  const w = bitWord(mem, ptr);
  mem.cachedBits[w] &= ~(1 << ((ptr >>> GRANULE_SHIFT) & BIT_MASK));
}

/** Whether the block at `ptr` is in the cache now. */
export function isCached(mem: CacheMemory, ptr: number): boolean {
  const w = ptr >>> (GRANULE_SHIFT + BITS_SHIFT);
  return w < mem.cachedBits.length && (mem.cachedBits[w] & (1 << ((ptr >>> GRANULE_SHIFT) & BIT_MASK))) !== 0;
}

/**
 * Caches bound to a heap, keyed by their `count` array: the hot functions get
 * the cache's arrays, not the cache, and this keeps their signature (and the
 * release build) as it is.
 */
export const boundMemory = new WeakMap<Int32Array, CacheMemory>();
let lastCount: Int32Array | null = null;
let lastMemory: CacheMemory | undefined;

/** The memory a cache is bound to; remembers the last answer, since a process mostly uses one heap. */
export function memoryOf(count: Int32Array): CacheMemory | undefined {
  if (count !== lastCount) {
    lastMemory = boundMemory.get(count);
    lastCount = count;
  }
  return lastMemory;
}

export function bind(count: Int32Array, mem: CacheMemory): void {
  boundMemory.set(count, mem);
  lastCount = null;
}

/** An i32 view of the memory that reaches `end`, refreshed when the memory grew. */
function viewTo(mem: CacheMemory, end: number): Int32Array {
  mem.lm.cover(end);
  return mem.lm.i32;
}

/**
 * `ptr` is a carved block of an ACTIVE slab of class `cls`, per the page table
 * and the slab record. `code`: INVALID_POINTER for a pointer the caller
 * passed in (push), CORRUPTION for one the cache already held (validate).
 */
export function checkBlockOfClass(mem: CacheMemory, cls: number, ptr: number, op: string, code: 'INVALID_POINTER' | 'CORRUPTION' = 'INVALID_POINTER'): void {
  viewTo(mem, ptr + TINY_CLASS_SIZES[cls]);
  const u32 = mem.lm.u32;
  const word = ptr >>> PAGE_SHIFT < u32.length - mem.pt0 ? u32[mem.pt0 + (ptr >>> PAGE_SHIFT)] : 0;
  if (!isTinyPage(word) || pageClass(word) !== cls)
    throw new HeapError(code, `${op}: block is not in a slab of class ${cls} (page word ${word})`, ptr, 'tlsSll');
  const slab = slabRecordOf(ptr);
  const m = slab >>> 2;
  if (u32[superslabOf(ptr) >>> 2] !== SS_MAGIC_VALUE || u32[m + SM_STATE / WORD_BYTES] !== SLAB_ACTIVE || u32[m + SM_CLASS / WORD_BYTES] !== cls)
    throw new HeapError(code, `${op}: the slab record does not describe an ACTIVE class-${cls} slab`, ptr, 'tlsSll');
  const size = TINY_CLASS_SIZES[cls];
  const rel = ptr - slabDataStart(slab);
  if (rel < 0 || rel % size !== 0 || rel / size >= u32[m + SM_CARVED / WORD_BYTES])
    throw new HeapError(code, `${op}: not the start of a carved class-${cls} block`, ptr, 'tlsSll');
}

/** Poisons a block entering the cache, through the memory's scanner (wasm loops; a JS word loop was several times slower). */
export function poisonCached(mem: CacheMemory, cls: number, ptr: number): void {
  const size = TINY_CLASS_SIZES[cls];
  mem.lm.cover(ptr + size);
  scannerOf(mem.lm).fill(ptr, ptr + size, POISON_WORD);
}

/** Throws CORRUPTION when a cached block lost its poison: it was written after it was freed. */
export function checkCachedPoison(mem: CacheMemory, cls: number, ptr: number): void {
  const size = TINY_CLASS_SIZES[cls];
  mem.lm.cover(ptr + size);
  const at = scannerOf(mem.lm).find(ptr, ptr + size, POISON_WORD);
  if (at >= 0) throw new HeapError('CORRUPTION', `cached class-${cls} block was written after free (byte ${at - ptr} changed)`, ptr, 'tlsSll');
}
