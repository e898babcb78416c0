import {
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_FREE,
  PK_KIND_MASK,
  midClassOf,
  midSpanCapacity,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { BLOCK_GUARD as G } from './block-guard.js';
import { MidAce } from './index.js';
import { spanStartOf } from '@hakmem/contracts/layout';

function setup(pages: number, budgetBytes?: number) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: pages + 2 });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, false);
  return { lm, pl, mid: new MidAce(lm, pl, 1, budgetBytes), word: (p: number) => pl.word(p >>> PAGE_SHIFT) };
}

describe('regressions: partial lists and the byte budget', () => {
  it('refill keeps cachedBytes within budgetBytes', () => {
    const { mid } = setup(64, 64 * 1024);
    mid.malloc(2000);
    mid.malloc(40_000);
    mid.malloc(30_000);
    expect(mid.cachedBytes).toBeLessThanOrEqual(mid.budgetBytes);
  });

  it('never writes into a span it has given back (stale partial entry)', () => {
    const { lm, mid, word } = setup(64);
    const size = 2000;
    const cap = midSpanCapacity(midClassOf(size + G));
    const all: number[] = [];
    for (let i = 0; i < 4 * cap; i++) all.push(mid.malloc(size));
    const spanOf = (p: number) => spanStartOf(p, word(p));
    const spans = [...new Set(all.map(spanOf))];
    // Freeing everything empties the spans: one stays as the class's spare
    // (and the current one stays current), the others go back to the page layer.
    for (const p of all) mid.free(p, word(p));
    const released = spans.filter((sp) => (word(sp) & PK_KIND_MASK) === PK_FREE);
    expect(released.length).toBeGreaterThanOrEqual(1);
    expect(mid.spansReleased).toBe(released.length);
    const run = mid.malloc(2 * PAGE_SIZE - G);
    expect(released).toContain(run);
    lm.u8.fill(0xab, run, run + 2 * PAGE_SIZE);
    for (let i = 0; i < 3 * cap; i++) mid.malloc(size);
    expect(lm.u8.subarray(run, run + 2 * PAGE_SIZE).every((b) => b === 0xab)).toBe(true);
  });
});
