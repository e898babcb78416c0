import { FREE_INVALID, HeapError } from '@hakmem/contracts';
import {
  PAGE_SIZE,
  PK_FREE,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  SLAB_EMPTY,
  SLAB_UNUSED,
  SM_CLASS,
  SM_STATE,
  SP_CLASS,
  SP_MAGIC,
  SP_PAGES,
  SS_MAGIC,
  midSpanPageWord,
  runHeadWord,
  tinyPageWord,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { FrontGate } from './front-gate.js';
import { layRun, laySpan, laySuperslab, layTinySlab } from './layout-fixtures.js';

/** A heap whose region starts 3 pages into the memory, with one owner of each kind laid out by hand. */
function setup() {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 64 });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(3 * PAGE_SIZE, 60 * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, false);
  const ss = laySuperslab(lm, pl);
  const slab = layTinySlab(lm, pl, ss, 7, 5);
  const span = laySpan(lm, pl, 20, 3);
  const run = layRun(pl, PK_RUN_LIVE, 4);
  return { lm, pl, gate: new FrontGate(lm, pl), ss, slab, span, run, tiny: (ss + 7) * PAGE_SIZE + 96 };
}

type Setup = ReturnType<typeof setup>;

/** u32 index of the word at byte `addr`. */
const at = (addr: number) => addr >>> 2;

/** Each damage, the pointer whose page word it contradicts, and the reason the debug build gives. */
const mismatches: { name: string; damage: (s: Setup) => number; why: RegExp }[] = [
  {
    name: 'a slab record whose class differs from the page word',
    damage: (s) => ((s.lm.u32[at(s.slab + SM_CLASS)] = 6), s.tiny),
    why: /record of slab 7 of SuperSlab \d+: the word says class 5, the record class 6/,
  },
  {
    name: 'a tiny page word over an UNUSED slab',
    damage: (s) => ((s.lm.u32[at(s.slab + SM_STATE)] = SLAB_UNUSED), s.tiny),
    why: /state 0 is neither ACTIVE nor EMPTY/,
  },
  {
    name: 'a tiny page word with no SuperSlab header below it',
    damage: (s) => ((s.lm.u32[at(s.ss * PAGE_SIZE + SS_MAGIC)] = 0), s.tiny),
    why: /no SuperSlab header at \d+/,
  },
  {
    name: 'a tiny page word naming another slab',
    damage: (s) => (s.pl.setWord(s.ss + 7, tinyPageWord(5, 3)), s.tiny),
    why: /it names slab 3, the pointer is in slab 7/,
  },
  {
    name: 'a span page whose header has another class',
    damage: (s) => ((s.lm.u32[at(s.span * PAGE_SIZE + SP_CLASS)] = 21), (s.span + 2) * PAGE_SIZE + 64),
    why: /span header at \d+: the word says class 20, the header class 21/,
  },
  {
    name: 'a span page with no span header',
    damage: (s) => ((s.lm.u32[at(s.span * PAGE_SIZE + SP_MAGIC)] = 0), s.span * PAGE_SIZE + 64),
    why: /no span magic/,
  },
  {
    name: 'a span page whose head page is not the span head',
    damage: (s) => (s.pl.setWord(s.span, PK_FREE), (s.span + 1) * PAGE_SIZE),
    why: /its span head 1 pages back, whose word is 0/,
  },
  {
    name: 'a span page word claiming more pages than its span has',
    damage: (s) => (s.pl.setWord(s.span + 2, midSpanPageWord(20, 2)), s.lm.u32[at(s.span * PAGE_SIZE + SP_PAGES)] = 2, (s.span + 2) * PAGE_SIZE),
    why: /the span has 2 pages, the word a distance of 2/,
  },
  {
    name: 'a run head whose second page is not part of it',
    damage: (s) => (s.pl.setWord(s.run + 1, PK_FREE), s.run * PAGE_SIZE),
    why: /the run has 4 pages but its second page's word is 0/,
  },
  {
    name: 'a run head shorter than its run',
    damage: (s) => (s.pl.setWord(s.run, runHeadWord(PK_RUN_LIVE, 2)), s.run * PAGE_SIZE),
    why: /the run goes on past its 2 pages/,
  },
  {
    name: 'a run head longer than the region',
    damage: (s) => (s.pl.setWord(s.run, runHeadWord(PK_RUN_FREE, 500)), s.run * PAGE_SIZE),
    why: /a run of 500 pages at page \d+ of a \d+-page region/,
  },
];

describe(`front gate: page word cross-check (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('words that agree with their owners come back as they are', () => {
    const s = setup();
    s.lm.u32[at(s.slab + SM_STATE)] = SLAB_EMPTY; // an EMPTY slab keeps its tiny word
    expect(s.gate.pageWord(s.tiny)).toBe(tinyPageWord(5, 7));
    expect(s.gate.pageWord((s.span + 2) * PAGE_SIZE + 8)).toBe(midSpanPageWord(20, 2));
    expect(s.gate.pageWord(s.run * PAGE_SIZE)).toBe(runHeadWord(PK_RUN_LIVE, 4));
    expect(s.gate.pageWord((s.run + 3) * PAGE_SIZE)).toBe(PK_RUN_BODY);
  });

  it.each(mismatches)(`${__HAKMEM_DEBUG__ ? 'debug throws CORRUPTION' : 'release returns the word unchecked'} for $name`, ({ damage, why }) => {
    const s = setup();
    const ptr = damage(s);
    const word = s.lm.u32[s.pl.pt0 + (ptr >>> 16)] | 0;
    if (__HAKMEM_DEBUG__) {
      let err: unknown;
      try {
        s.gate.pageWord(ptr);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HeapError);
      expect(err).toMatchObject({ code: 'CORRUPTION', box: 'frontGate', ptr });
      expect((err as Error).message).toMatch(why);
      expect((err as Error).message).toContain(`the page word ${word >>> 0} of the pointer's page disagrees with`);
    } else {
      // Release reads the word and nothing else; the facade's check() walk is where such damage is found.
      expect(s.gate.pageWord(ptr)).toBe(word);
    }
  });
});

describe(`front gate: why a pointer is rejected (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('a foreign pointer below or beyond the region, and a pointer into a free page, say where they lie', () => {
    const s = setup();
    const start = s.pl.basePage * PAGE_SIZE;
    const end = s.pl.limitPage * PAGE_SIZE;
    const cases: [number, RegExp][] = [
      [0x100, new RegExp(`below the heap's region, which starts at ${start}`)],
      [start - 16, new RegExp(`below the heap's region, which starts at ${start}`)],
      [end, new RegExp(`beyond the heap's region, which ends at ${end}`)],
      [0xfffffff0, /beyond the heap's region/],
      [(s.run + 4) * PAGE_SIZE + 32, new RegExp(`in a free page \\(${s.run + 4}\\) of the heap`)],
    ];
    for (const [ptr, why] of cases) {
      const word = s.gate.pageWord(ptr);
      expect(word).toBe(PK_FREE);
      const e = s.gate.reject(ptr, word, FREE_INVALID);
      expect(e).toMatchObject({ code: 'INVALID_POINTER', box: 'frontGate', ptr });
      expect(e.message).toMatch(/not inside any block this heap handed out/);
      expect(e.message).toMatch(why);
    }
  });

  it('an interior pointer of a run says where its block starts, from the head page or from a body page', () => {
    const s = setup();
    const start = s.run * PAGE_SIZE;
    const inHead = s.gate.reject(start + 40, s.gate.pageWord(start + 40), FREE_INVALID);
    expect(inHead).toMatchObject({ code: 'INVALID_POINTER', ptr: start + 40 });
    expect(inHead.message).toMatch(new RegExp(`inside a block, not at its start: the block starts at ${start}, 40 bytes before it`));
    const deep = start + 2 * PAGE_SIZE + 16;
    const inBody = s.gate.reject(deep, s.gate.pageWord(deep), FREE_INVALID);
    expect(inBody).toMatchObject({ code: 'INVALID_POINTER', box: 'frontGate', ptr: deep });
    expect(inBody.message).toMatch(new RegExp(`inside a large block, not at its start: the block starts at ${start}, ${2 * PAGE_SIZE + 16} bytes before it`));
  });
});
