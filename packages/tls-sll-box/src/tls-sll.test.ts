import { HeapError } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_SS_SPARE,
  SLAB_ACTIVE,
  SLAB_SIZE,
  SM_CARVED,
  SM_CLASS,
  SM_STATE,
  SS_MAGIC_VALUE,
  SS_PAGES,
  SS_SLAB_META,
  TINY_CLASS_SIZES,
  TINY_CLASSES,
  tinyPageWord,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { TLS_SLL_STRIDE } from '@hakmem/contracts/layout';
import { stateCapacityIndex, stateCountIndex, stateSlotIndex } from './cache-layout.js';
import * as box from './index.js';
import { TlsCache } from './tls-sll.js';

describe(`TLS cache (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('is LIFO per class and empty until filled', () => {
    const c = new TlsCache();
    expect(c.pop(3)).toBe(0);
    expect(c.push(3, 0x10000)).toBe(true);
    expect(c.push(3, 0x10010)).toBe(true);
    expect(c.pop(3)).toBe(0x10010);
    expect(c.pop(3)).toBe(0x10000);
    expect(c.pop(3)).toBe(0);
    expect(c.validate()).toBeNull();
  });

  it('refuses a push at capacity, and a drain makes room keeping the newest blocks', () => {
    const c = new TlsCache();
    const cap = c.capacity[0];
    for (let i = 0; i < cap; i++) expect(c.push(0, 0x10000 + i * 16)).toBe(true);
    expect(c.push(0, 0x90000)).toBe(false);
    const out = new Uint32Array(512);
    const n = c.drain(0, out);
    expect(n).toBeGreaterThan(0);
    expect(out[0]).toBe(0x10000); // the oldest goes first
    expect(c.push(0, 0x90000)).toBe(true);
    expect(c.pop(0)).toBe(0x90000);
    expect(c.count[0] + n + 1).toBe(cap + 1 - 0);
  });

  it('grows a class that misses and shrinks one that only overflows', () => {
    const c = new TlsCache();
    const start = c.capacity[5];
    c.refillCount(5);
    expect(c.capacity[5]).toBe(Math.min(start * 2, c.maxCapacity[5]));
    c.refillCount(5);
    c.refillCount(5);
    const out = new Uint32Array(512);
    const before = c.capacity[5];
    expect(before).toBe(256);
    c.drain(5, out);
    c.drain(5, out);
    expect(c.capacity[5]).toBe(128);
    expect(c.counters().capacityShrinks).toBe(1);
  });

  it('shrinks an overflowing class to 64 blocks at the least, so a burst of frees drains in batches', () => {
    const c = new TlsCache();
    // Class 3 (64 B) may hold 512 blocks, class 39 (1 KiB) 64: the floor is the smaller of 64 and the maximum.
    for (const [cls, floor] of [[3, 64], [39, Math.min(64, c.maxCapacity[39])]] as const) {
      // A class that made 4,096 blocks refilled often: its capacity grew to its maximum.
      while (c.capacity[cls] < c.maxCapacity[cls]) c.refillCount(cls);
      let ptr = 0x100000 * (cls + 1);
      const out = new Uint32Array(512);
      let drains = 0;
      let drained = 0;
      for (let i = 0; i < 4096; i++) {
        ptr += 16;
        if (!c.push(cls, ptr)) {
          drained += c.drain(cls, out);
          drains++;
          expect(c.push(cls, ptr)).toBe(true);
        }
      }
      expect(c.capacity[cls]).toBe(floor);
      // Every drain after the shrinks moves half the floor.
      expect(drained / drains).toBeGreaterThanOrEqual(floor / 2);
    }
  });

  it('splices a refill batch on top', () => {
    const c = new TlsCache();
    c.splice(2, Uint32Array.of(0x20000, 0x20030, 0x20060), 3);
    expect(c.pop(2)).toBe(0x20060);
    expect(c.cached()).toBe(2);
  });

  it('in the debug build, rejects a block cached twice or misaligned; release trusts its caller', () => {
    const c = new TlsCache();
    c.push(1, 0x30000);
    if (__HAKMEM_DEBUG__) {
      expect(() => c.push(1, 0x30000)).toThrow(HeapError);
      expect(() => c.push(1, 0x30008)).toThrow(/aligned/);
      expect(() => c.pop(TINY_CLASSES)).toThrow(/out of range/);
    } else {
      expect(c.push(1, 0x30000)).toBe(true);
      expect(c.validate()).toMatch(/twice/); // check() still finds it
    }
  });
});

/**
 * A heap memory with one SuperSlab whose slab 1 is an ACTIVE slab of class
 * `cls` with `carved` blocks, laid out by hand as the shared pool would (a
 * box test may not import another box).
 */
function slabMemory(cls: number, carved: number) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 40 });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, 38 * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, false);
  const page = pl.allocRun(SS_PAGES, SS_PAGES);
  const ss = page << PAGE_SHIFT;
  lm.u32[ss >>> 2] = SS_MAGIC_VALUE;
  pl.setWords(page, SS_PAGES, PK_SS_SPARE);
  const rec = (ss + SS_SLAB_META + 1 * 64) >>> 2;
  lm.u32[rec + SM_CLASS / 4] = cls;
  lm.u32[rec + SM_STATE / 4] = SLAB_ACTIVE;
  lm.u32[rec + SM_CARVED / 4] = carved;
  pl.setWord(page + 1, tinyPageWord(cls, 1));
  const block = (k: number) => ss + SLAB_SIZE + k * TINY_CLASS_SIZES[cls];
  return { lm, pl, block };
}

describe(`tls-sll cache bound to a heap memory (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  const cls = 4;

  it('debug: takes only carved blocks of a slab of its class; release takes what it is given', () => {
    const { lm, pl, block } = slabMemory(cls, 10);
    const c = new TlsCache();
    c.bindMemory(lm, pl.pt0);
    const bad = [block(10), block(0) + 16, block(0) - SLAB_SIZE, 65536 * 3];
    for (const p of bad) {
      if (__HAKMEM_DEBUG__) expect(() => c.push(cls, p), `push(${p})`).toThrow(expect.objectContaining({ code: 'INVALID_POINTER', ptr: p }));
      else expect(c.push(cls, p)).toBe(true);
    }
    if (__HAKMEM_DEBUG__) {
      expect(() => c.push(cls + 1, block(1))).toThrow(/not in a slab of class/);
      expect(c.cached()).toBe(0);
    }
  });

  it('debug: a block pushed while it is cached is DOUBLE_FREE in O(1), whatever it holds; after it left, it may come back', () => {
    const { lm, pl, block } = slabMemory(cls, 10);
    const c = new TlsCache();
    c.bindMemory(lm, pl.pt0);
    for (let k = 0; k < 6; k++) c.push(cls, block(k));
    // A write after free over the first word (the poison the old check keyed on) does not hide the block.
    lm.u32[block(2) >>> 2] = 0x12345678;
    if (__HAKMEM_DEBUG__) {
      for (const k of [0, 2, 5]) expect(() => c.push(cls, block(k)), `block ${k}`).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE', ptr: block(k) }));
      expect(c.count[cls]).toBe(6); // nothing changed
      lm.u32[block(2) >>> 2] = 0xa5a5a5a5;
      // Popped, drained or emptied blocks are not cached any more: pushing them again is fine.
      expect(c.pop(cls)).toBe(block(5));
      expect(c.push(cls, block(5))).toBe(true);
      const out = new Uint32Array(512);
      const n = c.drainAll(cls, out);
      expect(n).toBe(6);
      for (let i = 0; i < n; i++) expect(c.push(cls, out[i])).toBe(true);
      expect(c.push(cls, block(6))).toBe(true);
      expect(() => c.push(cls, block(6))).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE' }));
    } else expect(c.push(cls, block(2))).toBe(true);
  });

  it('debug: poisons cached blocks, and a write after free is CORRUPTION at pop, drain and validate', () => {
    const { lm, pl, block } = slabMemory(cls, 10);
    const c = new TlsCache();
    c.bindMemory(lm, pl.pt0);
    const size = TINY_CLASS_SIZES[cls];
    for (let k = 0; k < 4; k++) c.push(cls, block(k));
    if (__HAKMEM_DEBUG__) expect(lm.u8.subarray(block(3), block(3) + size).every((b) => b === 0xa5)).toBe(true);
    for (const offset of [0, size >>> 1, size - 1]) {
      lm.u8[block(3) + offset] ^= 0x5a;
      if (__HAKMEM_DEBUG__) expect(() => c.validate(), `offset ${offset}`).toThrow(/written after free/);
      else expect(c.validate()).toBeNull();
      lm.u8[block(3) + offset] ^= 0x5a;
    }
    lm.u8[block(3) + 5] = 1;
    if (__HAKMEM_DEBUG__) {
      expect(() => c.pop(cls)).toThrow(expect.objectContaining({ code: 'CORRUPTION', ptr: block(3) }));
      expect(c.count[cls]).toBe(4); // nothing changed
      expect(() => c.drainAll(cls, new Uint32Array(512))).toThrow(HeapError);
    } else {
      expect(c.pop(cls)).toBe(block(3));
    }
  });

  it('listCached() lists every cached block of every class once, sorted ascending', () => {
    const c = new TlsCache();
    expect(c.listCached()).toEqual(new Uint32Array(0));
    const blocks: [number, number][] = [[5, 0x50020], [0, 0x90000], [5, 0x50000], [31, 0x10000], [0, 0x20010], [7, 0x30000]];
    for (const [cls, p] of blocks) expect(c.push(cls, p)).toBe(true);
    const list = c.listCached();
    expect(list).toBeInstanceOf(Uint32Array);
    expect(Array.from(list)).toEqual(blocks.map(([, p]) => p).sort((a, b) => a - b));
    // Sorted as numbers, not as strings, and blocks popped are gone from it.
    c.push(1, 0x100000);
    c.pop(0);
    expect(Array.from(c.listCached())).toEqual([0x10000, 0x30000, 0x50000, 0x50020, 0x90000, 0x100000].filter((p) => p !== 0x20010));
  });

  it('the state accessors index count, capacity and slots in the one state view', () => {
    const c = new TlsCache();
    for (const cls of [0, 3, TINY_CLASSES - 1]) {
      c.push(cls, 0x40000 + cls * 16);
      c.push(cls, 0x80000 + cls * 16);
      expect(c.state[stateCountIndex(cls)]).toBe(c.count[cls]);
      expect(c.state[stateCapacityIndex(cls)]).toBe(c.capacity[cls]);
      expect(c.state[stateSlotIndex(cls, 0)]).toBe(0x40000 + cls * 16);
      expect(c.state[stateSlotIndex(cls, 1)]).toBe(0x80000 + cls * 16);
      expect(stateSlotIndex(cls, 1)).toBe(cls * TLS_SLL_STRIDE + 1);
      // popBlock reads the slot stateSlotIndex names (it spells the index out).
      c.state[stateSlotIndex(cls, 1)] = 0x70000;
      expect(c.pop(cls)).toBe(0x70000);
      expect(c.state[stateCountIndex(cls)]).toBe(1);
    }
    // Writes through the state view are writes to the typed arrays.
    c.state[stateCapacityIndex(9)] = 11;
    expect(c.capacity[9]).toBe(11);
    // The three regions do not overlap and fill the view.
    expect(stateSlotIndex(TINY_CLASSES - 1, TLS_SLL_STRIDE - 1) + 1).toBe(stateCountIndex(0));
    expect(stateCountIndex(TINY_CLASSES - 1) + 1).toBe(stateCapacityIndex(0));
    expect(stateCapacityIndex(TINY_CLASSES - 1) + 1).toBe(c.state.length);
  });

  it('exports the cache class and the state accessors', () => {
    expect(box.TlsCache).toBe(TlsCache);
    expect(box.stateCountIndex).toBe(stateCountIndex);
    expect(box.stateCapacityIndex).toBe(stateCapacityIndex);
    expect(box.stateSlotIndex).toBe(stateSlotIndex);
  });
});
