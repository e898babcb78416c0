import { caseSuite, type CaseSpec } from './harness.js';

/**
 * Issue 10, case 7 (debug build only): poison outlives the box. Blocks are
 * freed until their slab, span or run goes back to the page layer (or to a
 * cache); a byte written into the first of them must make check() throw
 * CORRUPTION, and handing those pages out again must throw CORRUPTION at
 * that malloc or at the next check().
 */
const module = new URL('./poison-cases.mjs', import.meta.url);
// Tiny, mid span, mid page-run and large sizes: 3 × 3 MiB stay in BigCache, of 14 × 3 MiB
// most go past its budget (32 MiB of this 256 MiB heap) back to the page layer, poison and all.
const SHAPES: [number, number][] = [[1000, 3000], [61440, 40], [65536, 40], [200000, 20], [1048560, 6], [3 << 20, 3], [3 << 20, 14]];
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

caseSuite('debug poison outlives the box (issue 10 case 7)', 'debug poison', module, cases, 10_000);
