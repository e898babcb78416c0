// @ts-check
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { lintConfig } from './eslint.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');

/**
 * Lints `code` as if it were the file `file` of a package at `cwd` with the
 * given config; returns `rule → [severity, ...]` of what was reported.
 * @param {import('eslint').Linter.Config[]} config
 */
async function lint(config, file, code, cwd = here) {
  const eslint = new ESLint({ cwd, overrideConfigFile: true, overrideConfig: config });
  const [result] = await eslint.lintText(code, { filePath: join(cwd, file) });
  /** @type {Record<string, number[]>} */
  const byRule = {};
  for (const m of result.messages) (byRule[m.ruleId ?? 'parse'] ??= []).push(m.severity);
  return byRule;
}

const ERROR = 2;
const box = lintConfig({ box: true, constantFiles: ['src/layout.ts'] });

describe('eslint preset', () => {
  it('reports an unused import in any file', async () => {
    const code = "import { PAGE_SIZE } from '@hakmem/contracts/layout';\nexport const x = 0;\n";
    for (const [config, file] of [[box, 'src/box.ts'], [box, 'src/box.test.ts'], [lintConfig(), 'src/app.ts']])
      expect((await lint(config, file, code))['@typescript-eslint/no-unused-vars']).toEqual([ERROR]);
  });

  it('reports a magic number in box source, not in its tests, its constant files, or a non-box package', async () => {
    const code = 'export const pageClass = (word: number): number => (word >>> 8) & 0xff;\n';
    expect((await lint(box, 'src/box.ts', code))['@typescript-eslint/no-magic-numbers']).toEqual([ERROR, ERROR]);
    expect((await lint(lintConfig({ box: true, magicNumbers: 'warn' }), 'src/box.ts', code))['@typescript-eslint/no-magic-numbers']).toEqual([1, 1]);
    expect(await lint(box, 'src/box.test.ts', code)).toEqual({});
    expect(await lint(box, 'src/layout.ts', code)).toEqual({});
    expect(await lint(lintConfig(), 'src/app.ts', code)).toEqual({});
  });

  it('takes a const, a default, an index and -1..2 as named', async () => {
    const code = [
      'export const CLASS_SHIFT = 8;',
      'export function f(a: Uint32Array, n = 16): number {',
      '  const local = 0xff;',
      '  return (a[3] >>> CLASS_SHIFT) + local + n + a.indexOf(2) * -1 + (1 << 1);',
      '}',
      '',
    ].join('\n');
    expect(await lint(box, 'src/box.ts', code)).toEqual({});
    expect((await lint(box, 'src/box.ts', 'export let mutable = 5;\n'))['@typescript-eslint/no-magic-numbers']).toEqual([ERROR]);
  });

  it('reports a cross-box import from box source, not from its tests', async () => {
    const imports = [
      "import { Superslab } from '@hakmem/superslab';",
      "import { createAllocator } from 'hakmem';",
      "import { walk } from 'hakmem/debug';",
      "import { x } from '../../superslab/src/superslab.js';",
      "import { y } from '../../../apps/hakmem/src/heap.js';",
    ];
    for (const line of imports) {
      const code = `${line}\nexport const z = [${line.match(/\{ (\w+) \}/)?.[1]}];\n`;
      expect((await lint(box, 'src/box.ts', code))['no-restricted-imports'], line).toEqual([ERROR]);
      expect(await lint(box, 'src/box.test.ts', code), line).toEqual({});
    }
  });

  it('lets a box import the foundation and its own files', async () => {
    const code = [
      "import { HeapError } from '@hakmem/contracts';",
      "import { PAGE_SIZE } from '@hakmem/contracts/layout';",
      "import { LinearMemory } from '@hakmem/linear-memory';",
      "import { helper } from './helper.js';",
      "import { other } from '../src/other.js';",
      'export const all = [HeapError, PAGE_SIZE, LinearMemory, helper, other];',
      '',
    ].join('\n');
    expect(await lint(box, 'src/box.ts', code)).toEqual({});
  });
});

/** Every workspace package: folders under packages/, apps/, tooling/ with a package.json. */
const packages = ['packages', 'apps', 'tooling'].flatMap((top) =>
  readdirSync(join(root, top))
    .map((name) => join(root, top, name))
    .filter((dir) => existsSync(join(dir, 'package.json'))),
);
const BOXES = ['alt-boxes', 'bigcache', 'contracts', 'front-gate', 'linear-memory', 'mid-large-ace', 'shared-pool', 'superslab', 'tls-sll-box'];

describe('every package lints', () => {
  it('has a lint script and an eslint.config.js from this preset', () => {
    expect(packages.length).toBeGreaterThan(BOXES.length);
    for (const dir of packages) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(pkg.scripts?.lint, dir).toMatch(/^eslint /);
      expect(readFileSync(join(dir, 'eslint.config.js'), 'utf8'), dir).toMatch(/lintConfig\(/);
    }
  });

  it('runs no test script with --passWithNoTests (a broken include must fail)', () => {
    for (const dir of packages) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      for (const [name, script] of Object.entries(pkg.scripts ?? {})) expect(script, `${dir} ${name}`).not.toMatch(/passWithNoTests/);
    }
  });

  it.each(BOXES)('%s gets the box rules from its own config', async (name) => {
    const dir = join(root, 'packages', name);
    const config = (await import(pathToFileURL(join(dir, 'eslint.config.js')).href)).default;
    const code = "import { Heap } from 'hakmem';\nexport const h = [Heap, (1 >>> 7) & 0xff];\n";
    const found = await lint(config, 'src/fixture.ts', code, dir);
    expect(found['no-restricted-imports'], name).toEqual([ERROR]);
    expect(found['@typescript-eslint/no-magic-numbers']?.length, name).toBe(2);
  });

  it('runs as part of the test command', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toMatch(/^turbo run lint /);
  });
});
