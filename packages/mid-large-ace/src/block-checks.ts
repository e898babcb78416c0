import { HeapError } from '@hakmem/contracts';
import {
  MID_CLASS_SIZES,
  PAGE_MASK,
  PAGE_SHIFT,
  PK_MID_SPAN,
  PK_RUN_FREE,
  POISON_WORD,
  SP_CAPACITY,
  SP_CARVED,
  SP_CLASS,
  SP_FREE_HEAD,
  SP_MAGIC,
  SP_USED,
  SPAN_MAGIC_VALUE,
  isMidRunClass,
  midRunClassPages,
  pageClass,
  pageKind,
  runHeadWord,
  spanBlockOffset,
  spanLiveBit,
  spanLiveWordIndex,
  spanStartOf,
  spanWord,
} from '@hakmem/contracts/layout';
import { guardBreach, scannerOf, type LinearMemory } from '@hakmem/linear-memory';

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

/** Bytes of a free-list node's link (its first word): the only bytes of a block on a span list that are not poisoned. */
export const LINK_BYTES = 4;

/** Throws CORRUPTION when the guard of the live block at `ptr` changed: a write past its usable end. */
export function checkGuard(u8: Uint8Array, ptr: number, size: number): void {
  const at = guardBreach(u8, ptr, size);
  if (at >= 0)
    throw new HeapError('CORRUPTION', `guard byte ${at - ptr} of a live ${size}-byte block was overwritten (write past the usable end, at ${at})`, ptr, 'midLargeAce');
}

/**
 * Poisons the whole `size`-byte block at `ptr`: it is going into a cache or onto a span list.
 * The poison pass is the whole of a debug mid operation's extra cost (a block is up to 60 KiB,
 * a run up to 1 MiB), so it and the check run through the memory's scanner (`scannerOf`).
 */
export function poisonMid(lm: LinearMemory, ptr: number, size: number): void {
  scannerOf(lm).fill(ptr, ptr + size, POISON_WORD);
}

/** Throws CORRUPTION when bytes [from, size) of the free block at `ptr` lost their poison: a write after free. */
export function checkPoison(lm: LinearMemory, ptr: number, from: number, size: number, where: string): void {
  const at = scannerOf(lm).find(ptr + from, ptr + size, POISON_WORD);
  if (at >= 0) throw new HeapError('CORRUPTION', `free block ${where} was written after free (byte ${at - ptr} changed)`, ptr, 'midLargeAce');
}

/** Before a block goes back onto its span's list: a carved, non-live block of a span with blocks out. */
export function checkSpanReturn(u32: Uint32Array, span: number, ptr: number, size: number): void {
  const rel = spanBlockOffset(ptr, span);
  const q = rel / size;
  if (u32[spanWord(span, SP_MAGIC)] !== SPAN_MAGIC_VALUE || rel < 0 || rel % size !== 0 || q >= u32[spanWord(span, SP_CARVED)])
    throw new HeapError('CORRUPTION', `block return: ${ptr} is not a carved block of span ${span}`, ptr, 'midLargeAce');
  if (u32[spanLiveWordIndex(span, q)] & spanLiveBit(q)) throw new HeapError('CORRUPTION', 'block return: the block is live', ptr, 'midLargeAce');
  if (u32[spanWord(span, SP_USED)] === 0) throw new HeapError('CORRUPTION', `block return: span ${span} has no block out`, ptr, 'midLargeAce');
}

/** The guard of a live block being freed, checked before anything changes. */
export function guardOnFree(lm: LinearMemory, ptr: number, size: number): void {
  lm.cover(ptr + size);
  checkGuard(lm.u8, ptr, size);
}

/** A cached block of class `cls` is a free block of its class (per the page table and its span, or its run head word) that kept its poison. */
export function checkCachedBlock(lm: LinearMemory, pt0: number, cls: number, p: number): void {
  const u32 = lm.u32;
  const word = u32[pt0 + (p >>> PAGE_SHIFT)];
  if (isMidRunClass(cls)) {
    if (word !== runHeadWord(PK_RUN_FREE, midRunClassPages(cls)) || (p & PAGE_MASK) !== 0)
      throw new HeapError('CORRUPTION', `cached block of class ${cls} is not a free run of its class`, p, 'midLargeAce');
  } else {
    const span = spanStartOf(p, word);
    const size = MID_CLASS_SIZES[cls];
    const rel = spanBlockOffset(p, span);
    if (pageKind(word) !== PK_MID_SPAN || pageClass(word) !== cls || rel < 0 || rel % size !== 0 || rel / size >= u32[spanWord(span, SP_CARVED)])
      throw new HeapError('CORRUPTION', `cached block of class ${cls} is not a carved block of a class-${cls} span`, p, 'midLargeAce');
    const q = rel / size;
    if (u32[spanLiveWordIndex(span, q)] & spanLiveBit(q)) throw new HeapError('CORRUPTION', 'cached block is marked live', p, 'midLargeAce');
  }
  checkPoison(lm, p, 0, MID_CLASS_SIZES[cls], 'in the cache');
}

/** Cached blocks [from, to) of class `cls` (in `slots`, `stride` per class), about to leave the cache, still hold their poison. */
export function checkLeaving(lm: LinearMemory, slots: Uint32Array, stride: number, cls: number, from: number, to: number): void {
  if (to > from) lm.fresh();
  const size = MID_CLASS_SIZES[cls];
  for (let i = from; i < to; i++) checkPoison(lm, slots[cls * stride + i], 0, size, 'in the cache');
}

/**
 * Before a refill changes anything: the first `want` free-list blocks of the
 * span are carved blocks of it that kept their poison (past the link).
 */
export function checkTake(lm: LinearMemory, span: number, cls: number, want: number): void {
  const u32 = lm.u32;
  const size = MID_CLASS_SIZES[cls];
  const carved = u32[spanWord(span, SP_CARVED)];
  if (u32[spanWord(span, SP_MAGIC)] !== SPAN_MAGIC_VALUE || u32[spanWord(span, SP_CLASS)] !== cls || carved > u32[spanWord(span, SP_CAPACITY)] || u32[spanWord(span, SP_USED)] > carved)
    throw new HeapError('CORRUPTION', `refill: span ${span} header broken for class ${cls}`, span, 'midLargeAce');
  let p = u32[spanWord(span, SP_FREE_HEAD)];
  for (let k = 0; p !== 0 && k < want; k++) {
    const rel = spanBlockOffset(p, span);
    if (rel < 0 || rel % size !== 0 || rel / size >= carved)
      throw new HeapError('CORRUPTION', `refill: free-list node ${p} is not a carved block of span ${span}`, p, 'midLargeAce');
    checkPoison(lm, p, LINK_BYTES, size, 'on its span list');
    p = u32[p >>> 2];
  }
}
