import type { AdapterName } from './registry.js';

/** What the CLI asks a child for, passed as one JSON argument. */
export type ChildRequest =
  | {
      readonly mode: 'run';
      readonly workload: string;
      readonly alloc: AdapterName;
      /** 1-based repetition number, for the record only. */
      readonly rep: number;
      /** Fraction of the workload's iterations to run. */
      readonly scale: number;
      /** The loop stops at this many milliseconds even if iterations remain. */
      readonly budgetMs: number;
      /**
       * The literal reference checksum of the whole planned trace, computed
       * once by the CLI per workload instead of once per child (20-30 ms
       * each); the child still computes it for a pass the budget cut short.
       */
      readonly plannedTrace?: number;
      /**
       * Run the correctness check (contents of every live block, W4's
       * check session) before timing. The CLI asks for it on a cell's
       * first repetition: every repetition runs the same code on the same
       * trace, so checking one of them costs a fifth of checking all five.
       * Every repetition still compares its trace checksum, and W4's
       * whole-heap check after the timed session runs on every one.
       */
      readonly check: boolean;
      /**
       * Take cues from the CLI on stdin (Cue), one line each: after Node's
       * boot print `booted` and wait for `load`; load the adapter and run
       * the check, print `loaded` and wait for `go`; warm up and time, and
       * print `measured`; then tidy up, print the record and exit. The CLI
       * (cli.ts) lets one child measure at a time, with every other child
       * waiting idle at a cue, and does the rest of their work between two
       * measurements, in parallel.
       */
      readonly hold?: boolean;
    }
  | {
      /** Loads the adapter and runs the correctness check on a tiny trace, nothing timed. */
      readonly mode: 'probe';
      readonly alloc: AdapterName;
    };

export type FailureKind = 'unavailable' | 'correctness' | 'error';

/** One measurement, the child's one line of stdout. */
export interface RunRecord {
  readonly ok: true;
  readonly workload: string;
  readonly alloc: AdapterName;
  readonly rep: number;
  readonly plannedIterations: number;
  readonly iterations: number;
  /** Median of the timed passes, milliseconds. */
  readonly ms: number;
  /** Every timed pass of this run (more than one only when they were short). */
  readonly passMs: readonly number[];
  readonly iterationsPerSec: number;
  readonly truncated: boolean;
  readonly failures: number;
  /** The loop's trace checksum matched the literal unsigned reference. */
  readonly traceOk: boolean;
  /** W5, W7 only. */
  readonly peakLiveBytes: number | null;
  readonly peakBytesTaken: number | null;
  /** peakBytesTaken / peakLiveBytes, W5 and W7 only. */
  readonly overhead: number | null;
  readonly statsAfterLoop: unknown;
  /**
   * The heap's map after the timed loop (hakmem's `heap.map()`), on the
   * workloads in MAP_WORKLOADS, first repetition only; absent elsewhere.
   */
  readonly heapMap?: unknown;
  readonly statsAfterFreeAll: unknown;
  /** Milliseconds of the correctness check; null when the request asked for none (repetitions after the first). */
  readonly checkMs: number | null;
  /** Iterations of the untimed warm-up run before the timed loop. */
  readonly warmupIterations: number;
  /** Where the child's wall time went (see ChildPhases); the CLI adds `wallMs`. */
  readonly phases?: ChildPhases;
  /** W4 only: worker threads, and the replacements each made in the timed rounds. */
  readonly workers?: number;
  readonly replacementsPerWorker?: readonly number[];
  /** W4, hakmem only: frees that went onto another worker's slab or span (the rest stayed in the freeing worker's cache). */
  readonly remoteFrees?: number | null;
}

/**
 * Milliseconds of each stage of one child, read from its own clock
 * (performance.now(), which counts from the process's start): what the
 * bench's run time is spent on, measurement included.
 */
export interface ChildPhases {
  /** Process start to the child's first line: Node's boot and the child's static imports (a held child's wait for `load` excluded). */
  readonly boot: number;
  /** Importing the adapter and its peer, creating the instance (a wasm compile, a heap). */
  readonly load: number;
  /** The correctness check (W4: the check session); 0 when not asked for. */
  readonly check: number;
  /** A held child's waits for its cues (ChildRequest.hold): while other children measured. */
  readonly held: number;
  /** The warm-up rounds (W4: none here, its warm rounds are in `timed`). */
  readonly warmup: number;
  /** The timed passes, reference checksums of cut passes and the frees between passes (W4: the whole timed session, workers' start included). */
  readonly timed: number;
  /** Heap map, frees and stats after the loop, up to the record. */
  readonly after: number;
  /** Spawn to exit, seen by the CLI; what the parts above do not cover is the process's exit and spawn. */
  readonly wallMs?: number;
}

export interface FailureRecord {
  readonly ok: false;
  readonly workload: string | null;
  readonly alloc: AdapterName;
  readonly rep: number | null;
  readonly kind: FailureKind;
  readonly message: string;
}

export interface ProbeRecord {
  readonly ok: true;
  readonly probe: AdapterName;
  readonly ms: number;
}

export type ChildRecord = RunRecord | FailureRecord | ProbeRecord;

/** The lines a held child (ChildRequest.hold) reads on stdin: load its adapter, then measure. */
export const Cue = { load: 'load', go: 'go' } as const;
/** The lines a held child prints on stdout before its record, each when it gets there. */
export const Mark = { booted: 'booted', loaded: 'loaded', measured: 'measured' } as const;
export type MarkName = keyof typeof Mark;

/** Exit code of a child whose adapter could not be loaded, so the CLI can tell it from a crash. */
export const EXIT_UNAVAILABLE = 3;
