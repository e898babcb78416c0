import {
  SLABS_PER_SS,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_UNUSED,
  SM_CLASS,
  SM_NEXT,
  SM_OWNER,
  SM_PREV,
  SM_STATE,
  SS_ACTIVE_SLABS,
  SS_NEXT,
  SS_UNUSED_SLABS,
  TINY_CLASSES,
  WORD_BYTES,
  poolAbandonedHeadIndex,
  poolEmptyCountIndex,
  poolEmptyHeadIndex,
  poolSsHeadIndex,
  slabRecordAt,
} from '@hakmem/contracts/layout';
import type { LinearMemory } from '@hakmem/linear-memory';

/**
 * Pool invariants, read from memory (behind `SharedPool.validate`): every
 * slab on an EMPTY list is EMPTY, of that class, and on one list only; list
 * counts match; every slab on an abandoned list is an ownerless ACTIVE slab
 * of its class; every SuperSlab on the SS list has UNUSED slabs and its
 * counters match its slabs. Returns the first violation, or null.
 * `superslabs` lists every SuperSlab in the heap.
 */
export function poolViolation(lm: LinearMemory, area: number, superslabs: number[]): string | null {
  const u32 = lm.u32;
  const seen = new Set<number>();
  for (let cls = 0; cls < TINY_CLASSES; cls++) {
    let n = 0;
    let prev = 0;
    for (let slab = u32[poolEmptyHeadIndex(area, cls)]; slab !== 0; slab = u32[(slab >>> 2) + SM_NEXT / WORD_BYTES]) {
      const m = slab >>> 2;
      if (seen.has(slab)) return `slab ${slab} is on two EMPTY lists (or twice on one)`;
      seen.add(slab);
      if (u32[m + SM_STATE / WORD_BYTES] !== SLAB_EMPTY) return `slab ${slab} on the EMPTY list of class ${cls} is in state ${u32[m + SM_STATE / WORD_BYTES]}`;
      if (u32[m + SM_CLASS / WORD_BYTES] !== cls) return `slab ${slab} on the EMPTY list of class ${cls} has class ${u32[m + SM_CLASS / WORD_BYTES]}`;
      if (u32[m + SM_PREV / WORD_BYTES] !== prev) return `slab ${slab} has a broken back link`;
      prev = slab;
      n++;
    }
    if (n !== u32[poolEmptyCountIndex(area, cls)]) return `class ${cls} EMPTY list holds ${n} slabs, counter says ${u32[poolEmptyCountIndex(area, cls)]}`;
  }
  for (let cls = 0; cls < TINY_CLASSES; cls++) {
    for (let slab = u32[poolAbandonedHeadIndex(area, cls)]; slab !== 0; slab = u32[(slab >>> 2) + SM_NEXT / WORD_BYTES]) {
      const m = slab >>> 2;
      if (seen.has(slab)) return `slab ${slab} is on two pool lists (or twice on one)`;
      seen.add(slab);
      if (u32[m + SM_STATE / WORD_BYTES] !== SLAB_ACTIVE || u32[m + SM_OWNER / WORD_BYTES] !== 0 || u32[m + SM_CLASS / WORD_BYTES] !== cls)
        return `slab ${slab} on the abandoned list of class ${cls} is not an ownerless ACTIVE slab of that class`;
    }
  }
  const listed = new Set<number>();
  for (let ss = u32[poolSsHeadIndex(area)]; ss !== 0; ss = u32[(ss + SS_NEXT) >>> 2]) {
    if (listed.has(ss)) return `SuperSlab ${ss} is on the pool list twice`;
    listed.add(ss);
  }
  for (const ss of superslabs) {
    let active = 0;
    let unused = 0;
    for (let s = 0; s < SLABS_PER_SS; s++) {
      const slab = slabRecordAt(ss, s);
      const st = u32[(slab >>> 2) + SM_STATE / WORD_BYTES];
      if (st === SLAB_ACTIVE) active++;
      else if (st === SLAB_UNUSED) unused++;
      else if (st === SLAB_EMPTY && !seen.has(slab)) return `EMPTY slab ${slab} is on no EMPTY list`;
    }
    if (active !== u32[(ss + SS_ACTIVE_SLABS) >>> 2]) return `SuperSlab ${ss}: ${active} ACTIVE slabs, counter says ${u32[(ss + SS_ACTIVE_SLABS) >>> 2]}`;
    if (unused !== u32[(ss + SS_UNUSED_SLABS) >>> 2]) return `SuperSlab ${ss}: ${unused} UNUSED slabs, counter says ${u32[(ss + SS_UNUSED_SLABS) >>> 2]}`;
    if ((unused > 0) !== listed.has(ss)) return `SuperSlab ${ss} with ${unused} UNUSED slabs is ${listed.has(ss) ? '' : 'not '}on the pool list`;
    if (active === 0) return `SuperSlab ${ss} has no ACTIVE slab but was not given back`;
  }
  return null;
}
