import { readFileSync } from 'node:fs';
import type { HeadlineRow } from './headline.js';

/**
 * `--baseline FILE`: this run against an earlier run's JSON, as the guard of
 * hakmem's hot paths. Absolute rates from another run (another day, another
 * load) are not comparable, so what is compared is hakmem's rate over the
 * free-list floor's from the same run, workload by workload: the floor runs
 * the same loop in the same conditions, and a change to hakmem moves only
 * hakmem's side of the ratio. The debug build is guarded the same way, by
 * its slowdown against release.
 */

/** One workload of the comparison. */
export interface BaselineRow {
  readonly workload: string;
  /** hakmem ÷ floor in the baseline run and in this one (null when either did not run it). */
  readonly before: number | null;
  readonly after: number | null;
  /** after ÷ before: below 1, hakmem lost ground against the floor. */
  readonly change: number | null;
  /** Debug slowdown (release ÷ debug) in the baseline and now. */
  readonly debugBefore: number | null;
  readonly debugAfter: number | null;
  /** The release ratio fell by more than the tolerance. */
  readonly slower: boolean;
  /** The debug slowdown grew by more than the tolerance. */
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

/** The default tolerance: on the 2-core machine this was written on, medians of five moved up to ~12% between identical runs. */
export const DEFAULT_TOLERANCE = 0.15;

/** What the comparison needs of a results file; checked, since the file may be anything. */
interface BaselineFile {
  readonly startedAt: string;
  readonly headline: readonly HeadlineRow[];
}

function isBaselineFile(x: unknown): x is BaselineFile {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.startedAt === 'string' && Array.isArray(o.headline) && o.headline.every((r) => typeof r === 'object' && r !== null && typeof (r as Record<string, unknown>).workload === 'string');
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
  if (!isBaselineFile(parsed)) throw new RangeError(`--baseline: '${file}' is not a bench results file (no startedAt and headline rows)`);
  return parsed;
}

function ratioOf(before: number | null, after: number | null): number | null {
  return before === null || after === null || !(before > 0) ? null : after / before;
}

/** This run's summary rows against the baseline's, workload by workload (this run's order). */
export function compareToBaseline(file: string, base: BaselineFile, now: readonly HeadlineRow[], tolerance: number): BaselineComparison {
  const rows = now.flatMap((r): BaselineRow[] => {
    const b = base.headline.find((x) => x.workload === r.workload);
    if (b === undefined) return [];
    const before = typeof b.vsFloor === 'number' ? b.vsFloor : null;
    const debugBefore = typeof b.debugSlowdown === 'number' ? b.debugSlowdown : null;
    const change = ratioOf(before, r.vsFloor);
    const debugChange = ratioOf(debugBefore, r.debugSlowdown);
    return [
      {
        workload: r.workload,
        before,
        after: r.vsFloor,
        change,
        debugBefore,
        debugAfter: r.debugSlowdown,
        slower: change !== null && change < 1 - tolerance,
        debugSlower: debugChange !== null && debugChange > 1 + tolerance,
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
