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
import type { Variant } from '@hakmem/contracts';

/** Both builds of every box; the facade picks one per box when it creates a heap. */
export const builds = {
  tlsSll: { release: tlsRelease, debug: tlsDebug },
  superslab: { release: ssRelease, debug: ssDebug },
  sharedPool: { release: poolRelease, debug: poolDebug },
  bigcache: { release: bigRelease, debug: bigDebug },
  frontGate: { release: gateRelease, debug: gateDebug },
  midLargeAce: { release: midRelease, debug: midDebug },
} as const;

/**
 * The build of `box` for `variant`. Both builds come from one source, so their
 * declarations are the same; TypeScript still treats the two classes as
 * distinct (private fields make them nominal), hence the cast to the release
 * build's type.
 */
export function pick<K extends keyof typeof builds>(box: K, variant: Variant): (typeof builds)[K]['release'] {
  return builds[box][variant] as (typeof builds)[K]['release'];
}
