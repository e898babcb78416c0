import * as tlsRelease from '@hakmem/tls-sll-box';
import * as tlsDebug from '@hakmem/tls-sll-box/debug';
import * as ssRelease from '@hakmem/superslab';
import * as ssDebug from '@hakmem/superslab/debug';
import * as poolRelease from '@hakmem/shared-pool';
import * as poolDebug from '@hakmem/shared-pool/debug';
import * as bigRelease from '@hakmem/bigcache';
import * as bigDebug from '@hakmem/bigcache/debug';
import * as gateRelease from '@hakmem/front-gate';
import * as gateDebug from '@hakmem/front-gate/debug';
import * as midRelease from '@hakmem/mid-large-ace';
import * as midDebug from '@hakmem/mid-large-ace/debug';
import type { BoxName, Variant } from '@hakmem/contracts';
import type { BoxImplementations } from './box-contracts.js';

/**
 * Both builds of every box; the facade picks one per box when it creates a
 * heap. The type annotation is also the compile-time proof that every
 * built-in build satisfies its box's contract (`box-contracts.ts`): a build
 * that lost a member the facade uses fails the facade's typecheck here.
 */
export const builds: { readonly [K in BoxName]: Readonly<Record<Variant, BoxImplementations[K]>> } = {
  tlsSll: { release: tlsRelease, debug: tlsDebug },
  superslab: { release: ssRelease, debug: ssDebug },
  sharedPool: { release: poolRelease, debug: poolDebug },
  bigcache: { release: bigRelease, debug: bigDebug },
  frontGate: { release: gateRelease, debug: gateDebug },
  midLargeAce: { release: midRelease, debug: midDebug },
};

/** The build of `box` for `variant`, as its contract. */
export function pick<K extends BoxName>(box: K, variant: Variant): BoxImplementations[K] {
  return builds[box][variant];
}
