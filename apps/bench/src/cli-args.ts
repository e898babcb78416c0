import { parseArgs as parseArgv } from 'node:util';
import { DEFAULT_TOLERANCE } from './baseline.js';
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
  /** `--baseline`: an earlier run's results JSON to compare hakmem ÷ floor against, or undefined. */
  readonly baseline: string | undefined;
  /** `--tolerance`: the fraction hakmem ÷ floor may fall before the comparison calls it a regression. */
  readonly tolerance: number;
}

/**
 * Quick mode: under 3 minutes on 2 cores with 5 repetitions. A quarter of the iterations
 * still runs every loop long past fill-up (even W5's 100,000 slots: after
 * 500,000 draws 1 - e^-5 = 99.3% of them hold a block); the budget stops
 * peers that are orders of magnitude slower (MemPool's O(live) free) early.
 */
export const QUICK_SCALE = 0.25;
/**
 * Quick per-loop budget (and, halved, the cap of each warm-up round). Peers
 * several times slower than hakmem reach it (the GC, thi.ng, hakmem debug);
 * after their three warm-up rounds their rate over 80 ms is as steady as
 * over 400 ms, and the time saved on each of ~240 such runs pays for the
 * warm-up rounds they now all run.
 */
export const QUICK_BUDGET_MS = 80;
/** Full mode: every iteration unless a peer would take minutes per run. */
export const FULL_BUDGET_MS = 60_000;
/** Five fresh processes per cell: the median of five drops two outliers, which three cannot on a loaded 2-core machine. */
export const DEFAULT_REPS = 5;

export const USAGE = `usage: node dist/cli.js [options]

  --full                 full iteration counts of workloads.md (default: quick, ${QUICK_SCALE} of them)
  --quick                the default; after --full, the last of the two wins
  --workloads W1,W3      workloads to run: row ids (W2-64) or families (W2); default all
  --alloc a,b,...        allocators: ${ADAPTER_NAMES.join(', ')}
                         (ceiling and floor always run); default all
  --reps N               repetitions per (workload, allocator), a whole number; median reported; default ${DEFAULT_REPS}
  --scale X              fraction of iterations (> 0), overrides --full / quick
  --budget S             per-loop time budget in seconds (quick ${QUICK_BUDGET_MS / 1000}, full ${FULL_BUDGET_MS / 1000})
  --out DIR              where results go (default: apps/bench/results)
  --baseline FILE        compare hakmem ÷ floor (and the debug slowdown) per workload with an earlier
                         run's results JSON; a drop beyond the tolerance is a regression (exit code 3)
  --tolerance X          fraction counted as noise by --baseline (0 < X < 1; default ${DEFAULT_TOLERANCE})
  -h, --help
`;

/** The options `util.parseArgs` knows; every value stays a string until checked below. */
const OPTIONS = {
  full: { type: 'boolean' },
  quick: { type: 'boolean' },
  scale: { type: 'string' },
  reps: { type: 'string' },
  budget: { type: 'string' },
  workloads: { type: 'string' },
  alloc: { type: 'string' },
  out: { type: 'string' },
  baseline: { type: 'string' },
  tolerance: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const KNOWN = Object.keys(OPTIONS).map((k) => `--${k}`);

function list(name: string, v: string): string[] {
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new RangeError(`--${name} needs a comma-separated list, got '${v}'`);
  return items;
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} needs a positive number, got '${v}'`);
  return n;
}

function positiveInteger(name: string, v: string): number {
  const n = positive(name, v);
  if (!Number.isInteger(n)) throw new RangeError(`--${name} needs a whole number, got '${v}'`);
  return n;
}

/** Edit distance, for "did you mean" on a misspelt option. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function suggestion(option: string): string {
  const bare = option.replace(/=.*$/, '');
  const best = KNOWN.map((k) => [k, distance(bare, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best[1] <= 3 ? ` (did you mean ${best[0]}?)` : '';
}

/**
 * `util.parseArgs` throws a TypeError whose message is written for a
 * generic program; this says the same thing in the bench's words, naming the
 * option and what it takes.
 */
function explain(err: unknown, argv: readonly string[]): RangeError {
  const code = (err as { code?: string }).code;
  const message = (err as Error).message;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const opt = /'([^']+)'/.exec(message)?.[1] ?? '?';
    return new RangeError(`unknown option '${opt}'${suggestion(opt)}; known: ${KNOWN.join(', ')}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const opt = /'(-[^' ]+)/.exec(message)?.[1] ?? '?';
    const name = opt.replace(/^-+/, '');
    if (name in OPTIONS && OPTIONS[name as keyof typeof OPTIONS].type === 'boolean') return new RangeError(`${opt} takes no value`);
    return new RangeError(`${opt} needs a value`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']+)'/.exec(message)?.[1] ?? argv.find((a) => !a.startsWith('-')) ?? '?';
    return new RangeError(`unexpected argument '${arg}': every setting is an option (--workloads ${arg}?)`);
  }
  return new RangeError(message);
}

/** Parses argv (without node and the script). Throws RangeError with a readable message. */
export function parseArgs(argv: readonly string[]): RunConfig | 'help' {
  const parsed = (() => {
    try {
      return parseArgv({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
    } catch (err) {
      throw explain(err, argv);
    }
  })();
  const v = parsed.values;
  if (v.help === true) return 'help';
  // `--full --quick`: the last one wins, as a user typing a correction expects.
  let full = false;
  for (const t of parsed.tokens) if (t.kind === 'option' && (t.name === 'full' || t.name === 'quick')) full = t.name === 'full';
  let allocs: AdapterName[] | undefined;
  if (v.alloc !== undefined) {
    const names = list('alloc', v.alloc);
    for (const n of names) {
      if (!isAdapterName(n)) throw new RangeError(`unknown allocator '${n}' (known: ${ADAPTER_NAMES.join(', ')})`);
    }
    allocs = names as AdapterName[];
  }
  const scale = v.scale === undefined ? undefined : positive('scale', v.scale);
  const budgetMs = v.budget === undefined ? undefined : positive('budget', v.budget) * 1000;
  if (v.out !== undefined && v.out.trim() === '') throw new RangeError("--out needs a directory, got ''");
  if (v.baseline !== undefined && v.baseline.trim() === '') throw new RangeError("--baseline needs a results file, got ''");
  const tolerance = v.tolerance === undefined ? DEFAULT_TOLERANCE : positive('tolerance', v.tolerance);
  if (tolerance >= 1) throw new RangeError(`--tolerance needs a fraction below 1, got '${v.tolerance}'`);
  if (v.tolerance !== undefined && v.baseline === undefined) throw new RangeError('--tolerance only applies with --baseline FILE');
  return {
    mode: full ? 'full' : 'quick',
    scale: scale ?? (full ? 1 : QUICK_SCALE),
    reps: v.reps === undefined ? DEFAULT_REPS : positiveInteger('reps', v.reps),
    budgetMs: budgetMs ?? (full ? FULL_BUDGET_MS : QUICK_BUDGET_MS),
    workloads: v.workloads === undefined ? undefined : list('workloads', v.workloads),
    allocs: allocs ?? [...ADAPTER_NAMES],
    outDir: v.out,
    baseline: v.baseline,
    tolerance,
  };
}
