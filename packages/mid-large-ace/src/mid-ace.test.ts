import {
  PAGE_SIZE,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { FREE_OK } from '@hakmem/contracts';
import { setup, G, SPAN_CLASS_SIZES, RUN_SIZES } from './test-heap.js';

describe(`mid-large ACE: the box (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('flush() gives every span and run back once all blocks are free', () => {
    const { pl, mid, free } = setup(256);
    const live: number[] = [];
    for (const size of [...SPAN_CLASS_SIZES, ...RUN_SIZES.slice(0, 3)]) for (let i = 0; i < 5; i++) live.push(mid.malloc(size));
    expect(live.every((p) => p !== 0)).toBe(true);
    expect(pl.pagesInUse()).toBeGreaterThan(0);
    for (const p of live) expect(free(p)).toBe(FREE_OK);
    mid.flush();
    const k = mid.counters();
    expect(pl.pagesInUse()).toBe(0);
    expect(k.spansReleased).toBe(k.spansCreated);
    expect(k.runsReleased).toBe(k.runsAllocated);
    expect(k.cachedBytes).toBe(0);
    expect(mid.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('returns 0 when memory is out, and counts the failure', () => {
    const { mid } = setup(4);
    expect(mid.malloc(5 * PAGE_SIZE)).toBe(0);
    expect(mid.malloc(60 * 1024 - G)).toBe(0); // its spans are 16 pages
    expect(mid.counters().allocFailures).toBe(2);
    expect(mid.malloc(2000)).not.toBe(0);
    expect(mid.validate()).toBeNull();
  });
});
