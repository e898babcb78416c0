import { boxConfig } from '@hakmem/tooling/tsup';

/**
 * `hakmem` (both builds of every box), plus `hakmem/release` and
 * `hakmem/debug`: the same facade bundled with a build table that holds one
 * build only, so the other build's box entries are never imported.
 */
export default boxConfig({
  debugBuild: false,
  swapEntries: {
    release: { entry: 'src/release.ts', swap: { 'box-builds': 'box-builds.release' } },
    debug: { entry: 'src/debug.ts', swap: { 'box-builds': 'box-builds.debug' } },
  },
});
