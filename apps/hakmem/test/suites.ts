import { BOX_NAMES, type BoxName } from '@hakmem/contracts';
import { createAllocator, type Allocator, type AllocatorOptions, type Variant } from '../src/index.js';
import { boxCombinations } from './build-matrix.js';
import { VARIANTS } from './helpers.js';

/**
 * What a parameterised suite (conformance, properties) runs against. One
 * suite definition serves the full runs of the all-release and all-debug heaps
 * and the quick pass of every combination of the build matrix, so a mix of
 * builds is held to exactly the assertions a uniform build is.
 */
export interface SuiteConfig {
  /** Goes into every describe name, so a failure says which builds broke: 'release', or 'tlsSll=D superslab=R …'. */
  readonly label: string;
  /** The build options every heap of the suite starts from (`variant`, `boxes`). */
  readonly options: AllocatorOptions;
  /**
   * Quick pass: the same assertions over fewer fast-check runs and shorter
   * loops; sixty-four full suites would not fit CI's time budget.
   */
  readonly quick: boolean;
}

/** The full suite over one uniform build. */
export function fullSuite(variant: Variant): SuiteConfig {
  return { label: variant, options: { variant }, quick: false };
}

/**
 * The suites this run drives: HAKMEM_MATRIX=1 (set by `pnpm test:matrix`)
 * gives the quick pass over every combination of box builds; otherwise the
 * full suite per variant of VARIANTS.
 */
export const SUITES: readonly SuiteConfig[] = process.env.HAKMEM_MATRIX === '1' ? boxCombinations() : VARIANTS.map(fullSuite);

/** A heap of the suite's builds, 256 MiB at most unless `extra` says otherwise. */
export function heapFor(suite: SuiteConfig, extra: AllocatorOptions = {}): Allocator {
  return createAllocator({ maxBytes: 256 << 20, ...suite.options, ...extra });
}

/** The build each box runs under `options`: its own choice, else the heap's variant, else release. */
export function buildsOf(options: AllocatorOptions): Record<BoxName, Variant> {
  const builds = {} as Record<BoxName, Variant>;
  for (const box of BOX_NAMES) {
    const choice = options.boxes?.[box];
    builds[box] = choice === 'release' || choice === 'debug' ? choice : (options.variant ?? 'release');
  }
  return builds;
}
