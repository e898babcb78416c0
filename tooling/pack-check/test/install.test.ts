import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOT, binOf, cleanEnv, publishablePackages, runNode } from './workspace.js';

/**
 * The tarballs as a user gets them: installed with plain npm into an empty
 * project outside the workspace, with nothing but the tarballs to install
 * from (`--offline`: a dependency that is not among them fails the install
 * instead of being fetched).
 */
let project: string;

/**
 * npm's own CLI, run with this Node: next to it (Node's installers and nvm
 * put it there), else the `npm` on PATH (a symlink to its CLI, as Debian's
 * package installs it).
 */
function npmCli(): string {
  const bin = dirname(process.execPath);
  const candidates = [join(bin, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), join(bin, 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'npm'));
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const file = realpathSync(candidate);
    if (file.endsWith('.js')) return file;
  }
  throw new Error(`npm's CLI not found next to ${process.execPath} or on PATH`);
}

beforeAll(async () => {
  project = realpathSync(mkdtempSync(join(tmpdir(), 'hakmem-install-')));
  // Outside the workspace, or Node and TypeScript could find its node_modules.
  expect(relative(ROOT, project).startsWith('..')).toBe(true);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'hakmem-user', private: true, type: 'module' }));
  writeFileSync(join(project, '.npmrc'), '');
  const tarballs = publishablePackages().map((p) => join(inject('packDir'), p.tarball));
  const r = await runNode(
    npmCli(),
    ['install', '--offline', '--no-audit', '--no-fund', '--no-update-notifier', '--ignore-scripts', '--cache', join(project, '.npm-cache'), ...tarballs],
    // The user config is the project's empty one, so no .npmrc of this machine changes the install.
    { cwd: project, env: cleanEnv({ npm_config_userconfig: join(project, '.npmrc') }) },
  );
  expect(r.code, `npm install failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** The first ```ts block of the installed hakmem README: its top example. */
function readmeExample(): string {
  const readme = readFileSync(join(project, 'node_modules', 'hakmem', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('the hakmem README has no ```ts example');
  return block[1];
}

/** What a `console.log(...)  // 'X'` line of the example promises to print, in order. */
function promisedOutput(example: string): string[] {
  const out: string[] = [];
  for (const line of example.split('\n')) {
    const m = /console\.log\(.*\/\/\s*('([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?|true|false))\s*$/.exec(line);
    if (m) out.push(m[2] ?? m[3] ?? m[4]);
  }
  return out;
}

describe('installed from the tarballs with npm, outside the workspace', () => {
  it("runs the hakmem README's top example as an .mjs, printing what its comments say", async () => {
    const example = readmeExample();
    const js = ts.transpileModule(example, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    writeFileSync(join(project, 'example.mjs'), js);
    const r = await runNode(join(project, 'example.mjs'), [], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    const promised = promisedOutput(example);
    expect(promised.length).toBeGreaterThan(0);
    expect(r.stdout.trim().split('\n')).toEqual(promised);
  });

  it.each(['node16', 'bundler'])('typechecks a TypeScript use of the API with tsc --noEmit, moduleResolution %s', async (resolution) => {
    writeFileSync(join(project, 'example.ts'), readmeExample());
    writeFileSync(join(project, 'use.ts'), USE_TS);
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      ...(resolution === 'node16' ? { module: 'node16', moduleResolution: 'node16' } : { module: 'esnext', moduleResolution: 'bundler' }),
    };
    const config = `tsconfig.${resolution}.json`;
    writeFileSync(join(project, config), JSON.stringify({ compilerOptions, files: ['example.ts', 'use.ts'] }));
    const r = await runNode(binOf('typescript', 'tsc'), ['-p', config, '--pretty', 'false'], { cwd: project });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

/**
 * A use of every entry point and of the types users name; the
 * `@ts-expect-error` lines fail the check if the types were `any`.
 */
const USE_TS = `
import { createAllocator, attachAllocator, HeapError, type Allocator, type AllocatorOptions, type AllocatorStats, type BigCacheImplementation, type HeapErrorCode, type SharedHeapHandle } from 'hakmem'
import * as release from 'hakmem/release'
import * as debug from 'hakmem/debug'
import { uncachedBigCache, fixedTlsSll } from '@hakmem/alt-boxes'
import { PAGE_SIZE } from '@hakmem/contracts/layout'

const options: AllocatorOptions = { maxBytes: 16 << 20, boxes: { bigcache: uncachedBigCache, tlsSll: fixedTlsSll(4), superslab: 'debug' } }
const heap: Allocator = createAllocator(options)
const p: number = heap.malloc(PAGE_SIZE)
const stats: AllocatorStats = heap.stats()
const live: number = stats.liveBlocks
heap.free(p)
const lean: Allocator = release.createAllocator({ variant: 'release' })
const checked: Allocator = debug.createAllocator()
const sameError: typeof HeapError = release.HeapError
function codeOf(e: unknown): HeapErrorCode | undefined { return e instanceof debug.HeapError ? e.code : undefined }
function attach(h: SharedHeapHandle): Allocator { return attachAllocator(h) }
const big: BigCacheImplementation = uncachedBigCache
// @ts-expect-error malloc takes a number
heap.malloc('8')
// @ts-expect-error there is no such variant
createAllocator({ variant: 'fast' })
// @ts-expect-error the release entry point's heap has no such method
lean.mallocSomething(1)
export { live, checked, sameError, codeOf, attach, big }
`;
