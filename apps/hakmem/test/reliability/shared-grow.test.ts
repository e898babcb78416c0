import { caseSuite, type CaseSpec } from './harness.js';

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

caseSuite('shared heap: a worker grew the memory and freed a block (issue 10 case 2)', 'shared grow', module, cases, 5_000, (results) => `, ${[...results.values()].filter((r) => (r.data as { reused?: boolean } | null)?.reused).length} reused the worker's block`);
