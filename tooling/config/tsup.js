// @ts-check
/**
 * The one tsup preset every box uses: the same `src/index.ts` is bundled
 * twice, with `__HAKMEM_DEBUG__` replaced by `false` (release, `dist/index.js`)
 * and by `true` (debug, `dist/debug.js`). `minifySyntax` folds the
 * `if (false) { ... }` branches away and tree-shaking drops the validators
 * they called, so release bundles hold no validation code at all.
 */
import { defineConfig } from 'tsup';

/** @param {{ debugBuild?: boolean, entry?: string }} [opts] */
export function boxConfig(opts = {}) {
  const entry = opts.entry ?? 'src/index.ts';
  /** @param {'index' | 'debug'} name @param {boolean} debug */
  const variant = (name, debug) => ({
    entry: { [name]: entry },
    format: ['esm'],
    target: 'node20',
    platform: 'neutral',
    dts: true,
    sourcemap: false,
    clean: false,
    treeshake: true,
    splitting: false,
    define: { __HAKMEM_DEBUG__: debug ? 'true' : 'false' },
    esbuildOptions(o) {
      o.minifySyntax = true;
    },
  });
  const builds = [variant('index', false)];
  if (opts.debugBuild !== false) builds.push(variant('debug', true));
  // @ts-ignore - tsup's option type is wider than this literal
  return defineConfig(builds);
}
