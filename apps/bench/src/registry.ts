import type { AdapterFactory } from './adapter.js';
import type { AdapterAbout } from './adapters/about.js';

/** Every allocator the bench knows, in table order. */
export const ADAPTER_NAMES = ['ceiling', 'floor', 'thing', 'as-tlsf', 'dlmalloc', 'gc', 'hakmem', 'hakmem-debug', 'hakmem-private'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

/** The two references every run prints (workloads.md), whatever `--alloc` says. */
export const REFERENCE_NAMES: readonly AdapterName[] = ['ceiling', 'floor'];

/** WebAssembly allocators called through their exports: the peers hakmem's first promise is measured against. */
export const WASM_PEERS: readonly AdapterName[] = ['as-tlsf', 'dlmalloc'];

/** The workload `hakmem-private` runs, beside `hakmem` on a shared heap (`sharedOverPrivate`). */
export const SHARED_COST_WORKLOAD = 'W4-1';

/**
 * Allocators that run only some workloads. `hakmem-private` is hakmem's
 * release build on a private heap, there to measure what sharing the heap
 * costs one worker: W4-1 runs `hakmem` on a shared heap (every worker
 * attaches it), and everywhere else `hakmem` is private already.
 */
const ONLY_ON: Partial<Record<AdapterName, readonly string[]>> = { 'hakmem-private': [SHARED_COST_WORKLOAD] };

/** Whether `alloc` runs the workload `workloadId` at all (`ONLY_ON`). */
export function runsOn(alloc: AdapterName, workloadId: string): boolean {
  const only = ONLY_ON[alloc];
  return only === undefined || only.includes(workloadId);
}

/** The row every ratio is taken against. */
export const BASELINE_NAME: AdapterName = 'hakmem';

export interface AdapterEntry {
  readonly create: AdapterFactory;
  readonly about: AdapterAbout;
}

/**
 * Loads one adapter module. Adapter modules import their peer only inside
 * `create`, so this never fails for a missing peer; `create` does.
 */
export async function loadAdapter(name: AdapterName): Promise<AdapterEntry> {
  switch (name) {
    case 'ceiling':
      return import('./adapters/ceiling.js');
    case 'floor':
      return import('./adapters/floor.js');
    case 'thing':
      return import('./adapters/thing.js');
    case 'as-tlsf':
      return import('./adapters/as-tlsf.js');
    case 'dlmalloc':
      return import('./adapters/dlmalloc.js');
    case 'gc':
      return import('./adapters/gc.js');
    case 'hakmem': {
      const m = await import('./adapters/hakmem.js');
      return { create: m.createRelease, about: m.about };
    }
    case 'hakmem-debug': {
      const m = await import('./adapters/hakmem.js');
      return { create: m.createDebug, about: m.about };
    }
    case 'hakmem-private': {
      const m = await import('./adapters/hakmem.js');
      return { create: m.createRelease, about: m.about };
    }
  }
}

/**
 * How an allocator runs W4 (larson) with more than one worker. `shared`:
 * all workers attach one heap. `per-worker`: the loop ceiling, which keeps
 * no state, so each worker has its own and there is nothing to share.
 * The rest cannot share one heap across workers; the reason is printed.
 */
export type LarsonSharing = { readonly kind: 'shared' | 'per-worker' } | { readonly kind: 'single'; readonly why: string };

/** What a W4 table shows in the cell of an allocator that cannot run with workers; the reason goes to the notes. */
export const SINGLE_HEAP = 'single heap only';
export const LARSON_SHARING: Record<AdapterName, LarsonSharing> = {
  ceiling: { kind: 'per-worker' },
  floor: { kind: 'single', why: `${SINGLE_HEAP}: plain typed-array free lists, no atomics` },
  thing: { kind: 'single', why: `${SINGLE_HEAP}: MemPool keeps its lists in a plain ArrayBuffer, no atomics` },
  'as-tlsf': { kind: 'single', why: `${SINGLE_HEAP}: single-threaded wasm build, unshared memory` },
  dlmalloc: { kind: 'single', why: `${SINGLE_HEAP}: sql.js's single-threaded emscripten build, unshared memory` },
  gc: { kind: 'single', why: `${SINGLE_HEAP}: JS objects cannot be shared between workers` },
  hakmem: { kind: 'shared' },
  'hakmem-debug': { kind: 'shared' },
  'hakmem-private': { kind: 'single', why: `${SINGLE_HEAP}: a private heap by design, the one-worker reference for hakmem's shared heap` },
};

/** Null when `alloc` can run larson with `workers` workers, else why not. */
export function larsonUnsupported(alloc: AdapterName, workers: number): string | null {
  const s = LARSON_SHARING[alloc];
  return workers > 1 && s.kind === 'single' ? s.why : null;
}

export function isAdapterName(name: string): name is AdapterName {
  return (ADAPTER_NAMES as readonly string[]).includes(name);
}
