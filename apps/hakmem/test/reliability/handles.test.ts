import { caseSuite, type CaseSpec } from './harness.js';

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

caseSuite('malformed handles are refused with every memory unchanged (issue 10 case 3)', 'malformed handles', module, cases, 5_000);
