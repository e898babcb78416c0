import { describe, expect, it } from 'vitest';
import type { ChildPhases, RunRecord } from '../src/child-protocol.js';
import { runTime, runTimeLine } from '../src/run-time.js';

function run(phases: ChildPhases | undefined): RunRecord {
  return {
    ok: true,
    workload: 'W1',
    alloc: 'floor',
    rep: 1,
    plannedIterations: 1,
    iterations: 1,
    ms: 1,
    passMs: [1],
    iterationsPerSec: 1,
    truncated: false,
    failures: 0,
    traceOk: true,
    peakLiveBytes: null,
    peakBytesTaken: null,
    overhead: null,
    statsAfterLoop: null,
    statsAfterFreeAll: null,
    checkMs: null,
    warmupIterations: 0,
    ...(phases === undefined ? {} : { phases }),
  };
}

describe('the run time', () => {
  it('sums each stage over the children, spawn and exit as what their clocks miss', () => {
    const t = runTime(
      [
        run({ boot: 30, load: 10, check: 5, held: 100, warmup: 90, timed: 80, after: 4, wallMs: 340 }),
        run({ boot: 40, load: 20, check: 0, held: 0, warmup: 50, timed: 600, after: 6, wallMs: 730 }),
        run(undefined),
      ],
      2000,
      300,
      1500,
    );
    expect(t.sumMs).toEqual({ boot: 70, load: 30, check: 5, warmup: 140, timed: 680, after: 10, exit: 21 + 14 });
    expect(t.children).toBe(3);
    expect(runTimeLine(t)).toContain('run time 2 s: 3 children in 2 s');
    expect(runTimeLine(t)).toContain('timed 227');
  });
});
