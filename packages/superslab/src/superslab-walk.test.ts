import { FREE_DOUBLE, FREE_INSIDE, FREE_OK, newHeapWalk } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_SS_SPARE,
  SLAB_ACTIVE,
  SLAB_BITMAP_BYTES,
  SLAB_EMPTY,
  SLAB_META_BYTES,
  SLABS_PER_SS,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_OWNER,
  SM_STATE,
  SM_USED,
  SS_BITMAP,
  SS_BITMAP_BYTES,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_PAGES,
  TINY_CLASS_SIZES,
  slabDataStart,
  slabRecordAt,
  tinyClassOf,
  tinyPageWord,
  tinySlabCapacity,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { BLOCK_GUARD } from './block-guard.js';
import { Superslab, ownerOf } from './superslab.js';

/** A heap with one SuperSlab laid out by hand, as the shared pool would (a box test may not import another box). */
function heap(pagesInHeap = 64) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: pagesInHeap + 2 });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, pagesInHeap * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pages = PageLayer.format(lm, geo, false);
  // The pool holds the header's page and takes a slab's page when the slab is used.
  const page = pages.allocRunHead(SS_PAGES, SS_PAGES);
  if (page === 0) throw new Error('test setup: no room for a SuperSlab');
  const ss = page << PAGE_SHIFT;
  lm.u8.fill(0, ss, ss + SS_BITMAP + SS_BITMAP_BYTES);
  lm.u32[(ss + SS_MAGIC) >>> 2] = SS_MAGIC_VALUE;
  pages.setWord(page, PK_SS_SPARE);
  const activate = (index: number, cls: number, owner: number): number => {
    if (index !== 0 && !pages.takePage(page + index)) throw new Error(`test setup: page of slab ${index} is not free`);
    const slab = slabRecordAt(ss, index);
    lm.u8.fill(0, slab, slab + SLAB_META_BYTES);
    lm.u32[(slab + SM_CLASS) >>> 2] = cls;
    lm.u32[(slab + SM_STATE) >>> 2] = SLAB_ACTIVE;
    lm.u32[(slab + SM_CAPACITY) >>> 2] = tinySlabCapacity(cls, index);
    lm.u32[(slab + SM_OWNER) >>> 2] = owner;
    pages.setWord(page + index, tinyPageWord(cls, index));
    return slab;
  };
  return { lm, pages, page, ss, activate };
}

function take(box: Superslab, cls: number, want: number): number[] {
  const dest = new Uint32Array(want);
  return Array.from(dest.subarray(0, box.refill(cls, dest, want)));
}

/**
 * Slabs of three classes with live, returned and cached blocks, and one EMPTY
 * slab: what a worker's SuperSlab looks like between mallocs and frees.
 */
function busy() {
  const h = heap();
  const box = new Superslab(h.lm, 1, h.pages);
  const cached: number[] = [];
  const slabs: number[] = [];
  const plan: [index: number, size: number, live: number, back: number, inCache: number][] = [
    [0, 64, 5, 3, 2],
    [3, 1024, 7, 0, 1],
    [7, 144, 1, 4, 0],
  ];
  for (const [index, size, live, back, inCache] of plan) {
    const cls = tinyClassOf(size);
    const slab = h.activate(index, cls, 1);
    slabs.push(slab);
    box.adopt(cls, slab);
    const got = take(box, cls, live + back + inCache);
    for (const p of got.slice(0, live)) expect(box.markLive(p)).toBe(true);
    box.returnBlocks(Uint32Array.from(got.slice(live, live + back)), back);
    cached.push(...got.slice(live + back));
  }
  // Slab 9: EMPTY, every block it carved came back.
  const cls9 = tinyClassOf(32);
  const empty = h.activate(9, cls9, 1);
  box.adopt(cls9, empty);
  const got9 = take(box, cls9, 6);
  box.returnBlocks(Uint32Array.from(got9), 6);
  h.lm.u32[(empty + SM_STATE) >>> 2] = SLAB_EMPTY;
  h.lm.u32[(empty + SM_OWNER) >>> 2] = 0;
  const sorted = Uint32Array.from(cached).sort();
  return { ...h, box, slabs, empty, cached: sorted, liveBlocks: plan.reduce((n, [, , live]) => n + live, 0), plan };
}

/** What the facade's walk() computed for stats() before the box walked itself: popcounts of each in-use slab's bitmap share. */
function facadeCount(lm: LinearMemory, ss: number): { liveBlocks: number; liveBytes: number } {
  const out = { liveBlocks: 0, liveBytes: 0 };
  for (let s = 0; s < SLABS_PER_SS; s++) {
    const slab = ss + 64 + s * 64; // SS_SLAB_META, SLAB_META_BYTES as the facade spelled them
    const state = lm.u32[(slab + SM_STATE) >>> 2];
    if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) continue;
    const size = TINY_CLASS_SIZES[lm.u32[(slab + SM_CLASS) >>> 2]];
    let live = 0;
    const from = ss + SS_BITMAP + s * SLAB_BITMAP_BYTES;
    if (lm.u32[(slab + SM_CARVED) >>> 2] > 0) for (let i = from; i < from + SLAB_BITMAP_BYTES; i++) for (let b = lm.u8[i]; b !== 0; b &= b - 1) live++;
    out.liveBlocks += live;
    out.liveBytes += live * (size - BLOCK_GUARD);
  }
  return out;
}

const noCache = new Uint32Array(0);

describe(`Superslab.walk (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it.each([false, true])('counts what the facade counted, goes on at the next page and lists it (validate %s)', (validate) => {
    const { lm, box, page, ss, cached, liveBlocks } = busy();
    const w = newHeapWalk(validate);
    w.liveBlocks = 2; // a walk adds to what earlier regions found
    w.liveBytes = 100;
    expect(box.walk(page, w, cached, cached.length)).toBeNull();
    const want = facadeCount(lm, ss);
    expect(want.liveBlocks).toBe(liveBlocks);
    expect(w.liveBlocks).toBe(2 + want.liveBlocks);
    expect(w.liveBytes).toBe(100 + want.liveBytes);
    // The SuperSlab's other pages may belong to other boxes: the heap walk goes on page by page.
    expect(w.nextPage).toBe(page + 1);
    expect(w.superslabs).toEqual([ss]);
    // A slab page after the header's was walked with it.
    const inner = newHeapWalk(validate);
    expect(box.walk(page + 3, inner, cached, cached.length)).toBeNull();
    expect(inner.nextPage).toBe(page + 4);
    expect(inner.superslabs).toEqual([]);
    expect(inner.liveBlocks).toBe(0);
  });

  it('agrees with the facade count and its own validating count after a random run of mallocs and frees', () => {
    const h = heap();
    const box = new Superslab(h.lm, 1, h.pages);
    const classes = [tinyClassOf(16), tinyClassOf(80), tinyClassOf(640)];
    classes.forEach((cls, i) => box.adopt(cls, h.activate(1 + i * 4, cls, 1)));
    let seed = 12345;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const live: number[] = [];
    const cache: number[][] = classes.map(() => []);
    for (let step = 0; step < 3000; step++) {
      const k = rand(classes.length);
      if (rand(3) !== 0) {
        // malloc: from the cache, else a refill batch into it.
        if (cache[k].length === 0) cache[k].push(...take(box, classes[k], 8));
        const p = cache[k].pop();
        if (p === undefined) continue;
        expect(box.markLive(p)).toBe(true);
        live.push(p);
      } else if (live.length > 0) {
        const p = live.splice(rand(live.length), 1)[0];
        expect(box.clearLive(p)).toBe(true);
        const c = classes.indexOf(h.lm.u32[(slabRecordAt(h.ss, (p - h.ss) >>> PAGE_SHIFT) + SM_CLASS) >>> 2]);
        // free: into the cache, whose older half drains back to the slab when it is full.
        if (cache[c].push(p) > 16) box.returnBlocks(Uint32Array.from(cache[c].splice(0, 8)), 8);
      }
    }
    const cached = Uint32Array.from(cache.flat()).sort();
    const counted = newHeapWalk(false);
    const checked = newHeapWalk(true);
    expect(box.walk(h.page, counted, cached, cached.length)).toBeNull();
    expect(box.walk(h.page, checked, cached, cached.length)).toBeNull();
    expect(counted.liveBlocks).toBe(live.length);
    expect({ liveBlocks: counted.liveBlocks, liveBytes: counted.liveBytes }).toEqual(facadeCount(h.lm, h.ss));
    expect({ liveBlocks: checked.liveBlocks, liveBytes: checked.liveBytes }).toEqual(facadeCount(h.lm, h.ss));
  });

  it('finds the page table from the heap header when it was given no page layer', () => {
    const { lm, page, cached, slabs } = busy();
    const bare = new Superslab(lm, 1);
    expect(bare.walk(page, newHeapWalk(true), cached, cached.length)).toBeNull();
    lm.u32[(slabs[1] + SM_CLASS) >>> 2] = tinyClassOf(512);
    expect(bare.walk(page, newHeapWalk(true), cached, cached.length)).toBe(`slab ${slabs[1]}: page word class or slab index differs from its record`);
  });

  it('reports a page where no SuperSlab starts, in both modes, and moves on by one page', () => {
    const { lm, box, page, ss } = busy();
    const stray = page + SS_PAGES + 1;
    for (const validate of [false, true]) {
      const w = newHeapWalk(validate);
      expect(box.walk(stray, w, noCache, 0)).toBe(`page ${stray} is a SuperSlab page but no SuperSlab header is at ${ss + SS_PAGES * PAGE_SIZE}`);
      expect(w.nextPage).toBe(stray + 1);
      expect(w.problemAt).toBe(stray * PAGE_SIZE);
      expect(w.superslabs).toEqual([]);
    }
    lm.u32[(ss + SS_MAGIC) >>> 2] = 0;
    const w = newHeapWalk(false);
    expect(box.walk(page, w, noCache, 0)).toBe(`page ${page} is a SuperSlab page but no SuperSlab header is at ${ss}`);
    expect(w.nextPage).toBe(page + 1);
  });

  it('checks each slab page word against its record', () => {
    const { lm, pages, box, page, slabs, cached } = busy();
    const w = newHeapWalk(true);
    pages.setWord(page + 3, PK_SS_SPARE);
    expect(box.walk(page, w, cached, cached.length)).toBe(`slab ${slabs[1]} in state ${SLAB_ACTIVE} has page word ${PK_SS_SPARE}`);
    expect(w.problemAt).toBe(slabs[1]);
    expect(w.nextPage).toBe(page + 1);
    pages.setWord(page + 3, tinyPageWord(tinyClassOf(1024), 3));
    // An UNUSED slab's page is the page layer's (or another box's): no SuperSlab word.
    const spare = slabRecordAt((page << PAGE_SHIFT) >>> 0, 5);
    const free = pages.word(page + 5);
    for (const bad of [tinyPageWord(tinyClassOf(64), 5), PK_SS_SPARE]) {
      pages.setWord(page + 5, bad);
      expect(box.walk(page, newHeapWalk(true), cached, cached.length)).toBe(`slab ${spare} in state 0 has page word ${bad}`);
    }
    pages.setWord(page + 5, free);
    expect(box.walk(page, newHeapWalk(true), cached, cached.length)).toBeNull();
    pages.setWord(page + 3, tinyPageWord(tinyClassOf(1024), 4));
    expect(box.walk(page, newHeapWalk(true), cached, cached.length)).toBe(`slab ${slabs[1]}: page word class or slab index differs from its record`);
    pages.setWord(page + 3, tinyPageWord(tinyClassOf(1024), 3));
    lm.u32[(slabs[2] + SM_CLASS) >>> 2] = tinyClassOf(160);
    expect(box.walk(page, newHeapWalk(true), cached, cached.length)).toBe(`slab ${slabs[2]}: page word class or slab index differs from its record`);
    // stats() does not look at records: it only counts.
    expect(box.walk(page, newHeapWalk(false), cached, cached.length)).toBeNull();
  });

  it('reports a broken record with the validator’s words, at the SuperSlab', () => {
    const { lm, box, page, ss, slabs, cached } = busy();
    const used = lm.u32[(slabs[0] + SM_USED) >>> 2];
    const carved = lm.u32[(slabs[0] + SM_CARVED) >>> 2];
    lm.u32[(slabs[0] + SM_USED) >>> 2] = carved + 1;
    const w = newHeapWalk(true);
    expect(box.walk(page, w, cached, cached.length)).toBe(`slab ${slabs[0]}: used ${carved + 1} > carved ${carved}`);
    expect(w.problemAt).toBe(ss);
    expect(w.nextPage).toBe(page + 1);
    expect(w.liveBlocks).toBe(0); // nothing counted from a SuperSlab that failed
    lm.u32[(slabs[0] + SM_USED) >>> 2] = used;
    const unused = slabRecordAt(ss, 2);
    lm.u32[(unused + SM_STATE) >>> 2] = 9;
    expect(box.walk(page, newHeapWalk(true), cached, cached.length)).toBe(`slab ${unused}: state 9 is not a slab state`);
  });

  it('counts the cached blocks of each slab: one more than its slab has out is reported', () => {
    const { box, page, slabs, cached, plan } = busy();
    expect(box.walk(page, newHeapWalk(true), cached, cached.length)).toBeNull();
    // Slab 3 (1024 B) has 7 live + 1 cached = 8 out; a ninth cached block of it cannot be.
    const [, , live, , inCache] = plan[1];
    const ninth = slabDataStart(slabs[1]) + 15 * TINY_CLASS_SIZES[tinyClassOf(1024)];
    const more = Uint32Array.from([...cached, ninth]).sort();
    expect(box.walk(page, newHeapWalk(true), more, more.length)).toBe(`slab ${slabs[1]}: live ${live} + remote 0 + cached ${inCache + 1} > used ${live + inCache}`);
    // Only cached[0..cachedCount) counts.
    expect(box.walk(page, newHeapWalk(true), more, cached.length)).toBeNull();
  });

  it('a cached block that is marked live is a problem at that block', () => {
    const { box, page, cached } = busy();
    expect(box.markLive(cached[1])).toBe(true);
    const w = newHeapWalk(true);
    expect(box.walk(page, w, cached, cached.length)).toBe('a cached block is marked live');
    expect(w.problemAt).toBe(cached[1]);
  });
});

describe(`Superslab.usableSize, freeProblem and ownerOf (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  function one() {
    const h = heap();
    const cls = tinyClassOf(96);
    const slab = h.activate(2, cls, 7);
    const box = new Superslab(h.lm, 7, h.pages);
    box.adopt(cls, slab);
    const got = take(box, cls, 4);
    for (const p of got) box.markLive(p);
    const word = h.pages.word(h.page + 2);
    return { ...h, cls, slab, box, got, word, size: TINY_CLASS_SIZES[cls] };
  }

  it('usableSize is the class size less the guard for a live block start, else -1', () => {
    const { box, got, word, size } = one();
    expect(box.usableSize(got[0], word)).toBe(size - BLOCK_GUARD);
    expect(box.usableSize(got[3], word)).toBe(size - BLOCK_GUARD);
    expect(box.usableSize(got[0] + 16, word)).toBe(-1); // inside the block
    expect(box.usableSize(got[0] + 4, word)).toBe(-1); // not even on a granule
    expect(box.usableSize(got[3] + size, word)).toBe(-1); // never carved
    expect(box.clearLive(got[1])).toBe(true);
    expect(box.usableSize(got[1], word)).toBe(-1); // freed
  });

  it('freeProblem: FREE_INSIDE off a block start, FREE_DOUBLE for a block that is not live, FREE_OK for a live one', () => {
    const { box, got, size } = one();
    expect(box.freeProblem(got[0])).toBe(FREE_OK);
    expect(box.freeProblem(got[0] + 16)).toBe(FREE_INSIDE);
    expect(box.freeProblem(got[3] + size)).toBe(FREE_INSIDE); // a block boundary past the carved ones
    expect(box.clearLive(got[2])).toBe(true);
    expect(box.freeProblem(got[2])).toBe(FREE_DOUBLE);
  });

  it('ownerOf reads the owner of the slab holding a block', () => {
    const { lm, ss, slab, got, activate } = one();
    expect(ownerOf(lm.u32, got[0])).toBe(7);
    expect(ownerOf(lm.u32, got[3] + 40)).toBe(7); // any address in the slab
    activate(4, tinyClassOf(16), 3);
    expect(ownerOf(lm.u32, ss + 4 * PAGE_SIZE)).toBe(3);
    expect(ownerOf(lm.u32, ss + 5 * PAGE_SIZE - 16)).toBe(3);
    lm.u32[(slab + SM_OWNER) >>> 2] = 0;
    expect(ownerOf(lm.u32, got[0])).toBe(0);
  });
});
