import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/child-protocol.js';
import { headline } from '../src/headline.js';
import { headlineTable } from '../src/report-text.js';
import type { AdapterName } from '../src/registry.js';
import { summarize } from '../src/summary.js';
import { WORKLOADS } from '../src/workloads.js';

/** A run record as a child writes it, with only what the summary reads varied. */
function run(workload: string, alloc: AdapterName, rep: number, iterationsPerSec: number, overhead: number | null = null): RunRecord {
  return {
    ok: true,
    workload,
    alloc,
    rep,
    plannedIterations: 1000,
    iterations: 1000,
    ms: 1,
    passMs: [1],
    iterationsPerSec,
    truncated: false,
    failures: 0,
    traceOk: true,
    peakLiveBytes: overhead === null ? null : 1000,
    peakBytesTaken: overhead === null ? null : 1000 * overhead,
    overhead,
    statsAfterLoop: null,
    statsAfterFreeAll: null,
    checkMs: 0,
    warmupIterations: 0,
  };
}

describe('the summary table', () => {
  const allocs: AdapterName[] = ['floor', 'as-tlsf', 'dlmalloc', 'hakmem', 'hakmem-debug'];
  const ws = WORKLOADS.filter((w) => ['W1', 'W4-2', 'W7'].includes(w.id));
  const runs: RunRecord[] = [];
  // Reps given out of order: the cells keep them in repetition order.
  for (const rep of [2, 1, 3]) {
    runs.push(run('W1', 'floor', rep, 60e6 + rep), run('W1', 'as-tlsf', rep, 10e6 + rep), run('W1', 'dlmalloc', rep, 12e6 + rep));
    runs.push(run('W1', 'hakmem', rep, 30e6 + rep), run('W1', 'hakmem-debug', rep, 5e6 + rep));
    runs.push(run('W4-2', 'hakmem', rep, 40e6));
    runs.push(run('W7', 'floor', rep, 50e6, 1.5), run('W7', 'as-tlsf', rep, 9e6, 1.9), run('W7', 'dlmalloc', rep, 11e6, 1.1), run('W7', 'hakmem', rep, 22e6, 6 + rep));
  }
  const cells = summarize(ws, allocs, runs, []);
  const rows = headline(
    ws.map((w) => w.id),
    cells,
  );

  it('keeps every repetition of a cell, in repetition order', () => {
    const c = cells.find((x) => x.workload === 'W1' && x.alloc === 'hakmem');
    expect(c?.reps).toEqual([30e6 + 1, 30e6 + 2, 30e6 + 3]);
    expect(c?.repNumbers).toEqual([1, 2, 3]);
    expect(cells.find((x) => x.workload === 'W7' && x.alloc === 'hakmem')?.overheadReps).toEqual([7, 8, 9]);
  });

  it('compares hakmem with the fastest wasm peer, the floor and its debug build', () => {
    const w1 = rows.find((r) => r.workload === 'W1');
    expect(w1?.peer).toBe('dlmalloc');
    expect(w1?.vsPeer).toBeCloseTo((30e6 + 2) / (12e6 + 2), 12);
    expect(w1?.vsFloor).toBeCloseTo((30e6 + 2) / (60e6 + 2), 12);
    expect(w1?.debugSlowdown).toBeCloseTo((30e6 + 2) / (5e6 + 2), 12);
    expect(w1?.overhead).toBeNull();
  });

  it('gives W7 the overheads, the leanest wasm peer beside hakmem', () => {
    const w7 = rows.find((r) => r.workload === 'W7');
    expect(w7?.overhead).toEqual({ hakmem: 8, peer: 'dlmalloc', peerOverhead: 1.1, floor: 1.5 });
    expect(w7?.debugSlowdown).toBeNull();
  });

  it('has no peer where no wasm allocator can run (W4 with workers), and says so in the text', () => {
    const w42 = rows.find((r) => r.workload === 'W4-2');
    expect(w42?.peer).toBeNull();
    expect(w42?.vsPeer).toBeNull();
    expect(w42?.unit).toBe('replacements/s');
    const text = headlineTable(rows);
    expect(text).toMatch(/W4-2 .*none \(single heap only\)/);
    expect(text).toMatch(/W7 small heap .* 8\.00× +dlmalloc 1\.10× +1\.50×/);
  });
});
