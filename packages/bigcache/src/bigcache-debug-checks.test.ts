import { HeapError } from '@hakmem/contracts';
import {
  BC_BUDGET_PAGES,
  BC_CACHED_PAGES,
  BC_ENTRY_BYTES,
  BC_TABLE,
  BC_USED,
  BCE_PAGE,
  BCE_PAGES,
  BIGCACHE_ENTRIES,
  BIGCACHE_AREA_BYTES,
  PAGE_SIZE,
  PK_FREE,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { BigCache } from './bigcache.js';
import { setup as heap } from './test-heap.js';

/**
 * Every invariant of the cache, provoked by damaging its table or a page word
 * by hand. `validate()` (what `check()` runs) reports each one in both builds.
 * The debug build's operations check what they are about to act on: the
 * table's counts (every operation), the run `alloc` hands out, the run `free`
 * caches and those it evicts, and everything for `flush`. An operation
 * that meets damage throws HeapError('CORRUPTION') naming bigcache, leaving
 * memory as it was; damage to runs it does not touch (or to the sum of the
 * cached pages) is left to `check()` and `flush`. The release build's
 * operations do not check (that is the point of it).
 */
function setup() {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 66 });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, 64 * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, false);
  const bc = new BigCache(lm, pl, 40 * PAGE_SIZE);
  // Two cached runs, b (4 pages, slot 1) and a (6 pages, slot 2, first in its
  // size bucket, so alloc(4) takes it), and a live one (3 pages).
  const b = bc.alloc(4);
  bc.alloc(1);
  const a = bc.alloc(6);
  const live = bc.alloc(3);
  bc.alloc(1);
  bc.freeRun(b, 4);
  bc.freeRun(a, 6);
  expect(bc.validate()).toBeNull();
  const word = (off: number) => (pl.bigcacheArea + off) >>> 2;
  const entry = (i: number) => word(BC_TABLE + i * BC_ENTRY_BYTES); // slot i + 1
  return { lm, pl, bc, a, b, live, word, entry };
}

type Setup = ReturnType<typeof setup>;

/** Bytes every operation may change: the cache area and the page table. */
function snapshot({ lm, pl }: Setup): Uint8Array[] {
  return [lm.u8.slice(pl.bigcacheArea, pl.bigcacheArea + BIGCACHE_AREA_BYTES), lm.u8.slice(pl.pt0 * 4, (pl.pt0 + pl.limitPage) * 4)];
}

type Op = 'alloc' | 'free' | 'flush';
const ALL: Op[] = ['alloc', 'free', 'flush'];

const cases: { name: string; damage: (s: Setup) => number | undefined; why: RegExp; foundBy: Op[] }[] = [
  {
    name: 'a cached run whose head word says live (not really free)',
    damage: ({ pl, a }) => (pl.setWord(a, runHeadWord(PK_RUN_LIVE, 6)), a),
    why: /has head word \d+, not a free run of 6 pages/,
    foundBy: ['alloc', 'flush'],
  },
  {
    name: 'a cached run whose head word gives another length',
    damage: ({ pl, a }) => (pl.setWord(a, runHeadWord(PK_RUN_FREE, 5)), a),
    why: /not a free run of 6 pages/,
    foundBy: ['alloc', 'flush'],
  },
  {
    name: 'a body page of a cached run given to no one',
    damage: ({ pl, a }) => (pl.setWord(a + 2, PK_FREE), a),
    why: new RegExp('page \\d+ is not part of it'),
    foundBy: ['alloc', 'flush'],
  },
  {
    name: 'an entry and head word that agree on a length shorter than the run',
    damage: ({ lm, pl, a, entry, word }) => {
      lm.u32[entry(1) + BCE_PAGES] = 4;
      lm.u32[word(BC_CACHED_PAGES)] -= 2;
      pl.setWord(a, runHeadWord(PK_RUN_FREE, 4));
      return a;
    },
    why: /its pages go on past the 4 its entry and head word say/,
    foundBy: ['alloc', 'flush'],
  },
  {
    name: 'the same run cached twice',
    damage: ({ lm, a, entry, word }) => {
      // Slot 3 a copy of a's slot 2 (its stamp too), marked in use.
      lm.u32.copyWithin(entry(2), entry(1), entry(1) + BC_ENTRY_BYTES / 4);
      lm.u32[word(BC_USED)] |= 1 << 2;
      lm.u32[word(BC_CACHED_PAGES)] += 6;
      return a;
    },
    why: /is cached twice/,
    foundBy: ['flush'],
  },
  {
    name: 'an entry outside the heap',
    damage: ({ lm, pl, entry }) => {
      lm.u32[entry(1) + BCE_PAGE] = pl.endPage() + 2;
      return pl.endPage() + 2;
    },
    why: /of 6 pages is not inside the heap's pages/,
    foundBy: ['alloc', 'flush'],
  },
  {
    name: 'a cached-pages total that is not the sum of the entries',
    damage: ({ lm, word }) => void lm.u32[word(BC_CACHED_PAGES)]++,
    why: /cached pages 11 but entries add to 10/,
    foundBy: ['flush'],
  },
  {
    name: 'more pages cached than the budget allows',
    damage: ({ lm, word }) => void (lm.u32[word(BC_BUDGET_PAGES)] = 8),
    why: /cache holds 10 pages, over its budget of 8/,
    foundBy: ALL,
  },
  {
    name: 'a slot mask that marks a slot beyond the table',
    damage: ({ lm, word }) => void (lm.u32[word(BC_USED)] |= 1 << BIGCACHE_ENTRIES),
    why: new RegExp(`slot mask \\d+ marks slots beyond the ${BIGCACHE_ENTRIES} of the table`),
    foundBy: ALL,
  },
];

const ops: [Op, (s: Setup) => unknown][] = [
  ['alloc', ({ bc }) => bc.alloc(4)],
  ['free', ({ bc, live }) => bc.freeRun(live, 3)],
  ['flush', ({ bc }) => bc.flush()],
];

describe(`bigcache checks (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it.each(cases)('validate() reports $name', ({ damage, why }) => {
    const s = setup();
    damage(s);
    expect(s.bc.validate()).toMatch(why);
  });

  if (__HAKMEM_DEBUG__) {
    for (const [op, run] of ops) {
      const found = cases.filter((c) => c.foundBy.includes(op));
      const left = cases.filter((c) => !c.foundBy.includes(op));
      it.each(found)(`debug ${op}() throws CORRUPTION for $name and changes nothing`, ({ damage, why }) => {
        const s = setup();
        const page = damage(s);
        const before = snapshot(s);
        const counters = s.bc.counters();
        let err: unknown;
        try {
          run(s);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(HeapError);
        expect(err).toMatchObject({ code: 'CORRUPTION', box: 'bigcache', ptr: page === undefined ? undefined : page * PAGE_SIZE });
        expect((err as HeapError).message).toMatch(why);
        expect((err as HeapError).message).toContain(`found by ${op}`);
        expect(snapshot(s)).toEqual(before);
        expect(s.bc.counters()).toEqual(counters);
      });
      if (left.length > 0)
        it.each(left)(`debug ${op}() does not touch the run (or sum) of $name: check() reports it`, ({ damage, why }) => {
          const s = setup();
          damage(s);
          expect(s.bc.validate()).toMatch(why);
          expect(() => run(s)).not.toThrow();
        });
    }
  } else {
    it('release operations run no check: a run cached twice is handed out by alloc without complaint', () => {
      const s = setup();
      cases[4].damage(s);
      expect(s.bc.alloc(6)).toBe(s.a);
      // validate() is the only place the release build looks, and it still sees the duplicate.
      expect(s.bc.validate()).toMatch(/not a free run|cached twice/);
    });
  }

  it('a free that must evict checks the runs it would evict, oldest first, and no others', () => {
    for (const [victim, evicted] of [['b', true], ['a', false]] as const) {
      const s = setup();
      s.lm.u32[s.word(BC_BUDGET_PAGES)] = 11; // 10 cached + 3: b (cached first, 4 pages) must go
      const run = victim === 'b' ? s.b : s.a;
      s.pl.setWord(run + 1, PK_FREE);
      if (__HAKMEM_DEBUG__ && evicted) {
        expect(() => s.bc.freeRun(s.live, 3)).toThrow(/found by free/);
        expect(s.pl.word(s.live)).toBe(runHeadWord(PK_RUN_LIVE, 3)); // nothing changed
      } else {
        expect(s.bc.freeRun(s.live, 3)).toBe(true);
        expect(s.bc.holdsRun(s.b)).toBe(false);
        expect(s.bc.holdsRun(s.a)).toBe(true);
      }
    }
  });

  it('an undamaged cache passes every operation in both builds', () => {
    const s = setup();
    expect(s.bc.alloc(4)).toBe(s.a);
    expect(s.bc.freeRun(s.live, 3)).toBe(true);
    s.bc.flush();
    expect(s.bc.validate()).toBeNull();
    expect(s.pl.validate()).toBeNull();
  });
});

describe(`body-word checks of long runs, compared by the block scanner (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('find a damaged body word at any page of a 40-page run, judged as the per-page loop judges it', () => {
    for (const at of [1, 2, 15, 16, 17, 31, 38, 39]) {
      const { pl, bc } = heap(128, 100);
      const page = bc.alloc(40);
      bc.alloc(1);
      bc.freeRun(page, 40);
      expect(bc.validate()).toBeNull();
      pl.setWord(page + at, PK_FREE);
      expect(bc.validate()).toMatch(new RegExp(`page ${page + at} is not part of it`));
      // validate() looks at a body word's kind only: other bits above it pass there.
      pl.setWord(page + at, PK_RUN_BODY | (1 << 8));
      expect(bc.validate()).toBeNull();
      pl.setWord(page + at, PK_RUN_BODY);
      // A live run about to be cached: the debug build wants every body word exact.
      const live = bc.alloc(40);
      expect(live).toBe(page);
      pl.setWord(page + at, PK_RUN_BODY | (1 << 8));
      if (__HAKMEM_DEBUG__) {
        expect(() => bc.freeRun(page, 40)).toThrow(new RegExp(`page ${page + at} is not part of it`));
        expect(pl.word(page)).toBe(runHeadWord(PK_RUN_LIVE, 40)); // nothing changed
      } else expect(bc.freeRun(page, 40)).toBe(true);
    }
  });
});
