import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectPassed, runCases, type CaseResult, type CaseSpec } from './harness.js';

/**
 * The differential fuzz of issue 10: a shadow model against the heap while
 * the memory is grown from outside at random points; shared and not, both
 * builds and two mixes, every route. Each run is one seed in a worker under a
 * time limit (a hang is terminated and reported as a hang).
 *
 * CI: 3 seeds per configuration (48 runs). Soak: HAKMEM_SOAK=1 runs 40 seeds
 * per configuration with longer runs:
 *   cd apps/hakmem && HAKMEM_SOAK=1 npx vitest run test/reliability/fuzz.test.ts
 * One failing seed again: HAKMEM_FUZZ_SEED=<seed> npx vitest run test/reliability/fuzz.test.ts
 */
const module = new URL('./fuzz-cases.mjs', import.meta.url);
const SOAK = process.env.HAKMEM_SOAK === '1';
const ONE = process.env.HAKMEM_FUZZ_SEED;
const SEEDS = ONE !== undefined ? [Number(ONE)] : Array.from({ length: Number(process.env.HAKMEM_FUZZ_SEEDS ?? (SOAK ? 40 : 3)) }, (_, i) => i + 1);
const OPS = SOAK ? 12_000 : 2_500;
const TIME_LIMIT_MS = SOAK ? 120_000 : 15_000;
const BUILDS = ['release', 'debug', 'superslab-debug', 'mid+bigcache-debug'];
const cases: CaseSpec[] = [];
for (const seed of SEEDS)
  for (const build of BUILDS)
    for (const shared of [false, true])
      for (const growEvery of [300, 25])
        cases.push({ name: `seed ${seed}: ${build}, ${shared ? 'shared' : 'non-shared'}, memory grown 1 op in ${growEvery}`, fn: 'fuzzRun', args: { seed, build, shared, ops: OPS, growEvery } });

let results: Map<string, CaseResult>;
beforeAll(async () => {
  results = await runCases(module, cases, TIME_LIMIT_MS);
}, SOAK ? 4 * 3_600_000 : 600_000);
afterAll(() => {
  if (!results) return;
  const all = [...results.values()];
  const ops = all.reduce((n, r) => n + ((r.data as { ops?: number } | null)?.ops ?? 0), 0);
  const grows = all.reduce((n, r) => n + ((r.data as { grows?: number } | null)?.grows ?? 0), 0);
  const failures = all.filter((r) => r.status === 'fail');
  const hangs = all.filter((r) => r.status === 'hang');
  console.log(`reliability fuzz: ${all.length} runs, ${ops} heap calls (of passing runs), ${grows} outside grows, ${failures.length} failures, ${hangs.length} hangs`);
  for (const r of [...failures, ...hangs]) console.log(`  ${r.status}: ${r.name}: ${r.message}`);
});

describe('differential fuzz with the memory grown from outside', () => {
  it.each(cases.map((c) => [c.name]))('%s', (name) => expectPassed(results, name));
});
