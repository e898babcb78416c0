import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ROOT, publishablePackages, binOf, runNode, tarballFiles } from './workspace.js';

const packages = publishablePackages();
const tarball = (file: string) => join(inject('packDir'), file);

/** The CLIs' `bin` files, so they run with this Node and never through a download. */
const PUBLINT = binOf('publint');
const ATTW = binOf('@arethetypeswrong/cli', 'attw');

describe('what gets published', () => {
  it('is every package except the private apps and tooling', () => {
    expect(packages.map((p) => p.name)).toEqual([
      '@hakmem/alt-boxes', '@hakmem/bigcache', '@hakmem/contracts', '@hakmem/front-gate', '@hakmem/linear-memory',
      '@hakmem/mid-large-ace', '@hakmem/shared-pool', '@hakmem/superslab', '@hakmem/tls-sll-box', '@hakmem/wasm', 'hakmem',
    ]);
  });

  it.concurrent.each(packages)('$name: publint --strict finds nothing', async (p) => {
    const r = await runNode(PUBLINT, ['--strict', tarball(p.tarball)], { cwd: ROOT });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('All good');
  });

  // ESM-only packages: attw's esm-only profile leaves out the CommonJS
  // resolutions (node10, node16 from CJS) and checks node16 from ESM and bundler.
  it.concurrent.each(packages)('$name: attw --profile esm-only finds nothing', async (p) => {
    const r = await runNode(ATTW, [tarball(p.tarball), '--profile', 'esm-only', '--no-definitely-typed', '--no-color', '--format', 'ascii'], { cwd: ROOT });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it.each(packages)('$name: the tarball holds README, LICENSE, CHANGELOG and built files, nothing test-only or from src/', (p) => {
    const files = tarballFiles(tarball(p.tarball));
    const names = [...files.keys()];
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) expect(names).toContain(f);
    expect(files.get('LICENSE')!.toString('utf8')).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    // Besides: hakmem's heap-map command, and the C shim @hakmem/wasm hands to a C build.
    const extra = /^(bin\/[\w.-]+\.mjs|c\/hakmem_malloc\.[ch])$/;
    expect(names.filter((n) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/[\w.-]+\.(js|d\.ts))$/.test(n) && !extra.test(n))).toEqual([]);
    expect(names.filter((n) => /\.test\.|\.spec\./.test(n))).toEqual([]);
  });

  it.each(packages)('$name: package.json is complete and resolvable outside the workspace', (p) => {
    const pkg = JSON.parse(tarballFiles(tarball(p.tarball)).get('package.json')!.toString('utf8'));
    expect(JSON.stringify(pkg)).not.toContain('workspace:');
    expect(JSON.stringify(pkg)).not.toContain('hakmem-source');
    for (const range of Object.values<string>(pkg.dependencies ?? {})) expect(range).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(pkg.license).toBe('MIT');
    expect(pkg.repository).toMatchObject({ type: 'git', directory: p.dir });
    expect(pkg.homepage).toContain(p.dir);
    expect(pkg.bugs?.url).toMatch(/^https:\/\//);
    expect(pkg.keywords.length).toBeGreaterThan(0);
    expect(pkg.engines?.node).toMatch(/^>=\d+/);
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
  });
});
