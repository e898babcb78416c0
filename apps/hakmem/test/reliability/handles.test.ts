import { afterAll, beforeAll, describe, it } from 'vitest';
import { expectPassed, runCases, summary, type CaseResult, type CaseSpec } from './harness.js';

/**
 * Issue 10, case 3: every malformed handle (each field missing, of the wrong
 * type, out of range, from another heap) is a TypeError from attachAllocator,
 * no byte of any memory involved changes, and the real handle attaches after.
 */
const module = new URL('./handle-cases.mjs', import.meta.url);
const { MALFORMED } = (await import(module.href)) as { MALFORMED: Record<string, unknown> };
const cases: CaseSpec[] = [];
for (const build of ['release', 'debug'])
  for (const what of Object.keys(MALFORMED)) cases.push({ name: `${build}: attachAllocator with ${what}`, fn: 'malformedHandle', args: { build, what } });

let results: Map<string, CaseResult>;
beforeAll(async () => {
  results = await runCases(module, cases, 5_000);
}, 600_000);
afterAll(() => {
  if (results) console.log(summary('malformed handles', results));
});

describe('malformed handles are refused with every memory unchanged (issue 10 case 3)', () => {
  it.each(cases.map((c) => [c.name]))('%s', (name) => expectPassed(results, name));
});
