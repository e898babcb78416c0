/**
 * One measurement in a fresh process: one (workload, allocator, repetition).
 * A fresh process per measurement keeps every loop's call sites
 * monomorphic (one adapter class per process) and keeps one peer's heap,
 * JIT state and GC debt away from the next. Prints one JSON line.
 */
import { createInterface } from 'node:readline';
import { AdapterUnavailableError, type Adapter } from './adapter.js';
import { Cue, EXIT_UNAVAILABLE, Mark, type ChildPhases, type MarkName, type ChildRecord, type ChildRequest, type FailureKind, type RunRecord } from './child-protocol.js';
import { CorrectnessError, checkAdapter } from './correctness.js';
import { freeAll, runMixedLoop, type LoopResult } from './mixed-loop.js';
import { runOverheadLoop, type OverheadResult } from './overhead-loop.js';
import { SEED } from './prng.js';
import { referenceTrace } from './reference-trace.js';
import { isAdapterName, loadAdapter } from './registry.js';
import { median } from './summary.js';
import { MAP_WORKLOADS, scaledIterations, workloadById } from './workloads.js';

/**
 * Warm-up time cap per round, at most half the loop budget; fast adapters
 * finish the whole trace well within it. Up to three rounds: a big build (hakmem
 * debug) is still partly in the interpreter after two (its W1 ran 5-6.5 M it/s
 * timed after two 50 ms rounds, 9 M after three 40 ms ones (quick mode's
 * cap); see the rounds below).
 */
const WARMUP_MS = 50;
const WARMUP_ROUNDS = 3;
/** A warm-up round this many times longer than its cap ran past the loop's clock checks (see the rounds). */
const OVERSHOT = 4;
/**
 * Before those rounds, JIT_ROUNDS short calls of the loop (each a prefix of
 * JIT_ROUND_ITERATIONS, then freeAll). V8 optimizes the loop function as a
 * whole only after a few calls: until then each call enters it unoptimized
 * and runs in on-stack-replacement code, and slow paths first reached late
 * (a refill after freeAll) are compiled on the way. With two rounds of the
 * whole trace as the only warm-up, the first timed pass still ran at
 * 20-28 ns an iteration where the fourth call onwards ran at 13.5 (hakmem
 * W2-64, process CPU time; dlmalloc 19 against 16-17, the floor likewise),
 * so the median of three passes was partly warm-up. After six 20,000-
 * iteration calls the first pass ran as fast as the tenth for hakmem,
 * dlmalloc and the floor, in 5-10 ms of warm-up.
 */
const JIT_ROUNDS = 6;
const JIT_ROUND_ITERATIONS = 20_000;
/** Each short round stops at a quarter of a warm-up round's cap, so a slow peer spends at most 1.5 caps on them. */
const JIT_ROUND_CAP_SHARE = 4;
/** A timed pass cut by count (a loop too slow for its clock checks, below) still runs this many times the workload's slots. */
const SLOW_PASS_ROUNDS = 8;
/**
 * A first call this short runs the whole loop function, exit included, in
 * the interpreter. V8 compiles the warm-up's loop on the stack (OSR) and
 * reuses that code when the timed call enters the loop; compiled without
 * feedback for the exit, it deoptimized on every exit, inside the timed
 * span (seen with --trace-deopt).
 */
const PRIME_ITERATIONS = 64;
/**
 * Timed passes per run: repeated while their total stays under
 * SHORT_PASSES_MS. Three give a median that drops one pass a time slice
 * spoiled; the CLI's median over five processes does the rest.
 */
const MAX_PASSES = 3;
const SHORT_PASSES_MS = 40;

/** The probe's trace: W1's sizes on few slots, enough to catch a broken adapter in milliseconds. */
const PROBE_SHAPE = { slots: 64, minSize: 16, maxSize: 1040 };

/** Where a run is, so a failure says whether the check, the warm-up or a timed pass hit it. */
let phase = 'loading the adapter';

/** Read first: how long Node's boot and this file's imports took. */
const bootMs = performance.now();

function emit(record: ChildRecord): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

function kindOf(err: unknown): FailureKind {
  if (err instanceof AdapterUnavailableError) return 'unavailable';
  if (err instanceof CorrectnessError) return 'correctness';
  return 'error';
}

let cues: AsyncIterator<string> | undefined;

function listen(): AsyncIterator<string> {
  return createInterface({ input: process.stdin })[Symbol.asyncIterator]();
}

/** A held child (ChildRequest.hold) waits here for the CLI's next line on stdin, which must be `want`. */
async function cue(want: string): Promise<void> {
  const next = await (cues ??= listen()).next();
  if (next.done === true) throw new Error(`stdin closed before the CLI said '${want}'`);
  if (next.value !== want) throw new Error(`expected '${want}' on stdin, got '${next.value}'`);
}

/** Milliseconds a held child spent waiting for its cues. */
let heldMs = 0;

/** In a held child: says it got to `mark`, then waits for `then` if given. */
async function reached(req: ChildRequest, mark: MarkName, then?: string): Promise<void> {
  if (req.mode !== 'run' || req.hold !== true) return;
  // Set up stdin before the mark: from the mark on the CLI counts this
  // child idle, and may start another one's measurement.
  cues ??= listen();
  process.stdout.write(`${Mark[mark]}\n`);
  if (then === undefined) return;
  const t = performance.now();
  await cue(then);
  heldMs += performance.now() - t;
}

async function probe(alloc: ChildRequest['alloc']): Promise<void> {
  const t0 = performance.now();
  const { create } = await loadAdapter(alloc);
  const adapter = await create({ maxSize: PROBE_SHAPE.maxSize, slots: PROBE_SHAPE.slots });
  phase = 'the correctness check';
  checkAdapter(adapter, PROBE_SHAPE, SEED);
  adapter.dispose();
  emit({ ok: true, probe: alloc, ms: performance.now() - t0 });
}

async function run(req: Extract<ChildRequest, { mode: 'run' }>): Promise<void> {
  const w = workloadById(req.workload);
  if (w === undefined) throw new RangeError(`unknown workload ${req.workload}`);
  if (w.workers !== undefined) {
    // Imported here: only W4 needs worker_threads and the shared heap's host.
    const { runLarson } = await import('./larson-run.js');
    const record = await runLarson(w, req.alloc, req.rep, req.scale, req.check, {
      setPhase: (p) => (phase = p),
      beforeTimed: () => reached(req, 'loaded', Cue.go),
      afterTimed: () => void reached(req, 'measured'),
    });
    emit({ ...record, phases: { ...(record.phases as ChildPhases), boot: bootMs, held: heldMs } });
    return;
  }
  const tLoad = performance.now();
  const { create } = await loadAdapter(req.alloc);
  const opts = { maxSize: w.maxSize, slots: w.slots };

  // One instance is checked, warmed up and timed. A second instance would
  // make each wasm export call site see two targets (one per instance) and
  // leave it polymorphic: measured on W1, dlmalloc 8-10 M/s against 11.5 M/s.
  const tc = performance.now();
  const adapter: Adapter = await create(opts);
  const tCheck = performance.now();
  let checkMs: number | null = null;
  if (req.check) {
    phase = 'the correctness check';
    checkAdapter(adapter, w, SEED);
    checkMs = performance.now() - tc;
  }
  const tHold = performance.now();
  phase = 'waiting for the CLI to let this child measure';
  await reached(req, 'loaded', Cue.go);
  const tWarm = performance.now();

  const slots = new Int32Array(w.slots);
  const planned = scaledIterations(w, req.scale);
  const loop = w.overhead ? runOverheadLoop : runMixedLoop;
  // Warm-up: the same loop on the same trace prefix, so the timed run
  // starts in optimized code (without it a quick run of the ceiling measured
  // 30-40 M/s instead of ~100 M/s) and on a heap in steady state. Being a
  // prefix of the timed trace, it asks for nothing the timed run will not.
  phase = 'the warm-up';
  loop(adapter, slots, w.minSize, w.maxSize, PRIME_ITERATIONS, SEED, Number.POSITIVE_INFINITY);
  freeAll(adapter, slots);
  const warmMs = Math.min(WARMUP_MS, req.budgetMs / 2);
  let warmed = 0;
  // Iterations a round may run: the whole trace, unless a round showed the
  // loop too slow for its deadline to bite (below).
  let roundIterations = planned;
  const warmRound = (iterations: number, capMs: number): LoopResult => {
    const tr = performance.now();
    const round = loop(adapter, slots, w.minSize, w.maxSize, Math.min(iterations, roundIterations), SEED, tr + capMs);
    const roundMs = performance.now() - tr;
    warmed += round.iterations;
    freeAll(adapter, slots);
    // The loop reads the clock every CLOCK_MASK + 1 iterations, so one too
    // slow for that many in its cap overshoots it by whole chunks: the
    // GC's W6 (1..8 MiB Uint8Arrays, about 1 ms each) ran three rounds of
    // 1,024 iterations, 0.6-1 s each where 40 ms were meant (10-20 s of a
    // quick run). After a round that overshot OVERSHOT times, the next ones
    // stop at the count a whole round's cap allows at its rate. No other
    // cell comes near: the slowest first rounds (hakmem debug's W3,
    // MemPool's W3) run about 2,000 iterations in 40-45 ms, and keep the
    // time cap alone.
    if (round.truncated && roundMs > OVERSHOT * capMs) {
      roundIterations = Math.min(roundIterations, Math.max(1, Math.ceil((round.iterations * warmMs) / roundMs)));
    }
    return round;
  };
  for (let k = 0; k < JIT_ROUNDS; k++) warmRound(Math.min(JIT_ROUND_ITERATIONS, Math.ceil(roundIterations / JIT_ROUND_CAP_SHARE)), warmMs / JIT_ROUND_CAP_SHARE);
  // Then the whole trace, for a heap in steady state (W6's grows to 700 MiB
  // in it). The short rounds have been through freeAll's slow paths and
  // the refills after it, so one round that runs the whole trace is enough:
  // with a second one, W2's passes came out the same (hakmem, dlmalloc,
  // floor, process CPU time). Rounds go on after one that hit its cap, up
  // to WARMUP_ROUNDS: a slow peer (hakmem debug's W1 ran 7,000-20,000
  // iterations in a first capped round, before the short rounds) is still
  // tiering up there.
  for (let k = 0; k < WARMUP_ROUNDS; k++) if (warmRound(planned, warmMs).iterations === planned) break;
  // A loop the warm-up found too slow for its clock checks stops the timed
  // pass by count too, at what the budget allows at that rate: otherwise
  // the pass runs a whole chunk of CLOCK_MASK + 1 iterations past its
  // deadline (the debug build's W6, ~0.5 ms an iteration: 0.5 s where 80 ms
  // were meant, in each of 5 children; the GC's W6 twice that). At least
  // SLOW_PASS_ROUNDS times the slots, though: the pass starts from empty
  // slots, and in its first WS iterations most mallocs follow no free
  // (debug W6 ran 116 iterations at 2.6 k/s, 512 at 1.9 k/s, 1,024 at 1.8 k/s).
  const timedIterations =
    roundIterations < planned ? Math.min(planned, Math.max(SLOW_PASS_ROUNDS * w.slots, Math.ceil((roundIterations * req.budgetMs) / warmMs))) : planned;
  // Timed passes: at least one; more while they are short, because on a
  // loaded machine a pass of a few milliseconds is often cut by a whole
  // scheduler time slice (W6's floor measured 42 or 10 M/s, bimodally).
  // The median pass is this run's figure; the CLI takes the median over
  // runs.
  const tTimed = performance.now();
  const passMs: number[] = [];
  const references = new Map<number, number>();
  if (req.plannedTrace !== undefined) references.set(planned, req.plannedTrace);
  let r: LoopResult;
  let peakTaken = 0;
  let traceOk = true;
  let spent = 0;
  for (;;) {
    phase = `timed pass ${passMs.length + 1}`;
    const t0 = performance.now();
    r = loop(adapter, slots, w.minSize, w.maxSize, timedIterations, SEED, t0 + req.budgetMs);
    const t1 = performance.now();
    const over = w.overhead ? (r as OverheadResult) : null;
    passMs.push(t1 - t0 - (over === null ? 0 : over.sampleMs));
    spent += t1 - t0;
    // The last sample of W5's bytes taken, outside the timed span. It is
    // the instance's high-water mark, so the check (256 small blocks), the
    // warm-up and earlier passes (the same trace) count too; W5's ratios
    // came out the same as on a fresh, unwarmed instance (floor 1.07,
    // as-tlsf 1.28, dlmalloc 1.03).
    if (over !== null) peakTaken = Math.max(peakTaken, over.peakBytesTaken, adapter.bytesTaken());
    let reference = references.get(r.iterations);
    if (reference === undefined) {
      reference = referenceTrace(w.slots, w.minSize, w.maxSize, r.iterations, SEED);
      references.set(r.iterations, reference);
    }
    traceOk &&= r.trace === reference;
    if (r.iterations < planned || passMs.length >= MAX_PASSES || spent >= SHORT_PASSES_MS) break;
    phase = `freeing all blocks after timed pass ${passMs.length}`;
    freeAll(adapter, slots);
  }
  const tAfter = performance.now();
  await reached(req, 'measured');
  const statsAfterLoop = adapter.stats();
  // Outside the timed span, with the last pass's blocks still live: what
  // the heap looks like at the end of the loop. One repetition is enough
  // for the picture, and keeps the JSON small.
  let heapMap: unknown;
  if (req.rep === 1 && MAP_WORKLOADS.includes(w.id) && adapter.heapMap !== undefined) {
    phase = 'taking the heap map after the loop';
    heapMap = adapter.heapMap() ?? undefined;
  }
  phase = 'freeing all blocks after the last timed pass';
  freeAll(adapter, slots);
  const statsAfterFreeAll = adapter.stats();
  adapter.dispose();

  const ms = median(passMs);
  const peakLive = w.overhead ? (r as OverheadResult).peakLiveBytes : null;
  const record: RunRecord = {
    ok: true,
    workload: w.id,
    alloc: req.alloc,
    rep: req.rep,
    plannedIterations: planned,
    iterations: r.iterations,
    ms,
    passMs,
    iterationsPerSec: ms > 0 ? (r.iterations * 1000) / ms : 0,
    truncated: r.iterations < planned,
    failures: r.failures,
    traceOk,
    peakLiveBytes: peakLive,
    peakBytesTaken: w.overhead ? peakTaken : null,
    // The ceiling takes no memory at all: no ratio rather than a 0x one.
    overhead: peakLive !== null && peakLive > 0 && peakTaken > 0 ? peakTaken / peakLive : null,
    statsAfterLoop,
    ...(heapMap === undefined ? {} : { heapMap }),
    statsAfterFreeAll,
    checkMs,
    warmupIterations: warmed,
    phases: {
      boot: bootMs,
      load: tCheck - tLoad,
      check: tHold - tCheck,
      held: heldMs,
      warmup: tTimed - tWarm,
      timed: tAfter - tTimed,
      after: performance.now() - tAfter,
    },
  };
  emit(record);
  if (!traceOk) process.exitCode = 1;
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (raw === undefined) {
    process.stderr.write('usage: node dist/child.js \'{"mode":"run","workload":"W1","alloc":"floor","rep":1,"scale":1,"budgetMs":60000}\'\n');
    process.exit(2);
  }
  const req = JSON.parse(raw) as ChildRequest;
  if (!isAdapterName(req.alloc)) throw new RangeError(`unknown allocator ${String(req.alloc)}`);
  try {
    phase = 'waiting for the CLI to let this child load';
    await reached(req, 'booted', Cue.load);
    phase = 'loading the adapter';
    if (req.mode === 'probe') await probe(req.alloc);
    else await run(req);
  } catch (err) {
    const kind = kindOf(err);
    const text = err instanceof Error ? err.message : String(err);
    emit({
      ok: false,
      workload: req.mode === 'run' ? req.workload : null,
      alloc: req.alloc,
      rep: req.mode === 'run' ? req.rep : null,
      kind,
      message: kind === 'unavailable' ? text : `during ${phase}: ${text}`,
    });
    process.exitCode = kind === 'unavailable' ? EXIT_UNAVAILABLE : 1;
  }
}

await main();
// Exit now rather than after Node tears the heap down at its own pace: the
// GC's W5 child took 150-400 ms to exit with its 100,000 arrays, against
// 25-50 ms this way. The callback runs once the record has been written.
process.stdout.write('', () => process.exit());
