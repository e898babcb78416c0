/**
 * The workloads of docs/workloads.md, exactly: slot count, size range,
 * iterations. W2 is one row per fixed size, each with its own id; W4
 * (larson) one row per worker count, run by larson-run.ts for a fixed
 * time rather than a count of iterations.
 */
export interface Workload {
  /** Row id, e.g. `W1`, `W2-64`. */
  readonly id: string;
  /** Family id from workloads.md, e.g. `W2`. */
  readonly family: string;
  readonly name: string;
  /** Number of slots, WS. */
  readonly slots: number;
  readonly minSize: number;
  readonly maxSize: number;
  /** Iterations of the full run. */
  readonly iterations: number;
  /** W5, W7: also report peak bytes taken / peak live bytes requested. */
  readonly overhead: boolean;
  /** W4 only: worker threads; `slots` is then per worker and `iterations` unused (fixed time). */
  readonly workers?: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The worker counts W4 runs, one row each. */
export const W4_WORKERS = [1, 2, 4] as const;

/** The sizes W2 runs, one row each. */
export const W2_SIZES = [16, 64, 128, 256, 1024, 4096] as const;

export const WORKLOADS: readonly Workload[] = [
  { id: 'W1', family: 'W1', name: 'random_mixed', slots: 4096, minSize: 16, maxSize: 1040, iterations: 2_000_000, overhead: false },
  ...W2_SIZES.map(
    (size): Workload => ({
      id: `W2-${size}`,
      family: 'W2',
      name: `fixed size ${size} B`,
      slots: 4096,
      minSize: size,
      maxSize: size,
      iterations: 2_000_000,
      overhead: false,
    }),
  ),
  { id: 'W3', family: 'W3', name: 'mid_large', slots: 2048, minSize: 8 * KiB, maxSize: 32 * KiB, iterations: 2_000_000, overhead: false },
  ...W4_WORKERS.map(
    (workers): Workload => ({
      id: `W4-${workers}`,
      family: 'W4',
      name: `larson, ${workers} worker${workers > 1 ? 's' : ''}`,
      slots: 1024,
      minSize: 8,
      maxSize: 128,
      iterations: 0,
      overhead: false,
      workers,
    }),
  ),
  { id: 'W5', family: 'W5', name: 'overhead', slots: 100_000, minSize: 16, maxSize: 1040, iterations: 2_000_000, overhead: true },
  { id: 'W6', family: 'W6', name: 'large', slots: 64, minSize: 1 * MiB, maxSize: 8 * MiB, iterations: 200_000, overhead: false },
  // W1's loop on a small program's scale (about 0.5 MB live): what a heap
  // costs when most of its slabs and classes are barely used.
  { id: 'W7', family: 'W7', name: 'small heap', slots: 1000, minSize: 16, maxSize: 1040, iterations: 200_000, overhead: true },
];

/** Workloads whose report section shows the heap after the loop: tiny, mid and large blocks. */
export const MAP_WORKLOADS: readonly string[] = ['W1', 'W3', 'W6'];

/** What a workload's rate counts: W4 replaces slots for a fixed time, the others run iterations. */
export function rateUnit(w: Workload): 'replacements/s' | 'iterations/s' {
  return w.workers !== undefined ? 'replacements/s' : 'iterations/s';
}

/** Looks a row up by id; `W2` alone is not a row. */
export function workloadById(id: string): Workload | undefined {
  return WORKLOADS.find((w) => w.id === id);
}

/**
 * Resolves a `--workloads` list: a family id (`W2`) selects all its rows,
 * a row id (`W2-64`) one row. Throws on an unknown id.
 */
export function selectWorkloads(ids: readonly string[] | undefined): Workload[] {
  if (ids === undefined || ids.length === 0) return [...WORKLOADS];
  const picked = new Set<Workload>();
  for (const raw of ids) {
    const id = raw.trim().toUpperCase();
    const rows = WORKLOADS.filter((w) => w.id === id || w.family === id);
    if (rows.length === 0) {
      throw new RangeError(`unknown workload '${raw}' (known: ${WORKLOADS.map((w) => w.id).join(', ')}, or a family such as W2)`);
    }
    for (const w of rows) picked.add(w);
  }
  return WORKLOADS.filter((w) => picked.has(w));
}

/** Iterations for a run scaled by `scale` (quick mode), at least one. */
export function scaledIterations(w: Workload, scale: number): number {
  return Math.max(1, Math.round(w.iterations * scale));
}
