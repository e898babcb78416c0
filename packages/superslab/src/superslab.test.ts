import { FREE_DOUBLE, HeapError } from '@hakmem/contracts';
import {
  GRANULE,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_SS_SPARE,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_META_BYTES,
  SLAB_SIZE,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_FREE_HEAD,
  SM_OWNER,
  SM_LIST,
  SM_REMOTE_HEAD,
  SM_STATE,
  SM_USED,
  SS_BITMAP,
  SS_BITMAP_BYTES,
  SS_HEADER_BYTES,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_PAGES,
  SS_SIZE,
  SS_SLAB_META,
  TINY_CLASS_SIZES,
  TINY_CLASSES,
  tinyClassOf,
  tinyPageWord,
  tinySlabCapacity,
  slabDataStart,
  slabIndexOfRecord,
  slabRecordOf,
  liveByteOf,
  liveMaskOf,
  remoteByteOf,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { describe, expect, it } from 'vitest';
import { BLOCK_GUARD } from './block-guard.js';
import { Superslab, clearLive, clearLiveShared, markLive, markLiveShared } from './superslab.js';
import { validateSuperslab, type SuperslabWalk } from './superslab-walk.js';

/**
 * A heap with one SuperSlab formatted by hand, the way the shared pool lays it
 * out (a box test may not import another box, so this helper stands in for it).
 */
function setup(shared = false, pages = 64) {
  const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: pages + 2, shared: true } : { initial: 1, maximum: pages + 2 });
  const lm = new LinearMemory(memory, shared);
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, shared);
  const page = pl.allocRun(SS_PAGES, SS_PAGES);
  if (page === 0) throw new Error('test setup: no room for a SuperSlab');
  const ss = page << PAGE_SHIFT;
  lm.u8.fill(0, ss, ss + SS_BITMAP + SS_BITMAP_BYTES);
  lm.u32[(ss + SS_MAGIC) >>> 2] = SS_MAGIC_VALUE;
  pl.setWords(page, SS_PAGES, PK_SS_SPARE);
  /** Makes slab `index` an ACTIVE slab of class `cls` owned by `owner`; returns its record address. */
  const activate = (index: number, cls: number, owner: number): number => {
    const slab = ss + SS_SLAB_META + index * SLAB_META_BYTES;
    lm.u8.fill(0, slab, slab + SLAB_META_BYTES);
    const m = slab >>> 2;
    lm.u32[m + SM_CLASS / 4] = cls;
    lm.u32[m + SM_STATE / 4] = SLAB_ACTIVE;
    lm.u32[m + SM_CAPACITY / 4] = tinySlabCapacity(cls, index);
    lm.u32[m + SM_OWNER / 4] = owner;
    pl.setWord(page + index, tinyPageWord(cls, index));
    return slab;
  };
  return { lm, pl, ss, activate };
}

const field = (lm: LinearMemory, slab: number, off: number): number => lm.u32[(slab + off) >>> 2];
const newWalk = (): SuperslabWalk => ({ liveBlocks: 0, liveBytes: 0, activeSlabs: 0, emptySlabs: 0, unusedSlabs: 0 });
const none = () => 0;

function take(box: Superslab, cls: number, want: number): number[] {
  const dest = new Uint32Array(Math.max(want, 1));
  const n = box.refill(cls, dest, want);
  return Array.from(dest.subarray(0, n));
}

/** A shared heap's slab `at` of class `cls` owned by worker 1, four of its blocks handed out live; worker 2 frees remotely. */
function twoWorkers(cls: number, at: number) {
  const { lm, ss, activate } = setup(true);
  const slab = activate(at, cls, 1);
  const owner = new Superslab(lm, 1);
  const other = new Superslab(lm, 2);
  owner.adopt(cls, slab);
  const got = take(owner, cls, 4);
  for (const p of got) expect(owner.markLive(p)).toBe(true);
  return { lm, ss, slab, owner, other, got };
}

describe(`superslab (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('maps a block to its slab record, its slab index and the slab data start', () => {
    const { ss } = setup();
    const rec3 = ss + SS_SLAB_META + 3 * SLAB_META_BYTES;
    expect(slabRecordOf(ss + 3 * SLAB_SIZE)).toBe(rec3);
    expect(slabRecordOf(ss + 4 * SLAB_SIZE - 16)).toBe(rec3);
    expect(slabIndexOfRecord(rec3)).toBe(3);
    expect(slabDataStart(rec3)).toBe(ss + 3 * SLAB_SIZE);
    expect(slabDataStart(ss + SS_SLAB_META)).toBe(ss + SS_HEADER_BYTES);
    expect(slabRecordOf(ss + SS_SIZE - 16)).toBe(ss + SS_SLAB_META + 15 * SLAB_META_BYTES);
  });

  it('refill returns 0 before any slab is adopted', () => {
    const { lm } = setup();
    const box = new Superslab(lm, 1);
    expect(take(box, 0, 8)).toEqual([]);
    expect(box.counters().refills).toBe(1);
  });

  it.each([
    ['slab 0 (behind the header), 64-byte class', 0, tinyClassOf(64)],
    ['slab 5, 1024-byte class', 5, tinyClassOf(1024)],
    ['slab 2, 144-byte class', 2, tinyClassOf(144)],
  ])('refill carves aligned, distinct blocks inside the slab: %s', (_name, index, cls) => {
    const { lm, activate } = setup();
    const slab = activate(index, cls, 1);
    const box = new Superslab(lm, 1);
    box.adopt(cls, slab);
    const size = TINY_CLASS_SIZES[cls];
    const cap = tinySlabCapacity(cls, index);
    const got = take(box, cls, cap + 10); // more than the slab holds
    expect(got.length).toBe(cap);
    const start = slabDataStart(slab);
    const end = start - (index === 0 ? SS_HEADER_BYTES : 0) + SLAB_SIZE;
    expect(new Set(got).size).toBe(got.length);
    for (const p of got) {
      expect(p % GRANULE).toBe(0);
      if ((size & (size - 1)) === 0) expect(p % size).toBe(0);
      expect(p).toBeGreaterThanOrEqual(start);
      expect(p + size).toBeLessThanOrEqual(end);
      expect(slabRecordOf(p)).toBe(slab);
      expect(box.isBlockStart(p)).toBe(true);
      expect(box.isBlockStart(p + 16)).toBe(false);
    }
    expect(field(lm, slab, SM_CARVED)).toBe(cap);
    expect(field(lm, slab, SM_USED)).toBe(cap);
    expect(box.counters()).toMatchObject({ carvedBlocks: cap, reusedBlocks: 0 });
    // The slab ran dry: it is no longer current, so the next refill gets nothing.
    expect(box.current[cls]).toBe(0);
    expect(take(box, cls, 1)).toEqual([]);
    expect(validateSuperslab(lm, slab - (slab & (SS_SIZE - 1)), newWalk(), (s) => (s === slab ? cap : 0))).toBeNull();
  });

  it('markLive / clearLive: clearLive is false on a non-live block and true exactly once', () => {
    const { lm, activate } = setup();
    const cls = tinyClassOf(32);
    const slab = activate(1, cls, 1);
    const box = new Superslab(lm, 1);
    box.adopt(cls, slab);
    const [p, q] = take(box, cls, 2);
    expect(q - p).toBe(32);
    expect(box.isLive(p)).toBe(false);
    expect(box.clearLive(p)).toBe(false);
    expect(box.markLive(p)).toBe(true);
    expect(box.isLive(p)).toBe(true);
    expect(box.isLive(q)).toBe(false); // the neighbour's bit is its own
    expect(box.isLive(p + 16)).toBe(false); // only the first granule's bit is set
    expect(box.clearLive(p + 16)).toBe(false);
    expect(box.clearLive(p)).toBe(true);
    expect(box.isLive(p)).toBe(false);
    expect(box.clearLive(p)).toBe(false);
  });

  it('markLive of a block already live throws in the debug build only', () => {
    const { lm, activate } = setup();
    const slab = activate(1, 0, 1);
    const box = new Superslab(lm, 1);
    box.adopt(0, slab);
    const [p] = take(box, 0, 1);
    box.markLive(p);
    if (__HAKMEM_DEBUG__) {
      expect(() => box.markLive(p)).toThrow(HeapError);
      expect(() => box.markLive(p)).toThrow(/already live/);
    } else expect(box.markLive(p)).toBe(true);
    expect(box.isLive(p)).toBe(true);
  });

  it('markLive returns false for an address past the end of the view', () => {
    const { lm } = setup();
    const box = new Superslab(lm, 1);
    const beyond = lm.u8.length + 4 * SS_SIZE;
    expect(box.markLive(beyond - (beyond % SS_SIZE))).toBe(false);
  });

  it('returnBlocks puts blocks on the free list, and the next refill reuses them first', () => {
    const { lm, activate } = setup();
    const cls = tinyClassOf(48);
    const slab = activate(2, cls, 1);
    const box = new Superslab(lm, 1);
    box.adopt(cls, slab);
    const got = take(box, cls, 8);
    box.returnBlocks(Uint32Array.from(got.slice(0, 5)), 5);
    expect(field(lm, slab, SM_USED)).toBe(3);
    expect(field(lm, slab, SM_FREE_HEAD)).toBe(got[4]);
    expect(box.emptied).toEqual([]); // the current slab is never reported
    expect(box.counters().localReturns).toBe(5);
    expect(validateSuperslab(lm, slab - (slab & (SS_SIZE - 1)), newWalk(), (s) => (s === slab ? 3 : 0))).toBeNull();
    const again = take(box, cls, 5);
    expect(again).toEqual(got.slice(0, 5).reverse());
    expect(field(lm, slab, SM_CARVED)).toBe(8);
    expect(field(lm, slab, SM_USED)).toBe(8);
    expect(box.counters()).toMatchObject({ reusedBlocks: 5, carvedBlocks: 8 });
  });

  it('a slab that ran dry comes back as partial, and reports itself emptied when its last block returns', () => {
    const { lm, activate } = setup();
    const cls = tinyClassOf(1024);
    const slab = activate(4, cls, 1);
    const box = new Superslab(lm, 1);
    box.adopt(cls, slab);
    const all = take(box, cls, 1000);
    expect(all.length).toBe(tinySlabCapacity(cls, 4));
    expect(box.current[cls]).toBe(0);

    box.returnBlocks(Uint32Array.from(all.slice(0, 2)), 2);
    expect(field(lm, slab, SM_LIST)).toBe(1);
    expect(box.emptied).toEqual([]);
    const back = take(box, cls, 2);
    expect(back.sort()).toEqual(all.slice(0, 2).sort());
    expect(box.counters().partialHits).toBe(1);
    expect(box.current[cls]).toBe(slab);

    // Drop it as current again by draining it, then give everything back.
    expect(take(box, cls, 1)).toEqual([]);
    box.returnBlocks(Uint32Array.from(all), all.length);
    expect(field(lm, slab, SM_USED)).toBe(0);
    expect(box.emptied).toEqual([slab]);
    expect(validateSuperslab(lm, slab - (slab & (SS_SIZE - 1)), newWalk(), none)).toBeNull();
  });

  it('adopt moves the previous current slab to the partial list', () => {
    const { lm, activate } = setup();
    const a = activate(1, 3, 1);
    const b = activate(2, 3, 1);
    const box = new Superslab(lm, 1);
    box.adopt(3, a);
    take(box, 3, 4);
    box.adopt(3, b);
    expect(box.current[3]).toBe(b);
    expect(field(lm, a, SM_LIST)).toBe(1);
    const capB = tinySlabCapacity(3, 2);
    const got = take(box, 3, capB + 2);
    expect(got.length).toBe(capB + 2);
    expect(got.slice(capB).every((p) => slabRecordOf(p) === a)).toBe(true);
    expect(box.counters().partialHits).toBe(1);
  });

  it('adopt checks the slab in the debug build only', () => {
    const { lm, activate } = setup();
    const slab = activate(1, 3, 1);
    if (__HAKMEM_DEBUG__) {
      expect(() => new Superslab(lm, 2).adopt(3, slab)).toThrow(/owned by worker 2/);
      expect(() => new Superslab(lm, 1).adopt(4, slab)).toThrow(HeapError);
      lm.u32[(slab + SM_STATE) >>> 2] = SLAB_EMPTY;
      expect(() => new Superslab(lm, 1).adopt(3, slab)).toThrow(/not an ACTIVE/);
    } else {
      // The release build trusts the shared pool: adopt is a plain store.
      const stranger = new Superslab(lm, 2);
      stranger.adopt(3, slab);
      expect(stranger.current[3]).toBe(slab);
    }
  });

  it('releaseCurrent reports a current slab whose blocks all came back', () => {
    const { lm, activate } = setup();
    const a = activate(1, 2, 1);
    const b = activate(2, 6, 1);
    const box = new Superslab(lm, 1);
    box.adopt(2, a);
    box.adopt(6, b);
    const fromA = take(box, 2, 3);
    take(box, 6, 3);
    box.returnBlocks(Uint32Array.from(fromA), 3);
    box.releaseCurrent();
    expect(box.emptied).toEqual([a]);
    expect(box.current[2]).toBe(0);
    expect(box.current[6]).toBe(0);
    expect(field(lm, b, SM_LIST)).toBe(1);
  });

  describe('a double free raced by the owner and another worker (both frees passed)', () => {
    /**
     * Lays out the state two overlapping frees leave when both pass: the
     * other worker's `freeRemote` saw the live bit set and pushed the block;
     * the owner's free had read the remote bit before it was set and cleared
     * the live bit (done here by hand), the block sitting in its cache.
     */
    function raced() {
      const cls = tinyClassOf(64);
      const { lm, ss, slab, owner, other, got } = twoWorkers(cls, 2);
      const p = got[0];
      expect(other.freeRemote(p)).toBe(true);
      lm.u8[liveByteOf(p)] &= ~liveMaskOf(p); // the owner's plain clear, which read R = 0 a moment before
      return { lm, ss, cls, slab, owner, p, got };
    }
    const bits = (lm: LinearMemory, p: number) => [lm.u8[liveByteOf(p)] & liveMaskOf(p) ? 1 : 0, lm.u8[remoteByteOf(p)] & liveMaskOf(p) ? 1 : 0];

    it('malloc refuses the cached block: dropRaced makes it pending, and the drain takes it back once', () => {
      const { lm, ss, cls, slab, owner, p } = raced();
      expect(markLiveShared(lm.u8, p)).toBe(false); // R set: not handed out
      expect(owner.dropRaced(p)).toBe(true);
      expect(bits(lm, p)).toEqual([1, 1]);
      expect(validateSuperslab(lm, ss, newWalk(), none)).toBeNull();
      const used = field(lm, slab, SM_USED);
      const back = take(owner, cls, 1); // drains the remote list first
      expect(back).toEqual([p]);
      expect(bits(lm, p)).toEqual([0, 0]);
      expect(field(lm, slab, SM_USED)).toBe(used); // one back from the drain, one out again
      expect(owner.counters()).toMatchObject({ racedDoubleFrees: 1, remoteCollected: 1 });
    });

    it('a drain before malloc clears the remote bit only: the block stays where the owner put it, counted once', () => {
      const { lm, ss, slab, owner, p, got } = raced();
      const used = field(lm, slab, SM_USED);
      owner.releaseCurrent(); // collects remote lists
      expect(bits(lm, p)).toEqual([0, 0]);
      expect(field(lm, slab, SM_FREE_HEAD)).toBe(0); // not linked: it is in the owner's cache
      expect(field(lm, slab, SM_USED)).toBe(used);
      expect(owner.counters()).toMatchObject({ racedDoubleFrees: 1, remoteCollected: 0 });
      expect(validateSuperslab(lm, ss, newWalk(), (s) => (s === slab ? 1 : 0))).toBeNull();
      expect(markLiveShared(lm.u8, p)).toBe(true); // the cached copy is handed out as usual
      expect(got).toContain(p);
    });

    it('a cache flush does not put the block on the free list: it waits for the drain', () => {
      const { lm, slab, owner, p } = raced();
      const used = field(lm, slab, SM_USED);
      owner.returnBlocks(Uint32Array.of(p), 1);
      expect(bits(lm, p)).toEqual([1, 1]);
      expect(field(lm, slab, SM_FREE_HEAD)).toBe(0);
      expect(field(lm, slab, SM_USED)).toBe(used);
      expect(owner.counters().racedDoubleFrees).toBe(1);
    });
  });

  it("a remote free reads none of the owner's counts it could catch half-updated (shared memory)", () => {
    const { lm, slab, other, got } = twoWorkers(tinyClassOf(128), 3);
    // The owner is in a refill: it has raised `used` and not yet `carved`
    // (both plain stores, only the owner's to make), which another worker
    // may see in that order.
    const m = slab >>> 2;
    const used = lm.u32[m + SM_USED / 4];
    lm.u32[m + SM_USED / 4] = lm.u32[m + SM_CARVED / 4] + 8;
    expect(other.freeRemote(got[0])).toBe(true);
    lm.u32[m + SM_USED / 4] = used;
    expect(lm.u8[remoteByteOf(got[0])] & liveMaskOf(got[0])).not.toBe(0);
  });

  describe.each([false, true])('remote frees (shared memory: %s)', (shared) => {
    it("blocks of another worker's slab go to its remote list and are collected on the owner's next refill", () => {
      const { lm, ss, activate } = setup(shared);
      const cls = tinyClassOf(128);
      const slab = activate(3, cls, 1);
      const owner = new Superslab(lm, 1);
      const other = new Superslab(lm, 2);
      owner.adopt(cls, slab);
      const got = take(owner, cls, 4);

      if (shared) {
        // A shared heap's remote free (freeRemote) of blocks the owner handed out: live bit kept, remote bit set.
        for (const p of got) expect(owner.markLive(p)).toBe(true);
        for (const p of got) expect(other.freeRemote(p)).toBe(true);
        for (const p of got) {
          expect(lm.u8[liveByteOf(p)] & liveMaskOf(p)).not.toBe(0);
          expect(lm.u8[remoteByteOf(p)] & liveMaskOf(p)).not.toBe(0);
          expect(owner.isLive(p)).toBe(false); // pending: counted as free
          expect(owner.freeProblem(p)).toBe(FREE_DOUBLE);
          expect(other.freeRemote(p)).toBe(false); // a second remote free changes nothing
        }
      } else other.returnBlocks(Uint32Array.from(got), 4);
      expect(other.counters()).toMatchObject({ remoteFrees: 4, localReturns: 0 });
      expect(other.emptied).toEqual([]);
      expect(field(lm, slab, SM_REMOTE_HEAD)).toBe(got[3]);
      expect(field(lm, slab, SM_FREE_HEAD)).toBe(0);
      expect(field(lm, slab, SM_USED)).toBe(4); // still out until the owner collects them
      const walk = newWalk();
      expect(validateSuperslab(lm, ss, walk, none)).toBeNull();
      expect(walk.activeSlabs).toBe(1);

      const back = take(owner, cls, 4);
      expect(back.slice().sort()).toEqual(got.slice().sort());
      expect(field(lm, slab, SM_REMOTE_HEAD)).toBe(0);
      expect(field(lm, slab, SM_CARVED)).toBe(4);
      expect(field(lm, slab, SM_USED)).toBe(4);
      expect(owner.counters()).toMatchObject({ remoteCollected: 4, reusedBlocks: 4, carvedBlocks: 4, racedDoubleFrees: 0 });
      for (const p of got) expect(lm.u8[liveByteOf(p)] & liveMaskOf(p)).toBe(0);
      if (shared) for (const p of got) expect(lm.u8[remoteByteOf(p)] & liveMaskOf(p)).toBe(0);
    });
  });

  describe('validateSuperslab', () => {
    function state() {
      const s = setup();
      const cls = tinyClassOf(64);
      const slab = s.activate(1, cls, 1);
      const other = s.activate(2, cls, 1);
      const box = new Superslab(s.lm, 1);
      box.adopt(cls, slab);
      const got = take(box, cls, 6);
      for (const p of got.slice(0, 3)) box.markLive(p);
      box.returnBlocks(Uint32Array.from(got.slice(3)), 3);
      return { ...s, cls, slab, other, box, got };
    }

    it('accepts a good state and counts its live blocks and slab states', () => {
      const { lm, ss, cls } = state();
      const walk = newWalk();
      expect(validateSuperslab(lm, ss, walk, none)).toBeNull();
      expect(walk).toEqual({ liveBlocks: 3, liveBytes: 3 * (TINY_CLASS_SIZES[cls] - BLOCK_GUARD), activeSlabs: 2, emptySlabs: 0, unusedSlabs: 14 });
    });

    it('guards live blocks (debug): an overflow is CORRUPTION at clearLive and in the validator; release sees neither', () => {
      const { lm, ss, cls, got } = state();
      const p = got[0];
      const usable = TINY_CLASS_SIZES[cls] - BLOCK_GUARD;
      lm.u8[p + usable] ^= 0x5a; // one byte past the usable end
      if (__HAKMEM_DEBUG__) {
        expect(() => validateSuperslab(lm, ss, newWalk(), none)).toThrow(/write past the usable end/);
        expect(() => clearLive(lm.u8, p)).toThrow(HeapError);
        expect(new Superslab(lm, 1).isLive(p)).toBe(true); // the failed free changed nothing
      } else {
        expect(validateSuperslab(lm, ss, newWalk(), none)).toBeNull();
        expect(clearLive(lm.u8, p)).toBe(true);
      }
    });

    it('poisons blocks back on the slab (debug): a write after free is CORRUPTION in the validator and at refill', () => {
      const { lm, ss, box, cls, got } = state();
      const freed = got[3]; // returned to the slab's free list
      lm.u8[freed + 20] ^= 0x5a;
      if (__HAKMEM_DEBUG__) {
        expect(() => validateSuperslab(lm, ss, newWalk(), none)).toThrow(/written after free/);
        const carvedBefore = box.counters().carvedBlocks;
        expect(() => take(box, cls, 3)).toThrow(/written after free/);
        expect(box.counters().carvedBlocks).toBe(carvedBefore);
      } else {
        expect(validateSuperslab(lm, ss, newWalk(), none)).toBeNull();
        expect(take(box, cls, 3)).toContain(freed);
      }
    });

    it('catches a bad magic word', () => {
      const { lm, ss } = state();
      lm.u32[(ss + SS_MAGIC) >>> 2] = 0;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(/bad magic/);
    });

    it('catches a free-list node outside the slab', () => {
      const { lm, ss, slab, other } = state();
      lm.u32[(slab + SM_FREE_HEAD) >>> 2] = slabDataStart(other);
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(new RegExp(`slab ${slab}: free list node ${slabDataStart(other)} is not a carved block of the slab`));
    });

    it('catches a free-list node that is not on a block boundary or was never carved', () => {
      const { lm, ss, slab, got } = state();
      lm.u32[(slab + SM_FREE_HEAD) >>> 2] = got[5] + 16;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(/is not a carved block/);
      lm.u32[(slab + SM_FREE_HEAD) >>> 2] = slabDataStart(slab) + 40 * 64;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(/is not a carved block/);
    });

    it('catches a live free-list node', () => {
      const { lm, ss, slab, box, got } = state();
      box.markLive(got[4]);
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(new RegExp(`slab ${slab}: free list node ${got[4]} is live`));
    });

    it('catches a free-list cycle', () => {
      const { lm, ss, got } = state();
      lm.u32[got[3] >>> 2] = got[5]; // the list is 5 → 4 → 3; make 3 point back at 5
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(/free list has a cycle/);
    });

    it('catches used > carved and a used count that disagrees with the free list', () => {
      const { lm, ss, slab } = state();
      lm.u32[(slab + SM_USED) >>> 2] = 7;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(new RegExp(`slab ${slab}: used 7 > carved 6`));
      lm.u32[(slab + SM_USED) >>> 2] = 4;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(/used 4 \+ free 3 != carved 6/);
    });

    it('catches carved > capacity, a wrong capacity and a bad state or class', () => {
      const { lm, ss, slab, cls } = state();
      const cap = tinySlabCapacity(cls, 1);
      lm.u32[(slab + SM_CARVED) >>> 2] = cap + 1;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(new RegExp(`carved ${cap + 1} > capacity ${cap}`));
      lm.u32[(slab + SM_CARVED) >>> 2] = 6;
      lm.u32[(slab + SM_CAPACITY) >>> 2] = cap - 1;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(/capacity .* wrong for class/);
      lm.u32[(slab + SM_CAPACITY) >>> 2] = cap;
      lm.u32[(slab + SM_CLASS) >>> 2] = TINY_CLASSES;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(/out of range/);
      lm.u32[(slab + SM_CLASS) >>> 2] = cls;
      lm.u32[(slab + SM_STATE) >>> 2] = 9;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(/state 9 is not a slab state/);
      lm.u32[(slab + SM_STATE) >>> 2] = SLAB_ACTIVE;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toBeNull();
    });

    it('catches more live, remote and cached blocks than are out, and an EMPTY slab with blocks out', () => {
      const { lm, ss, slab, other } = state();
      // 3 live + 1 cached elsewhere > 3 used.
      expect(validateSuperslab(lm, ss, newWalk(), (s) => (s === slab ? 1 : 0))).toMatch(/live 3 \+ remote 0 \+ cached 1 > used 3/);
      lm.u32[(other + SM_STATE) >>> 2] = SLAB_EMPTY;
      lm.u32[(other + SM_CARVED) >>> 2] = 1;
      lm.u32[(other + SM_USED) >>> 2] = 1;
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(new RegExp(`slab ${other}: EMPTY with 1 blocks out`));
    });

    it('catches a remote-list node that is live', () => {
      const { lm, ss, slab, got } = state();
      const intruder = new Superslab(lm, 2);
      if (__HAKMEM_DEBUG__) {
        // The debug build refuses to give a live block back at all, so push it by hand.
        expect(() => intruder.returnBlocks(Uint32Array.of(got[0]), 1)).toThrow(/the block is live/);
        const head = (slab >>> 2) + SM_REMOTE_HEAD / 4;
        lm.u32[(got[0] >>> 2) + 1] = lm.u32[head]; // remote lists link through word 1
        lm.u32[head] = got[0];
      } else intruder.returnBlocks(Uint32Array.of(got[0]), 1); // got[0] is still marked live
      expect(field(lm, slab, SM_REMOTE_HEAD)).toBe(got[0]);
      expect(validateSuperslab(lm, ss, newWalk(), none)).toMatch(new RegExp(`remote list node ${got[0]} is live`));
    });
  });

  it('the written-out hot functions set and clear exactly the bit liveByteOf/liveMaskOf name', () => {
    for (const shared of [false, true]) {
      const { lm, activate, ss } = setup(shared);
      const cls = tinyClassOf(16);
      const slab = activate(0, cls, 1);
      const box = new Superslab(lm, 1);
      box.adopt(cls, slab);
      const blocks = take(box, cls, 300); // 16-byte blocks: every bit of a stretch of bitmap bytes
      const [mark, clear] = shared ? [markLiveShared, clearLiveShared] : [markLive, clearLive];
      const bitmap = () => Array.from(lm.u8.subarray(ss + SS_BITMAP, ss + SS_BITMAP + SS_BITMAP_BYTES));
      for (const p of blocks.filter((_, i) => i % 7 === 0 || i % 8 === 7)) {
        const want = bitmap();
        want[liveByteOf(p) - ss - SS_BITMAP] |= liveMaskOf(p);
        expect(mark(lm.u8, p)).toBe(true);
        expect(bitmap()).toEqual(want);
        want[liveByteOf(p) - ss - SS_BITMAP] &= ~liveMaskOf(p);
        expect(clear(lm.u8, p)).toBe(true);
        expect(bitmap()).toEqual(want);
        expect(clear(lm.u8, p)).toBe(false);
      }
    }
  });
});
