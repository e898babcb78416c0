import { caseSuite, type CaseSpec } from './harness.js';

/** Issue 10, case 4: the size limit is the number the user gave, and only sizes above it throw. */
const module = new URL('./limit-cases.mjs', import.meta.url);
const OPS = ['malloc', 'calloc(1, n)', 'calloc(n, 1)', 'realloc', 'alignedAlloc(8, n)', 'alignedAlloc(64, n)', 'alignedAlloc(4096, n)', 'alignedAlloc(65536, n)'];
const cases: CaseSpec[] = [];
for (const build of ['release', 'debug']) {
  for (const [maxBytes, heapBase] of [[1_234_567, undefined], [5_000_001, undefined], [(64 << 20) + 12345, undefined], [3 << 20, 983041], [undefined, undefined], [undefined, 1 << 20]])
    cases.push({ name: `${build}: stats().maxBytes of { maxBytes: ${maxBytes}, heapBase: ${heapBase} }`, fn: 'statsMaxBytes', args: { build, maxBytes, heapBase } });
  for (const maxBytes of [1_234_567, 5_000_001])
    for (const op of OPS) {
      const sizes = [maxBytes, maxBytes - 1, 1_200_000, 1_179_648, 1_179_649, (1 << 20) + 1, 1 << 20, 1_048_560, 200_000, Math.floor(maxBytes / 2)].filter((n) => n <= maxBytes);
      cases.push({ name: `${build}: maxBytes ${maxBytes}: ${op} of sizes up to maxBytes gives a pointer or 0, maxBytes + 1 is a RangeError`, fn: 'upToMaxBytes', args: { build, maxBytes, op, sizes } });
    }
  for (const heapBase of [0, 1 << 20])
    for (const op of [...OPS, 'calloc(65536, 65536)'])
      if (heapBase === 0 || op !== 'calloc(65536, 65536)')
        cases.push({ name: `${build}: default heap, heapBase ${heapBase}: ${op} of 2^32 - heapBase is 0, one more is a RangeError`, fn: 'defaultHeapLimit', args: { build, heapBase, op } });
}

caseSuite('limits say what they mean (issue 10 case 4)', 'limits', module, cases, 5_000);
