import type { Adapter } from './adapter.js';
import { below, xorshift32 } from './prng.js';

/**
 * W4, larson: the per-worker loop and the barrier between rounds.
 *
 * Every worker owns one group of slots at a time. The slots of all groups
 * live in one SharedArrayBuffer (an Int32Array of pointers), so that when
 * a round ends the pointers a worker leaves behind can be freed by the next
 * worker: in round r, worker i works on group (i - r) mod T, the group
 * worker i - 1 held before. Frees of those blocks are then remote frees.
 */

/** Slots each worker owns (workloads.md). */
export const LARSON_SLOTS = 1024;
export const LARSON_MIN_SIZE = 8;
export const LARSON_MAX_SIZE = 128;
const SPAN = LARSON_MAX_SIZE - LARSON_MIN_SIZE + 1;

/** Round length of a full run; quick runs scale it (scale 0.25: 30 ms, six timed rounds: W4 is 70 of a quick run's ~510 processes). */
const FULL_ROUND_MS = 120;
const MIN_ROUND_MS = 10;

export function larsonRoundMs(scale: number): number {
  return Math.max(MIN_ROUND_MS, Math.round(FULL_ROUND_MS * scale));
}

/** How often (a power of two minus one) the timed loop reads the clock. */
const CLOCK_MASK = 255;

/** Indices into the control Int32Array shared by the workers of one session. */
export const CTL_ARRIVED = 0;
export const CTL_GENERATION = 1;
/** Workers that hit an error: the others stop at their next barrier rather than wait forever. */
export const CTL_FAILED = 2;
export const CTL_LENGTH = 4;

/** The group worker `index` works on in round `round` (worker i takes the group of worker i - 1). */
export function groupOf(index: number, round: number, workers: number): number {
  return (((index - round) % workers) + workers) % workers;
}

/** A distinct, non-zero PRNG seed per worker, derived from the workload seed. */
export function workerSeed(seed: number, index: number): number {
  return (seed + Math.imul(index, 0x9e3779b9)) | 0 || 1;
}

export class BarrierBroken extends Error {
  override readonly name = 'BarrierBroken';
}

/**
 * Waits until all `workers` arrived. Atomics.wait parks the thread instead
 * of spinning, so a waiting worker leaves its core to the others (the
 * machine has two cores and T = 4 is oversubscribed). The last to arrive
 * resets the count and bumps the generation, which wakes the rest.
 */
export function barrier(ctl: Int32Array, workers: number): void {
  const generation = Atomics.load(ctl, CTL_GENERATION);
  if (Atomics.add(ctl, CTL_ARRIVED, 1) === workers - 1) {
    Atomics.store(ctl, CTL_ARRIVED, 0);
    Atomics.add(ctl, CTL_GENERATION, 1);
    Atomics.notify(ctl, CTL_GENERATION);
  } else {
    while (Atomics.load(ctl, CTL_GENERATION) === generation) {
      if (Atomics.load(ctl, CTL_FAILED) !== 0) throw new BarrierBroken('another worker failed');
      Atomics.wait(ctl, CTL_GENERATION, generation, 100);
    }
  }
}

/** PRNG state and counts carried from round to round by one worker. */
export interface LarsonState {
  x: number;
  replacements: number;
  failures: number;
}

/**
 * One timed round: replace random slots of the group at `base` (free the
 * old block, malloc 8..128 bytes, write one byte) until `deadline`. Only
 * this runs while the clock does; nothing is verified here (the checked
 * round below does that before any timing).
 */
export function larsonRound(a: Adapter, slots: Int32Array, base: number, st: LarsonState, deadline: number): void {
  let x = st.x;
  let n = 0;
  let failures = 0;
  for (;;) {
    if ((n & CLOCK_MASK) === 0 && performance.now() > deadline) break;
    // xorshift32 and below, written out (see runMixedLoop).
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const s = base + (((((x >>> 1) % LARSON_SLOTS) << 1) + (x & 1)) % LARSON_SLOTS);
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const size = LARSON_MIN_SIZE + (((((x >>> 1) % SPAN) << 1) + (x & 1)) % SPAN);
    const old = slots[s];
    if (old !== 0) a.free(old);
    const p = a.malloc(size);
    slots[s] = p;
    n++;
    if (p === 0) {
      failures++;
      continue;
    }
    a.writeByte(p, 0, n & 255);
  }
  st.x = x;
  st.replacements += n;
  st.failures += failures;
}

/** A block whose byte changed between its write and its free: the allocator handed it out twice or overlapped it. */
export class LarsonCorrectnessError extends Error {
  override readonly name = 'LarsonCorrectnessError';
}

/**
 * The correctness round: the same replacements for a fixed count, each
 * block tagged with a byte kept in `tags` (shared too, so the tag passes
 * to the next worker with the slot) and verified when it is freed, by
 * whichever worker frees it.
 */
export function larsonCheckedRound(a: Adapter, slots: Int32Array, tags: Uint8Array, base: number, st: LarsonState, count: number): void {
  let x = st.x;
  for (let n = 0; n < count; n++) {
    x = xorshift32(x);
    const s = base + below(x, LARSON_SLOTS);
    x = xorshift32(x);
    const size = LARSON_MIN_SIZE + below(x, SPAN);
    const old = slots[s];
    if (old !== 0) {
      verifyTag(a, old, tags[s], s);
      a.free(old);
    }
    const p = a.malloc(size);
    slots[s] = p;
    if (p === 0) throw new LarsonCorrectnessError(`${a.name}: malloc(${size}) returned 0`);
    if ((p >>> 0) % a.align !== 0) throw new LarsonCorrectnessError(`${a.name}: malloc(${size}) returned ${p >>> 0}, not ${a.align}-aligned`);
    const tag = (Math.imul(st.replacements + n, 13) + s) & 255;
    tags[s] = tag;
    a.writeByte(p, 0, tag);
  }
  st.x = x;
  st.replacements += count;
}

function verifyTag(a: Adapter, p: number, tag: number, slot: number): void {
  if (!a.distinctBlocks) return;
  const got = a.readByte(p, 0);
  if (got !== tag) {
    throw new LarsonCorrectnessError(`${a.name}: block ${p >>> 0} in slot ${slot} holds ${got}, expected ${tag}: blocks overlap or a live block was reused`);
  }
}

/** Frees every block of one group, verifying its byte when `tags` is given. */
export function freeGroup(a: Adapter, slots: Int32Array, base: number, tags: Uint8Array | null): void {
  for (let s = base; s < base + LARSON_SLOTS; s++) {
    const p = slots[s];
    if (p === 0) continue;
    if (tags !== null) verifyTag(a, p, tags[s], s);
    a.free(p);
    slots[s] = 0;
  }
}
