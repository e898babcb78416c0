import {
  MID_CLASS_SIZES,
  MID_CLASSES,
  MID_FIRST_RUN_CLASS,
  PAGE_SIZE,
  midClassOf,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { FREE_OK } from '@hakmem/contracts';
import { setup, G } from './test-heap.js';

describe(`mid-large ACE: the ACE cache policy (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('ACE: a class that keeps missing grows its cache capacity', () => {
    const { mid } = setup(256);
    const cls = midClassOf(2000 + G);
    const start = mid.capacity[cls];
    const held: number[] = [];
    for (let i = 0; i < 400; i++) held.push(mid.malloc(2000));
    expect(held.every((p) => p !== 0)).toBe(true);
    const k = mid.counters();
    expect(k.capacityGrows).toBeGreaterThan(0);
    expect((k.capacities as number[])[cls]).toBeGreaterThan(start);
    expect((k.capacities as number[])[cls]).toBeLessThanOrEqual(mid.maxCapacity[cls]);
    // Other classes did not move.
    expect((k.capacities as number[])[cls + 1]).toBe(start);
    expect(mid.validate()).toBeNull();
  });

  it('ACE: growth stops at the class maximum', () => {
    // 6-page runs: at most 5 fit the per-class byte bound; the cache starts at 4.
    const { mid, free } = setup(64, 0);
    const cls = MID_FIRST_RUN_CLASS - 1 + 6;
    expect(mid.maxCapacity[cls]).toBe(5);
    expect(mid.capacity[cls]).toBe(4);
    for (let i = 0; i < 300; i++) {
      const p = mid.malloc(6 * PAGE_SIZE - G);
      expect(p).not.toBe(0);
      expect(free(p)).toBe(FREE_OK);
      expect(mid.capacity[cls]).toBeLessThanOrEqual(mid.maxCapacity[cls]);
    }
    expect(mid.counters().capacityGrows).toBe(1);
    expect(mid.capacity[cls]).toBe(5);
    expect(mid.validate()).toBeNull();
  });

  it('frees never push the cached bytes over the budget', () => {
    const budget = 256 * 1024;
    const { pl, mid, free } = setup(512, budget);
    const held: number[] = [];
    for (const size of [20_000, 40_000, 60 * 1024 - G, PAGE_SIZE - G]) for (let i = 0; i < 8; i++) held.push(mid.malloc(size));
    mid.flush(); // start from empty caches; every block above is live
    expect(mid.counters().cachedBytes).toBe(0);
    for (const p of held) {
      expect(free(p)).toBe(FREE_OK);
      expect(mid.cachedBytes).toBeLessThanOrEqual(budget);
    }
    const k = mid.counters();
    expect(k.budgetBytes).toBe(budget);
    expect(k.overflows).toBeGreaterThan(0);
    expect(mid.validate()).toBeNull();
    mid.flush();
    expect(pl.pagesInUse()).toBe(0);
  });

  it('counts every hit and every free exactly, through refills, overflows and flushes (frees are derived, not counted per push)', () => {
    const { mid, free } = setup(512, 512 * 1024);
    const held: number[] = [];
    let mallocs = 0;
    let frees = 0;
    let x = 3;
    for (let i = 0; i < 3000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      if (held.length > 0 && (x & 1) === 0) {
        const [p] = held.splice((x >>> 4) % held.length, 1);
        expect(free(p)).toBe(FREE_OK);
        frees++;
      } else {
        const p = mid.malloc(1100 + ((x >>> 8) % (2 * PAGE_SIZE)));
        expect(p).not.toBe(0);
        held.push(p);
        mallocs++;
      }
      if (i === 1500) mid.flush();
    }
    const k = mid.counters();
    expect(k.frees).toBe(frees);
    expect((k.hits as number) + (k.misses as number)).toBeGreaterThanOrEqual(mallocs);
    expect(k.hits).toBeLessThanOrEqual(mallocs);
    expect(k.overflows).toBeGreaterThan(0);
    for (const p of held) expect(free(p)).toBe(FREE_OK);
    expect(mid.counters().frees).toBe(frees + held.length);
    expect(mid.validate()).toBeNull();
  });

  it('starts every class with a capacity within its bounds', () => {
    const { mid } = setup(64);
    for (let c = 0; c < MID_CLASSES; c++) {
      expect(mid.capacity[c]).toBeGreaterThanOrEqual(2);
      expect(mid.capacity[c]).toBeLessThanOrEqual(mid.maxCapacity[c]);
      expect(mid.maxCapacity[c] * MID_CLASS_SIZES[c]).toBeLessThanOrEqual(Math.max(2 << 20, 2 * MID_CLASS_SIZES[c]));
    }
  });
});
