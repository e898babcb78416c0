import { HeapError } from '@hakmem/contracts';
import {
  MID_CLASS_SIZES,
  MID_CLASSES,
  MID_ABANDONED_HEADS,
  MID_FIRST_RUN_CLASS,
  H_MID_LOCK,
  MID_SPAN_PAGES,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_KIND_MASK,
  PK_MID_SPAN,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  SP_BITMAP,
  SP_CARVED,
  SP_CLASS,
  SP_FREE_HEAD,
  SP_MAGIC,
  SP_NEXT,
  SP_OWNER,
  SP_REMOTE_HEAD,
  SP_USED,
  SPAN_HEADER_BYTES,
  midClassOf,
  midSpanCapacity,
  runHeadWord,
  POISON_WORD,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { BLOCK_GUARD as G } from './block-guard.js';
import { MID_FREE_DOUBLE, MID_FREE_INVALID, MID_FREE_OK, MidLargeAce, spanStart, validateSpan, type SpanWalk } from './index.js';

function setup(pages: number, budgetBytes?: number, shared = false) {
  const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: pages + 2, shared: true } : { initial: 1, maximum: pages + 2 });
  const lm = new LinearMemory(memory, shared);
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, shared);
  const mid = new MidLargeAce(lm, pl, 1, budgetBytes);
  /** The page word the front gate would pass to free/usableSize. */
  const word = (ptr: number): number => pl.word(ptr >>> PAGE_SHIFT);
  const free = (ptr: number, box = mid): number => box.free(ptr, word(ptr));
  const usable = (ptr: number): number => mid.usableSize(ptr, word(ptr));
  return { lm, pl, mid, word, free, usable };
}

const newWalk = (): SpanWalk => ({ liveBlocks: 0, liveBytes: 0, spans: 0 });
// The debug build keeps a guard of G bytes at each block's end: a block of
// class size S has S - G usable bytes, and `malloc(n)` takes the class of n + G.
const SPAN_CLASS_SIZES = [1025, 2000, 6000, 15_000, 40_000, 60 * 1024 - G];
const RUN_SIZES = [60 * 1024 + 1, 3 * PAGE_SIZE - G, 3 * PAGE_SIZE - G - 5, (1 << 20) - G];

describe(`mid-large ACE (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it.each(SPAN_CLASS_SIZES)('malloc(%i) carves an aligned block of its class from a span', (size) => {
    const { pl, mid, word, usable } = setup(64);
    const cls = midClassOf(size + G);
    expect(cls).toBeLessThan(MID_FIRST_RUN_CLASS);
    const blockSize = MID_CLASS_SIZES[cls];
    const ptrs = [mid.malloc(size), mid.malloc(size), mid.malloc(size)];
    expect(new Set(ptrs).size).toBe(3);
    for (const p of ptrs) {
      expect(p).not.toBe(0);
      expect(p % 16).toBe(0);
      const w = word(p);
      expect(w & PK_KIND_MASK).toBe(PK_MID_SPAN);
      expect((w >>> 8) & 0xff).toBe(cls);
      const span = spanStart(p, w);
      expect(span % PAGE_SIZE).toBe(0);
      expect((p - span - SPAN_HEADER_BYTES) % blockSize).toBe(0);
      expect(p + blockSize).toBeLessThanOrEqual(span + MID_SPAN_PAGES[cls] * PAGE_SIZE);
      expect(usable(p)).toBe(blockSize - G);
      expect(usable(p)).toBeGreaterThanOrEqual(size);
    }
    const sorted = [...ptrs].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(blockSize);
    expect(mid.counters()).toMatchObject({ spansCreated: 1, allocFailures: 0 });
    expect(pl.pagesInUse()).toBe(MID_SPAN_PAGES[cls]);
    expect(mid.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it.each(RUN_SIZES)('malloc(%i) hands out a whole page run', (size) => {
    const { pl, mid, word, usable } = setup(64);
    const pages = Math.ceil((size + G) / PAGE_SIZE);
    const cls = midClassOf(size + G);
    expect(cls).toBe(MID_FIRST_RUN_CLASS - 1 + pages);
    const p = mid.malloc(size);
    expect(p).not.toBe(0);
    expect(p % PAGE_SIZE).toBe(0);
    expect(word(p)).toBe(runHeadWord(PK_RUN_LIVE, pages));
    for (let q = 1; q < pages; q++) expect(pl.word((p >>> PAGE_SHIFT) + q)).toBe(PK_RUN_BODY);
    expect(usable(p)).toBe(pages * PAGE_SIZE - G);
    expect(pl.pagesInUse()).toBe(pages);
    expect(mid.counters()).toMatchObject({ runsAllocated: 1 });
    expect(pl.validate()).toBeNull();
  });

  it('free of a span block caches it; a second free is MID_FREE_DOUBLE; malloc reuses it', () => {
    const { mid, free, usable } = setup(64);
    const p = mid.malloc(3000);
    const q = mid.malloc(3000);
    expect(free(p)).toBe(MID_FREE_OK);
    expect(usable(p)).toBe(-1);
    expect(free(p)).toBe(MID_FREE_DOUBLE);
    expect(mid.counters().frees).toBe(1);
    expect(usable(q)).toBe(MID_CLASS_SIZES[midClassOf(3000 + G)] - G);
    const hits = mid.counters().hits as number;
    expect(mid.malloc(3000)).toBe(p);
    expect(mid.counters().hits).toBe(hits + 1);
    expect(free(p)).toBe(MID_FREE_OK);
    expect(free(q)).toBe(MID_FREE_OK);
    expect(free(q)).toBe(MID_FREE_DOUBLE);
    expect(mid.validate()).toBeNull();
  });

  it('free of a run flips its head word; a second free is MID_FREE_DOUBLE', () => {
    const { mid, word, free, usable } = setup(64);
    const p = mid.malloc(2 * PAGE_SIZE - G);
    expect(free(p)).toBe(MID_FREE_OK);
    expect(word(p)).toBe(runHeadWord(PK_RUN_FREE, 2));
    expect(usable(p)).toBe(-1);
    expect(free(p)).toBe(MID_FREE_DOUBLE);
    expect(mid.malloc(2 * PAGE_SIZE - G)).toBe(p);
    expect(word(p)).toBe(runHeadWord(PK_RUN_LIVE, 2));
  });

  it('an interior or never-carved pointer is MID_FREE_INVALID and changes nothing', () => {
    const { lm, mid, word, free, usable } = setup(64);
    const size = MID_CLASS_SIZES[midClassOf(5000 + G)];
    const p = mid.malloc(5000);
    const span = spanStart(p, word(p));
    const carved = lm.u32[(span + SP_CARVED) >>> 2];
    const before = mid.counters();
    for (const bad of [p + 16, p + size / 2, p + size - 16, span, span + 16, span + SPAN_HEADER_BYTES + carved * size]) {
      expect(free(bad)).toBe(MID_FREE_INVALID);
      expect(usable(bad)).toBe(-1);
    }
    expect(mid.counters()).toEqual(before);
    expect(usable(p)).toBe(size - G);

    const r = mid.malloc(3 * PAGE_SIZE - G);
    for (const bad of [r + 16, r + 4096, r + PAGE_SIZE - 16]) expect(free(bad)).toBe(MID_FREE_INVALID);
    expect(usable(r)).toBe(3 * PAGE_SIZE - G);
    expect(free(p)).toBe(MID_FREE_OK);
    expect(free(r)).toBe(MID_FREE_OK);
  });

  it('flush() gives every span and run back once all blocks are free', () => {
    const { pl, mid, free } = setup(256);
    const live: number[] = [];
    for (const size of [...SPAN_CLASS_SIZES, ...RUN_SIZES.slice(0, 3)]) for (let i = 0; i < 5; i++) live.push(mid.malloc(size));
    expect(live.every((p) => p !== 0)).toBe(true);
    expect(pl.pagesInUse()).toBeGreaterThan(0);
    for (const p of live) expect(free(p)).toBe(MID_FREE_OK);
    mid.flush();
    const k = mid.counters();
    expect(pl.pagesInUse()).toBe(0);
    expect(k.spansReleased).toBe(k.spansCreated);
    expect(k.runsReleased).toBe(k.runsAllocated);
    expect(k.cachedBytes).toBe(0);
    expect(mid.validate()).toBeNull();
    expect(pl.validate()).toBeNull();
  });

  it('flush() keeps a span that still has a live block, and releases it once that block is freed', () => {
    const { pl, mid, free } = setup(64);
    const cls = midClassOf(8000 + G);
    const a = mid.malloc(8000);
    const b = mid.malloc(8000);
    free(b);
    mid.flush();
    expect(pl.pagesInUse()).toBe(MID_SPAN_PAGES[cls]);
    expect(mid.counters().spansReleased).toBe(0);
    free(a);
    mid.flush();
    expect(pl.pagesInUse()).toBe(0);
    expect(mid.counters().spansReleased).toBe(1);
    expect(pl.validate()).toBeNull();
  });

  it('ACE: a class that keeps missing grows its cache capacity', () => {
    const { mid } = setup(256);
    const cls = midClassOf(2000 + G);
    const start = mid.capacity[cls];
    const held: number[] = [];
    for (let i = 0; i < 400; i++) held.push(mid.malloc(2000));
    expect(held.every((p) => p !== 0)).toBe(true);
    const k = mid.counters();
    expect(k.capacityGrows).toBeGreaterThan(0);
    expect((k.capacities as number[])[cls]).toBeGreaterThan(start);
    expect((k.capacities as number[])[cls]).toBeLessThanOrEqual(mid.maxCapacity[cls]);
    // Other classes did not move.
    expect((k.capacities as number[])[cls + 1]).toBe(start);
    expect(mid.validate()).toBeNull();
  });

  it('ACE: growth stops at the class maximum', () => {
    // 6-page runs: at most 5 fit the per-class byte bound; the cache starts at 4.
    const { mid, free } = setup(64, 0);
    const cls = MID_FIRST_RUN_CLASS - 1 + 6;
    expect(mid.maxCapacity[cls]).toBe(5);
    expect(mid.capacity[cls]).toBe(4);
    for (let i = 0; i < 300; i++) {
      const p = mid.malloc(6 * PAGE_SIZE - G);
      expect(p).not.toBe(0);
      expect(free(p)).toBe(MID_FREE_OK);
      expect(mid.capacity[cls]).toBeLessThanOrEqual(mid.maxCapacity[cls]);
    }
    expect(mid.counters().capacityGrows).toBe(1);
    expect(mid.capacity[cls]).toBe(5);
    expect(mid.validate()).toBeNull();
  });

  it('frees never push the cached bytes over the budget', () => {
    const budget = 256 * 1024;
    const { pl, mid, free } = setup(512, budget);
    const held: number[] = [];
    for (const size of [20_000, 40_000, 60 * 1024 - G, PAGE_SIZE - G]) for (let i = 0; i < 8; i++) held.push(mid.malloc(size));
    mid.flush(); // start from empty caches; every block above is live
    expect(mid.counters().cachedBytes).toBe(0);
    for (const p of held) {
      expect(free(p)).toBe(MID_FREE_OK);
      expect(mid.cachedBytes).toBeLessThanOrEqual(budget);
    }
    const k = mid.counters();
    expect(k.budgetBytes).toBe(budget);
    expect(k.overflows).toBeGreaterThan(0);
    expect(mid.validate()).toBeNull();
    mid.flush();
    expect(pl.pagesInUse()).toBe(0);
  });

  it('returns 0 when memory is out, and counts the failure', () => {
    const { mid } = setup(4);
    expect(mid.malloc(5 * PAGE_SIZE)).toBe(0);
    expect(mid.malloc(60 * 1024 - G)).toBe(0); // its spans are 16 pages
    expect(mid.counters().allocFailures).toBe(2);
    expect(mid.malloc(2000)).not.toBe(0);
    expect(mid.validate()).toBeNull();
  });

  describe.each([false, true])('frees by another worker (shared memory: %s)', (shared) => {
    it("go back to the owner's span through its remote list", () => {
      const { lm, pl, mid, word, free } = setup(64, undefined, shared);
      const other = new MidLargeAce(lm, pl, 2);
      const ptrs = [mid.malloc(4000), mid.malloc(4000), mid.malloc(4000)];
      const span = spanStart(ptrs[0], word(ptrs[0]));
      for (const p of ptrs) expect(free(p, other)).toBe(MID_FREE_OK);
      for (const p of ptrs) expect(free(p, mid)).toBe(MID_FREE_DOUBLE);
      // Shared: the blocks are not other's, so they go on the span's remote list at once.
      // (Private memory has one worker; two boxes on it only meet in this test: other caches them until it flushes.)
      expect(other.counters().remoteFrees).toBe(shared ? 3 : 0);
      other.flush();
      expect(other.counters().remoteFrees).toBe(3);
      expect(lm.u32[(span + SP_REMOTE_HEAD) >>> 2]).not.toBe(0);
      expect(validateSpan(lm, pl, span, newWalk(), mid.cachedIn(span))).toBeNull();
      mid.flush(); // the owner collects them, and the span is empty again
      // Collected, and the span released (the debug build poisons the pages it gives back).
      expect(lm.u32[(span + SP_REMOTE_HEAD) >>> 2]).toBe(__HAKMEM_DEBUG__ ? POISON_WORD : 0);
      expect(pl.pagesInUse()).toBe(0);
      expect(mid.counters().spansReleased).toBe(1);
    });
  });

  it('reclaimWorker after a death under the mid lock relinks a half-adopted span and abandons the dead worker\'s spans', () => {
    const { lm, pl, mid, word } = setup(64, undefined, true);
    const dead = new MidLargeAce(lm, pl, 3);
    const survivor = new MidLargeAce(lm, pl, 2);
    const a = mid.malloc(4000);
    const b = dead.malloc(4000);
    const spanA = spanStart(a, word(a));
    const spanB = spanStart(b, word(b));
    const cls = lm.u32[(spanA + SP_CLASS) >>> 2];
    const head = ((pl.midArea + MID_ABANDONED_HEADS) >>> 2) + cls;
    const lock = (pl.base + H_MID_LOCK) >>> 2;
    mid.flush();
    mid.abandonAll(); // worker 1 detaches with a block still out: span A is abandoned
    expect(lm.u32[head]).toBe(spanA);
    // Worker 3 dies inside adoptAbandoned: lock held, A unlinked, its owner not yet written.
    lm.i32[lock] = 3;
    lm.u32[head] = 0;
    expect(survivor.reclaimWorker(3)).toBe(1); // span B was the dead worker's
    expect(lm.i32[lock]).toBe(0);
    const listed: number[] = [];
    for (let s = lm.u32[head]; s !== 0; s = lm.u32[(s + SP_NEXT) >>> 2]) listed.push(s);
    expect(listed.sort()).toEqual([spanA, spanB].sort());
    for (const s of listed) expect(lm.u32[(s + SP_OWNER) >>> 2]).toBe(0);
    // The survivor adopts both before it makes a new span.
    for (let i = 0; i < 2 * midSpanCapacity(cls); i++) survivor.malloc(4000);
    expect(survivor.counters()).toMatchObject({ spansAdopted: 2 });
    expect(lm.u32[head]).toBe(0);
    for (const s of [spanA, spanB]) expect(validateSpan(lm, pl, s, newWalk(), survivor.cachedIn(s))).toBeNull();
  });

  it('guards live blocks and poisons cached ones (debug); release sees neither', () => {
    const { lm, pl, mid, free, usable, word } = setup(64);
    const p = mid.malloc(3000);
    const q = mid.malloc(3000);
    lm.u8[p + usable(p)] ^= 0x5a; // one byte past the usable end
    const span = spanStart(p, word(p));
    if (__HAKMEM_DEBUG__) {
      expect(() => validateSpan(lm, pl, span, newWalk(), mid.cachedIn(span))).toThrow(/write past the usable end/);
      expect(() => free(p)).toThrow(/write past the usable end/);
      expect(usable(p)).toBeGreaterThan(0); // still live: the failed free changed nothing
      lm.u8[p + usable(p)] ^= 0x5a;
    }
    expect(free(p)).toBe(MID_FREE_OK);
    expect(free(q)).toBe(MID_FREE_OK);
    lm.u8[q + 100] ^= 0x5a; // q sits in the cache: a write after free
    if (__HAKMEM_DEBUG__) {
      expect(() => mid.validate()).toThrow(/written after free/);
      expect(() => mid.malloc(3000)).toThrow(/written after free/);
    } else {
      expect(mid.validate()).toBeNull();
      expect(mid.malloc(3000)).toBe(q);
    }
  });

  it('blocks that went back to their span keep their poison through the trip back into the cache (debug)', () => {
    const { lm, mid, word, free } = setup(64);
    const n = 40;
    const ps = Array.from({ length: n }, () => mid.malloc(3000));
    for (const p of ps) expect(free(p)).toBe(MID_FREE_OK);
    // The cache overflowed: some blocks are on their span's free list.
    const span = spanStart(ps[0], word(ps[0]));
    const onList = lm.u32[(span + SP_FREE_HEAD) >>> 2];
    expect(onList).not.toBe(0);
    expect(mid.validate()).toBeNull();
    // Malloc until a block comes back from the span list: the ones the same
    // refill cached with it must be whole-poisoned (link word included).
    const again: number[] = [];
    while (again.length < 4 * n && again[again.length - 1] !== onList) again.push(mid.malloc(3000));
    expect(again[again.length - 1]).toBe(onList);
    expect(mid.validate()).toBeNull();
    for (const p of again) free(p);
    // A write after free into a block on the span list is found when the cache takes it back.
    const head = lm.u32[(span + SP_FREE_HEAD) >>> 2];
    expect(head).not.toBe(0);
    lm.u8[head + 100] ^= 0x5a;
    const take = (): void => {
      for (let i = 0; i < 4 * n; i++) if (mid.malloc(3000) === head) return;
    };
    if (__HAKMEM_DEBUG__) expect(take).toThrow(/written after free/);
    else expect(take).not.toThrow();
  });

  it('the debug build refuses to hand out a cached block that is already live', () => {
    const { lm, mid, word, free } = setup(64);
    const p = mid.malloc(2000);
    free(p);
    const span = spanStart(p, word(p));
    const q = (p - span - SPAN_HEADER_BYTES) / MID_CLASS_SIZES[midClassOf(2000 + G)];
    lm.u32[((span + SP_BITMAP) >>> 2) + (q >>> 5)] |= 1 << (q & 31); // corrupt: the cached block looks live
    if (__HAKMEM_DEBUG__) {
      let err: unknown;
      try {
        mid.malloc(2000);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HeapError);
      expect(err).toMatchObject({ code: 'CORRUPTION', box: 'midLargeAce', ptr: p });
    } else expect(mid.malloc(2000)).toBe(p);
  });

  describe('validateSpan', () => {
    function state() {
      const s = setup(64);
      const cls = midClassOf(3000 + G);
      const size = MID_CLASS_SIZES[cls];
      const ptrs = Array.from({ length: 6 }, () => s.mid.malloc(3000));
      const span = spanStart(ptrs[0], s.word(ptrs[0]));
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

  it('starts every class with a capacity within its bounds', () => {
    const { mid } = setup(64);
    for (let c = 0; c < MID_CLASSES; c++) {
      expect(mid.capacity[c]).toBeGreaterThanOrEqual(2);
      expect(mid.capacity[c]).toBeLessThanOrEqual(mid.maxCapacity[c]);
      expect(mid.maxCapacity[c] * MID_CLASS_SIZES[c]).toBeLessThanOrEqual(Math.max(2 << 20, 2 * MID_CLASS_SIZES[c]));
    }
  });
});
