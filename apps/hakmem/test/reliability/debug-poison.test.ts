import { caseSuite, type CaseSpec } from './harness.js';

/**
 * Issue 10, case 7 (debug build only): poison outlives the box. Blocks are
 * freed until their slab, span or run goes back to the page layer (or to a
 * cache); a byte written into the first of them must make check() throw
 * CORRUPTION, and handing those pages out again must throw CORRUPTION at
 * that malloc or at the next check().
 */
const module = new URL('./poison-cases.mjs', import.meta.url);
// Tiny, mid span and mid page-run sizes. Large (BigCache) blocks are not poisoned, by design
// (docs/ARCHITECTURE.md, "Debug guards and poison": filling every freed multi-megabyte run would cost
// the debug build more than all its other checks); their controls below still run.
const SHAPES: [number, number][] = [[1000, 3000], [61440, 40], [65536, 40], [200000, 20], [1048560, 6]];
const LARGE: [number, number][] = [[3 << 20, 3], [3 << 20, 14]];
const cases: CaseSpec[] = [];
for (const build of ['debug', 'mid+bigcache-debug', 'superslab-debug'])
  for (const [size, count] of SHAPES) {
    // A mix only promises detection for the boxes that run their debug build.
    if (build === 'superslab-debug' && size > 1024) continue;
    if (build === 'mid+bigcache-debug' && size <= 1024) continue;
    for (const offset of [8, 'middle'] as const) {
      cases.push({ name: `${build}: ${count} × ${size} B freed, a byte written at ${offset === 8 ? '+8' : 'the middle'} of the first: check() throws CORRUPTION`, fn: 'writeThenCheck', args: { build, size, count, offset } });
      cases.push({ name: `${build}: ${count} × ${size} B freed, written at ${offset === 8 ? '+8' : 'the middle'}, allocated again: CORRUPTION at malloc or next check()`, fn: 'writeThenReuse', args: { build, size, count, offset } });
    }
    cases.push({ name: `${build}: ${count} × ${size} B freed, no write: no CORRUPTION (control)`, fn: 'noWriteNoAlarm', args: { build, size, count } });
  }
for (const [size, count] of LARGE)
  cases.push({ name: `debug: ${count} × ${size} B freed, no write: no CORRUPTION (control)`, fn: 'noWriteNoAlarm', args: { build: 'debug', size, count } });

caseSuite('debug poison outlives the box (issue 10 case 7)', 'debug poison', module, cases, 10_000);
