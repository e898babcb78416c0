import { caseSuite, type CaseSpec } from './harness.js';

/** Issue 10, case 5: every double free is DOUBLE_FREE, on every route, both builds, and changes nothing. */
const module = new URL('./double-free-cases.mjs', import.meta.url);
const cases: CaseSpec[] = [];
for (const build of ['release', 'debug']) {
  for (const [size, count] of [[2000, 300], [16, 100_000], [1024, 3000], [40000, 64], [200000, 20], [1048560, 6]])
    cases.push({ name: `${build}: ${count} × ${size} B freed, then each freed again: all DOUBLE_FREE`, fn: 'manyThenAgain', args: { build, size, count }, timeoutMs: 20_000 });
  for (const size of [16, 1024, 2000, 61440, 65536, 200000, 1048560, 1 << 20, (1 << 20) + 1, 3 << 20, 200 << 20])
    cases.push({ name: `${build}: malloc(${size}); free; free: DOUBLE_FREE`, fn: 'oneThenAgain', args: { build, size }, timeoutMs: 10_000 });
  cases.push({ name: `${build}: a 10 MiB block pushed out of the BigCache, freed again: DOUBLE_FREE`, fn: 'evictedThenAgain', args: { build }, timeoutMs: 10_000 });
  for (const [size, count] of [[2000, 300], [200000, 20], [1048560, 2], [3 << 20, 1], [200 << 20, 1]])
    cases.push({ name: `${build}: interior pointers of freed ${count} × ${size} B: INVALID_POINTER or DOUBLE_FREE`, fn: 'interiorOfFreed', args: { build, size, count }, timeoutMs: 10_000 });
}

caseSuite('every double free is DOUBLE_FREE (issue 10 case 5)', 'double free', module, cases, 10_000);
