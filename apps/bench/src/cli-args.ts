import { ADAPTER_NAMES, isAdapterName, type AdapterName } from './registry.js';

/** How a run is set up, from the command line. */
export interface RunConfig {
  readonly mode: 'quick' | 'full';
  /** Fraction of each workload's iterations. */
  readonly scale: number;
  readonly reps: number;
  /** Per-loop time budget, milliseconds. */
  readonly budgetMs: number;
  /** `undefined`: every workload. */
  readonly workloads: readonly string[] | undefined;
  /** Allocators asked for (default all), before the references are added. */
  readonly allocs: readonly AdapterName[];
  readonly outDir: string | undefined;
}

/**
 * Quick mode: about 1-2 minutes on 2 cores. A quarter of the iterations
 * still runs every loop long past fill-up (even W5's 100,000 slots: after
 * 500,000 draws 1 - e^-5 = 99.3% of them hold a block); the budget stops
 * peers that are orders of magnitude slower (MemPool's O(live) free) early.
 */
export const QUICK_SCALE = 0.25;
export const QUICK_BUDGET_MS = 400;
/** Full mode: every iteration unless a peer would take minutes per run. */
export const FULL_BUDGET_MS = 60_000;
export const DEFAULT_REPS = 3;

export const USAGE = `usage: node dist/cli.js [options]

  --full                 full iteration counts of workloads.md (default: quick, ${QUICK_SCALE} of them)
  --workloads W1,W3      workloads to run: row ids (W2-64) or families (W2); default all
  --alloc a,b,...        allocators: ${ADAPTER_NAMES.join(', ')}
                         (ceiling and floor always run); default all
  --reps N               repetitions per (workload, allocator), median reported; default ${DEFAULT_REPS}
  --scale X              fraction of iterations, overrides --full / quick
  --budget S             per-loop time budget in seconds (quick ${QUICK_BUDGET_MS / 1000}, full ${FULL_BUDGET_MS / 1000})
  --out DIR              where results go (default: apps/bench/results)
  --help
`;

function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new RangeError(`${name} needs a positive number, got ${String(v)}`);
  return n;
}

/** Parses argv (without node and the script). Throws RangeError with a readable message. */
export function parseArgs(argv: readonly string[]): RunConfig | 'help' {
  let full = false;
  let scale: number | undefined;
  let reps = DEFAULT_REPS;
  let budgetMs: number | undefined;
  let workloads: string[] | undefined;
  let allocs: AdapterName[] | undefined;
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const key = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new RangeError(`${key} needs a value`);
      return next;
    };
    switch (key) {
      case '--help':
      case '-h':
        return 'help';
      case '--full':
        full = true;
        break;
      case '--quick':
        full = false;
        break;
      case '--scale':
        scale = positive('--scale', value());
        break;
      case '--reps':
        reps = Math.floor(positive('--reps', value()));
        break;
      case '--budget':
        budgetMs = positive('--budget', value()) * 1000;
        break;
      case '--workloads':
        workloads = list(value());
        break;
      case '--alloc': {
        const names = list(value());
        for (const n of names) {
          if (!isAdapterName(n)) throw new RangeError(`unknown allocator '${n}' (known: ${ADAPTER_NAMES.join(', ')})`);
        }
        allocs = names as AdapterName[];
        break;
      }
      case '--out':
        outDir = value();
        break;
      default:
        throw new RangeError(`unknown option '${arg}'`);
    }
  }
  return {
    mode: full ? 'full' : 'quick',
    scale: scale ?? (full ? 1 : QUICK_SCALE),
    reps,
    budgetMs: budgetMs ?? (full ? FULL_BUDGET_MS : QUICK_BUDGET_MS),
    workloads,
    allocs: allocs ?? [...ADAPTER_NAMES],
    outDir,
  };
}
