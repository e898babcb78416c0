import { FREE_DOUBLE, FREE_INSIDE, FREE_OK, HeapError, newHeapWalk } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_KIND_MASK,
  PK_FREE,
  PK_SS_SPARE,
  PK_TINY,
  SLAB_SIZE,
  SM_CARVED,
  SM_OWNER,
  SM_USED,
  SS_HEADER_BYTES,
  TINY_CLASS_SIZES,
  TINY_CLASSES,
  slabDataStart,
  slabRecordOf,
  superslabOf,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
// A test may set the box up over the built-in pool: the pool lays out the
// words the two boxes share, which is the contract under test.
import { SharedPool } from '@hakmem/shared-pool';
import { describe, expect, it } from 'vitest';
import { LIVE_BITS_AT, OUT_BITS_AT, SM_SCAN_HINT, TRAILER_BYTES, bitmapCapacity, blockStartOf } from '../src/bitmap-layout.js';
import { BitmapSuperslab, clearLive, clearLiveShared, markLive, markLiveShared, ownerOf } from '../src/bitmap-superslab.js';
import { slabOccupancy } from '../src/bitmap-walk.js';

const WORKER = 1;
const CACHE_CAP = 16;

/**
 * The box over a formatted heap and the built-in shared pool, driven the way
 * the facade drives it: per-class caches of `CACHE_CAP` blocks, refill from
 * the box (a pool slab when it has none), drain half of a full cache back.
 */
function setup(shared = false, pages = 64) {
  const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: pages + 2, shared: true } : { initial: 1, maximum: pages + 2 });
  const lm = new LinearMemory(memory, shared);
  lm.holder = WORKER;
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, shared);
  const pool = new SharedPool(lm, pl);
  const ss = new BitmapSuperslab(lm, WORKER, pl);
  const caches: number[][] = Array.from({ length: TINY_CLASSES }, () => []);
  const scratch = new Uint32Array(CACHE_CAP);
  const mark = shared ? markLiveShared : markLive;
  const clear = shared ? clearLiveShared : clearLive;
  const release = () => {
    for (const slab of ss.emptied) pool.release(slab);
    ss.emptied.length = 0;
  };
  const malloc = (cls: number): number => {
    const cache = caches[cls];
    if (cache.length === 0) {
      let n = ss.refill(cls, scratch, CACHE_CAP);
      while (n === 0) {
        const slab = pool.acquire(cls, WORKER);
        if (slab === 0) return 0;
        ss.adopt(cls, slab);
        n = ss.refill(cls, scratch, CACHE_CAP);
      }
      for (let i = 0; i < n; i++) cache.push(scratch[i]);
    }
    const ptr = cache.pop()!;
    expect(mark(lm.u8, ptr)).toBe(true);
    return ptr;
  };
  const free = (ptr: number): void => {
    const cls = (pl.word(ptr >>> PAGE_SHIFT) >>> 8) & 0xff;
    expect(clear(lm.u8, ptr)).toBe(true);
    const cache = caches[cls];
    if (cache.length === CACHE_CAP) {
      const half = cache.splice(0, CACHE_CAP / 2);
      scratch.set(half);
      ss.returnBlocks(scratch, half.length);
      release();
    }
    cache.push(ptr);
  };
  /** Every cache back to the slabs, the current slabs dropped (the facade's trim). */
  const trim = () => {
    for (const cache of caches) {
      const all = cache.splice(0);
      for (let i = 0; i < all.length; i += CACHE_CAP) {
        const part = all.slice(i, i + CACHE_CAP);
        scratch.set(part);
        ss.returnBlocks(scratch, part.length);
      }
    }
    ss.releaseCurrent();
    release();
  };
  const cached = () => Uint32Array.from(caches.flat()).sort();
  /** The facade's walk over every page, through the box's `walk`. */
  const walk = (validate: boolean) => {
    const w = newHeapWalk(validate);
    const list = cached();
    let problem: string | null = null;
    for (let p = pl.firstDataPage; p < pl.endPage() && problem === null; ) {
      const kind = pl.word(p) & PK_KIND_MASK;
      if (kind === PK_TINY || kind === PK_SS_SPARE) problem = ss.walk(p, w, list, list.length);
      else w.nextPage = p + 1;
      p = w.nextPage;
    }
    if (problem === null && validate) problem = pool.validate(w.superslabs);
    return { ...w, problem };
  };
  return { lm, pl, pool, ss, malloc, free, trim, walk, caches };
}

/** xorshift32. */
function rng(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('bitmap SuperSlab: layout', () => {
  it('the reciprocal gives the exact block number of every 16-byte offset of a slab, for every class', () => {
    const ss = 1 << 20;
    for (let cls = 0; cls < TINY_CLASSES; cls++) {
      const size = TINY_CLASS_SIZES[cls];
      for (const slab of [0, 3]) {
        const start = ss + slab * SLAB_SIZE + (slab === 0 ? SS_HEADER_BYTES : 0);
        for (let rel = 0; start + rel < ss + (slab + 1) * SLAB_SIZE; rel += 16) expect(blockStartOf(start + rel, cls)).toBe(rel % size === 0 ? rel / size : -1);
        // Below the data start (slab 0's header) is no block.
        if (slab === 0) expect(blockStartOf(start - 16, cls)).toBe(-1);
      }
    }
  });

  it('capacity is what fits before the trailer', () => {
    for (let cls = 0; cls < TINY_CLASSES; cls++) {
      const size = TINY_CLASS_SIZES[cls];
      for (const [index, bytes] of [[0, SLAB_SIZE - SS_HEADER_BYTES - TRAILER_BYTES], [5, SLAB_SIZE - TRAILER_BYTES]]) {
        const cap = bitmapCapacity(cls, index);
        expect(cap * size).toBeLessThanOrEqual(bytes);
        expect((cap + 1) * size).toBeGreaterThan(bytes);
      }
    }
  });
});

describe.each([false, true])('bitmap SuperSlab over the built-in pool (shared memory: %s)', (shared) => {
  it('hands out distinct, aligned blocks of the slab data; live bits follow malloc and free; walk counts them', () => {
    const h = setup(shared);
    const live = new Map<number, number>();
    for (const cls of [0, 3, 8, 17, 31])
      for (let i = 0; i < 300; i++) {
        const p = h.malloc(cls);
        expect(live.has(p)).toBe(false);
        live.set(p, cls);
        const start = slabDataStart(slabRecordOf(p));
        expect(p % 16).toBe(0);
        expect(p).toBeGreaterThanOrEqual(start);
        // Blocks end before the slab's trailer.
        expect(p + TINY_CLASS_SIZES[cls]).toBeLessThanOrEqual((p & ~(PAGE_SIZE - 1)) + LIVE_BITS_AT);
        expect(h.ss.isLive(p)).toBe(true);
      }
    const bytes = () => [...live.values()].reduce((a, c) => a + TINY_CLASS_SIZES[c], 0);
    let w = h.walk(true);
    expect(w.problem).toBeNull();
    expect([w.liveBlocks, w.liveBytes]).toEqual([live.size, bytes()]);
    const next = rng(3);
    for (const p of [...live.keys()]) if (next() % 2 === 0) {
      h.free(p);
      live.delete(p);
      expect(h.ss.isLive(p)).toBe(false);
    }
    w = h.walk(true);
    expect(w.problem).toBeNull();
    expect([w.liveBlocks, w.liveBytes]).toEqual([live.size, bytes()]);
    expect(h.walk(false)).toMatchObject({ liveBlocks: live.size, liveBytes: bytes() });
    const c = h.ss.counters();
    expect(c.refills).toBeGreaterThan(0);
    expect(c.carvedBlocks).toBeGreaterThan(0);
    expect(c.localReturns).toBeGreaterThan(0);
  });

  it('freeProblem, usableSize and the hot functions tell live, double and interior pointers apart', () => {
    const h = setup(shared);
    const cls = 5; // 96 bytes
    const a = h.malloc(cls);
    const b = h.malloc(cls);
    const word = h.pl.word(a >>> PAGE_SHIFT);
    expect(h.ss.freeProblem(a)).toBe(FREE_OK);
    expect(h.ss.usableSize(a, word)).toBe(96);
    h.free(a);
    expect(h.ss.freeProblem(a)).toBe(FREE_DOUBLE);
    expect(h.ss.usableSize(a, word)).toBe(-1);
    const clear = shared ? clearLiveShared : clearLive;
    expect(clear(h.lm.u8, a)).toBe(false);
    // 16 bytes into a live block: not its start, and its live bit stays.
    expect(clear(h.lm.u8, b + 16)).toBe(false);
    expect(h.ss.isLive(b)).toBe(true);
    expect(h.ss.freeProblem(b + 16)).toBe(FREE_INSIDE);
    expect(h.ss.usableSize(b + 16, word)).toBe(-1);
    // Beyond the carved blocks, and inside the trailer.
    expect(h.ss.freeProblem(b + 96 * 100)).toBe(FREE_INSIDE);
    expect(h.ss.freeProblem((b & ~(PAGE_SIZE - 1)) + OUT_BITS_AT)).toBe(FREE_INSIDE);
    // A second markLive of a live block is refused.
    expect((shared ? markLiveShared : markLive)(h.lm.u8, b)).toBe(false);
    expect(ownerOf(h.lm.u32, b)).toBe(WORKER);
    expect(h.walk(true).problem).toBeNull();
  });

  it('emptied slabs go back to the pool, are reused, and a fresh slab of another class starts with clear bitmaps', () => {
    const h = setup(shared);
    // One block of another class stays live, so the SuperSlab stays (a SuperSlab with no ACTIVE slab goes back whole).
    const keep = h.malloc(9);
    const blocks: number[] = [];
    for (let i = 0; i < 2000; i++) blocks.push(h.malloc(0));
    const slabs = new Set(blocks.map(slabRecordOf));
    expect(slabs.size).toBeGreaterThan(0);
    for (const p of blocks) h.free(p);
    h.trim();
    expect(h.ss.counters().ownedSlabs).toBe(1);
    let w = h.walk(true);
    expect(w.problem).toBeNull();
    expect(w.liveBlocks).toBe(1);
    // The pool keeps EMPTY slabs of class 0 (stage 1): carved stays, blocks come back from the bitmap.
    const again = h.malloc(0);
    expect(slabs.has(slabRecordOf(again))).toBe(true);
    expect(h.ss.counters().reusedBlocks).toBeGreaterThan(0);
    // Slabs the pool made UNUSED may hold anything (user bytes, poison): their pages went back to the
    // page layer, which may have handed them to another box. Dirty every such page, trailer included.
    const ssPage = superslabOf(again) >>> PAGE_SHIFT;
    let dirtied = 0;
    for (let pg = ssPage; pg < ssPage + 16; pg++)
      if ((h.pl.word(pg) & PK_KIND_MASK) === PK_SS_SPARE || (h.pl.word(pg) & PK_KIND_MASK) === PK_FREE) {
        h.lm.u8.fill(0xff, pg * PAGE_SIZE + (pg === ssPage ? SS_HEADER_BYTES : 0), (pg + 1) * PAGE_SIZE);
        dirtied++;
      }
    expect(dirtied).toBeGreaterThan(2);
    // Other classes take those slabs fresh: adopt clears their bitmaps.
    const live: number[] = [again, keep];
    for (let cls = 1; cls < TINY_CLASSES; cls++) for (let i = 0; i < 40; i++) live.push(h.malloc(cls));
    w = h.walk(true);
    expect(w.problem).toBeNull();
    expect(w.liveBlocks).toBe(live.length);
    for (const p of live) h.free(p);
    h.trim();
    expect(h.walk(true)).toMatchObject({ problem: null, liveBlocks: 0 });
  });

  it('a random workload keeps the walk exact and valid throughout', () => {
    const h = setup(shared, 96);
    const next = rng(11);
    const live = new Map<number, number>();
    for (let i = 0; i < 6000; i++) {
      if (live.size > 0 && next() % 100 < 45) {
        const keys = [...live.keys()];
        const p = keys[next() % keys.length];
        h.free(p);
        live.delete(p);
      } else {
        const cls = next() % TINY_CLASSES;
        const p = h.malloc(cls);
        expect(p).not.toBe(0);
        expect(live.has(p)).toBe(false);
        live.set(p, cls);
      }
      if (i % 1500 === 0) expect(h.walk(true).problem).toBeNull();
    }
    const w = h.walk(true);
    expect(w.problem).toBeNull();
    expect(w.liveBlocks).toBe(live.size);
    expect(w.liveBytes).toBe([...live.values()].reduce((a, c) => a + TINY_CLASS_SIZES[c], 0));
    for (const p of live.keys()) h.free(p);
    h.trim();
    expect(h.walk(true)).toMatchObject({ problem: null, liveBlocks: 0, liveBytes: 0 });
    // Every SuperSlab went back to the page layer.
    expect(h.pl.pagesInUse()).toBe(0);
  });
});

describe('bitmap SuperSlab: broken records are reported', () => {
  function broken() {
    const h = setup();
    const p = h.malloc(2);
    const q = h.malloc(2);
    h.free(q); // q sits in the cache
    const slab = slabRecordOf(p);
    return { h, p, q, slab, page: p & ~(PAGE_SIZE - 1), b: blockStartOf(p, 2) };
  }

  it('a live bit of a block that is not out', () => {
    const { h, slab, page } = broken();
    const far = 200; // never carved
    h.lm.u8[page + LIVE_BITS_AT + (far >>> 3)] |= 1 << (far & 7);
    const w = h.walk(true);
    expect(w.problem).toBe(`slab ${slab}: a live bit past its ${h.lm.u32[(slab + SM_CARVED) >>> 2]} carved blocks is set (bitmap byte ${far >>> 3})`);
    expect(w.problemAt).toBe(slab);
  });

  it('out bits that disagree with the used count, and a live block the record does not count', () => {
    const { h, slab } = broken();
    h.lm.u32[(slab + SM_USED) >>> 2]--;
    expect(h.walk(true).problem).toMatch(new RegExp(`^slab ${slab}: \\d+ blocks are out by its bitmap, used says`));
  });

  it('a cached block marked live', () => {
    const { h, q, page } = broken();
    const b = blockStartOf(q, 2);
    h.lm.u8[page + LIVE_BITS_AT + (b >>> 3)] |= 1 << (b & 7);
    const w = h.walk(true);
    expect(w.problem).toBe('a cached block is marked live');
    expect(w.problemAt).toBe(q);
  });

  it('a scan hint that skips a free block', () => {
    const { h, slab } = broken();
    const r = h.malloc(2);
    // Empty the cache back to the slab: q's out bit clears, then push the hint past it.
    h.trim();
    h.lm.u32[(slab + SM_SCAN_HINT) >>> 2] = 64;
    expect(h.walk(true).problem).toMatch(new RegExp(`^slab ${slab}: scan hint 64 passes over free block`));
    expect(r).not.toBe(0);
  });

  it('a page word that disagrees with the record, and a SuperSlab page with no header', () => {
    const { h, p, slab } = broken();
    const pg = p >>> PAGE_SHIFT;
    const word = h.pl.word(pg);
    h.pl.setWord(pg, (word & ~0xff00) | (7 << 8));
    expect(h.walk(true).problem).toBe(`slab ${slab}: page word class differs from its record`);
    h.pl.setWord(pg, word);
    expect(h.walk(true).problem).toBeNull();
    // A page inside the SuperSlab, not at its start, was walked with the header's page.
    const inside = (superslabOf(p) >>> PAGE_SHIFT) + 1;
    const w = newHeapWalk(true);
    expect(h.ss.walk(inside, w, new Uint32Array(0), 0)).toBeNull();
    expect(w.nextPage).toBe(inside + 1);
    expect(w.superslabs).toEqual([]);
    // A page of the next 1 MiB, where no SuperSlab header is.
    const stray = (superslabOf(p) >>> PAGE_SHIFT) + 17;
    const v = newHeapWalk(true);
    expect(h.ss.walk(stray, v, new Uint32Array(0), 0)).toBe(`page ${stray} is a SuperSlab page but no SuperSlab header is at ${superslabOf(p) + (1 << 20)}`);
    expect(v.nextPage).toBe(stray + 1);
  });

  it('returnBlocks refuses a block that is live, or of another owner', () => {
    const { h, p, slab } = broken();
    expect(() => h.ss.returnBlocks(Uint32Array.of(p), 1)).toThrow(HeapError);
    h.lm.u32[(slab + SM_OWNER) >>> 2] = 9;
    expect(() => h.ss.returnBlocks(Uint32Array.of(p), 1)).toThrow(/no remote frees/);
  });
});

describe('bitmap SuperSlab: occupancy and detach', () => {
  it('slabOccupancy reads the trailer', () => {
    const h = setup();
    const ps = Array.from({ length: 10 }, () => h.malloc(4));
    h.free(ps[0]);
    const occ = slabOccupancy(h.lm, ps[1])!;
    expect(occ).toMatchObject({ state: 'active', sizeClass: 4, blockBytes: TINY_CLASS_SIZES[4], live: 9, owner: WORKER });
    expect(occ.carved).toBeGreaterThanOrEqual(10);
    expect(occ.capacity).toBe(Math.floor((SLAB_SIZE - SS_HEADER_BYTES - TRAILER_BYTES) / TINY_CLASS_SIZES[4]));
    expect(slabOccupancy(h.lm, superslabOf(ps[1]) + 5 * SLAB_SIZE)).toMatchObject({ state: 'unused', live: 0 });
  });

  it('disown hands over every slab with blocks out, for the pool to abandon', () => {
    const h = setup();
    const a = h.malloc(0);
    const b = h.malloc(20);
    h.trim();
    const slabs = h.ss.disown();
    expect(new Set(slabs)).toEqual(new Set([slabRecordOf(a), slabRecordOf(b)]));
    h.pool.abandon(slabs);
    expect(h.ss.counters().ownedSlabs).toBe(0);
    expect(h.walk(true).problem).toBeNull();
  });
});
