import { referenceNext } from './prng.js';
import { traceStep } from './trace-hash.js';

/**
 * The workload trace computed the literal way (unsigned state, `%` on
 * doubles), outside any timed loop, to check what the fast loops drew.
 * Returns the same order-sensitive checksum the loops keep.
 */
export function referenceTrace(ws: number, minSize: number, maxSize: number, iterations: number, seed: number): number {
  const span = maxSize - minSize + 1;
  let x = seed >>> 0;
  let trace = 0;
  for (let i = 0; i < iterations; i++) {
    x = referenceNext(x);
    const s = x % ws;
    x = referenceNext(x);
    const size = minSize + (x % span);
    trace = traceStep(trace, s, size);
  }
  return trace;
}

/** The first `count` (slot, size) draws of the literal trace, as [slot, size] pairs. */
export function referenceDraws(ws: number, minSize: number, maxSize: number, count: number, seed: number): Int32Array {
  const span = maxSize - minSize + 1;
  const out = new Int32Array(count * 2);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = referenceNext(x);
    out[2 * i] = x % ws;
    x = referenceNext(x);
    out[2 * i + 1] = minSize + (x % span);
  }
  return out;
}
