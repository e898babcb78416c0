import type { FailureRecord, RunRecord } from './child-protocol.js';
import type { MachineInfo } from './machine.js';
import type { AdapterName } from './registry.js';
import type { HeadlineRow } from './headline.js';
import type { Cell, Scaling } from './summary.js';
import type { BaselineComparison } from './baseline.js';
import type { RunTime } from './run-time.js';

/** Everything one CLI run measured: the JSON file, and the input of the HTML report. */
export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly config: {
    readonly mode: 'quick' | 'full';
    readonly scale: number;
    readonly reps: number;
    readonly budgetMs: number;
    /** Workload row ids, in run order. */
    readonly workloads: readonly string[];
    readonly allocs: readonly AdapterName[];
    readonly seed: number;
  };
  /** Described when the run started. */
  readonly machine: MachineInfo;
  /** Load is the usual suspect for a noisy run: here is how it ended. */
  readonly loadAverageAtEnd: readonly number[];
  /** Per allocator: its peer package and version, and the options it was set up with. */
  readonly adapters: Record<string, { peer: string | null; version: string | null; options: string }>;
  /** Every measurement, in the order run. */
  readonly runs: readonly RunRecord[];
  readonly failures: readonly FailureRecord[];
  /** The summary table at the top: hakmem against the fastest wasm peer and the floor, per workload. */
  readonly headline: readonly HeadlineRow[];
  /** Every (workload, allocator) cell; `reps` holds each repetition's rate. */
  readonly summary: readonly Cell[];
  /** W4: each allocator's rate with T workers over its rate with one. */
  readonly scaling: readonly Scaling[];
  /** W4-1: hakmem on a shared heap ÷ hakmem on a private one (`sharedOverPrivate`); absent in files older than it, null when either did not run. */
  readonly sharedOverPrivate?: number | null;
  readonly notes: readonly string[];
  /** `--baseline`: this run's hakmem ÷ floor against the baseline file's, per workload. */
  readonly baseline?: BaselineComparison;
  readonly jsonFile: string;
  /** Where the run's time went (run-time.ts); absent in files older than it. */
  readonly runTime?: RunTime;
}
