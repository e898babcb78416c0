#!/usr/bin/env node
// @ts-check
/**
 * What an application pays for hakmem: bundles `createAllocator(); malloc(8)`
 * through each entry point with esbuild (minified, for browsers, the way an
 * app would ship it) and measures the result. `pnpm --filter hakmem
 * bundle-sizes` prints the table; test/entry-points.test.ts uses the same
 * functions to prove `hakmem/release` carries no debug code.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const boxesDir = join(packageDir, '..', '..', 'packages');

export const ENTRIES = ['hakmem', 'hakmem/release', 'hakmem/debug'];

/**
 * The app bundle for `specifier`: one module calling `createAllocator()` and
 * `malloc(8)`, resolved through the package's exports like any app's import.
 * @param {string} specifier
 * @param {{ minify?: boolean }} [opts]
 */
export async function bundleApp(specifier, opts = {}) {
  const result = await build({
    stdin: {
      contents: `import { createAllocator } from '${specifier}'\nconst heap = createAllocator()\nheap.malloc(8)\n`,
      resolveDir: packageDir,
      sourcefile: 'app.mjs',
      loader: 'js',
    },
    bundle: true,
    minify: opts.minify ?? true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** @param {string} text */
export function sizeOf(text) {
  return { minified: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length };
}

const STRING_LITERAL = /(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g;

/**
 * Text only debug code holds: for each box with a debug build, the string
 * literals of its `dist/debug.js` that read like a message (ten characters
 * or more, with a space) and appear in no release code: not in any
 * package's release `dist/index.js` and not in the facade's own source.
 * These are the debug checks' error messages; minifying keeps them.
 * @returns {Record<string, string[]>} box package folder name -> its markers
 */
export function debugOnlyStrings() {
  const packages = readdirSync(boxesDir).filter((p) => existsSync(join(boxesDir, p, 'dist', 'index.js')));
  const facadeSource = readdirSync(join(packageDir, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const releaseText = [
    ...packages.map((p) => readFileSync(join(boxesDir, p, 'dist', 'index.js'), 'utf8')),
    ...facadeSource.map((f) => readFileSync(join(packageDir, 'src', f), 'utf8')),
  ].join('\n');
  /** @type {Record<string, string[]>} */
  const markers = {};
  for (const box of packages) {
    const debugFile = join(boxesDir, box, 'dist', 'debug.js');
    if (!existsSync(debugFile)) continue;
    const found = new Set();
    for (const m of readFileSync(debugFile, 'utf8').matchAll(STRING_LITERAL)) {
      // A template literal's pieces between `${...}` are markers on their own.
      for (const piece of m[2].split(/\$\{[^}]*\}/)) {
        if (piece.length >= 10 && piece.includes(' ') && !releaseText.includes(piece)) found.add(piece);
      }
    }
    markers[box] = [...found];
  }
  return markers;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log('createAllocator(); malloc(8), bundled with esbuild --bundle --minify (browser, es2022):');
  for (const entry of ENTRIES) {
    const { minified, gzip } = sizeOf(await bundleApp(entry));
    console.log(`  ${entry.padEnd(16)} ${kb(minified).padStart(10)} minified  ${kb(gzip).padStart(9)} gzip`);
  }
}
