import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectPassed, runCases, summary, type CaseResult, type CaseSpec } from './harness.js';

/**
 * Issue 10, case 2: a worker grows a shared heap's memory and frees a block
 * (large, mid run, mid span; got from malloc or from realloc); the creator's
 * next calloc must be all zeros, its realloc must keep the 100 bytes, its
 * alignedAlloc must give a usable, aligned block. Both builds.
 */
const module = new URL('./shared-cases.mjs', import.meta.url);
const SIZES = [3 << 20, 1048560, 200000, 40000];
const cases: CaseSpec[] = [];
const OPS = [
  ['calloc', 'malloc'],
  ['calloc', 'realloc'],
  ['realloc', 'malloc'],
  ['realloc', 'realloc'],
  ['realloc of an aligned block', 'malloc'],
  ['alignedAlloc', 'malloc'],
];
// detachFirst: the worker detaches before the creator's call (its caches and spans go back to the heap first).
for (const build of ['release', 'debug'])
  for (const size of SIZES)
    for (const detachFirst of [false, true])
      for (const [op, how] of OPS)
        cases.push({
          name: `${build}: worker grows, frees a ${size} B ${how} block${detachFirst ? ' and detaches' : ''}; creator ${op}(${size})`,
          fn: 'creatorAfterWorkerGrew',
          args: { build, size, op, how, detachFirst },
        });

let results: Map<string, CaseResult>;
beforeAll(async () => {
  results = await runCases(module, cases, 5_000);
}, 600_000);
afterAll(() => {
  if (results) console.log(summary('shared grow', results, `, ${[...results.values()].filter((r) => (r.data as { reused?: boolean } | null)?.reused).length} reused the worker's block`));
});

describe('shared heap: a worker grew the memory and freed a block (issue 10 case 2)', () => {
  it.each(cases.map((c) => [c.name]))('%s', (name) => expectPassed(results, name));
});
