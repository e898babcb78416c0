// @ts-check
/**
 * The one tsup preset every box uses: the same `src/index.ts` is bundled
 * twice, with `__HAKMEM_DEBUG__` replaced by `false` (release, `dist/index.js`)
 * and by `true` (debug, `dist/debug.js`). `minifySyntax` folds the
 * `if (false) { ... }` branches away and tree-shaking drops the validators
 * they called, so release bundles hold no validation code at all.
 */
import { defineConfig } from 'tsup';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `@hakmem/contracts/layout` is bundled into every package (from source,
 * through the `hakmem-source` export condition) rather than imported, so its
 * constants become literals in the hot paths.
 *
 * `swapEntries` adds entries bundled with some of the package's own modules
 * replaced: `{ release: { entry: 'src/release.ts', swap: { 'box-builds':
 * 'box-builds.release' } } }` builds `dist/release.js` from `src/release.ts`
 * with every `./box-builds.js` import under `src/` resolved to
 * `src/box-builds.release.ts` (the facade's lean entry points).
 * @param {{ debugBuild?: boolean, entry?: Record<string, string>, swapEntries?: Record<string, { entry: string, swap: Record<string, string> }> }} [opts]
 */
export function boxConfig(opts = {}) {
  const entry = opts.entry ?? { index: 'src/index.ts' };
  // HAKMEM_BUILD_TYPES=0 (the bench's build: nothing reads declarations
  // there) skips TypeScript's declaration pass, most of a build's time.
  // turbo.json lists the variable, so such a build never serves as a cached
  // build with types.
  const types = process.env.HAKMEM_BUILD_TYPES !== '0';
  /** @param {'index' | 'debug'} name @param {boolean} debug */
  const variant = (name, debug) => ({
    entry: name === 'index' ? entry : { debug: entry.index },
    noExternal: ['@hakmem/contracts/layout'],
    format: ['esm'],
    target: 'node20',
    platform: 'neutral',
    // One declaration build per package: the debug entry is the same
    // source, so its types are the release entry's (writeDebugTypes).
    // TypeScript's declaration pass was most of a box's build time.
    dts: types && !debug,
    ...(types && debug ? { onSuccess: writeDebugTypes } : {}),
    sourcemap: false,
    clean: false,
    treeshake: true,
    splitting: false,
    define: { __HAKMEM_DEBUG__: debug ? 'true' : 'false' },
    esbuildOptions(o) {
      o.minifySyntax = true;
      // Bundle the layout entry from its TypeScript source: its `const`s are
      // then still constants, which esbuild inlines as literals.
      o.conditions = ['hakmem-source'];
    },
  });
  const builds = [variant('index', false)];
  if (opts.debugBuild !== false) builds.push(variant('debug', true));
  for (const [name, { entry: file, swap }] of Object.entries(opts.swapEntries ?? {}))
    builds.push({ ...variant('index', false), entry: { [name]: file }, esbuildPlugins: [swapModules(swap)] });
  // @ts-ignore - tsup's option type is wider than this literal
  return defineConfig(builds);
}

/** `dist/debug.d.ts`: the debug bundle exports what the release bundle does, under the same types. */
async function writeDebugTypes() {
  await writeFile(resolve('dist', 'debug.d.ts'), "export * from './index.js';\n");
}

/**
 * An esbuild plugin resolving `./<from>.js`, imported by a file of the
 * package, to the sibling `<to>.ts` instead, for each `from: to` of `swap`.
 * @param {Record<string, string>} swap
 * @returns {import('esbuild').Plugin}
 */
function swapModules(swap) {
  const names = Object.keys(swap).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const filter = new RegExp(`^\\./(${names.join('|')})\\.js$`);
  return {
    name: 'hakmem-swap-modules',
    setup(build) {
      build.onResolve({ filter }, (args) => {
        const from = args.path.slice(2, -3);
        return { path: resolve(dirname(args.importer), `${swap[from]}.ts`) };
      });
    },
  };
}
