import { readFileSync } from 'node:fs';
import type { Cell } from './summary.js';

/**
 * `--baseline FILE`: this run against an earlier run's JSON, as the guard of
 * hakmem's hot paths. Absolute rates from another run (another day, another
 * load) are not comparable, so what is compared is hakmem's rate over the
 * free-list floor's from the same run, workload by workload: the floor runs
 * the same loop in the same conditions, and a change to hakmem moves only
 * hakmem's side of the ratio. The debug build is guarded the same way (its
 * rate over the floor's), not by its slowdown against release, which grows
 * when release gets faster.
 *
 * The rates compared are each cell's fastest repetition, not its median: the
 * 2-core machine this was written on runs each process at one of two speeds
 * about 1.6x apart (the floor and hakmem alike, whatever the CPU), so a
 * median of five lands in either and a ratio of medians moved by up to 60%
 * between two runs of the same code; of five processes at least one ran
 * fast in every cell we looked at.
 */

/** One workload of the comparison. */
export interface BaselineRow {
  readonly workload: string;
  /** hakmem ÷ floor (fastest repetitions) in the baseline run and in this one (null when either did not run it). */
  readonly before: number | null;
  readonly after: number | null;
  /** after ÷ before: below 1, hakmem lost ground against the floor. */
  readonly change: number | null;
  /** hakmem debug ÷ floor (fastest repetitions) in the baseline and now. */
  readonly debugBefore: number | null;
  readonly debugAfter: number | null;
  /** debugAfter ÷ debugBefore. */
  readonly debugChange: number | null;
  /** The release ratio fell by more than the tolerance. */
  readonly slower: boolean;
  /** hakmem debug ÷ floor fell by more than the tolerance. */
  readonly debugSlower: boolean;
}

export interface BaselineComparison {
  /** The baseline file as given. */
  readonly file: string;
  /** Its start time, to say which run it was. */
  readonly startedAt: string;
  /** A change within this fraction is noise (0.15: hakmem ÷ floor may move 15% either way). */
  readonly tolerance: number;
  readonly rows: readonly BaselineRow[];
  /** Workloads flagged, release or debug. */
  readonly regressions: readonly string[];
}

/** The default tolerance: see the bench README ("Guarding the hot paths") for how far two runs of the same code moved. */
export const DEFAULT_TOLERANCE = 0.15;

/** What the comparison needs of a results file; checked, since the file may be anything. */
interface BaselineFile {
  readonly startedAt: string;
  readonly summary: readonly Cell[];
}

function isBaselineFile(x: unknown): x is BaselineFile {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    typeof o.startedAt === 'string' &&
    Array.isArray(o.summary) &&
    o.summary.every((c) => typeof c === 'object' && c !== null && typeof (c as Record<string, unknown>).workload === 'string' && typeof (c as Record<string, unknown>).alloc === 'string')
  );
}

/** Reads a results JSON written by an earlier run. Throws RangeError naming the file when it is not one. */
export function readBaseline(file: string): BaselineFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RangeError(`--baseline: cannot read '${file}' (${(err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RangeError(`--baseline: '${file}' is not JSON`);
  }
  if (!isBaselineFile(parsed)) throw new RangeError(`--baseline: '${file}' is not a bench results file (no startedAt and summary cells)`);
  return parsed;
}

function ratioOf(before: number | null, after: number | null): number | null {
  return before === null || after === null || !(before > 0) ? null : after / before;
}

/** A cell's fastest repetition over the floor's on the same workload, or null. */
function overFloor(cells: readonly Cell[], workload: string, alloc: string): number | null {
  const c = cells.find((x) => x.workload === workload && x.alloc === alloc);
  const f = cells.find((x) => x.workload === workload && x.alloc === 'floor');
  return c === undefined || f === undefined || !(c.n > 0) || !(f.n > 0) || !(f.max > 0) ? null : c.max / f.max;
}

/** This run's cells against the baseline's, workload by workload (this run's order). */
export function compareToBaseline(file: string, base: BaselineFile, now: readonly Cell[], tolerance: number): BaselineComparison {
  const workloads = [...new Set(now.map((c) => c.workload))];
  const rows = workloads.flatMap((workload): BaselineRow[] => {
    if (!base.summary.some((c) => c.workload === workload)) return [];
    const before = overFloor(base.summary, workload, 'hakmem');
    const after = overFloor(now, workload, 'hakmem');
    const debugBefore = overFloor(base.summary, workload, 'hakmem-debug');
    const debugAfter = overFloor(now, workload, 'hakmem-debug');
    const change = ratioOf(before, after);
    const debugChange = ratioOf(debugBefore, debugAfter);
    return [
      {
        workload,
        before,
        after,
        change,
        debugBefore,
        debugAfter,
        debugChange,
        slower: change !== null && change < 1 - tolerance,
        debugSlower: debugChange !== null && debugChange < 1 - tolerance,
      },
    ];
  });
  return {
    file,
    startedAt: base.startedAt,
    tolerance,
    rows,
    regressions: rows.filter((r) => r.slower || r.debugSlower).map((r) => r.workload),
  };
}
