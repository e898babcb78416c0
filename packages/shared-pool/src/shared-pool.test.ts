import { HeapError } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  PAGE_SIZE,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_META_BYTES,
  SLAB_UNUSED,
  SLABS_PER_SS,
  SM_CAPACITY,
  SM_CLASS,
  SM_NEXT,
  SM_OWNER,
  SM_PREV,
  SM_STATE,
  SM_USED,
  SS_ACTIVE_SLABS,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_MASK,
  SS_PAGES,
  SS_SIZE,
  SS_SLAB_META,
  SS_UNUSED_SLABS,
  tinyPageWord,
  tinySlabCapacity,
  POISON_WORD,
  freePageWord,
  rememberedWord,
  POOL_ABANDONED_HEADS,
  POOL_AREA_BYTES,
  POOL_COUNTERS,
  POOL_EMPTY_COUNTS,
  POOL_EMPTY_HEADS,
  POOL_SS_HEAD,
  TINY_CLASSES,
  POOL_COUNTER_WORDS,
  POOL_C_RELEASES,
  POOL_C_SLABS_ABANDONED,
  POOL_C_SS_RELEASED,
  POOL_C_STAGE0_ADOPTIONS,
  POOL_C_STAGE1_HITS,
  POOL_C_STAGE2_HITS,
  POOL_C_STAGE3_HITS,
  poolCounterIndex,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { SharedPool } from './shared-pool.js';

/** A formatted heap of `pages` pages at offset 0 (one metadata page), and a pool over it. */
function setup(pages: number, memoryMaxPages = pages + 2) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: memoryMaxPages });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, false);
  return { lm, pl, pool: new SharedPool(lm, pl) };
}

const word = (lm: LinearMemory, addr: number): number => lm.u32[addr >>> 2];
const ssOf = (slab: number): number => slab - (slab & SS_MASK);
const slabIndex = (slab: number): number => ((slab & SS_MASK) - SS_SLAB_META) / SLAB_META_BYTES;

describe(`shared pool (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('acquires through stage 3, then stage 2, then stage 1, and counts each stage', () => {
    const { lm, pl, pool } = setup(64);

    // Stage 3: no SuperSlab yet, so one comes from the page layer.
    const a = pool.acquire(0, 1);
    expect(a).not.toBe(0);
    const ss = ssOf(a);
    expect(ss % SS_SIZE).toBe(0);
    expect(word(lm, ss + SS_MAGIC)).toBe(SS_MAGIC_VALUE);
    // The SuperSlab holds its header's page, slab 0's, which is the first slab it hands out.
    expect(pl.pagesInUse()).toBe(1);
    expect(slabIndex(a)).toBe(0);
    expect(pool.counters()).toMatchObject({ stage1Hits: 0, stage2Hits: 0, stage3Hits: 1 });
    expect(word(lm, a + SM_STATE)).toBe(SLAB_ACTIVE);
    expect(word(lm, a + SM_OWNER)).toBe(1);
    expect(word(lm, a + SM_CLASS)).toBe(0);
    expect(word(lm, a + SM_CAPACITY)).toBe(tinySlabCapacity(0, slabIndex(a)));
    expect(pl.word((ss >>> PAGE_SHIFT) + slabIndex(a))).toBe(tinyPageWord(0, slabIndex(a)));

    // Stage 2: another UNUSED slab of the same SuperSlab, for another class.
    const b = pool.acquire(7, 1);
    expect(ssOf(b)).toBe(ss);
    expect(b).not.toBe(a);
    expect(word(lm, b + SM_CLASS)).toBe(7);
    expect(word(lm, b + SM_CAPACITY)).toBe(tinySlabCapacity(7, slabIndex(b)));
    expect(pool.counters()).toMatchObject({ stage1Hits: 0, stage2Hits: 1, stage3Hits: 1 });
    expect(word(lm, ss + SS_ACTIVE_SLABS)).toBe(2);
    expect(word(lm, ss + SS_UNUSED_SLABS)).toBe(SLABS_PER_SS - 2);
    expect(pl.pagesInUse()).toBe(2); // b's page came from the page layer
    expect(pool.validate([ss])).toBeNull();

    // Release a: it is kept EMPTY for its class, and stage 1 hands it out again.
    pool.release(a);
    expect(word(lm, a + SM_STATE)).toBe(SLAB_EMPTY);
    expect(pool.counters()).toMatchObject({ releases: 1, emptySlabsKept: 1, superslabsReleased: 0 });
    expect(pool.validate([ss])).toBeNull();
    const again = pool.acquire(0, 2);
    expect(again).toBe(a);
    expect(word(lm, a + SM_OWNER)).toBe(2);
    expect(word(lm, a + SM_STATE)).toBe(SLAB_ACTIVE);
    expect(pool.counters()).toMatchObject({ stage1Hits: 1, stage2Hits: 1, stage3Hits: 1, emptySlabsKept: 0 });
    expect(pl.pagesInUse()).toBe(2);
    expect(pool.validate([ss])).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('an EMPTY slab of one class is not handed to another class', () => {
    const { lm, pool } = setup(64);
    const keep = pool.acquire(1, 1);
    const a = pool.acquire(2, 1);
    pool.release(a);
    const b = pool.acquire(3, 1);
    expect(b).not.toBe(a);
    expect(word(lm, a + SM_STATE)).toBe(SLAB_EMPTY);
    expect(pool.counters()).toMatchObject({ stage1Hits: 0, stage2Hits: 2 });
    expect(pool.validate([ssOf(keep)])).toBeNull();
  });

  it('starts a second SuperSlab once the first has no UNUSED slab left', () => {
    const { lm, pl, pool } = setup(64);
    const slabs: number[] = [];
    for (let i = 0; i < SLABS_PER_SS; i++) slabs.push(pool.acquire(i % 4, 1));
    const first = ssOf(slabs[0]);
    expect(new Set(slabs.map(ssOf))).toEqual(new Set([first]));
    expect(new Set(slabs).size).toBe(SLABS_PER_SS);
    expect(word(lm, first + SS_UNUSED_SLABS)).toBe(0);
    expect(pool.counters()).toMatchObject({ stage2Hits: SLABS_PER_SS - 1, stage3Hits: 1 });
    const next = pool.acquire(0, 1);
    expect(ssOf(next)).not.toBe(first);
    expect(pool.counters().stage3Hits).toBe(2);
    expect(pl.pagesInUse()).toBe(SS_PAGES + 1);
    expect(pool.validate([first, ssOf(next)])).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('keeps two EMPTY slabs per class and turns the rest UNUSED', () => {
    const { lm, pl, pool } = setup(64);
    const anchor = pool.acquire(9, 1);
    const ss = ssOf(anchor);
    const s = [pool.acquire(4, 1), pool.acquire(4, 1), pool.acquire(4, 1)];
    for (const slab of s) pool.release(slab);
    expect(s.map((slab) => word(lm, slab + SM_STATE))).toEqual([SLAB_EMPTY, SLAB_EMPTY, SLAB_UNUSED]);
    // Its page went back to the page layer, remembering the class it held (a late second free there is a double free).
    const page = (ss >>> PAGE_SHIFT) + slabIndex(s[2]);
    expect(pl.isFree(page)).toBe(true);
    expect(pl.word(page)).toBe(freePageWord(tinyPageWord(4, slabIndex(s[2])), __HAKMEM_DEBUG__));
    expect(rememberedWord(pl.word(page))).toBe(tinyPageWord(4, slabIndex(s[2])));
    expect(pl.pagesInUse()).toBe(3);
    expect(word(lm, s[2] + SM_CLASS)).toBe(0);
    expect(pool.counters()).toMatchObject({ releases: 3, emptySlabsKept: 2 });
    expect(pool.validate([ss])).toBeNull();
  });

  it('gives a SuperSlab back to the page layer when its last slab is released', () => {
    const { lm, pl, pool } = setup(64);
    const slabs = [pool.acquire(0, 1), pool.acquire(0, 1), pool.acquire(5, 1), pool.acquire(5, 2)];
    const ss = ssOf(slabs[0]);
    expect(pl.pagesInUse()).toBe(4);
    for (const slab of slabs.slice(0, 3)) pool.release(slab);
    // All three are kept EMPTY for their classes: their pages stay.
    expect(pl.pagesInUse()).toBe(4);
    expect(pool.counters().superslabsReleased).toBe(0);
    pool.release(slabs[3]);
    expect(pl.pagesInUse()).toBe(0);
    // The debug build gives the pages back poisoned (checked when they are taken again).
    expect(word(lm, ss + SS_MAGIC)).toBe(__HAKMEM_DEBUG__ ? POISON_WORD : 0);
    expect(pool.counters()).toMatchObject({ releases: 4, superslabsReleased: 1, emptySlabsKept: 0 });
    expect(pool.validate([])).toBeNull();
    expect(pl.validate()).toBeNull();
    // The pool starts over cleanly: the next acquire is a stage-3 hit again.
    const fresh = pool.acquire(0, 1);
    expect(fresh).not.toBe(0);
    expect(pool.counters().stage3Hits).toBe(2);
    expect(pool.validate([ssOf(fresh)])).toBeNull();
  });

  it('skips an UNUSED slab whose page another box took, and starts a SuperSlab when none is left', () => {
    const { lm, pl, pool } = setup(64);
    const a = pool.acquire(0, 1);
    const ss = ssOf(a);
    const ssPage = ss >>> PAGE_SHIFT;
    // The pages of unused slabs are free in the page layer: another box (a mid span, say) takes one.
    expect(pl.isFree(ssPage + 1)).toBe(true);
    expect(pl.takePage(ssPage + 1)).toBe(true);
    const b = pool.acquire(3, 1);
    expect(ssOf(b)).toBe(ss);
    expect(slabIndex(b)).toBe(2);
    expect(word(lm, ssOf(b) + SS_UNUSED_SLABS)).toBe(SLABS_PER_SS - 2);
    expect(pool.validate([ss])).toBeNull();
    // Every other page of the SuperSlab taken too: stage 2 finds nothing there, stage 3 makes a SuperSlab.
    for (let s = 3; s < SLABS_PER_SS; s++) expect(pl.takePage(ssPage + s)).toBe(true);
    const c = pool.acquire(3, 1);
    expect(ssOf(c)).not.toBe(ss);
    expect(pool.counters()).toMatchObject({ stage2Hits: 1, stage3Hits: 2 });
    // The first SuperSlab keeps its UNUSED slabs listed: their pages may come back.
    expect(word(lm, ss + SS_UNUSED_SLABS)).toBe(SLABS_PER_SS - 2);
    expect(pool.validate([ss, ssOf(c)])).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('validate() names a corrupted slab record', () => {
    const { lm, pool } = setup(64);
    const keep = pool.acquire(1, 1);
    const a = pool.acquire(2, 1);
    pool.release(a);
    const ss = ssOf(keep);
    expect(pool.validate([ss])).toBeNull();

    lm.u32[(a + SM_STATE) >>> 2] = SLAB_ACTIVE;
    expect(pool.validate([ss])).toMatch(new RegExp(`slab ${a} on the EMPTY list of class 2 is in state ${SLAB_ACTIVE}`));
    lm.u32[(a + SM_STATE) >>> 2] = SLAB_EMPTY;

    lm.u32[(a + SM_CLASS) >>> 2] = 3;
    expect(pool.validate([ss])).toMatch(new RegExp(`slab ${a} on the EMPTY list of class 2 has class 3`));
    lm.u32[(a + SM_CLASS) >>> 2] = 2;

    lm.u32[(ss + SS_ACTIVE_SLABS) >>> 2] = 5;
    expect(pool.validate([ss])).toMatch(/1 ACTIVE slabs, counter says 5/);
    lm.u32[(ss + SS_ACTIVE_SLABS) >>> 2] = 1;

    expect(pool.validate([ss])).toBeNull();
  });

  it('validate() names a broken EMPTY-list link', () => {
    const { lm, pool } = setup(64);
    const keep = pool.acquire(1, 1);
    const a = pool.acquire(2, 1);
    const b = pool.acquire(2, 1);
    pool.release(a);
    pool.release(b); // list of class 2: b → a
    const ss = ssOf(keep);
    expect(pool.validate([ss])).toBeNull();

    lm.u32[(a + SM_PREV) >>> 2] = 0;
    expect(pool.validate([ss])).toMatch(new RegExp(`slab ${a} has a broken back link`));
    lm.u32[(a + SM_PREV) >>> 2] = b;

    lm.u32[(a + SM_NEXT) >>> 2] = b; // a cycle
    expect(pool.validate([ss])).toMatch(new RegExp(`slab ${b} is on two EMPTY lists`));
    lm.u32[(a + SM_NEXT) >>> 2] = 0;

    lm.u32[(b + SM_NEXT) >>> 2] = 0; // a falls off the list
    expect(pool.validate([ss])).toMatch(/class 2 EMPTY list holds 1 slabs, counter says 2/);
    lm.u32[(b + SM_NEXT) >>> 2] = a;

    expect(pool.validate([ss])).toBeNull();
  });

  it('acquire returns 0 when the region has no room for a SuperSlab, and changes nothing', () => {
    const { pl, pool } = setup(8);
    expect(pool.acquire(0, 1)).toBe(0);
    expect(pool.counters()).toMatchObject({ stage1Hits: 0, stage2Hits: 0, stage3Hits: 0 });
    expect(pl.pagesInUse()).toBe(0);
    expect(pool.validate([])).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('acquire returns 0 when the memory cannot grow to a SuperSlab', () => {
    const { pl, pool } = setup(256, 20);
    expect(pool.acquire(0, 1)).toBe(0);
    expect(pl.pagesInUse()).toBe(0);
    expect(pool.validate([])).toBeNull();
  });

  it('in the debug build, refuses to release a slab with blocks out or one that is not ACTIVE', () => {
    const { lm, pool } = setup(64);
    const keep = pool.acquire(1, 1);
    const a = pool.acquire(2, 1);
    if (!__HAKMEM_DEBUG__) {
      // The release build trusts its caller; just show the same slab is fine to release.
      pool.release(a);
      expect(pool.validate([ssOf(keep)])).toBeNull();
      return;
    }
    lm.u32[(a + SM_USED) >>> 2] = 3;
    expect(() => pool.release(a)).toThrow(HeapError);
    expect(() => pool.release(a)).toThrow(/3 blocks still out/);
    lm.u32[(a + SM_USED) >>> 2] = 0;
    pool.release(a);
    let err: unknown;
    try {
      pool.release(a);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HeapError);
    expect(err).toMatchObject({ code: 'CORRUPTION', box: 'sharedPool', ptr: a });
    expect(pool.counters().releases).toBe(1);
    expect(pool.validate([ssOf(keep)])).toBeNull();
  });

  it('lays out the pool area with one word per tiny class for each per-class list, none overlapping', () => {
    const ranges = [
      [POOL_EMPTY_HEADS, POOL_EMPTY_HEADS + TINY_CLASSES * 4],
      [POOL_ABANDONED_HEADS, POOL_ABANDONED_HEADS + TINY_CLASSES * 4],
      [POOL_SS_HEAD, POOL_SS_HEAD + 4],
      [POOL_EMPTY_COUNTS, POOL_EMPTY_COUNTS + TINY_CLASSES * 4],
      [POOL_COUNTERS, POOL_COUNTERS + POOL_COUNTER_WORDS * 4],
    ].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThanOrEqual(ranges[i - 1][1]);
    expect(ranges[ranges.length - 1][1]).toBeLessThanOrEqual(POOL_AREA_BYTES);
  });

  it('keeps each counter in its own named word of the pool area, and counters() reads those words', () => {
    const { lm, pl, pool } = setup(40);
    const names = [POOL_C_STAGE1_HITS, POOL_C_STAGE2_HITS, POOL_C_STAGE3_HITS, POOL_C_RELEASES, POOL_C_SS_RELEASED, POOL_C_STAGE0_ADOPTIONS, POOL_C_SLABS_ABANDONED];
    expect(new Set(names).size).toBe(POOL_COUNTER_WORDS);
    expect(names.every((c) => c >= 0 && c < POOL_COUNTER_WORDS)).toBe(true);
    expect(POOL_COUNTERS + POOL_COUNTER_WORDS * 4).toBeLessThanOrEqual(POOL_AREA_BYTES);
    // Distinct values in every counter word: counters() must name each one.
    names.forEach((c, i) => (lm.u32[poolCounterIndex(pl.poolArea, c)] = 100 + i));
    expect(pool.counters()).toMatchObject({
      stage1Hits: 100, stage2Hits: 101, stage3Hits: 102, releases: 103, superslabsReleased: 104, stage0Adoptions: 105, slabsAbandoned: 106,
    });
  });
});
