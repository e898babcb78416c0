import { describe, expect, it } from 'vitest';
import { MID_CLASS_SIZES, MID_FIRST_RUN_CLASS, SPAN_MAX_PAGES, PAGE_SIZE } from '@hakmem/contracts/layout';
import { MID_INVERSE } from './span-classes.js';

describe('span block index by reciprocal', () => {
  it('(rel * MID_INVERSE[cls]) | 0 is floor(rel / size) for every offset a span can hold, in every span class', () => {
    const limit = SPAN_MAX_PAGES * PAGE_SIZE;
    for (let cls = 0; cls < MID_FIRST_RUN_CLASS; cls++) {
      const size = MID_CLASS_SIZES[cls];
      const inv = MID_INVERSE[cls];
      let bad = -1;
      for (let rel = 0; rel < limit && bad < 0; rel++) if (((rel * inv) | 0) !== Math.floor(rel / size)) bad = rel;
      expect(bad, `class ${cls} (${size} B)`).toBe(-1);
      // below the first block (a pointer into the header): never mistaken for a block start
      for (let rel = -64; rel < 0; rel++) expect(((rel * inv) | 0) * size === rel).toBe(false);
    }
  });
});
