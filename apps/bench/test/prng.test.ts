import { describe, expect, it } from 'vitest';
import { MAX_RANGE, below, referenceNext, xorshift32 } from '../src/prng.js';
import type { Adapter } from '../src/adapter.js';
import { LARSON_MAX_SIZE, LARSON_MIN_SIZE, LARSON_SLOTS, larsonRound, type LarsonState } from '../src/larson-loop.js';
import { runMixedLoop } from '../src/mixed-loop.js';
import { runOverheadLoop } from '../src/overhead-loop.js';
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

describe('the timed loops draw the reference trace', () => {
  /** Hands out 8, 16, 24, ... and records every call, so a run can be replayed against the reference draws. */
  function recorder(): Adapter & { sizes: number[]; freed: number[] } {
    let next = 0;
    const sizes: number[] = [];
    const freed: number[] = [];
    return {
      name: 'recorder', distinctBlocks: true, align: 8, sizes, freed,
      malloc: (size) => (sizes.push(size), (next += 8)),
      free: (ptr) => void freed.push(ptr),
      writeByte: () => {}, readByte: () => 0, bytesTaken: () => 0, stats: () => null, dispose: () => {},
    };
  }

  it('larsonRound (written-out xorshift32 and below) replaces the slots xorshift32 and below pick', () => {
    const a = recorder();
    const slots = new Int32Array(2 * LARSON_SLOTS);
    const st: LarsonState = { x: 42, replacements: 0, failures: 0 };
    larsonRound(a, slots, LARSON_SLOTS, st, performance.now() + 5);
    expect(st.replacements).toBeGreaterThan(1000);
    const ref = new Int32Array(slots.length);
    const freed: number[] = [];
    const sizes: number[] = [];
    let x = 42;
    for (let n = 0; n < st.replacements; n++) {
      x = xorshift32(x);
      const s = LARSON_SLOTS + below(x, LARSON_SLOTS);
      x = xorshift32(x);
      sizes.push(LARSON_MIN_SIZE + below(x, LARSON_MAX_SIZE - LARSON_MIN_SIZE + 1));
      if (ref[s] !== 0) freed.push(ref[s]);
      ref[s] = (n + 1) * 8;
    }
    expect(a.sizes).toEqual(sizes);
    expect(a.freed).toEqual(freed);
    expect(Array.from(slots)).toEqual(Array.from(ref));
    expect(st.x).toBe(x);
  });

  it.each([
    ['runMixedLoop', runMixedLoop],
    ['runOverheadLoop', runOverheadLoop],
  ] as const)('%s keeps the checksum referenceTrace computes with the helpers', (_, loop) => {
    const slots = new Int32Array(512);
    const r = loop(recorder(), slots, 16, 1040, 30_000, 42, Number.POSITIVE_INFINITY);
    expect(r.trace).toBe(referenceTrace(512, 16, 1040, 30_000, 42));
  });
});
