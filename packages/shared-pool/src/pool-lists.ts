import { HeapError } from '@hakmem/contracts';
import {
  POOL_C_SLABS_ABANDONED,
  SLAB_ACTIVE,
  SLAB_LIST_NONE,
  SM_CLASS,
  SM_NEXT,
  SM_LIST,
  SM_OWNER,
  SM_PREV,
  SM_STATE,
  SS_IN_LIST,
  SS_NEXT,
  SS_PREV,
  WORD_BYTES,
  poolAbandonedHeadIndex,
  poolCounterIndex,
  poolEmptyCountIndex,
  poolEmptyHeadIndex,
  poolSsHeadIndex,
} from '@hakmem/contracts/layout';
import type { LinearMemory } from '@hakmem/linear-memory';

/**
 * The shared pool's lists, all in the pool area (`area`) of the linear
 * memory and all guarded by the pool lock (see shared-pool.ts); every
 * function here runs under it.
 *
 *   EMPTY list, one per class   doubly linked through SM_NEXT / SM_PREV,
 *                               with a length counter (stage 1, release);
 *   abandoned list, per class   a stack through SM_NEXT of ACTIVE slabs
 *                               with owner 0 (stage 0, abandon);
 *   SuperSlab list              doubly linked through SS_NEXT / SS_PREV,
 *                               SS_IN_LIST set while on it: the SuperSlabs
 *                               that have an UNUSED slab (stage 2).
 *
 * Each function reads `lm.u32` itself, so a view replaced by a memory grow
 * between two calls is never used stale.
 */

/** Pushes `slab` on the EMPTY list of `cls`. */
export function pushEmpty(lm: LinearMemory, area: number, cls: number, slab: number): void {
  const u32 = lm.u32;
  const head = poolEmptyHeadIndex(area, cls);
  const m = slab >>> 2;
  const first = u32[head];
  u32[m + SM_NEXT / WORD_BYTES] = first;
  u32[m + SM_PREV / WORD_BYTES] = 0;
  if (first !== 0) u32[(first >>> 2) + SM_PREV / WORD_BYTES] = slab;
  u32[head] = slab;
  u32[poolEmptyCountIndex(area, cls)]++;
}

/** Pops the first slab of the EMPTY list of `cls`, or 0 when it is empty. */
export function popEmpty(lm: LinearMemory, area: number, cls: number): number {
  const u32 = lm.u32;
  const head = poolEmptyHeadIndex(area, cls);
  const slab = u32[head];
  if (slab === 0) return 0;
  unlinkEmpty(lm, area, cls, slab);
  return slab;
}

/** Takes `slab` off the EMPTY list of `cls`, wherever it is on it. */
export function unlinkEmpty(lm: LinearMemory, area: number, cls: number, slab: number): void {
  const u32 = lm.u32;
  const m = slab >>> 2;
  const next = u32[m + SM_NEXT / WORD_BYTES];
  const prev = u32[m + SM_PREV / WORD_BYTES];
  if (prev !== 0) u32[(prev >>> 2) + SM_NEXT / WORD_BYTES] = next;
  else u32[poolEmptyHeadIndex(area, cls)] = next;
  if (next !== 0) u32[(next >>> 2) + SM_PREV / WORD_BYTES] = prev;
  u32[m + SM_NEXT / WORD_BYTES] = 0;
  u32[m + SM_PREV / WORD_BYTES] = 0;
  u32[poolEmptyCountIndex(area, cls)]--;
}

/** Abandons the ACTIVE `slab`: owner 0, pushed on the abandoned list of its class, counted. */
export function pushAbandoned(lm: LinearMemory, area: number, slab: number): void {
  const u32 = lm.u32;
  const m = slab >>> 2;
  if (__HAKMEM_DEBUG__) {
    if (u32[m + SM_STATE / WORD_BYTES] !== SLAB_ACTIVE) throw new HeapError('CORRUPTION', `abandon of slab in state ${u32[m + SM_STATE / WORD_BYTES]} (expected ACTIVE)`, slab, 'sharedPool');
  }
  const head = poolAbandonedHeadIndex(area, u32[m + SM_CLASS / WORD_BYTES]);
  u32[m + SM_OWNER / WORD_BYTES] = 0;
  u32[m + SM_LIST / WORD_BYTES] = SLAB_LIST_NONE;
  u32[m + SM_NEXT / WORD_BYTES] = u32[head];
  u32[head] = slab;
  u32[poolCounterIndex(area, POOL_C_SLABS_ABANDONED)]++;
}

/** Pops an abandoned slab of `cls`, or 0 when there is none; its owner is still 0. */
export function popAbandoned(lm: LinearMemory, area: number, cls: number): number {
  const u32 = lm.u32;
  const head = poolAbandonedHeadIndex(area, cls);
  const slab = u32[head];
  if (slab === 0) return 0;
  u32[head] = u32[(slab >>> 2) + SM_NEXT / WORD_BYTES];
  u32[(slab >>> 2) + SM_NEXT / WORD_BYTES] = 0;
  return slab;
}

/** Puts `ss` at the head of the SuperSlab list. */
export function linkSuperslab(lm: LinearMemory, area: number, ss: number): void {
  const u32 = lm.u32;
  const head = poolSsHeadIndex(area);
  const first = u32[head];
  u32[(ss + SS_NEXT) >>> 2] = first;
  u32[(ss + SS_PREV) >>> 2] = 0;
  if (first !== 0) u32[(first + SS_PREV) >>> 2] = ss;
  u32[head] = ss;
  u32[(ss + SS_IN_LIST) >>> 2] = 1;
}

/** Takes `ss` off the SuperSlab list; nothing when it is not on it. */
export function unlinkSuperslab(lm: LinearMemory, area: number, ss: number): void {
  const u32 = lm.u32;
  if (u32[(ss + SS_IN_LIST) >>> 2] === 0) return;
  const next = u32[(ss + SS_NEXT) >>> 2];
  const prev = u32[(ss + SS_PREV) >>> 2];
  if (prev !== 0) u32[(prev + SS_NEXT) >>> 2] = next;
  else u32[poolSsHeadIndex(area)] = next;
  if (next !== 0) u32[(next + SS_PREV) >>> 2] = prev;
  u32[(ss + SS_IN_LIST) >>> 2] = 0;
}
