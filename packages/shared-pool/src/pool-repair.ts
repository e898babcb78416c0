import {
  PAGE_SHIFT,
  PK_SS_SPARE,
  PK_TINY,
  SLABS_PER_SS,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_UNUSED,
  SM_CLASS,
  SM_OWNER,
  SM_STATE,
  SS_ACTIVE_SLABS,
  SS_IN_LIST,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_MASK,
  SS_PAGES,
  SS_UNUSED_SLABS,
  TINY_CLASSES,
  WORD_BYTES,
  isUnusedSlabPageWord,
  pageKind,
  poolAbandonedHeadIndex,
  poolEmptyCountIndex,
  poolEmptyHeadIndex,
  poolSsHeadIndex,
  slabPageAt,
  slabRecordAt,
} from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import { linkSuperslab, pushAbandoned, pushEmpty } from './pool-lists.js';

/**
 * Repair after a worker died, for `SharedPool.reclaimWorker` (the lock
 * protocol and the recovery notes are in shared-pool.ts). The pool's lists
 * and counters are derived data: the slab records and the page table are
 * enough to make them again, so a dead worker's half-done update under the
 * pool lock cannot survive a rebuild. Everything here runs under the pool lock.
 */

/** Every SuperSlab of the heap, found by walking the page table. */
export function heapSuperslabs(lm: LinearMemory, pages: PageLayer): number[] {
  const out: number[] = [];
  const end = pages.endPage();
  for (let p = pages.firstDataPage; p < end; p++) {
    const kind = pageKind(pages.word(p));
    if (kind !== PK_TINY && kind !== PK_SS_SPARE) continue;
    const ss = (p << PAGE_SHIFT) >>> 0;
    if ((ss & SS_MASK) === 0 && lm.u32[(ss + SS_MAGIC) >>> 2] === SS_MAGIC_VALUE) {
      out.push(ss);
      p += SS_PAGES - 1;
    }
  }
  return out;
}

/**
 * Rebuilds every list and counter from the slab records, after a worker
 * died holding the lock. A slab caught between states (class set but not
 * yet ACTIVE) goes back to UNUSED; abandoned slabs are found again by owner.
 */
export function rebuildPool(lm: LinearMemory, pages: PageLayer, area: number, superslabs: number[]): void {
  const u32 = lm.u32;
  for (let c = 0; c < TINY_CLASSES; c++) {
    u32[poolEmptyHeadIndex(area, c)] = 0;
    u32[poolAbandonedHeadIndex(area, c)] = 0;
    u32[poolEmptyCountIndex(area, c)] = 0;
  }
  u32[poolSsHeadIndex(area)] = 0;
  for (const ss of superslabs) {
    u32[(ss + SS_IN_LIST) >>> 2] = 0;
    u32[(ss + SS_ACTIVE_SLABS) >>> 2] = 0;
    u32[(ss + SS_UNUSED_SLABS) >>> 2] = 0;
    for (let s = 0; s < SLABS_PER_SS; s++) {
      const slab = slabRecordAt(ss, s);
      const m = slab >>> 2;
      const state = u32[m + SM_STATE / WORD_BYTES];
      if (state === SLAB_ACTIVE) {
        u32[(ss + SS_ACTIVE_SLABS) >>> 2]++;
        if (u32[m + SM_OWNER / WORD_BYTES] === 0) pushAbandoned(lm, area, slab);
      } else if (state === SLAB_EMPTY) pushEmpty(lm, area, u32[m + SM_CLASS / WORD_BYTES], slab);
      else {
        u32[m + SM_STATE / WORD_BYTES] = SLAB_UNUSED;
        u32[m + SM_CLASS / WORD_BYTES] = 0;
        u32[m + SM_OWNER / WORD_BYTES] = 0;
        // Slab 0's page stays the SuperSlab's; another slab's page, if the
        // dead worker had taken it for the slab, goes back to the page layer.
        const page = slabPageAt(ss, s);
        if (s === 0) pages.setWord(page, PK_SS_SPARE);
        else if (!isUnusedSlabPageWord(s, pages.word(page))) pages.freeRun(page, 1);
        u32[(ss + SS_UNUSED_SLABS) >>> 2]++;
      }
    }
    if (u32[(ss + SS_UNUSED_SLABS) >>> 2] > 0) linkSuperslab(lm, area, ss);
  }
}

/** Abandons every ACTIVE slab of `superslabs` that worker `dead` owns; returns how many. */
export function abandonSlabsOf(lm: LinearMemory, area: number, superslabs: number[], dead: number): number {
  const u32 = lm.u32;
  let n = 0;
  for (const ss of superslabs)
    for (let s = 0; s < SLABS_PER_SS; s++) {
      const slab = slabRecordAt(ss, s);
      const m = slab >>> 2;
      if (u32[m + SM_STATE / WORD_BYTES] === SLAB_ACTIVE && u32[m + SM_OWNER / WORD_BYTES] === dead) {
        pushAbandoned(lm, area, slab);
        n++;
      }
    }
  return n;
}
