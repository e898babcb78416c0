import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BOX_NAMES } from '@hakmem/contracts';
import { ENTRIES, bundleApp, debugOnlyStrings, sizeOf } from '../scripts/bundle-sizes.mjs';

/**
 * The three entry points as built (`dist/`), which is what users import:
 * `hakmem/release` and `hakmem/debug` differ from `hakmem` only in the build
 * table tsup swaps in, so only the bundles can show that it worked.
 */
type Entry = typeof import('../src/index.js');
const load = (file: string): Promise<Entry> => import(pathToFileURL(join(__dirname, '..', 'dist', file)).href);
const entries = async () => ({ both: await load('index.js'), release: await load('release.js'), debug: await load('debug.js') });

describe('hakmem/release bundles without debug code', () => {
  it('an app using hakmem/release holds no debug-only text of any box; hakmem and hakmem/debug hold all of it', async () => {
    const markers = debugOnlyStrings();
    // Every box with a debug build must contribute markers, or a box could leak unseen.
    expect(Object.keys(markers).sort()).toEqual(['bigcache', 'front-gate', 'mid-large-ace', 'shared-pool', 'superslab', 'tls-sll-box']);
    const [both, release, debug] = await Promise.all(ENTRIES.map((e) => bundleApp(e)));
    for (const [box, strings] of Object.entries(markers)) {
      expect(strings.length, `${box} has no debug-only strings to look for`).toBeGreaterThan(0);
      expect(strings.filter((s) => release.includes(s)), `debug code of ${box} in the hakmem/release bundle`).toEqual([]);
      // The positive control: the same search finds the debug code where it must be.
      expect(strings.filter((s) => !debug.includes(s)), `hakmem/debug bundle lacks debug code of ${box}`).toEqual([]);
      expect(strings.filter((s) => !both.includes(s)), `hakmem bundle lacks debug code of ${box}`).toEqual([]);
    }
    const [b, r, d] = [both, release, debug].map(sizeOf);
    expect(r.minified).toBeLessThan(b.minified);
    expect(d.minified).toBeLessThan(b.minified);
    console.log(`createAllocator(); malloc(8) minified/gzip bytes: hakmem ${b.minified}/${b.gzip}, hakmem/release ${r.minified}/${r.gzip}, hakmem/debug ${d.minified}/${d.gzip}`);
  });
});

describe('entry points', () => {
  it('export the same names, and one HeapError class', async () => {
    const { both, release, debug } = await entries();
    expect(Object.keys(release).sort()).toEqual(Object.keys(both).sort());
    expect(Object.keys(debug).sort()).toEqual(Object.keys(both).sort());
    expect(release.HeapError).toBe(both.HeapError);
    expect(debug.HeapError).toBe(both.HeapError);
  });

  it('hakmem/release runs release builds and refuses debug ones with a RangeError naming the entry', async () => {
    const { both, release } = await entries();
    const heap = release.createAllocator({ maxBytes: 8 << 20 });
    expect(heap.variant).toBe('release');
    for (const b of BOX_NAMES) expect(heap.stats().boxVariants[b]).toBe('release');
    const p = heap.malloc(8);
    expect(p).toBeGreaterThan(0);
    heap.free(p);
    expect(() => heap.free(p)).toThrow(both.HeapError);
    expect(() => release.createAllocator({ variant: 'debug' })).toThrow(RangeError);
    expect(() => release.createAllocator({ variant: 'debug' })).toThrow(/'hakmem\/release' carries only the release builds/);
    expect(() => release.createAllocator({ boxes: { superslab: 'debug' } })).toThrow(/superslab asked for its debug build/);
    // A handle from a heap with a debug box cannot be attached through the release entry.
    const shared = both.createAllocator({ shared: true, maxBytes: 8 << 20, boxes: { bigcache: 'debug' } });
    expect(() => release.attachAllocator(shared.share())).toThrow(RangeError);
  });

  it('hakmem/debug defaults to debug builds, checks them, and refuses release ones', async () => {
    const { both, debug } = await entries();
    for (const heap of [debug.createAllocator(), debug.createAllocator({ maxBytes: 8 << 20 })]) {
      expect(heap.variant).toBe('debug');
      for (const b of BOX_NAMES) expect(heap.stats().boxVariants[b]).toBe('debug');
    }
    const heap = debug.createAllocator({ maxBytes: 8 << 20 });
    const p = heap.malloc(24);
    new Uint8Array(heap.memory.buffer)[p + heap.usableSize(p)] = 0xaa; // one byte past the end
    expect(() => heap.check()).toThrow(both.HeapError);
    expect(() => debug.createAllocator({ variant: 'release' })).toThrow(/'hakmem\/debug' carries only the debug builds/);
    expect(() => debug.createAllocator({ boxes: { tlsSll: 'release' } })).toThrow(RangeError);
    // Options that are not an object still get hakmem's own error.
    expect(() => debug.createAllocator(5 as never)).toThrow(TypeError);
    const shared = debug.createAllocator({ shared: true, maxBytes: 8 << 20 });
    expect(debug.attachAllocator(shared.share()).variant).toBe('debug');
  });
});
