import { readFileSync } from 'node:fs';
import { BOX_NAMES } from '@hakmem/contracts';
import { describe, expect, it } from 'vitest';
import { boxCombinations } from './build-matrix.js';
import { buildsOf, SUITES } from './suites.js';

describe('the build matrix', () => {
  it('has a build choice for each of the six boxes the facade contract names', () => {
    expect([...BOX_NAMES].sort()).toEqual(['bigcache', 'frontGate', 'midLargeAce', 'sharedPool', 'superslab', 'tlsSll']);
  });

  it('enumerates every mix of builds once: 2^6 distinct combinations with distinct names', () => {
    const combos = boxCombinations();
    expect(combos).toHaveLength(2 ** BOX_NAMES.length);
    // Distinct build maps over six boxes, 2^6 of them, can only be all of them.
    const mixes = new Set(combos.map((c) => JSON.stringify(buildsOf(c.options))));
    expect(mixes.size).toBe(combos.length);
    expect(new Set(combos.map((c) => c.label)).size).toBe(combos.length);
    for (const c of combos) {
      // Every box is named in the label with the build it runs, so a failure says which mix broke.
      const builds = buildsOf(c.options);
      for (const box of BOX_NAMES) expect(c.label).toContain(`${box}=${builds[box] === 'debug' ? 'D' : 'R'}`);
      expect(c.quick).toBe(true);
    }
  });

  it('includes the all-release and the all-debug heap', () => {
    const mixes = boxCombinations().map((c) => Object.values(buildsOf(c.options)));
    expect(mixes.some((m) => m.every((b) => b === 'release'))).toBe(true);
    expect(mixes.some((m) => m.every((b) => b === 'debug'))).toBe(true);
  });

  it('is what the conformance and property suites run under HAKMEM_MATRIX=1, and full runs otherwise', () => {
    if (process.env.HAKMEM_MATRIX === '1') expect(SUITES).toEqual(boxCombinations());
    else {
      expect(SUITES.length).toBeGreaterThan(0);
      for (const s of SUITES) {
        expect(s.quick).toBe(false);
        expect(s.label).toBe(s.options.variant);
      }
    }
  });

  it('drives every top-level describe of the matrix test files from SUITES', () => {
    const read = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
    const config = read('../vitest.matrix.config.ts');
    for (const file of ['conformance.test.ts', 'property.test.ts']) {
      expect(config).toContain(`test/${file}`);
      const source = read(file);
      const topLevel = source.match(/^\S.*\bdescribe(\.each\(.*?\))?\(/gm) ?? [];
      expect(topLevel.length, file).toBeGreaterThan(0);
      // A describe outside the loop would run once, not per combination.
      for (const line of topLevel) expect(line, file).toBe('for (const suite of SUITES) describe(');
    }
  });
});
