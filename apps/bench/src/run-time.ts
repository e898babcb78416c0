import type { ChildPhases, RunRecord } from './child-protocol.js';

/** The stages of ChildPhases a child spends working (its waits, `held`, apart). */
const STAGES = ['boot', 'load', 'check', 'warmup', 'timed', 'after'] as const;

/** Where a run's time went: the JSON's `runTime`, and one line on stderr. */
export interface RunTime {
  /** From the CLI's start to the report written. */
  readonly wallMs: number;
  /** Loading and checking every allocator once, before anything is measured (all at once). */
  readonly preflightMs: number;
  /** From the first child's start to the last one's exit. */
  readonly childrenMs: number;
  readonly children: number;
  /**
   * Each stage summed over the children; `exit` is what the CLI saw beyond
   * the child's own clock (spawn and exit). Boot, load, check and exit of
   * one child overlap another's, so they add up to more than they cost.
   */
  readonly sumMs: Record<(typeof STAGES)[number] | 'exit', number>;
}

export function runTime(runs: readonly RunRecord[], wallMs: number, preflightMs: number, childrenMs: number): RunTime {
  const sumMs = { boot: 0, load: 0, check: 0, warmup: 0, timed: 0, after: 0, exit: 0 };
  for (const r of runs) {
    const p: ChildPhases | undefined = r.phases;
    if (p === undefined) continue;
    let own = p.held;
    for (const s of STAGES) {
      sumMs[s] += p[s];
      own += p[s];
    }
    if (p.wallMs !== undefined) sumMs.exit += Math.max(0, p.wallMs - own);
  }
  return { wallMs, preflightMs, childrenMs, children: runs.length, sumMs };
}

/** "run time 149 s: 510 children in 147 s; per child boot 38 ms, ..." */
export function runTimeLine(t: RunTime): string {
  const per = (ms: number): string => (t.children > 0 ? (ms / t.children).toFixed(0) : '0');
  const s = t.sumMs;
  return (
    `run time ${(t.wallMs / 1000).toFixed(0)} s: ${t.children} children in ${(t.childrenMs / 1000).toFixed(0)} s, ` +
    `one measuring at a time; per child boot ${per(s.boot)} ms, load ${per(s.load)}, check ${per(s.check)}, ` +
    `warm-up ${per(s.warmup)}, timed ${per(s.timed)}, tidy-up ${per(s.after)}, spawn and exit ${per(s.exit)} ` +
    '(boot, load, check and exit overlap other children: runTime in the JSON)'
  );
}
