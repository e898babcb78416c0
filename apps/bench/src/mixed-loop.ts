import type { Adapter } from './adapter.js';
import { FNV_PRIME } from './trace-hash.js';

/** What one timed loop did. Built once, after the loop. */
export interface LoopResult {
  /** Iterations run: all of them unless the time budget ran out. */
  readonly iterations: number;
  /** Order-sensitive checksum of the (slot, size) trace, to prove the loop drew the exact trace. */
  readonly trace: number;
  /** Mallocs that returned 0. */
  readonly failures: number;
  /** True when the loop stopped at the deadline before `iterations`. */
  readonly truncated: boolean;
}

/**
 * How often (in iterations, a power of two minus one as a mask) the loop
 * looks at the clock: rare enough to cost nothing, often enough that a
 * slow peer (a few thousand iterations/s) overshoots its budget by little.
 */
export const CLOCK_MASK = 1023;

/**
 * The loop of W1, W2, W3, W6: draw a slot, draw a size, free the slot's
 * block if any, malloc into it, write one byte. Only this loop is timed,
 * by the caller: a clock read after the loop would be a call site the
 * optimized loop has no feedback for, and its deoptimization would land
 * inside the measurement.
 * `slots` must be all zero on entry and holds the live blocks on return.
 *
 * The timed loops (this one, `runOverheadLoop`, `larsonRound`) write the
 * PRNG step, `below` and the trace checksum out instead of calling
 * prng.ts and trace-hash.ts. TurboFan inlines at most about 920 bytes of
 * bytecode into one optimized function, counting only what it inlines:
 * with those five helper calls (~240 bytes) the loop had too little left
 * for both of hakmem's written-out fast paths (malloc ~240, free ~330 with
 * what they inline), so `a.free` stayed a call in hakmem's cells and only
 * there (a wasm peer's or the floor's functions are a few bytes each;
 * seen with --trace-turbo-inlining). The bench measures the allocator, not
 * its own scaffolding, so the scaffolding takes none of the budget. The
 * trace checksum (`traceOk`, against referenceTrace, which calls the
 * helpers) proves every run drew the reference trace; test/prng.test.ts
 * holds larsonRound, which keeps no checksum, to them.
 */
export function runMixedLoop(
  a: Adapter,
  slots: Int32Array,
  minSize: number,
  maxSize: number,
  iterations: number,
  seed: number,
  deadline: number,
): LoopResult {
  const ws = slots.length;
  const span = maxSize - minSize + 1;
  let x = seed | 0;
  let trace = 0;
  let failures = 0;
  let i = 0;
  for (; i < iterations; i++) {
    // The deadline keeps a quick run quick when a peer is orders of
    // magnitude slower; the ceiling pays this check too.
    if ((i & CLOCK_MASK) === 0 && performance.now() > deadline) break;
    // xorshift32, below and traceStep, written out (see above).
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const s = ((((x >>> 1) % ws) << 1) + (x & 1)) % ws;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const size = minSize + ((((x >>> 1) % span) << 1) + (x & 1)) % span;
    const old = slots[s];
    if (old !== 0) a.free(old);
    const p = a.malloc(size);
    slots[s] = p;
    trace = Math.imul(Math.imul(trace ^ s, FNV_PRIME) ^ size, FNV_PRIME);
    if (p === 0) {
      failures++;
      continue;
    }
    a.writeByte(p, 0, i & 255);
  }
  return { iterations: i, trace, failures, truncated: i < iterations };
}

/** Frees every live block after a loop (untimed) and empties `slots`. */
export function freeAll(a: Adapter, slots: Int32Array): void {
  if (a.freeSlots !== undefined) {
    a.freeSlots(slots);
    slots.fill(0);
    return;
  }
  for (let s = 0; s < slots.length; s++) {
    const p = slots[s];
    if (p !== 0) a.free(p);
    slots[s] = 0;
  }
}
