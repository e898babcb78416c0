import { BOX_NAMES, type BoxName, type Variant } from '@hakmem/contracts';
import type { SuiteConfig } from './suites.js';

/** 'tlsSll=D superslab=R …': every box with the first letter of its build, in BOX_NAMES order. */
export function combinationLabel(builds: Record<BoxName, Variant>): string {
  return BOX_NAMES.map((box) => `${box}=${builds[box] === 'debug' ? 'D' : 'R'}`).join(' ');
}

/**
 * Every way to pick a build per box: 2^6 = 64 quick suites. Bit i of the
 * combination's index says whether box i runs its debug build, so index 0 is
 * all-release and the last index all-debug.
 */
export function boxCombinations(): SuiteConfig[] {
  const suites: SuiteConfig[] = [];
  for (let index = 0; index < 2 ** BOX_NAMES.length; index++) {
    const builds = {} as Record<BoxName, Variant>;
    BOX_NAMES.forEach((box, i) => (builds[box] = index & (1 << i) ? 'debug' : 'release'));
    suites.push({ label: combinationLabel(builds), options: { boxes: builds }, quick: true });
  }
  return suites;
}
