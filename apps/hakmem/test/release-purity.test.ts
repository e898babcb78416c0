import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packages = join(__dirname, '..', '..', '..', 'packages');

/**
 * Text that only validation code contains: messages of the checks each debug
 * build adds, and the helper functions that make them. Release bundles must
 * not contain any of it (the code is gone, not skipped); debug bundles must
 * contain all of it (so this list stays honest as the checks change).
 */
const VALIDATION: Record<string, string[]> = {
  'tls-sll-box': [
    'is already in the class', 'out of range [0,', 'overflows class', 'block is not 16-byte aligned', 'function checkPush', 'function checkClass',
    'is not in a slab of class', 'was written after free', 'new WeakMap', 'function checkBlockOfClass', 'function poisonCached', 'function checkLeaving',
  ],
  superslab: [
    'block handed out while already live', 'is not inside a SuperSlab', 'function checkNotLive', 'function assertOwnedSlab',
    'write past the usable end', 'was written after free', 'block return:', 'function guardOnMalloc', 'function guardOnFree', 'function checkTake', 'function checkReturn',
  ],
  'shared-pool': ['(expected ACTIVE)', 'blocks still out', 'slabs in use'],
  'mid-large-ace': [
    'cached run is not a free run of its class', 'cached block is already live', 'holds a span that is not this worker',
    'write past the usable end', 'was written after free', 'block return:', 'plus its', 'ACE moved class', 'function checkTake', 'function checkCachedBlock', 'function guardOnFree', 'function checkLeaving',
  ],
  bigcache: ['before touching the cache', 'function assertCacheValid'],
  'front-gate': ["of the pointer's page disagrees with", 'function checkedPageWord', 'neither ACTIVE nor EMPTY'],
};

const read = (pkg: string, file: string) => readFileSync(join(packages, pkg, 'dist', file), 'utf8');

describe('release bundles hold no validation code', () => {
  it.each(Object.keys(VALIDATION))('%s: release lacks every validation marker, debug has them all', (pkg) => {
    const release = read(pkg, 'index.js');
    const debug = read(pkg, 'debug.js');
    for (const marker of VALIDATION[pkg]) {
      expect(release, `release ${pkg} contains "${marker}"`).not.toContain(marker);
      expect(debug, `debug ${pkg} lacks "${marker}"`).toContain(marker);
    }
  });

  it.each(['tls-sll-box', 'superslab', 'shared-pool', 'bigcache', 'front-gate', 'mid-large-ace'])('%s: the build constant is folded away in both bundles', (pkg) => {
    for (const file of ['index.js', 'debug.js']) {
      const text = read(pkg, file);
      expect(text).not.toContain('__HAKMEM_DEBUG__');
      // Folded `if (false)` leftovers would show as literal dead branches.
      expect(text).not.toMatch(/if \(false\)|false &&/);
    }
  });

  it('the hot paths of release builds are typed-array code only: no try, no closures, no Map', () => {
    const fns: [string, string][] = [
      ['tls-sll-box', 'popBlock'],
      ['tls-sll-box', 'pushBlock'],
      ['superslab', 'markLive'],
      ['superslab', 'clearLive'],
      ['front-gate', 'pageWordOf'],
    ];
    for (const [pkg, fn] of fns) {
      const text = read(pkg, 'index.js');
      const start = text.indexOf(`function ${fn}(`);
      expect(start, `${pkg} exports ${fn}`).toBeGreaterThanOrEqual(0);
      const body = text.slice(start, text.indexOf('\n}\n', start));
      expect(body).not.toMatch(/\btry\b|=>|\bnew Map\b|\?\.|\bthrow\b/);
      expect(body.split('\n').length, `${pkg} ${fn} stays a handful of lines`).toBeLessThanOrEqual(8);
    }
  });
});
