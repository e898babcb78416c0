import {
  MID_CLASS_SIZES,
  PAGE_SHIFT,
  PK_RUN_LIVE,
  SP_BITMAP,
  SP_CARVED,
  SP_FREE_HEAD,
  SP_MAGIC,
  SP_USED,
  midClassOf,
  midSpanCapacity,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { validateSpan } from './span-walk.js';
import { spanStartOf } from '@hakmem/contracts/layout';
import { setup, newWalk, G } from './test-heap.js';

describe(`mid-large ACE: the span validator (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  describe('validateSpan', () => {
    function state() {
      const s = setup(64);
      const cls = midClassOf(3000 + G);
      const size = MID_CLASS_SIZES[cls];
      const ptrs = Array.from({ length: 6 }, () => s.mid.malloc(3000));
      const span = spanStartOf(ptrs[0], s.word(ptrs[0]));
      s.free(ptrs[4]);
      s.free(ptrs[5]);
      s.mid.flush(); // ptrs[4], ptrs[5] go to the span's free list
      return { ...s, cls, size, ptrs, span };
    }

    it('accepts a good span and counts its live blocks', () => {
      const { lm, pl, span, size } = state();
      const walk = newWalk();
      expect(validateSpan(lm, pl, span, walk, 0)).toBeNull();
      expect(walk).toEqual({ liveBlocks: 4, liveBytes: 4 * (size - G), spans: 1 });
    });

    it('catches a bad magic word and a page word that is not the span', () => {
      const { lm, pl, span } = state();
      lm.u32[(span + SP_MAGIC) >>> 2] = 0;
      expect(validateSpan(lm, pl, span, newWalk(), 0)).toMatch(/bad magic/);
      const s2 = state();
      s2.pl.setWord(s2.span >>> PAGE_SHIFT, runHeadWord(PK_RUN_LIVE, 1));
      expect(validateSpan(s2.lm, s2.pl, s2.span, newWalk(), 0)).toMatch(new RegExp(`page ${s2.span >>> PAGE_SHIFT} has word`));
    });

    it('catches used > carved', () => {
      const { lm, pl, span } = state();
      const carved = lm.u32[(span + SP_CARVED) >>> 2];
      lm.u32[(span + SP_USED) >>> 2] = carved + 1;
      expect(validateSpan(lm, pl, span, newWalk(), 0)).toMatch(/out of order/);
    });

    it('catches a free-list node that is live, or not a carved block', () => {
      const { lm, pl, span, ptrs } = state();
      const head = lm.u32[(span + SP_FREE_HEAD) >>> 2];
      expect([ptrs[4], ptrs[5]]).toContain(head);
      lm.u32[(span + SP_FREE_HEAD) >>> 2] = ptrs[0]; // live block on the free list
      expect(validateSpan(lm, pl, span, newWalk(), 0)).toMatch(new RegExp(`free list node ${ptrs[0]} is live`));
      lm.u32[(span + SP_FREE_HEAD) >>> 2] = head + 16;
      expect(validateSpan(lm, pl, span, newWalk(), 0)).toMatch(/is not a carved block/);
      lm.u32[(span + SP_FREE_HEAD) >>> 2] = head;
      expect(validateSpan(lm, pl, span, newWalk(), 0)).toBeNull();
    });

    it('catches a live bit on a never-carved block, and more live and cached blocks than are out', () => {
      const { lm, pl, span } = state();
      expect(validateSpan(lm, pl, span, newWalk(), 1)).toMatch(/live 4 \+ remote 0 \+ cached 1 > used 4/);
      const carved = lm.u32[(span + SP_CARVED) >>> 2];
      expect(carved).toBeLessThan(midSpanCapacity(midClassOf(3000 + G)));
      lm.u32[((span + SP_BITMAP) >>> 2) + (carved >>> 5)] |= 1 << (carved & 31);
      expect(validateSpan(lm, pl, span, newWalk(), 0)).toMatch(new RegExp(`block ${carved} is live but was never carved`));
    });
  });
});
