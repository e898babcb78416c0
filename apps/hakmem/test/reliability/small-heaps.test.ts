import { caseSuite, type CaseSpec } from './harness.js';

/**
 * Issue 10, case 6: every small or odd maxBytes / heapBase either serves
 * every size class (filled, checked, emptied, served again) or is refused
 * at creation with a RangeError that states a minimum that works.
 */
const module = new URL('./small-heap-cases.mjs', import.meta.url);
const SOAK = process.env.HAKMEM_SOAK === '1';
const named: [number, number][] = [[0, 131072], [0, 1_572_864], [0, 2_031_616], [983041, 2 << 20]];
// A sweep of odd values: around page (64 KiB) and SuperSlab (1 MiB) boundaries, with odd bases.
const sweepMax = [65536, 65537, 100000, 196607, 196609, 262143, 458753, 786433, 1048575, 1048577, 1114111, 1703937, 2097151, 2162689, 3145727, 4194305];
const sweepBase = SOAK ? [0, 1, 8, 65535, 65537, 983041, 1048576 + 12345] : [0, 65537, 983041];
const cases: CaseSpec[] = [];
for (const build of ['release', 'debug']) {
  for (const [heapBase, maxBytes] of named) cases.push({ name: `${build}: { heapBase: ${heapBase}, maxBytes: ${maxBytes} }`, fn: 'smallHeap', args: { build, heapBase, maxBytes } });
  for (const heapBase of sweepBase)
    for (const maxBytes of sweepMax)
      cases.push({ name: `${build}: sweep { heapBase: ${heapBase}, maxBytes: ${maxBytes} }`, fn: 'smallHeap', args: { build, heapBase, maxBytes } });
}

caseSuite('small heaps serve every size or refuse at creation (issue 10 case 6)', 'small heaps', module, cases, 10_000, (results) => `, ${[...results.values()].filter((r) => String(r.data).startsWith('refused')).length} refused at creation`);
