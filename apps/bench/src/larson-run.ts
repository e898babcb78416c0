/**
 * W4 (larson) in the child process: T worker threads over one set of
 * shared slots. First, when asked (a cell's first repetition), a check
 * session (verified bytes, remote frees, then hakmem's check() and
 * liveBlocks 0), then a time session on the same heap
 * with new workers: warm-up rounds, timed rounds, final frees, and the
 * check again.
 */
import { Worker } from 'node:worker_threads';
import { hostShared, type SharedHeapHost } from './adapters/hakmem.js';
import type { RunRecord } from './child-protocol.js';
import { CorrectnessError } from './correctness.js';
import { CTL_FAILED, CTL_LENGTH, LARSON_SLOTS, larsonRoundMs } from './larson-loop.js';
import type { LarsonWorkerData, LarsonWorkerResult } from './larson-protocol.js';
import { SEED } from './prng.js';
import { LARSON_SHARING, larsonUnsupported, type AdapterName } from './registry.js';
import type { Workload } from './workloads.js';

const WARM_ROUNDS = 2;
/** Six 30 ms rounds in quick mode: 180 ms timed, about a slow peer's warm-up and 80 ms budget in the mixed loops. */
const TIMED_ROUNDS = 6;
const CHECK_ROUNDS = 4;
/** Two passes over a group per check round, so most slots are freed and refilled. */
const CHECK_REPLACEMENTS = 2 * LARSON_SLOTS;

const WORKER_URL = new URL('./larson-worker.js', import.meta.url);

function session(alloc: AdapterName, host: SharedHeapHost | null, workers: number, mode: 'check' | 'time', roundMs: number): Promise<LarsonWorkerResult[]> {
  const shared = {
    slots: new SharedArrayBuffer(4 * workers * LARSON_SLOTS),
    tags: new SharedArrayBuffer(workers * LARSON_SLOTS),
    control: new SharedArrayBuffer(4 * CTL_LENGTH),
  };
  const runs: Promise<LarsonWorkerResult>[] = [];
  for (let index = 0; index < workers; index++) {
    const data: LarsonWorkerData = {
      alloc,
      handle: host === null ? null : host.handle,
      workers,
      index,
      ...shared,
      mode,
      seed: SEED,
      roundMs,
      warmRounds: WARM_ROUNDS,
      rounds: mode === 'check' ? CHECK_ROUNDS : TIMED_ROUNDS,
      checkCount: CHECK_REPLACEMENTS,
    };
    const w = new Worker(WORKER_URL, { workerData: data });
    runs.push(
      new Promise((resolve) => {
        let result: LarsonWorkerResult | undefined;
        w.once('message', (m: LarsonWorkerResult) => (result = m));
        w.once('error', (e) => {
          Atomics.store(new Int32Array(shared.control), CTL_FAILED, 1);
          resolve({ ok: false, correctness: false, message: `worker ${index}: ${e.message}` });
        });
        w.once('exit', (code) => resolve(result ?? { ok: false, correctness: false, message: `worker ${index} exited with ${code} and no result` }));
      }),
    );
  }
  return Promise.all(runs);
}

function firstFailure(results: readonly LarsonWorkerResult[], what: string): void {
  const bad = results.filter((r): r is Extract<LarsonWorkerResult, { ok: false }> => !r.ok);
  if (bad.length === 0) return;
  // The worker that failed first says why; the others only saw the broken barrier.
  const cause = bad.find((r) => !r.message.includes('another worker failed')) ?? bad[0];
  const msg = `${what}: ${cause.message}`;
  throw bad.some((r) => r.correctness) ? new CorrectnessError(msg) : new Error(msg);
}

/** hakmem's whole-heap check after a session: every invariant holds and nothing stays live. */
function checkHost(host: SharedHeapHost | null, what: string): void {
  if (host === null) return;
  host.check();
  const live = host.stats().liveBlocks;
  if (live !== 0) throw new CorrectnessError(`${what}: ${live} blocks still live after every worker freed its slots`);
}

/** What the child does around the sessions: name the phase for errors, wait for its cue to measure, say the timed part is over. */
export interface LarsonHooks {
  setPhase(p: string): void;
  beforeTimed(): Promise<void>;
  afterTimed(): void;
}

export async function runLarson(
  w: Workload,
  alloc: AdapterName,
  rep: number,
  scale: number,
  check: boolean,
  hooks: LarsonHooks,
): Promise<RunRecord> {
  const { setPhase } = hooks;
  const T = w.workers ?? 1;
  const why = larsonUnsupported(alloc, T);
  if (why !== null) throw new RangeError(`${alloc} cannot run ${w.id}: ${why}`);
  const tLoad = performance.now();
  const sharing = LARSON_SHARING[alloc].kind;
  const host = sharing === 'shared' ? await hostShared(alloc === 'hakmem' ? 'release' : 'debug', { slots: T * LARSON_SLOTS, maxSize: w.maxSize }) : null;
  const tc = performance.now();
  let checkMs: number | null = null;
  if (check) {
    setPhase(`the correctness session (${T} workers)`);
    const checked = await session(alloc, host, T, 'check', 0);
    firstFailure(checked, 'correctness session');
    checkHost(host, 'after the correctness session');
    checkMs = performance.now() - tc;
  }

  const roundMs = larsonRoundMs(scale);
  const tHold = performance.now();
  setPhase('waiting for the CLI to let this child measure');
  await hooks.beforeTimed();
  setPhase(`the timed session (${T} workers)`);
  const tTimed = performance.now();
  const timed = await session(alloc, host, T, 'time', roundMs);
  const tAfter = performance.now();
  hooks.afterTimed();
  firstFailure(timed, 'timed session');
  setPhase('the check after the timed session');
  checkHost(host, 'after the timed session');

  const ok = timed as Extract<LarsonWorkerResult, { ok: true }>[];
  const replacements = ok.reduce((n, r) => n + r.replacements, 0);
  const lead = ok[0];
  return {
    ok: true,
    workload: w.id,
    alloc,
    rep,
    // Larson runs for a fixed time, not a planned count.
    plannedIterations: replacements,
    iterations: replacements,
    ms: lead.wallMs,
    passMs: lead.roundWallMs,
    iterationsPerSec: lead.wallMs > 0 ? (replacements * 1000) / lead.wallMs : 0,
    truncated: false,
    failures: ok.reduce((n, r) => n + r.failures, 0),
    // No trace to compare: each worker draws its own stream for a fixed time.
    traceOk: true,
    peakLiveBytes: null,
    peakBytesTaken: null,
    overhead: null,
    statsAfterLoop: lead.statsAfterLoop,
    statsAfterFreeAll: host === null ? null : host.stats(),
    checkMs,
    warmupIterations: ok.reduce((n, r) => n + r.warmReplacements, 0),
    workers: T,
    replacementsPerWorker: ok.map((r) => r.replacements),
    remoteFrees: ok.every((r) => r.remoteFrees === null) ? null : ok.reduce((n, r) => n + (r.remoteFrees ?? 0), 0),
    // boot and held are the child's to fill in: it started the clock and waits for the cues.
    phases: { boot: 0, load: tc - tLoad, check: tHold - tc, held: 0, warmup: 0, timed: tAfter - tTimed, after: performance.now() - tAfter },
  };
}
