import * as tls from '@hakmem/tls-sll-box/debug';
import * as ss from '@hakmem/superslab/debug';
import * as pool from '@hakmem/shared-pool/debug';
import * as big from '@hakmem/bigcache/debug';
import * as gate from '@hakmem/front-gate/debug';
import * as mid from '@hakmem/mid-large-ace/debug';
import type { BoxName, Variant } from '@hakmem/contracts';
import type { BoxImplementations } from './box-contracts.js';
import { pickFrom, type BuildTable } from './build-table.js';

/**
 * The build table of `hakmem/debug`: the debug build of every box and
 * nothing else. The facade's build swaps this module in for `box-builds.ts`
 * (apps/hakmem/tsup.config.ts), so `dist/debug.js` runs no box's release
 * build (it still imports `slabRecordOf`, a layout accessor that is the same
 * in both builds, from the release superslab through heap.ts).
 */
export const builds: BuildTable = {
  tlsSll: { debug: tls },
  superslab: { debug: ss },
  sharedPool: { debug: pool },
  bigcache: { debug: big },
  frontGate: { debug: gate },
  midLargeAce: { debug: mid },
};

/** The debug build of `box`; asking for a release build is a RangeError. */
export function pick<K extends BoxName>(box: K, variant: Variant): BoxImplementations[K] {
  return pickFrom(builds, "'hakmem/debug'", box, variant);
}
