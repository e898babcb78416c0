import { describe, expect, it } from 'vitest';
import { MAX_RANGE, below, referenceNext, xorshift32 } from '../src/prng.js';
import { referenceTrace } from '../src/reference-trace.js';

describe('xorshift32 on int32 state', () => {
  it('matches the unsigned reference step for step', () => {
    let fast = 42;
    let ref = 42;
    for (let i = 0; i < 100_000; i++) {
      fast = xorshift32(fast);
      ref = referenceNext(ref);
      expect(fast >>> 0).toBe(ref);
    }
  });
});

describe('below(x, n) = (x as unsigned) % n', () => {
  const ranges = [1, 2, 3, 7, 64, 1025, 2048, 4096, 24_577, 100_000, 7_340_033, 2 ** 29 + 1, MAX_RANGE - 1, MAX_RANGE];
  const edges = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 0x55555555, -0x55555556, 123456789];

  it('is exact on edge values', () => {
    for (const n of ranges) for (const x of edges) expect(below(x | 0, n)).toBe((x >>> 0) % n);
  });

  it('is exact along the workload trace', () => {
    let x = 42;
    for (let i = 0; i < 200_000; i++) {
      x = xorshift32(x);
      const n = ranges[i % ranges.length];
      expect(below(x, n)).toBe((x >>> 0) % n);
    }
  });
});

describe('referenceTrace', () => {
  it('depends on order, so a loop drawing the same values differently would not match', () => {
    expect(referenceTrace(4096, 16, 1040, 1000, 42)).not.toBe(referenceTrace(4096, 16, 1040, 1000, 43));
    expect(referenceTrace(4096, 16, 1040, 1000, 42)).toBe(referenceTrace(4096, 16, 1040, 1000, 42));
  });
});
