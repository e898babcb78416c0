/**
 * One W4 (larson) worker thread. It gets its allocator (attaches the
 * shared hakmem heap, or makes its own adapter), then runs rounds over the
 * slot group it holds, meeting the other workers at a barrier after each
 * round, where the groups rotate so its next frees are remote. Posts one
 * LarsonWorkerResult.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Adapter } from './adapter.js';
import { attachShared } from './adapters/hakmem.js';
import { CorrectnessError, checkAdapter } from './correctness.js';
import {
  CTL_FAILED,
  LARSON_MAX_SIZE,
  LARSON_MIN_SIZE,
  LARSON_SLOTS,
  LarsonCorrectnessError,
  barrier,
  freeGroup,
  groupOf,
  larsonCheckedRound,
  larsonRound,
  workerSeed,
  type LarsonState,
} from './larson-loop.js';
import type { LarsonWorkerData, LarsonWorkerResult } from './larson-protocol.js';
import { loadAdapter } from './registry.js';

const d = workerData as LarsonWorkerData;
/** Short rounds before the warm-up rounds of a timed session (see timeSession). */
const JIT_ROUNDS = 6;
const JIT_ROUND_MS = 2;
const slots = new Int32Array(d.slots);
const tags = new Uint8Array(d.tags);
const ctl = new Int32Array(d.control);
const T = d.workers;
const base = (round: number): number => groupOf(d.index, round, T) * LARSON_SLOTS;

async function adapterFor(): Promise<Adapter> {
  if (d.handle !== null) return attachShared(d.alloc === 'hakmem' ? 'release' : 'debug', d.handle);
  const { create } = await loadAdapter(d.alloc);
  return create({ maxSize: LARSON_MAX_SIZE, slots: LARSON_SLOTS });
}

function checkSession(a: Adapter, st: LarsonState): LarsonWorkerResult {
  // The general check first (every byte of every block), then larson's own
  // rounds with rotation, so remote frees are verified too.
  checkAdapter(a, { slots: LARSON_SLOTS, minSize: LARSON_MIN_SIZE, maxSize: LARSON_MAX_SIZE }, st.x);
  barrier(ctl, T);
  for (let r = 0; r < d.rounds; r++) {
    larsonCheckedRound(a, slots, tags, base(r), st, d.checkCount);
    barrier(ctl, T);
  }
  // The group handed over by the last round: these frees are remote as well.
  freeGroup(a, slots, base(d.rounds), tags);
  return { ok: true, replacements: st.replacements, warmReplacements: 0, failures: st.failures, wallMs: 0, roundWallMs: [], statsAfterLoop: null, remoteFrees: null };
}

function timeSession(a: Adapter, st: LarsonState): LarsonWorkerResult {
  barrier(ctl, T);
  let r = 0;
  // Short rounds first, rotating as the others do: V8 then compiles
  // larsonRound as a whole, with feedback for its exit and for the remote
  // frees a rotation brings. With only the two long warm-up rounds, the
  // timed rounds ran in code compiled on the stack mid-loop, which
  // deoptimized at the exit and on the remote path (10 deopts in a W4-2
  // child with --trace-deopt; 1 with these rounds), and a deoptimized round
  // runs interpreted until V8 compiles it again (a scratch larson loop with
  // two workers on a shared heap spent up to whole 30 ms rounds at 6 M
  // replacements/s against 45 M: its compile jobs found no idle core).
  for (let k = 0; k < JIT_ROUNDS; k++, r++) {
    larsonRound(a, slots, base(r), st, performance.now() + JIT_ROUND_MS);
    barrier(ctl, T);
  }
  // Warm-up rounds: the same loop, so the timed rounds start in optimized
  // code and on a heap in steady state (every slot filled).
  for (const end = r + d.warmRounds; r < end; r++) {
    larsonRound(a, slots, base(r), st, performance.now() + d.roundMs);
    barrier(ctl, T);
  }
  const warm = st.replacements;
  const roundWallMs: number[] = [];
  const t0 = performance.now();
  let last = t0;
  for (const end = r + d.rounds; r < end; r++) {
    larsonRound(a, slots, base(r), st, performance.now() + d.roundMs);
    barrier(ctl, T);
    const now = performance.now();
    roundWallMs.push(now - last);
    last = now;
  }
  const wallMs = last - t0;
  // Stats from any worker describe the whole heap; taken while nobody frees.
  const statsAfterLoop = d.index === 0 ? a.stats() : null;
  barrier(ctl, T);
  freeGroup(a, slots, base(r), null);
  return { ok: true, replacements: st.replacements - warm, warmReplacements: warm, failures: st.failures, wallMs, roundWallMs, statsAfterLoop, remoteFrees: null };
}

/** hakmem's per-attachment remote-free counters, summed; null when the allocator keeps none. */
function remoteFreesOf(a: Adapter): number | null {
  const boxes = (a.stats() as { boxes?: { superslab?: { remoteFrees?: number }; midLargeAce?: { remoteFrees?: number } } } | null)?.boxes;
  if (boxes?.superslab?.remoteFrees === undefined) return null;
  return boxes.superslab.remoteFrees + (boxes.midLargeAce?.remoteFrees ?? 0);
}

async function main(): Promise<void> {
  let result: LarsonWorkerResult;
  try {
    const a = await adapterFor();
    const st: LarsonState = { x: workerSeed(d.seed, d.index), replacements: 0, failures: 0 };
    const r = d.mode === 'check' ? checkSession(a, st) : timeSession(a, st);
    result = r.ok ? { ...r, remoteFrees: remoteFreesOf(a) } : r;
    a.dispose();
  } catch (err) {
    // Wake the others out of the barrier instead of leaving them waiting for us.
    Atomics.store(ctl, CTL_FAILED, 1);
    const message = err instanceof Error ? err.message : String(err);
    result = {
      ok: false,
      correctness: err instanceof CorrectnessError || err instanceof LarsonCorrectnessError,
      message: `worker ${d.index}: ${message}`,
    };
  }
  parentPort?.postMessage(result);
}

await main();
