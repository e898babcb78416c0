import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(__dirname, '..');

// @hakmem/wasm is built on the facade's public API only: no box, no facade internals.
it('depends on hakmem alone and imports nothing but hakmem, node: modules and its own files', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(Object.keys(pkg.dependencies)).toEqual(['hakmem']);
  for (const f of readdirSync(join(root, 'src')).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
    const text = readFileSync(join(root, 'src', f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g))
      expect(m[1] === 'hakmem' || m[1].startsWith('node:') || m[1].startsWith('./'), `${f} imports ${m[1]}`).toBe(true);
  }
});
