import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectPassed, runCases, type CaseResult, type CaseSpec } from './harness.js';

/**
 * Issue 10's two-worker fuzz: one worker grows the shared memory and frees mid
 * and large blocks (its own, and blocks handed over by the other), the other
 * calls calloc, realloc and alignedAlloc of the same sizes and verifies the
 * contents (zeros, preserved prefix, writable). Lockstep, seeded; each run under
 * a time limit. HAKMEM_SOAK=1 runs 30 seeds per build with 1,000 rounds.
 */
const module = new URL('./fuzz2-cases.mjs', import.meta.url);
const SOAK = process.env.HAKMEM_SOAK === '1';
const SEEDS = Number(process.env.HAKMEM_FUZZ_SEEDS ?? (SOAK ? 30 : 3));
const ROUNDS = SOAK ? 1_000 : 150;
const cases: CaseSpec[] = [];
for (let seed = 1; seed <= SEEDS; seed++)
  for (const build of ['release', 'debug'])
    cases.push({ name: `seed ${seed}: ${build}: grower and user workers, ${ROUNDS} rounds`, fn: 'twoWorkerRun', args: { build, seed, rounds: ROUNDS } });

let results: Map<string, CaseResult>;
beforeAll(async () => {
  results = await runCases(module, cases, SOAK ? 300_000 : 20_000);
}, SOAK ? 4 * 3_600_000 : 600_000);
afterAll(() => {
  if (!results) return;
  const all = [...results.values()];
  const ops = all.reduce((n, r) => n + ((r.data as { ops?: number } | null)?.ops ?? 0), 0);
  const failures = all.filter((r) => r.status === 'fail');
  const hangs = all.filter((r) => r.status === 'hang');
  console.log(`reliability two-worker fuzz: ${all.length} runs, ${ops} heap calls (of passing runs), ${failures.length} failures, ${hangs.length} hangs`);
  for (const r of [...failures, ...hangs]) console.log(`  ${r.status}: ${r.name}: ${r.message}`);
});

describe('two-worker fuzz: one grows and frees, the other reuses', () => {
  it.each(cases.map((c) => [c.name]))('%s', (name) => expectPassed(results, name));
});
