import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, it } from 'vitest';

/**
 * The reliability suite runs every case in a worker thread under a time limit:
 * several of the faults it looks for are infinite loops inside a synchronous
 * heap call, which would otherwise freeze vitest itself. A batch of cases
 * shares one worker (starting a worker and loading dist costs more than most
 * cases); when a case does not answer in time the worker is terminated, the
 * case is reported as a hang, and a fresh worker goes on with the next case.
 */
export interface CaseSpec {
  /** Unique within the batch: the test name. */
  name: string;
  /** Exported function of the cases module; it throws to fail. */
  fn: string;
  args?: unknown;
  /** Overrides the batch's per-case time limit. */
  timeoutMs?: number;
}

export interface CaseResult {
  name: string;
  status: 'pass' | 'fail' | 'hang';
  message?: string;
  data?: unknown;
  ms: number;
}

const runnerUrl = new URL('./case-runner.mjs', import.meta.url);

export async function runCases(module: URL, cases: CaseSpec[], timeoutMs: number): Promise<Map<string, CaseResult>> {
  const results = new Map<string, CaseResult>();
  let next = 0;
  while (next < cases.length) {
    const batch = cases.slice(next);
    next = await new Promise<number>((resolve, reject) => {
      const w = new Worker(runnerUrl, { workerData: { module: module.href, cases: batch } });
      let at = 0; // index in batch of the case running now
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (n: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void w.terminate();
        resolve(n);
      };
      const arm = () => {
        clearTimeout(timer);
        const c = batch[at];
        const limit = c.timeoutMs ?? timeoutMs;
        timer = setTimeout(() => {
          results.set(c.name, { name: c.name, status: 'hang', message: `no answer in ${limit} ms (hang): worker terminated`, ms: limit });
          finish(next + at + 1);
        }, limit);
      };
      w.on('message', (m) => {
        if (m.started !== undefined) {
          at = batch.findIndex((c) => c.name === m.started);
          arm();
        } else if (m.finished) finish(cases.length);
        else {
          clearTimeout(timer);
          results.set(m.name, m as CaseResult);
        }
      });
      w.on('error', (e) => {
        // A crash of the worker (not a thrown error, which the runner reports) fails the case that was running.
        const c = batch[at];
        if (c !== undefined && !results.has(c.name)) results.set(c.name, { name: c.name, status: 'fail', message: `worker crashed: ${e.message}`, ms: 0 });
        finish(next + at + 1);
      });
      w.on('exit', (code) => {
        if (settled) return;
        const c = batch[at];
        if (c !== undefined && !results.has(c.name)) results.set(c.name, { name: c.name, status: 'fail', message: `worker exited with code ${code}`, ms: 0 });
        finish(next + at + 1);
      });
      void reject;
    });
  }
  return results;
}

/** Throws the case's failure (or hang) as the test's failure. */
export function expectPassed(results: Map<string, CaseResult> | undefined, name: string): void {
  const r = results?.get(name);
  if (r === undefined) throw new Error(`case ${name} did not run`);
  if (r.status === 'hang') throw new Error(`HANG: ${r.message}`);
  if (r.status === 'fail') throw new Error(r.message);
}

/** One summary line per suite, e.g. `reliability grow: 160 cases, 150 passed, 6 failed, 4 hangs`. */
export function summary(suite: string, results: Map<string, CaseResult>, extra = ''): string {
  let pass = 0;
  let fail = 0;
  let hang = 0;
  let ms = 0;
  for (const r of results.values()) {
    if (r.status === 'pass') pass++;
    else if (r.status === 'fail') fail++;
    else hang++;
    ms += r.ms;
  }
  return `reliability ${suite}: ${results.size} cases, ${pass} passed, ${fail} failed, ${hang} hangs${extra}, ${(ms / 1000).toFixed(1)} s in cases`;
}

/**
 * A case file's whole life: `cases` run in workers before the tests, one test
 * per case passes when its case did, and one summary line is printed after
 * (`extra` appends figures of the file's own).
 */
export function caseSuite(title: string, suite: string, module: URL, cases: CaseSpec[], timeoutMs: number, extra?: (results: Map<string, CaseResult>) => string): void {
  let results: Map<string, CaseResult> | undefined;
  beforeAll(async () => {
    results = await runCases(module, cases, timeoutMs);
  }, 600_000);
  afterAll(() => {
    if (results) console.log(summary(suite, results, extra ? extra(results) : ''));
  });
  describe(title, () => {
    it.each(cases.map((c) => [c.name]))('%s', (name) => expectPassed(results, name));
  });
}
