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

/** Source text without comments (a comment may name what the code must not do). */
function code(file: string): string {
  return readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

/** A view kept in a field outlives a growth of the memory: rule 1 of LinearMemory's view rule. */
const VIEW_IN_FIELD = /this\.\w+\s*=\s*[^;=]*\blm\.(u8|u32|i32)\b\s*;/g;
const REFRESH_CALL = /\.refresh\(\)/g;

describe('the view rule (LinearMemory, docs/ARCHITECTURE.md "Views and growth")', () => {
  const boxFiles = [...BOXES, ...ALTERNATIVES].flatMap((b) => sources(join(root, 'packages', b, 'src'))).filter((f) => !f.endsWith('.test.ts'));

  it('no box keeps a view in a field, and none refreshes the views itself (they call fresh() and cover())', () => {
    for (const file of boxFiles) {
      expect(code(file).match(VIEW_IN_FIELD), `${file} keeps a view in a field`).toBeNull();
      expect(code(file).match(REFRESH_CALL), `${file} calls refresh(); use lm.fresh() or lm.cover(end)`).toBeNull();
    }
  });

  it('the facade refreshes in one place (its stale-view suspicion) and keeps its hot copies only where it syncs them', () => {
    const facade = sources(join(root, 'apps', 'hakmem', 'src')).filter((f) => !f.endsWith('.test.ts'));
    const refreshes = facade.flatMap((f) => code(f).match(REFRESH_CALL) ?? []);
    expect(refreshes).toHaveLength(1);
    const heap = code(join(root, 'apps', 'hakmem', 'src', 'heap-core.ts'));
    // The constructor's and syncViews' assignments of u8 and u32, nothing else.
    expect(heap.match(VIEW_IN_FIELD)).toHaveLength(4);
  });

  it('the rule sees what it forbids (deliberately bad lines are caught)', () => {
    expect('this.u32 = this.lm.u32;'.match(VIEW_IN_FIELD)).toHaveLength(1);
    expect('const u32 = this.lm.u32;'.match(VIEW_IN_FIELD)).toBeNull();
    expect('if (x) this.lm.refresh();'.match(REFRESH_CALL)).toHaveLength(1);
  });
});

/**
 * What the facade may import from the contracts: geometry, size classes,
 * the page table's word format (the page layer's, through the decoders),
 * the shared walk and free vocabulary. Everything else in layout.ts lays out
 * some box's records (SuperSlab headers, slab records, spans, BigCache, the
 * pool, the TLS cache, the heap header), which only that box (or the page
 * layer) reads.
 */
const FACADE_LAYOUT_NAMES = new Set([
  'PAGE_SIZE', 'PAGE_SHIFT', 'PAGE_MASK', 'MAX_PAGES', 'GRANULE', 'GRANULE_SHIFT', 'TINY_MAX', 'MID_MAX', 'TINY_CLASSES', 'TINY_CLASS_SIZES',
  'TINY_CLASS_OF_GRANULES', 'MID_CLASS_SIZES', 'midClassOf', 'SPAN_MAX_PAGES', 'VARIANT_DEBUG_BYTE',
  'SMALL_HEAP_PAGES', 'smallHeapClassTable', 'TINY_BORROW_LAST', 'TINY_BORROW_BUDGET',
  'pageKind', 'isTinyPage', 'pageClass', 'pageSlab', 'pageDistance', 'runPages', 'isRunHead', 'PK_FREE', 'PK_META', 'PK_TINY', 'PK_SS_SPARE',
  'PK_MID_SPAN', 'PK_RUN_LIVE', 'PK_RUN_FREE', 'PK_RUN_BODY', 'PK_RESERVED', 'PK_KIND_MASK',
]);
/**
 * Named imports the facade may take from a box package: none. (The build
 * tables import whole modules; the one restatement of box layouts is
 * hot-layout.ts, below.)
 */
const FACADE_BOX_FUNCTIONS: Record<string, string[]> = {};

/** Named imports of `file` from `spec`: `import { a, b as c, type D } from 'spec'`. */
function namedImports(source: string, spec: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '');
  const esc = spec.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&');
  return [...text.matchAll(new RegExp(`import\\s+(type\\s+)?\\{([^}]*)\\}\\s*from\\s*['"]${esc}['"]`, 'g'))].flatMap((m) =>
    m[1] !== undefined ? [] : m[2].split(',').map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type ')).map((n) => n.split(/\s+as\s+/)[0]),
  );
}

describe('the facade reads no box record (issue 11)', () => {
  const facade = sources(join(root, 'apps', 'hakmem', 'src')).filter((f) => !f.endsWith('.test.ts'));
  const BOX_SPECS = BOXES.map((b) => `@hakmem/${b}`);

  it('imports no record-layout constant or accessor of any box from the contracts', () => {
    for (const file of facade) {
      const src = readFileSync(file, 'utf8');
      for (const spec of ['@hakmem/contracts/layout', '@hakmem/contracts'])
        for (const name of namedImports(src, spec)) {
          const allowed = FACADE_LAYOUT_NAMES.has(name) || (spec === '@hakmem/contracts' && !/^[A-Z][A-Z0-9_]*$/.test(name)) || /^(FREE_|ROUTE_|BOX_NAMES$)/.test(name);
          expect(allowed, `${file} imports ${name} from ${spec}`).toBe(true);
        }
    }
  });

  it('imports from a box package only the built-in fast path functions (the build tables import whole modules)', () => {
    for (const file of facade) {
      const src = readFileSync(file, 'utf8');
      for (const spec of [...BOX_SPECS, ...BOX_SPECS.map((s) => `${s}/debug`)])
        for (const name of namedImports(src, spec)) expect(FACADE_BOX_FUNCTIONS[spec] ?? [], `${file} imports ${name} from ${spec}`).toContain(name);
    }
  });

  it('only the written-out fast path (heap-core.ts) uses hot-layout.ts, the restated layouts test/hot-layout.test.ts holds to the boxes', () => {
    const users = facade.filter((f) => /from\s+['"]\.\/hot-layout\.js['"]/.test(code(f))).map((f) => f.slice(f.lastIndexOf('/') + 1));
    expect(users).toEqual(['heap-core.ts']);
  });

  it('the rule sees what it forbids', () => {
    expect(namedImports("import { SM_OWNER, PAGE_SIZE as P, type X } from '@hakmem/contracts/layout';", '@hakmem/contracts/layout')).toEqual(['SM_OWNER', 'PAGE_SIZE']);
    expect(namedImports("import { slabRecordOf } from '@hakmem/superslab';", '@hakmem/superslab')).toEqual(['slabRecordOf']);
    expect(FACADE_LAYOUT_NAMES.has('SM_OWNER')).toBe(false);
  });
});
