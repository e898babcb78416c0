import type { FailureRecord, RunRecord } from './child-protocol.js';
import { BASELINE_NAME, SHARED_COST_WORKLOAD, larsonUnsupported, runsOn, type AdapterName } from './registry.js';

/** One (workload, allocator) cell across its repetitions. */
export interface Cell {
  readonly workload: string;
  readonly alloc: AdapterName;
  /** Successful repetitions. */
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /**
   * Every successful repetition's rate, in repetition order (`repNumbers`
   * says which): the median hides a bimodal machine, these do not.
   */
  readonly reps: readonly number[];
  readonly repNumbers: readonly number[];
  /** Median iterations/s over hakmem's median on this workload; null without a hakmem row. */
  readonly vsBaseline: number | null;
  /** W5, W7: median of peak bytes taken / peak live bytes. */
  readonly overhead: number | null;
  /** W5, W7: every repetition's overhead, in the order of `reps` (null where the allocator takes no memory). */
  readonly overheadReps: readonly (number | null)[];
  readonly overheadMin: number | null;
  readonly overheadMax: number | null;
  /** Any repetition stopped at the time budget. */
  readonly truncated: boolean;
  /** How many repetitions stopped at the time budget. */
  readonly truncatedRuns: number;
  /** Iterations actually run (median), for truncated cells. */
  readonly iterations: number;
  readonly mallocFailures: number;
  readonly traceOk: boolean;
  readonly errors: readonly string[];
  /** Why this allocator does not run this workload (W4 with workers on a single-heap allocator), else null. */
  readonly unsupported: string | null;
}

/** W4: one allocator's rate with T workers over its rate with one, on one shared heap. */
export interface Scaling {
  readonly alloc: AdapterName;
  readonly workers: number;
  readonly ratio: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >>> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Folds every record into cells, in the given workload and allocator order. */
export function summarize(
  workloads: readonly { readonly id: string; readonly workers?: number }[],
  allocs: readonly AdapterName[],
  runs: readonly RunRecord[],
  failures: readonly FailureRecord[],
): Cell[] {
  const cells: Cell[] = [];
  for (const { id: w, workers } of workloads) {
    const base = runs.filter((r) => r.workload === w && r.alloc === BASELINE_NAME).map((r) => r.iterationsPerSec);
    const baseMedian = base.length > 0 ? median(base) : null;
    for (const a of allocs) {
      if (!runsOn(a, w)) continue;
      const rs = runs.filter((r) => r.workload === w && r.alloc === a).sort((x, y) => x.rep - y.rep);
      const rates = rs.map((r) => r.iterationsPerSec);
      const overheads = rs.map((r) => r.overhead).filter((o): o is number => o !== null);
      const m = median(rates);
      cells.push({
        workload: w,
        alloc: a,
        n: rs.length,
        median: m,
        min: rates.length > 0 ? Math.min(...rates) : Number.NaN,
        max: rates.length > 0 ? Math.max(...rates) : Number.NaN,
        reps: rates,
        repNumbers: rs.map((r) => r.rep),
        vsBaseline: baseMedian !== null && rs.length > 0 ? m / baseMedian : null,
        overhead: overheads.length > 0 ? median(overheads) : null,
        overheadReps: rs.map((r) => r.overhead),
        overheadMin: overheads.length > 0 ? Math.min(...overheads) : null,
        overheadMax: overheads.length > 0 ? Math.max(...overheads) : null,
        truncated: rs.some((r) => r.truncated),
        truncatedRuns: rs.filter((r) => r.truncated).length,
        iterations: median(rs.map((r) => r.iterations)),
        mallocFailures: rs.reduce((sum, r) => sum + r.failures, 0),
        traceOk: rs.every((r) => r.traceOk),
        errors: failures.filter((f) => f.workload === w && f.alloc === a).map((f) => `${f.kind}: ${f.message}`),
        unsupported: larsonUnsupported(a, workers ?? 1),
      });
    }
  }
  return cells;
}

/**
 * W4's scaling: for each allocator with a W4-1 cell and a W4-T cell, the
 * ratio of the medians. The cells are W4 rows only (`W4-<T>`).
 */
export function larsonScaling(cells: readonly Cell[]): Scaling[] {
  const out: Scaling[] = [];
  const workersOf = (id: string): number | null => {
    const m = /^W4-(\d+)$/.exec(id);
    return m === null ? null : Number(m[1]);
  };
  for (const one of cells) {
    if (workersOf(one.workload) !== 1 || one.n === 0) continue;
    for (const c of cells) {
      const t = workersOf(c.workload);
      if (t === null || t === 1 || c.alloc !== one.alloc || c.n === 0) continue;
      out.push({ alloc: c.alloc, workers: t, ratio: c.median / one.median });
    }
  }
  return out;
}

/**
 * What sharing the heap costs one worker: hakmem's W4-1 median (a shared
 * heap, attached by the worker) ÷ `hakmem-private`'s (the same build on a
 * private heap); null unless both cells ran.
 */
export function sharedOverPrivate(cells: readonly Cell[]): number | null {
  const shared = cells.find((c) => c.workload === SHARED_COST_WORKLOAD && c.alloc === 'hakmem' && c.n > 0);
  const own = cells.find((c) => c.workload === SHARED_COST_WORKLOAD && c.alloc === 'hakmem-private' && c.n > 0);
  return shared === undefined || own === undefined ? null : shared.median / own.median;
}
