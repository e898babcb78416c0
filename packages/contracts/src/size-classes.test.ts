import { describe, expect, it } from 'vitest';
import { MID_CLASSES, MID_FIRST_RUN_CLASS, MID_MAX, PAGE_SIZE, SLAB_SIZE, SPAN_HEADER_BYTES, SPAN_MAX_BLOCKS, SS_HEADER_BYTES, TINY_CLASSES, TINY_MAX } from './layout.js';
import { MID_CLASS_SIZES, MID_SPAN_PAGES, TINY_BORROW_BUDGET, TINY_BORROW_LAST, TINY_BORROW_STEPS, TINY_CLASS_SIZES, midClassOf, midSpanCapacity, tinyClassOf } from './size-classes.js';

// The loops below run over these bounds: if one were missing the loops would
// run zero times and prove nothing, so pin them first.
it('has the bounds the class tables are built on', () => {
  expect([TINY_MAX, MID_MAX, TINY_CLASSES, MID_FIRST_RUN_CLASS, MID_CLASSES]).toEqual([1024, 1 << 20, 40, 48, 64]);
  expect(TINY_CLASS_SIZES.length).toBe(TINY_CLASSES);
  expect(MID_CLASS_SIZES.length).toBe(MID_CLASSES);
});

describe('tiny size classes', () => {
  it('maps every size 0..1024 to the smallest class that holds it', () => {
    let checked = 0;
    for (let n = 0; n <= TINY_MAX; n++, checked++) {
      const c = tinyClassOf(n);
      expect(TINY_CLASS_SIZES[c]).toBeGreaterThanOrEqual(n);
      if (c > 0) expect(TINY_CLASS_SIZES[c - 1]).toBeLessThan(n);
    }
    expect(checked).toBe(1025);
  });

  it('are multiples of 16, ascending, and include every power of two 16..1024', () => {
    TINY_CLASS_SIZES.forEach((s, i) => {
      expect(s % 16).toBe(0);
      if (i > 0) expect(s).toBeGreaterThan(TINY_CLASS_SIZES[i - 1]);
    });
    for (let p = 16; p <= 1024; p *= 2) expect(TINY_CLASS_SIZES).toContain(p);
    // Slab 0's data start keeps power-of-two blocks aligned to their size.
    expect(SS_HEADER_BYTES % 1024).toBe(0);
  });

  it('step by 16 to 256, by 32 above: rounding waste at most 12.5% above 128 B and 6.25% above 512 B', () => {
    for (let n = 129; n <= TINY_MAX; n++) {
      const waste = TINY_CLASS_SIZES[tinyClassOf(n)] / n - 1;
      expect(waste).toBeLessThan(n > 512 ? 0.0625 : 0.125);
    }
    expect(TINY_CLASS_SIZES.filter((s) => s > 512)).toEqual(Array.from({ length: 16 }, (_, i) => 544 + 32 * i));
  });

  it('borrow only from the next classes up to the next power of two, and never for a power of two', () => {
    const pow2 = (n: number) => (n & (n - 1)) === 0;
    let borrowers = 0;
    for (let c = 0; c < TINY_CLASSES; c++) {
      const last = TINY_BORROW_LAST[c];
      expect(last).toBeGreaterThanOrEqual(c);
      expect(last - c).toBeLessThanOrEqual(TINY_BORROW_STEPS);
      if (pow2(TINY_CLASS_SIZES[c])) {
        expect(last).toBe(c);
        continue;
      }
      borrowers++;
      expect(last).toBeGreaterThan(c);
      // No class strictly between c and last is a power of two (last may be one).
      for (let k = c + 1; k < last; k++) expect(pow2(TINY_CLASS_SIZES[k])).toBe(false);
      // As far as the steps allow: it stops early only at a power of two.
      if (last - c < TINY_BORROW_STEPS) expect(pow2(TINY_CLASS_SIZES[last])).toBe(true);
      // A borrowed block is at most twice the class's size.
      expect(TINY_CLASS_SIZES[last]).toBeLessThanOrEqual(2 * TINY_CLASS_SIZES[c]);
      expect(TINY_BORROW_BUDGET[c]).toBe(Math.floor((2 * SLAB_SIZE) / TINY_CLASS_SIZES[c]));
    }
    expect(borrowers).toBe(TINY_CLASSES - 7);
  });
});

describe('mid size classes', () => {
  it('maps sizes above 1 KiB up to 1 MiB to the smallest class that holds them', () => {
    const wrong: number[] = [];
    let checked = 0;
    const check = (n: number) => {
      checked++;
      const c = midClassOf(n);
      const ok = c >= 0 && c < MID_CLASSES && MID_CLASS_SIZES[c] >= n && (c === 0 || MID_CLASS_SIZES[c - 1] < n);
      if (!ok) wrong.push(n);
    };
    for (let n = TINY_MAX + 1; n <= 140_000; n++) check(n);
    for (let n = 140_000; n <= MID_MAX; n += 97) check(n);
    for (const s of MID_CLASS_SIZES) [s - 1, s, s + 1].filter((n) => n > TINY_MAX && n <= MID_MAX).forEach(check);
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(140_000);
  });

  it('start with 1040 B (1 KiB + a granule), then eight per doubling from 1152 B', () => {
    expect(MID_CLASS_SIZES.slice(0, 10)).toEqual([1040, 1152, 1280, 1408, 1536, 1664, 1792, 1920, 2048, 2304]);
    for (let n = TINY_MAX + 1; n <= 1040; n++) expect(midClassOf(n)).toBe(0);
    expect(midClassOf(1041)).toBe(1);
    expect(MID_SPAN_PAGES[0]).toBe(1);
  });

  it('span classes waste little and fit their live bitmap; run classes are whole pages', () => {
    for (let c = 0; c < MID_CLASSES; c++) {
      const pages = MID_SPAN_PAGES[c];
      expect(pages).toBeGreaterThanOrEqual(1);
      expect(pages).toBeLessThanOrEqual(16);
      if (c >= MID_FIRST_RUN_CLASS) {
        expect(MID_CLASS_SIZES[c]).toBe(pages * PAGE_SIZE);
        continue;
      }
      const cap = midSpanCapacity(c);
      expect(cap).toBeGreaterThanOrEqual(1);
      expect(cap).toBeLessThanOrEqual(SPAN_MAX_BLOCKS);
      expect(SPAN_HEADER_BYTES + cap * MID_CLASS_SIZES[c]).toBeLessThanOrEqual(pages * PAGE_SIZE);
      expect(1 - (cap * MID_CLASS_SIZES[c]) / (pages * PAGE_SIZE)).toBeLessThan(0.07);
    }
  });
});
