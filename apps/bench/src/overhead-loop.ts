import type { Adapter } from './adapter.js';
import { CLOCK_MASK, type LoopResult } from './mixed-loop.js';
import { FNV_PRIME } from './trace-hash.js';

/** W5's loop result: the mixed loop's plus the two peaks. */
export interface OverheadResult extends LoopResult {
  /** Peak of the sum of requested sizes of live blocks. Exact: tracked every iteration. */
  readonly peakLiveBytes: number;
  /** Peak of `bytesTaken()`, sampled every CLOCK_MASK + 1 iterations; the caller adds a last sample after the loop. */
  readonly peakBytesTaken: number;
  /** Time spent sampling `bytesTaken()`; the caller subtracts it from the loop's time. */
  readonly sampleMs: number;
}

/**
 * W5: the same loop as runMixedLoop, with the live bytes requested summed
 * each iteration and `bytesTaken()` sampled. A separate function (rather
 * than a flag) so the other workloads' loop carries none of this. Sampling
 * time is taken out of the loop time because `bytesTaken()` costs very
 * different amounts per peer (a typed-array read, or a stats object).
 * Every adapter reports a high-water mark or a figure that only grows
 * (except the GC's heap figures), so sampling misses at most what the last
 * CLOCK_MASK + 1 iterations added.
 */
export function runOverheadLoop(
  a: Adapter,
  slots: Int32Array,
  minSize: number,
  maxSize: number,
  iterations: number,
  seed: number,
  deadline: number,
): OverheadResult {
  const ws = slots.length;
  const span = maxSize - minSize + 1;
  const sizes = new Int32Array(ws);
  let x = seed | 0;
  let trace = 0;
  let failures = 0;
  let live = 0;
  let peakLive = 0;
  let peakTaken = 0;
  let sampleMs = 0;
  let i = 0;
  for (; i < iterations; i++) {
    if ((i & CLOCK_MASK) === 0) {
      const ts = performance.now();
      if (ts > deadline) break;
      const taken = a.bytesTaken();
      if (taken > peakTaken) peakTaken = taken;
      sampleMs += performance.now() - ts;
    }
    // xorshift32, below and traceStep, written out (see runMixedLoop).
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const s = ((((x >>> 1) % ws) << 1) + (x & 1)) % ws;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const size = minSize + ((((x >>> 1) % span) << 1) + (x & 1)) % span;
    const old = slots[s];
    if (old !== 0) {
      a.free(old);
      live -= sizes[s];
    }
    const p = a.malloc(size);
    slots[s] = p;
    trace = Math.imul(Math.imul(trace ^ s, FNV_PRIME) ^ size, FNV_PRIME);
    if (p === 0) {
      sizes[s] = 0;
      failures++;
      continue;
    }
    sizes[s] = size;
    live += size;
    if (live > peakLive) peakLive = live;
    a.writeByte(p, 0, i & 255);
  }
  return {
    iterations: i,
    trace,
    failures,
    truncated: i < iterations,
    peakLiveBytes: peakLive,
    peakBytesTaken: peakTaken,
    sampleMs,
  };
}
