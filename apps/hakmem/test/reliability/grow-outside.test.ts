import { caseSuite, type CaseSpec } from './harness.js';

/**
 * Issue 10, case 1: `memory.grow(k)` by the user, then every API call, in
 * both builds and mixes, shared and not. Each case runs in a worker with a
 * time limit (see harness.ts): the fault this looks for is a malloc that
 * never returns.
 */
const module = new URL('./grow-cases.mjs', import.meta.url);
const BUILDS = ['release', 'debug', 'superslab-debug', 'mid+bigcache-debug'];
const OPS = [
  ...[16, 1024, 2000, 61440, 65536, 200000, 1 << 20, (1 << 20) + 1, 3 << 20].map((s) => `malloc(${s})`),
  'calloc(1, 16)', 'calloc(10, 200)', 'calloc(1, 200000)', 'calloc(1, 3 MiB)',
  'realloc(100 -> 3 MiB)', 'realloc(100 -> 200000)', 'realloc(16 -> 2000)', 'realloc(3 MiB -> 100)',
  'alignedAlloc(64, 100)', 'alignedAlloc(4096, 5000)', 'alignedAlloc(65536, 3 MiB)',
  'free (every route)', 'usableSize (every route)', 'stats', 'check', 'trim',
];
const cases: CaseSpec[] = [];
for (const build of BUILDS)
  for (const shared of [false, true])
    for (const flavour of ['fresh', 'used'])
      for (const op of OPS) cases.push({ name: `${build} ${shared ? 'shared' : 'non-shared'} ${flavour}: grow, then ${op}`, fn: 'growThenOp', args: { build, shared, op, flavour } });

caseSuite('memory grown from outside (issue 10 case 1)', 'grow from outside', module, cases, 2_000);
