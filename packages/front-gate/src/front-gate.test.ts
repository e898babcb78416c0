import { FREE_DOUBLE, FREE_INSIDE, FREE_INVALID, HeapError, ROUTE_LARGE, ROUTE_MID, ROUTE_NONE, ROUTE_RUN_BODY, ROUTE_TINY } from '@hakmem/contracts';
import {
  MID_MAX,
  PAGE_SIZE,
  PK_FREE,
  PK_META,
  PK_MID_SPAN,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  PK_SS_SPARE,
  PK_TINY,
  SS_HEADER_BYTES,
  SS_REMOTE_BITMAP_BYTES,
  SLAB_SIZE,
  TINY_CLASS_SIZES,
  TINY_MAX,
  freePageWord,
  midSpanPageWord,
  runHeadWord,
  spareSlabWord,
  tinyPageWord,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { FrontGate, largeRunPages, routeOfPageRun, routeOfSize, routeOfWord } from './front-gate.js';
import { layRun, laySpan, laySuperslab, layTinySlab } from './layout-fixtures.js';

/** A heap whose region starts `basePage` pages into the memory and spans `pages` pages. */
function setup(pages: number, basePage = 0, shared = false) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: basePage + pages + 2, shared });
  const lm = new LinearMemory(memory, shared);
  const geo = planGeometry(basePage * PAGE_SIZE, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, shared);
  return { lm, pl, gate: new FrontGate(lm, pl) };
}

describe(`front gate (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('routes sizes at the tiny/mid and mid/large boundaries, guards included', () => {
    expect(TINY_MAX).toBe(1024);
    expect(MID_MAX).toBe(1 << 20);
    const cases: [number, number, number, number][] = [
      [0, 0, 0, ROUTE_TINY],
      [1, 0, 0, ROUTE_TINY],
      [1024, 0, 0, ROUTE_TINY],
      [1025, 0, 0, ROUTE_MID],
      [65536, 0, 0, ROUTE_MID],
      [1 << 20, 0, 0, ROUTE_MID],
      [(1 << 20) + 1, 0, 0, ROUTE_LARGE],
      [2 ** 32 - 1, 0, 0, ROUTE_LARGE],
      // A debug build's guard bytes count: a size whose guard does not fit moves up a box.
      [1008, 16, 16, ROUTE_TINY],
      [1009, 16, 16, ROUTE_MID],
      [(1 << 20) - 16, 16, 16, ROUTE_MID],
      [(1 << 20) - 15, 16, 16, ROUTE_LARGE],
    ];
    for (const [size, tg, mg, route] of cases) expect(routeOfSize(size, tg, mg), `routeOfSize(${size}, ${tg}, ${mg})`).toBe(route);
    expect(new Set([ROUTE_TINY, ROUTE_MID, ROUTE_LARGE]).size).toBe(3);
    // A large run always has more pages than a mid run, so that free routes it to BigCache.
    expect(largeRunPages((1 << 20) - 15)).toBe(17);
    expect(largeRunPages(8 << 20)).toBe(128);
    // Whole pages, rounded up, on both sides of the uint32 round-up's limit.
    const sizes: [number, number][] = [
      [1, 17],
      [17 * PAGE_SIZE, 17],
      [17 * PAGE_SIZE + 1, 18],
      [2 ** 31 - 1, 2 ** 15],
      [2 ** 31 + 1, 2 ** 15 + 1],
      [2 ** 32 - PAGE_SIZE - 1, 2 ** 16 - 1],
      [2 ** 32 - PAGE_SIZE, 2 ** 16 - 1],
      [2 ** 32 - PAGE_SIZE + 1, 2 ** 16],
      [2 ** 32 - 1, 2 ** 16],
      [2 ** 32, 2 ** 16],
      [2 ** 32 + 1, 2 ** 16 + 1],
    ];
    for (const [size, pages] of sizes) expect(largeRunPages(size), `largeRunPages(${size})`).toBe(pages);
    expect(routeOfPageRun(16)).toBe(ROUTE_MID);
    expect(routeOfPageRun(17)).toBe(ROUTE_LARGE);
  });

  it('routes page words to the box that owns the page', () => {
    const cases: [number, number][] = [
      [PK_FREE, ROUTE_NONE],
      [PK_META, ROUTE_NONE],
      [tinyPageWord(3, 2), ROUTE_TINY],
      [PK_SS_SPARE, ROUTE_TINY],
      [midSpanPageWord(8, 1), ROUTE_MID],
      [runHeadWord(PK_RUN_LIVE, 16), ROUTE_MID],
      [runHeadWord(PK_RUN_FREE, 16), ROUTE_MID],
      [runHeadWord(PK_RUN_LIVE, 17), ROUTE_LARGE],
      [runHeadWord(PK_RUN_FREE, 300), ROUTE_LARGE],
      [PK_RUN_BODY, ROUTE_RUN_BODY],
    ];
    for (const [word, route] of cases) expect(routeOfWord(word), `routeOfWord(${word})`).toBe(route);
  });

  it('pageWord reads the page table word of the page holding the pointer', () => {
    const { lm, pl, gate } = setup(48, 3);
    const ss = laySuperslab(lm, pl);
    const page = ss + 7;
    layTinySlab(lm, pl, ss, 7, 5);
    const run = layRun(pl, PK_RUN_LIVE, 3);
    expect(gate.pageWord(page * PAGE_SIZE)).toBe(tinyPageWord(5, 7));
    expect(gate.pageWord(page * PAGE_SIZE + 12345)).toBe(tinyPageWord(5, 7));
    expect(gate.pageWord((page + 1) * PAGE_SIZE - 16)).toBe(tinyPageWord(5, 7));
    expect(gate.pageWord((page + 1) * PAGE_SIZE)).toBe(PK_SS_SPARE);
    expect(gate.pageWord(run * PAGE_SIZE)).toBe(runHeadWord(PK_RUN_LIVE, 3));
    expect(gate.pageWord(run * PAGE_SIZE + PAGE_SIZE + 8)).toBe(PK_RUN_BODY);
    expect(gate.pageWord(pl.base)).toBe(PK_META);
    expect(gate.pageWord((run + 3) * PAGE_SIZE)).toBe(PK_FREE);
  });

  it('pageWord is 0 outside the region, and for negative or huge pointers', () => {
    const { lm, pl, gate } = setup(32, 3);
    // Make every page of the region non-zero so a stray read would show.
    pl.setWords(pl.firstDataPage, pl.limitPage - pl.firstDataPage, PK_RUN_BODY);
    // And the words just before the page table (where a negative page index would land).
    for (let k = 1; k <= pl.basePage; k++) lm.u32[pl.pt0 + pl.basePage - k] = 0xdead;
    expect(gate.pageWord(pl.firstDataPage * PAGE_SIZE)).toBe(PK_RUN_BODY);
    expect(gate.pageWord(pl.limitPage * PAGE_SIZE - 1)).toBe(PK_RUN_BODY);
    for (const ptr of [0, 16, 3 * PAGE_SIZE - 16, pl.limitPage * PAGE_SIZE, pl.limitPage * PAGE_SIZE + 16, 0x7fff_fff0, 0xffff_fff0, 2 ** 32 - 1, -1, -16, -PAGE_SIZE, -(2 ** 31)])
      expect(gate.pageWord(ptr), `pageWord(${ptr})`).toBe(PK_FREE);
  });

  it('reject() of a freed tiny or mid block is DOUBLE_FREE from the owning box', () => {
    const { gate } = setup(16);
    const tiny = gate.reject(0x20010, tinyPageWord(3, 2), FREE_DOUBLE);
    expect(tiny).toBeInstanceOf(HeapError);
    expect(tiny).toMatchObject({ code: 'DOUBLE_FREE', box: 'superslab', ptr: 0x20010 });
    expect(tiny.message).toMatch(/already freed/);
    const mid = gate.reject(0x30040, midSpanPageWord(8, 0), FREE_DOUBLE);
    expect(mid).toMatchObject({ code: 'DOUBLE_FREE', box: 'midLargeAce', ptr: 0x30040 });
    const run = gate.reject(0x40000, runHeadWord(PK_RUN_FREE, 20), FREE_DOUBLE);
    expect(run).toMatchObject({ code: 'DOUBLE_FREE', ptr: 0x40000, box: 'bigcache' });
    expect(gate.reject(0x40000, runHeadWord(PK_RUN_FREE, 3), FREE_DOUBLE).box).toBe('midLargeAce');
    expect(run.message).toMatch(/cached free/);
    // The head of a run held free is a freed block whatever the box found: the gate words it so itself.
    expect(gate.reject(0x40000, runHeadWord(PK_RUN_FREE, 20), FREE_INVALID)).toMatchObject({ code: 'DOUBLE_FREE', box: 'bigcache' });
    expect(gate.counters().rejected).toBe(5);
  });

  it("reject() knows a shared heap's slab 0 ends at the remote-freed bitmap: a pointer there never started a block", () => {
    // Class 0 (16 B): the last block start of a private slab 0 lies inside the 8 KiB a shared heap keeps for the bitmap.
    const size = TINY_CLASS_SIZES[0];
    const last = SS_HEADER_BYTES + (Math.floor((SLAB_SIZE - SS_HEADER_BYTES) / size) - 1) * size;
    expect(last).toBeGreaterThanOrEqual(SLAB_SIZE - SS_REMOTE_BITMAP_BYTES);
    const inShared = SS_HEADER_BYTES + (Math.floor((SLAB_SIZE - SS_HEADER_BYTES - SS_REMOTE_BITMAP_BYTES) / size) - 1) * size;
    const slab0 = 0x100000; // a SuperSlab's first page
    for (const held of [freePageWord(tinyPageWord(0, 0), false), spareSlabWord(tinyPageWord(0, 0))]) {
      const priv = setup(32).gate;
      const shared = setup(32, 0, true).gate;
      expect(priv.reject(slab0 + last, held, FREE_INVALID)).toMatchObject({ code: 'DOUBLE_FREE' });
      expect(shared.reject(slab0 + last, held, FREE_INVALID)).toMatchObject({ code: 'INVALID_POINTER' });
      expect(shared.reject(slab0 + inShared, held, FREE_INVALID)).toMatchObject({ code: 'DOUBLE_FREE' });
    }
  });

  it('reject() of a pointer no box accepted is INVALID_POINTER naming why', () => {
    const { gate } = setup(16);
    // The box named is the page's owner, or the front gate for pages no box owns.
    const cases: [number, number, RegExp, string][] = [
      [0x50000, PK_FREE, /not inside any block/, 'frontGate'],
      [0x100, PK_META, /heap metadata/, 'frontGate'],
      [0x60000, PK_SS_SPARE, /unused slab/, 'frontGate'],
      [0x70010, PK_RUN_BODY, /inside a large block/, 'frontGate'],
      [0x80010, runHeadWord(PK_RUN_LIVE, 20), /inside a block, not at its start/, 'bigcache'],
      [0x90000, runHeadWord(PK_RUN_LIVE, 20), /not a live block/, 'bigcache'],
      [0xa0010, runHeadWord(PK_RUN_LIVE, 2), /inside a block, not at its start/, 'midLargeAce'],
    ];
    for (const [ptr, word, why, box] of cases) {
      const e = gate.reject(ptr, word, FREE_INVALID);
      expect(e).toBeInstanceOf(HeapError);
      expect(e).toMatchObject({ code: 'INVALID_POINTER', ptr, box });
      expect(e.message).toMatch(why);
    }
    expect(gate.counters().rejected).toBe(cases.length);
  });

  it("reject() keeps the owning box's own explanation and names that box", () => {
    const { gate } = setup(16);
    const t = gate.reject(0x20018, tinyPageWord(1, 2), FREE_INSIDE);
    expect(t).toMatchObject({ code: 'INVALID_POINTER', box: 'superslab', ptr: 0x20018 });
    expect(t.message).toMatch(/not the start of a block of its slab/);
    const m = gate.reject(0x30044, midSpanPageWord(2, 1), FREE_INVALID);
    expect(m).toMatchObject({ code: 'INVALID_POINTER', box: 'midLargeAce' });
    expect(m.message).toMatch(/not the start of a live block/);
    expect(gate.counters().rejected).toBe(2);
  });

  it('the tiny page word kind is what the facade tests on its fast path', () => {
    // The gate hands the facade the raw word: kind in the low 4 bits, class in bits 8..15.
    const { lm, pl, gate } = setup(48);
    const ss = laySuperslab(lm, pl);
    layTinySlab(lm, pl, ss, 9, 31);
    const w = gate.pageWord((ss + 9) * PAGE_SIZE + 64);
    expect(w & 15).toBe(PK_TINY);
    expect((w >>> 8) & 0xff).toBe(31);
    const span = laySpan(lm, pl, 17, 4);
    const m = gate.pageWord((span + 3) * PAGE_SIZE);
    expect(m & 15).toBe(PK_MID_SPAN);
    expect((m >>> 4) & 15).toBe(3);
  });
});
