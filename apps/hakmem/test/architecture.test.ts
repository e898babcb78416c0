import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..', '..');
const FOUNDATION = ['@hakmem/contracts', '@hakmem/contracts/layout', '@hakmem/linear-memory'];
const BOXES = ['tls-sll-box', 'superslab', 'shared-pool', 'bigcache', 'front-gate', 'mid-large-ace'];
/** Packages of alternative box implementations: the same rule as a box. */
const ALTERNATIVES = ['alt-boxes'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  return importsIn(readFileSync(file, 'utf8'));
}

function importsIn(source: string): string[] {
  // Block comments go first: a doc comment's usage example is not an import.
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
}

/** Tests may use the workspace's test tooling (the README-example runner); box code may not. */
function testTooling(file: string, spec: string): boolean {
  return file.endsWith('.test.ts') && spec.startsWith('@hakmem/tooling/');
}

describe('box boundaries', () => {
  it.each([...BOXES, ...ALTERNATIVES])('%s depends on the foundation only, never on a box or the facade', (box) => {
    const dir = join(root, 'packages', box);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) expect(FOUNDATION, `${box} depends on ${dep}`).toContain(dep);
    expect(Object.keys(pkg.dependencies ?? {}).length).toBeGreaterThan(0);
    for (const file of sources(join(dir, 'src')))
      for (const spec of importsOf(file)) {
        const ok = spec.startsWith('./') || FOUNDATION.includes(spec) || spec.startsWith('node:') || spec === 'vitest' || spec === 'fast-check' || testTooling(file, spec);
        expect(ok, `${file} imports ${spec}`).toBe(true);
      }
  });

  it('the foundation depends on no box', () => {
    for (const pkgName of ['contracts', 'linear-memory'])
      for (const file of sources(join(root, 'packages', pkgName, 'src')))
        for (const spec of importsOf(file))
          expect(spec.startsWith('./') || FOUNDATION.includes(spec) || spec.startsWith('node:') || spec === 'vitest' || testTooling(file, spec), `${file} imports ${spec}`).toBe(true);
  });

  it('the rule itself sees imports (a deliberately bad line is caught)', () => {
    const bad = "import { Superslab } from '@hakmem/superslab';\nexport { x } from '../other-box/src/x.js';";
    const specs = [...bad.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(specs).toEqual(['@hakmem/superslab', '../other-box/src/x.js']);
    // A doc comment's example is skipped, the import after it is not.
    expect(importsIn(`/**\n * import { createAllocator } from 'hakmem'\n */\n${bad}`)).toEqual(['@hakmem/superslab', '../other-box/src/x.js']);
  });
});
