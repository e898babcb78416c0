import { HeapError } from '@hakmem/contracts';
import {
  MID_CLASS_SIZES,
  MID_FIRST_RUN_CLASS,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_KIND_MASK,
  PK_MID_SPAN,
  PK_RUN_FREE,
  runHeadWord,
  SP_BITMAP,
  SP_CARVED,
  SP_MAGIC,
  SP_USED,
  POISON_WORD,
  SPAN_HEADER_BYTES,
  SPAN_MAGIC_VALUE,
} from '@hakmem/contracts/layout';
import { blockScanner, guardBreach, type BlockScanner, type LinearMemory } from '@hakmem/linear-memory';

/**
 * Debug-build checks of mid blocks, called only behind `__HAKMEM_DEBUG__`.
 *
 * Every block (span block or whole run) of class size S ends in a guard of
 * G = GUARD_BYTES bytes, so its usable size is S − G:
 *   | state              | bytes [0, 4) | bytes [4, S−G) | bytes [S−G, S) |
 *   |--------------------|--------------|----------------|----------------|
 *   | live               | user         | user           | guard 0xfd     |
 *   | in a worker cache  | poison 0xa5  | poison 0xa5    | poison 0xa5    |
 *   | on a span list     | next link    | poison 0xa5    | poison 0xa5    |
 * The guard is written on hand-out and checked on free and by `check()`;
 * poison is written when a block comes back to this box and checked when the
 * box hands it out, when it leaves a cache, and by `check()`.
 */

/** Bytes of the block of class `cls` (a run class is whole pages). */
export function classBytes(cls: number): number {
  return cls >= MID_FIRST_RUN_CLASS ? (cls - MID_FIRST_RUN_CLASS + 1) * PAGE_SIZE : MID_CLASS_SIZES[cls];
}

/** Throws CORRUPTION when the guard of the live block at `ptr` changed: a write past its usable end. */
export function checkGuard(u8: Uint8Array, ptr: number, size: number): void {
  const at = guardBreach(u8, ptr, size);
  if (at >= 0)
    throw new HeapError('CORRUPTION', `guard byte ${at - ptr} of a live ${size}-byte block was overwritten (write past the usable end, at ${at})`, ptr, 'midLargeAce');
}

/**
 * The poison pass is the whole of a debug mid operation's extra cost (a
 * block is up to 60 KiB, a run up to 1 MiB), so it runs through the
 * linear memory's wasm scanner: one per memory, kept here because the
 * span validator is a module function called with only the memory.
 */
const scanners = new WeakMap<LinearMemory, BlockScanner>();
let lastLm: LinearMemory | null = null;
let lastScan: BlockScanner | null = null;
function scanOf(lm: LinearMemory): BlockScanner {
  if (lm !== lastLm || lastScan === null) {
    let s = scanners.get(lm);
    if (s === undefined) {
      s = blockScanner(lm.memory, lm.shared, () => lm.i32);
      scanners.set(lm, s);
    }
    lastLm = lm;
    lastScan = s;
  }
  return lastScan;
}

/** Poisons the whole `size`-byte block at `ptr`: it is going into a cache or onto a span list. */
export function poisonMid(lm: LinearMemory, ptr: number, size: number): void {
  scanOf(lm).fill(ptr, ptr + size, POISON_WORD);
}

/** Throws CORRUPTION when bytes [from, size) of the free block at `ptr` lost their poison: a write after free. */
export function checkPoison(lm: LinearMemory, ptr: number, from: number, size: number, where: string): void {
  const at = scanOf(lm).find(ptr + from, ptr + size, POISON_WORD);
  if (at >= 0) throw new HeapError('CORRUPTION', `free block ${where} was written after free (byte ${at - ptr} changed)`, ptr, 'midLargeAce');
}

/** Before a block goes back onto its span's list: a carved, non-live block of a span with blocks out. */
export function checkSpanReturn(u32: Uint32Array, span: number, ptr: number, size: number): void {
  const h = span >>> 2;
  const rel = ptr - span - SPAN_HEADER_BYTES;
  const q = rel / size;
  if (u32[h + SP_MAGIC / 4] !== SPAN_MAGIC_VALUE || rel < 0 || rel % size !== 0 || q >= u32[h + SP_CARVED / 4])
    throw new HeapError('CORRUPTION', `block return: ${ptr} is not a carved block of span ${span}`, ptr, 'midLargeAce');
  if ((u32[h + SP_BITMAP / 4 + (q >>> 5)] >>> (q & 31)) & 1) throw new HeapError('CORRUPTION', 'block return: the block is live', ptr, 'midLargeAce');
  if (u32[h + SP_USED / 4] === 0) throw new HeapError('CORRUPTION', `block return: span ${span} has no block out`, ptr, 'midLargeAce');
}

/** The guard of a live block being freed, checked before anything changes. */
export function guardOnFree(lm: LinearMemory, ptr: number, size: number): void {
  lm.cover(ptr + size);
  checkGuard(lm.u8, ptr, size);
}

/** A cached block of class `cls` is a free block of its class (per the page table and its span) that kept its poison. */
export function checkCachedBlock(lm: LinearMemory, pt0: number, cls: number, p: number): void {
  const u32 = lm.u32;
  const word = u32[pt0 + (p >>> PAGE_SHIFT)];
  if (cls >= MID_FIRST_RUN_CLASS) {
    if (word !== runHeadWord(PK_RUN_FREE, cls - MID_FIRST_RUN_CLASS + 1) || (p & PAGE_MASK) !== 0)
      throw new HeapError('CORRUPTION', `cached block of class ${cls} is not a free run of its class`, p, 'midLargeAce');
  } else {
    const span = ((p >>> PAGE_SHIFT) - ((word >>> 4) & 15)) * PAGE_SIZE;
    const size = MID_CLASS_SIZES[cls];
    const rel = p - span - SPAN_HEADER_BYTES;
    if ((word & PK_KIND_MASK) !== PK_MID_SPAN || ((word >>> 8) & 0xff) !== cls || rel < 0 || rel % size !== 0 || rel / size >= u32[(span + SP_CARVED) >>> 2])
      throw new HeapError('CORRUPTION', `cached block of class ${cls} is not a carved block of a class-${cls} span`, p, 'midLargeAce');
    const q = rel / size;
    if ((u32[((span + SP_BITMAP) >>> 2) + (q >>> 5)] >>> (q & 31)) & 1) throw new HeapError('CORRUPTION', 'cached block is marked live', p, 'midLargeAce');
  }
  checkPoison(lm, p, 0, classBytes(cls), 'in the cache');
}
