import { caseSuite, type CaseSpec } from './harness.js';

/**
 * Issue 10, case 8: usableSize of a freed block is DOUBLE_FREE (as free says),
 * and trim() after every worker detached and every block was freed leaves no
 * data page reserved.
 */
const module = new URL('./misc-cases.mjs', import.meta.url);
const cases: CaseSpec[] = [];
for (const build of ['release', 'debug']) {
  for (const size of [16, 1024, 2000, 40000, 61440, 200000, 1048560, 3 << 20])
    for (const sibling of [true, false])
      cases.push({ name: `${build}: usableSize of a freed ${size} B block${sibling ? ' (sibling live)' : ''} is DOUBLE_FREE`, fn: 'usableSizeOfFreed', args: { build, size, sibling } });
  cases.push({ name: `${build}: 2 workers allocate, free half remotely, detach; creator frees the rest and trims: 0 pages in use`, fn: 'trimAfterWorkersDetached', args: { build }, timeoutMs: 30_000 });
}

caseSuite('usableSize of freed blocks and trim after detach (issue 10 case 8)', 'usableSize and trim', module, cases, 10_000);
