import * as tls from '@hakmem/tls-sll-box';
import * as ss from '@hakmem/superslab';
import * as pool from '@hakmem/shared-pool';
import * as big from '@hakmem/bigcache';
import * as gate from '@hakmem/front-gate';
import * as mid from '@hakmem/mid-large-ace';
import type { BoxName, Variant } from '@hakmem/contracts';
import type { BoxImplementations } from './box-contracts.js';
import { pickFrom, type BuildTable } from './build-table.js';

/**
 * The build table of `hakmem/release`: the release build of every box and
 * nothing else. The facade's build swaps this module in for `box-builds.ts`
 * (apps/hakmem/tsup.config.ts), so `dist/release.js` imports no `/debug`
 * entry of any box.
 */
export const builds: BuildTable = {
  tlsSll: { release: tls },
  superslab: { release: ss },
  sharedPool: { release: pool },
  bigcache: { release: big },
  frontGate: { release: gate },
  midLargeAce: { release: mid },
};

/** The release build of `box`; asking for a debug build is a RangeError. */
export function pick<K extends BoxName>(box: K, variant: Variant): BoxImplementations[K] {
  return pickFrom(builds, "'hakmem/release'", box, variant);
}
