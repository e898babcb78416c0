import { WASM_PEERS, type AdapterName } from './registry.js';
import type { Cell } from './summary.js';
import { rateUnit, workloadById } from './workloads.js';

/**
 * One workload's line of the summary at the top of the text output and the
 * report: hakmem (release) against the fastest WebAssembly allocator called
 * from JS and against the free-list floor, as ratios of medians from the
 * same run; for W5 and W7 also the overheads.
 */
export interface HeadlineRow {
  readonly workload: string;
  readonly name: string;
  readonly unit: 'iterations/s' | 'replacements/s';
  /** hakmem release's median rate; null when it did not run here. */
  readonly hakmem: number | null;
  /** The wasm peer with the highest median on this workload, null when none ran it. */
  readonly peer: AdapterName | null;
  readonly peerRate: number | null;
  /** hakmem ÷ that peer (above 1: hakmem is faster). */
  readonly vsPeer: number | null;
  readonly floor: number | null;
  /** hakmem ÷ the free-list floor (the floor is the least a real allocator does: 1 is the goal). */
  readonly vsFloor: number | null;
  /** hakmem release ÷ hakmem debug: how many times slower the debug build is. */
  readonly debugSlowdown: number | null;
  /** W5, W7: hakmem's overhead, the lowest wasm peer overhead and which peer, and the floor's. */
  readonly overhead: {
    readonly hakmem: number | null;
    readonly peer: AdapterName | null;
    readonly peerOverhead: number | null;
    readonly floor: number | null;
  } | null;
}

function cellOf(cells: readonly Cell[], workload: string, alloc: AdapterName): Cell | undefined {
  const c = cells.find((x) => x.workload === workload && x.alloc === alloc);
  return c !== undefined && c.n > 0 ? c : undefined;
}

function div(a: number | undefined | null, b: number | undefined | null): number | null {
  return a === undefined || a === null || b === undefined || b === null || !(b > 0) ? null : a / b;
}

/** The summary rows, one per workload id in `workloads` order. */
export function headline(workloads: readonly string[], cells: readonly Cell[]): HeadlineRow[] {
  return workloads.flatMap((id): HeadlineRow[] => {
    const w = workloadById(id);
    if (w === undefined) return [];
    const hak = cellOf(cells, id, 'hakmem');
    const peers = WASM_PEERS.map((p) => cellOf(cells, id, p)).filter((c): c is Cell => c !== undefined);
    const fastest = peers.reduce<Cell | undefined>((best, c) => (best === undefined || c.median > best.median ? c : best), undefined);
    const floor = cellOf(cells, id, 'floor');
    const debug = cellOf(cells, id, 'hakmem-debug');
    let overhead: HeadlineRow['overhead'] = null;
    if (w.overhead) {
      const leanest = peers
        .filter((c) => c.overhead !== null)
        .reduce<Cell | undefined>((best, c) => (best === undefined || (c.overhead as number) < (best.overhead as number) ? c : best), undefined);
      overhead = { hakmem: hak?.overhead ?? null, peer: leanest?.alloc ?? null, peerOverhead: leanest?.overhead ?? null, floor: floor?.overhead ?? null };
    }
    return [
      {
        workload: id,
        name: w.name,
        unit: rateUnit(w),
        hakmem: hak?.median ?? null,
        peer: fastest?.alloc ?? null,
        peerRate: fastest?.median ?? null,
        vsPeer: div(hak?.median, fastest?.median),
        floor: floor?.median ?? null,
        vsFloor: div(hak?.median, floor?.median),
        debugSlowdown: div(hak?.median, debug?.median),
        overhead,
      },
    ];
  });
}
