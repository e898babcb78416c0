/**
 * The benchmark: every requested (workload, allocator, repetition) in its
 * own child process, allocators interleaved A B C A B C ... so drift of the
 * machine hits every allocator alike; then a table per workload on stdout,
 * every measurement in results/bench-<time>.json and a self-contained
 * results/report-<time>.html. Exits 1 when an allocator cannot be loaded
 * or a measurement failed, 2 on a bad command line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FailureRecord, RunRecord } from './child-protocol.js';
import { parseArgs, USAGE, type RunConfig } from './cli-args.js';
import { describeMachine, packageVersion } from './machine.js';
import { SEED } from './prng.js';
import { Progress } from './progress.js';
import { referenceTrace } from './reference-trace.js';
import { ADAPTER_NAMES, BASELINE_NAME, REFERENCE_NAMES, larsonUnsupported, loadAdapter, runsOn, type AdapterName } from './registry.js';
import { renderHtml, type HeapMapFigure } from './report-html.js';
import { baselineTable, footnotes, headlineTable, scalingLines, sharedCostLine, workloadTable } from './report-text.js';
import { compareToBaseline, readBaseline } from './baseline.js';
import { headline } from './headline.js';
import type { BenchResults } from './results.js';
import { larsonRoundMs } from './larson-loop.js';
import { runTime, runTimeLine } from './run-time.js';
import { runChild, startChild, type HeldChild } from './spawn-child.js';
import { larsonScaling, sharedOverPrivate, summarize } from './summary.js';
import { scaledIterations, selectWorkloads, type Workload } from './workloads.js';
import { runCPrograms, takeCWorkload } from './cprog/cprog-bench.js';

/** Exit code when `--baseline` finds a workload slower than the baseline beyond the tolerance (1 is a failed measurement, 2 a bad command line). */
const EXIT_REGRESSION = 3;

const DEFAULT_OUT_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/**
 * W5 and W7 report an overhead, which only means something over the whole
 * trace: at a 150 ms quick budget hakmem's and dlmalloc's W5 runs stopped
 * at 40% of it. They get at least this long. The budget counts the
 * overhead loop's samples of bytes taken too (the timed figure does not):
 * at 400 ms hakmem's W5, ~100 ms of loop and ~200 of samples, was cut short
 * in one repetition of five and hakmem debug's in all; only thi.ng and the
 * GC stop early at 600.
 */
const OVERHEAD_MIN_BUDGET_MS = 600;

function budgetFor(w: Workload, cfg: RunConfig): number {
  return w.overhead ? Math.max(cfg.budgetMs, OVERHEAD_MIN_BUDGET_MS) : cfg.budgetMs;
}

/** Requested allocators plus the two references, in table order. */
function allocatorsToRun(cfg: RunConfig): AdapterName[] {
  const wanted = new Set<AdapterName>([...REFERENCE_NAMES, ...cfg.allocs]);
  return ADAPTER_NAMES.filter((a) => wanted.has(a));
}

/**
 * Loads every requested adapter in a child and runs its correctness check
 * on a tiny trace, all at once (nothing is timed yet), so a missing or
 * broken peer stops the run in seconds instead of after minutes.
 */
async function preflight(allocs: readonly AdapterName[]): Promise<FailureRecord[]> {
  const records = await Promise.all(allocs.map((alloc) => runChild({ mode: 'probe', alloc }, 30_000)));
  return records.filter((r): r is FailureRecord => !r.ok);
}

/**
 * The heap maps children recorded after their loops, drawn by hakmem's
 * renderer. Both hakmem builds record one (the JSON keeps both); the report
 * draws the release build's, the one the tables are about.
 */
async function heapMapFigures(runs: readonly RunRecord[]): Promise<HeapMapFigure[]> {
  const figures: HeapMapFigure[] = [];
  for (const r of runs) {
    if (r.alloc !== BASELINE_NAME || r.heapMap === undefined || r.heapMap === null) continue;
    const { renderHeapMap } = await import('./adapters/hakmem.js');
    const svg = await renderHeapMap(r.heapMap, `${r.workload} ${r.alloc}: heap after the timed loop (repetition ${r.rep})`);
    if (svg !== null) figures.push({ workload: r.workload, alloc: r.alloc, svg });
  }
  return figures;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  let workloads: Workload[];
  let cWorkload: ReturnType<typeof takeCWorkload>;
  let baseline: ReturnType<typeof readBaseline> | undefined;
  try {
    parsed = parseArgs(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    cWorkload = takeCWorkload(parsed.workloads);
    workloads = selectWorkloads(cWorkload.rest);
    // Read before anything runs: a bad file should cost seconds, not a whole run.
    baseline = parsed.baseline === undefined ? undefined : readBaseline(parsed.baseline);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const cfg = parsed;
  const cExit = cWorkload.wanted ? await runCPrograms(cfg) : 0; // workload C: src/cprog
  if (cWorkload.only) return cExit;
  const allocs = allocatorsToRun(cfg);
  const started = new Date();
  // Described before the run so its load average is the one we started under.
  const machine = describeMachine();

  const tPreflight = performance.now();
  const unavailable = await preflight(allocs);
  if (unavailable.length > 0) {
    for (const f of unavailable) {
      const what = f.kind === 'unavailable' ? 'could not be loaded' : f.kind === 'correctness' ? 'failed its correctness check' : 'failed';
      process.stderr.write(`error: allocator '${f.alloc}' ${what}: ${f.message}\n`);
    }
    const rest = allocs.filter((a) => !unavailable.some((f) => f.alloc === a));
    process.stderr.write(`nothing was measured. To run the others: --alloc ${rest.join(',')}\n`);
    return 1;
  }

  // Allocators interleave within a workload (A B C A B C ...), and
  // repetitions are the outer loop: a burst of load from elsewhere then
  // spoils one repetition of a few workloads, which the median drops,
  // rather than every repetition of one workload.
  const jobs: { w: Workload; rep: number; alloc: AdapterName }[] = [];
  // W4 with workers runs only on allocators that can share a heap; the
  // table says why the others are missing. Some allocators run only some
  // workloads (registry.ts `runsOn`).
  for (let rep = 1; rep <= cfg.reps; rep++)
    for (const w of workloads) for (const alloc of allocs) if (runsOn(alloc, w.id) && larsonUnsupported(alloc, w.workers ?? 1) === null) jobs.push({ w, rep, alloc });

  const tJobs = performance.now();
  const progress = new Progress();
  const runs: RunRecord[] = [];
  const failures: FailureRecord[] = [];
  const plannedTraces = new Map<string, number>();
  for (const w of workloads)
    if (w.workers === undefined) plannedTraces.set(w.id, referenceTrace(w.slots, w.minSize, w.maxSize, scaledIterations(w, cfg.scale), SEED));
  // One child measures at a time, and while it does, no other child does
  // anything: the next one waits, loaded, for its `go`, and the one after
  // it, booted, for its `load` (idle processes: no CPU time while they
  // wait). Between two measurements, in parallel: the child that measured
  // tidies up and exits, the next one loads its adapter and runs its check,
  // and the one after that boots (ChildRequest.hold).
  const children: (HeldChild | undefined)[] = [];
  const child = (k: number): HeldChild => {
    const found = children[k];
    if (found !== undefined) return found;
    const { w, rep, alloc } = jobs[k];
    const budgetMs = budgetFor(w, cfg);
    const req = { mode: 'run', workload: w.id, alloc, rep, scale: cfg.scale, budgetMs, plannedTrace: plannedTraces.get(w.id), check: rep === 1, hold: true } as const;
    return (children[k] = startChild(req, budgetMs));
  };
  for (let k = 0; k < jobs.length; k++) {
    const { w, rep, alloc } = jobs[k];
    const current = child(k);
    current.load();
    const following = k + 1 < jobs.length ? child(k + 1) : undefined;
    await current.loaded;
    if (following !== undefined) await following.booted;
    progress.update(`[${k + 1}/${jobs.length}] ${w.id} ${w.name}: ${alloc}, rep ${rep}/${cfg.reps}`);
    current.go();
    await current.measured;
    following?.load();
    if (k + 2 < jobs.length) child(k + 2);
    const rec = await current.done;
    children[k] = undefined;
    if (!rec.ok) failures.push(rec);
    else if ('workload' in rec) runs.push(rec);
  }
  progress.done();
  const tTables = performance.now();

  const summary = summarize(
    workloads,
    allocs,
    runs,
    failures,
  );
  const summaryRows = headline(
    workloads.map((w) => w.id),
    summary,
  );
  process.stdout.write(`\n${headlineTable(summaryRows)}\n`);
  for (const w of workloads) {
    process.stdout.write(`\n${workloadTable(w, summary.filter((c) => c.workload === w.id), scaledIterations(w, cfg.scale), larsonRoundMs(cfg.scale))}\n`);
  }
  const scaling = larsonScaling(summary);
  if (scaling.length > 0) process.stdout.write(`\n${scalingLines(scaling, machine.cores)}\n`);
  const sharedCost = sharedOverPrivate(summary);
  if (sharedCost !== null) process.stdout.write(`${sharedCostLine(sharedCost)}\n`);
  const notes = footnotes(summary);
  process.stdout.write(`\n${notes}\n`);
  const vsBaseline = baseline === undefined ? undefined : compareToBaseline(cfg.baseline as string, baseline, summary, cfg.tolerance);
  if (vsBaseline !== undefined) process.stdout.write(`\n${baselineTable(vsBaseline)}\n`);

  const adapters: BenchResults['adapters'] = {};
  for (const a of allocs) {
    const { about } = await loadAdapter(a);
    adapters[a] = { peer: about.peer, version: about.peer === null ? null : packageVersion(about.peer), options: about.options };
  }
  const outDir = cfg.outDir ?? DEFAULT_OUT_DIR;
  mkdirSync(outDir, { recursive: true });
  const stamp = timestamp(started);
  const jsonFile = path.join(outDir, `bench-${stamp}.json`);
  const htmlFile = path.join(outDir, `report-${stamp}.html`);
  const results: BenchResults = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    config: {
      mode: cfg.mode,
      scale: cfg.scale,
      reps: cfg.reps,
      budgetMs: cfg.budgetMs,
      workloads: workloads.map((w) => w.id),
      allocs,
      seed: SEED,
    },
    machine,
    loadAverageAtEnd: os.loadavg(),
    adapters,
    runs,
    failures,
    headline: summaryRows,
    summary,
    scaling,
    sharedOverPrivate: sharedCost,
    notes: notes.split('\n'),
    ...(vsBaseline === undefined ? {} : { baseline: vsBaseline }),
    jsonFile: path.basename(jsonFile),
  };
  const figures = await heapMapFigures(runs);
  const took = runTime(runs, performance.now(), tJobs - tPreflight, tTables - tJobs);
  const withTime: BenchResults = { ...results, runTime: took };
  writeFileSync(jsonFile, `${JSON.stringify(withTime, null, 2)}\n`);
  writeFileSync(htmlFile, renderHtml(withTime, figures));
  process.stderr.write(`${runTimeLine(took)}\n`);
  process.stdout.write(`\nresults: ${jsonFile}\nreport:  ${htmlFile}\n`);

  const broken = failures.length > 0 || runs.some((r) => !r.traceOk);
  if (broken) process.stderr.write(`error: ${failures.length} measurement(s) failed, see the notes above\n`);
  if (broken || cExit !== 0) return 1;
  if (vsBaseline !== undefined && vsBaseline.regressions.length > 0) {
    process.stderr.write(`error: slower than the baseline on ${vsBaseline.regressions.join(', ')}\n`);
    return EXIT_REGRESSION;
  }
  return 0;
}

process.exitCode = await main();
