import {
  PK_TINY,
  TINY_CLASSES,
  isTinyPage,
  pageClass,
  runHeadWord,
  PK_RUN_LIVE,
  midSpanPageWord,
  tinyPageWord,
  slabIndexOf,
  MID_CLASSES,
  MID_CLASS_SIZES,
  MID_FIRST_RUN_CLASS,
  PAGE_SIZE,
  PK_MID_SPAN,
  SPAN_HEADER_BYTES,
  SP_BITMAP,
  SP_CARVED,
  TINY_MAX,
  midClassOf,
  pageDistance,
} from '@hakmem/contracts/layout';
import * as layout from '@hakmem/contracts/layout';
import * as mid from '@hakmem/mid-large-ace';
import * as ssDebug from '@hakmem/superslab/debug';
import { markLiveWord, clearLiveWord, markLiveShared, clearLiveShared, ownerOf } from '@hakmem/superslab';
import * as tlsDebug from '@hakmem/tls-sll-box/debug';
import { TlsCache, TLS_SLL_STRIDE, TLS_STATE_CAPACITY_AT, TLS_STATE_COUNT_AT, popState, pushState } from '@hakmem/tls-sll-box';
import { describe, expect, it } from 'vitest';
import * as hot from '../src/hot-layout.js';
import { MID_CLASS_OF_LINE, MID_INVERSE, MID_LINE_SHIFT, MID_SIZE } from '../src/heap-core.js';
import { createAllocator, HeapError } from '../src/index.js';

/** HeapCore's written-out live-bit word index and bit, with hot-layout's numbers. */
const wordOf = (ptr: number) => ((ptr - (ptr & hot.SUPERSLAB_MASK) + hot.LIVE_BITMAP) >>> 2) + ((ptr & hot.SUPERSLAB_MASK) >>> hot.LIVE_WORD_SHIFT);
const bitOf = (ptr: number) => 1 << ((ptr >>> hot.GRANULE_BITS) & hot.LIVE_BIT_MASK);

describe('hot-layout: the facade fast path restates exactly what the boxes own', () => {
  it('the TLS state view numbers are the cache package\'s own', () => {
    expect(hot.TLS_COUNT_AT).toBe(TLS_STATE_COUNT_AT);
    expect(hot.TLS_CAPACITY_AT).toBe(TLS_STATE_CAPACITY_AT);
    expect(hot.TLS_STRIDE).toBe(TLS_SLL_STRIDE);
    expect(hot.TLS_COUNT_AT).toBe(TINY_CLASSES * TLS_SLL_STRIDE);
  });

  it('the written-out pop and push touch the slots popState and pushState touch', () => {
    const a = new TlsCache();
    const b = new TlsCache();
    for (const [cls, ptr] of [[0, 4096], [3, 8192], [31, 1 << 20], [3, 12288]] as const) {
      expect(pushState(a.state, cls, ptr)).toBe(true);
      const n = b.state[hot.TLS_COUNT_AT + cls];
      expect(n).toBeLessThan(b.state[hot.TLS_CAPACITY_AT + cls]);
      b.state[cls * hot.TLS_STRIDE + n] = ptr;
      b.state[hot.TLS_COUNT_AT + cls] = n + 1;
      expect(Array.from(b.state)).toEqual(Array.from(a.state));
    }
    expect(popState(a.state, 3)).toBe(b.state[3 * hot.TLS_STRIDE + b.state[hot.TLS_COUNT_AT + 3] - 1]);
  });

  it('the written-out live bit is the bit markLiveWord and clearLiveWord set and clear', () => {
    const u32 = new Uint32Array(1 << 20 >>> 2).fill(0);
    const big = new Uint32Array((3 << 20) >>> 2);
    for (const ptr of [0x100000 + 10240, 0x100000 + 10240 + 16, 0x1f0000 + 1008, 0x200000 + 65536 * 7 + 512, 0x2ffff0]) {
      const view = ptr < 0x100000 ? u32 : big;
      const before = Array.from(view);
      expect(markLiveWord(view, ptr)).toBe(true);
      const i = wordOf(ptr);
      const changed = Array.from(view).flatMap((w, k) => (w !== before[k] ? [k] : []));
      expect(changed).toEqual([i]);
      expect(view[i] ^ before[i]).toBe(bitOf(ptr));
      expect(clearLiveWord(view, ptr)).toBe(true);
      expect(view[i]).toBe(before[i]);
    }
    // Little-endian words: the bit is the one the boxes read as a byte.
    expect(new Uint8Array(new Uint32Array([1 << 9]).buffer)[1]).toBe(2);
  });

  it("the shared fast paths' owner word and remote-freed bit are the ones ownerOf and markLiveShared/clearLiveShared read", () => {
    const u32 = new Uint32Array((3 << 20) >>> 2);
    const u8 = new Uint8Array(u32.buffer);
    for (const ptr of [0x100000 + 10240, 0x100000 + 10240 + 16, 0x1f0000 + 1008, 0x200000 + 65536 * 7 + 512, 0x2ffff0]) {
      const word = tinyPageWord(5, slabIndexOf(ptr));
      const ss = (ptr - (ptr & hot.SUPERSLAB_MASK)) >>> 2;
      // HeapCore.freeSharedFlat's owner word
      const owner = ss + hot.SLAB_OWNER_WORD + (word & hot.SLAB_OF_WORD);
      u32.fill(0);
      u32[owner] = 0x1234;
      expect(ownerOf(u32, ptr)).toBe(0x1234);
      // The live word of the shared paths is the private paths' one.
      const i = ss + hot.LIVE_BITMAP_WORD + ((ptr & hot.SUPERSLAB_MASK) >>> hot.LIVE_WORD_SHIFT);
      expect(i).toBe(wordOf(ptr));
      expect(markLiveShared(u8, ptr)).toBe(true);
      expect(u32[i]).toBe(bitOf(ptr) >>> 0);
      // A remote-freed bit at i + REMOTE_WORDS: the owner's malloc and free both refuse the block.
      u32[i + hot.REMOTE_WORDS] = bitOf(ptr);
      expect(clearLiveShared(u8, ptr)).toBe(false);
      expect(u32[i]).toBe(bitOf(ptr) >>> 0);
      u32[i] = 0;
      expect(markLiveShared(u8, ptr)).toBe(false);
      expect(u32[i]).toBe(0);
      u32[i + hot.REMOTE_WORDS] = 0;
      expect(markLiveShared(u8, ptr)).toBe(true);
      expect(clearLiveShared(u8, ptr)).toBe(true);
      expect(u32[i]).toBe(0);
    }
  });

  it('the written-out page word tests are the layout decoders', () => {
    for (const w of [tinyPageWord(0, 0), tinyPageWord(31, 15), tinyPageWord(7, 3), midSpanPageWord(4, 2), runHeadWord(PK_RUN_LIVE, 300), 0]) {
      expect((w & hot.KIND_MASK) === hot.KIND_TINY).toBe(isTinyPage(w));
      if (isTinyPage(w)) expect((w >>> hot.CLASS_SHIFT) & hot.CLASS_MASK).toBe(pageClass(w));
    }
    expect(hot.KIND_TINY).toBe(PK_TINY);
  });
});

describe('hot-layout: the written-out mid span path restates the mid box', () => {
  it('the mid cache view and span header numbers are the box\'s and the layout\'s own', () => {
    expect(hot.MID_STRIDE).toBe(mid.STRIDE);
    expect(hot.MID_COUNT_AT).toBe(mid.STATE_COUNT_AT);
    expect(hot.MID_LIMIT_AT).toBe(mid.STATE_LIMIT_AT);
    expect(hot.MID_HITS_AT).toBe(mid.STATE_HITS_AT);
    expect(mid.STATE_WORDS).toBe(hot.MID_HITS_AT + MID_CLASSES);
    expect(hot.MID_COUNT_AT).toBe(MID_CLASSES * mid.STRIDE);
    expect(hot.MID_SPAN_CLASSES).toBe(MID_FIRST_RUN_CLASS);
    expect(hot.KIND_MID_SPAN).toBe(PK_MID_SPAN);
    expect(hot.SPAN_HEADER).toBe(SPAN_HEADER_BYTES);
    expect(hot.SPAN_CARVED).toBe(SP_CARVED);
    expect(hot.SPAN_BITMAP).toBe(SP_BITMAP);
    for (const [cls, d] of [[0, 0], [20, 3], [47, 15]]) {
      const w = midSpanPageWord(cls, d);
      expect((w >>> hot.DIST_SHIFT) & hot.DIST_MASK).toBe(pageDistance(w));
      expect((w >>> hot.CLASS_SHIFT) & hot.CLASS_MASK).toBe(pageClass(w));
    }
  });

  it('the facade\'s class table, sizes and 1/size table are the contracts\' and the box\'s', () => {
    expect(Array.from(MID_SIZE)).toEqual(MID_CLASS_SIZES);
    expect(Array.from(MID_INVERSE)).toEqual(Array.from(mid.MID_INVERSE));
    for (let size = TINY_MAX + 1; size <= PAGE_SIZE; size++) expect(MID_CLASS_OF_LINE[(size - 1) >>> MID_LINE_SHIFT]).toBe(midClassOf(size));
  });

  it('a private release heap (written-out mid path) and one whose mid calls go through the router leave the box in the same state', () => {
    // A debug front gate turns the written-out mid path off and changes nothing else the mid box sees.
    const flat = createAllocator({ maxBytes: 64 << 20 });
    const routed = createAllocator({ maxBytes: 64 << 20, boxes: { frontGate: 'debug' } });
    const held: number[][] = [[], []];
    let x = 7;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const size = TINY_MAX + 1 + (x % (40 * 1024));
      const slot = (x >>> 8) % 300;
      [flat, routed].forEach((h, k) => {
        const old = held[k][slot];
        if (old !== undefined) h.free(old);
        held[k][slot] = h.malloc(size);
      });
      expect(held[0][slot]).toBe(held[1][slot]);
    }
    const a = flat.stats().boxes.midLargeAce;
    const b = routed.stats().boxes.midLargeAce;
    expect(a).toEqual(b);
    expect(a.hits).toBeGreaterThan(10_000);
    expect(flat.stats().liveBlocks).toBe(routed.stats().liveBlocks);
    flat.check();
    routed.check();
  });

  it('the written-out mid free refuses what the box refuses: double frees, interior pointers, never-carved slots', () => {
    for (const heap of [createAllocator({ maxBytes: 64 << 20 }), createAllocator({ maxBytes: 64 << 20, boxes: { frontGate: 'debug' } })]) {
      const p = heap.malloc(4096);
      const q = heap.malloc(4096);
      heap.free(p);
      expect(() => heap.free(p)).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE' }));
      heap.free(q);
      expect(() => heap.free(p)).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE' }));
      const r = heap.malloc(4096);
      expect(() => heap.free(r + 16)).toThrow(expect.objectContaining({ code: 'INVALID_POINTER' }));
      // Far past anything carved in that span: not a block of it.
      expect(() => heap.free(r + 40 * 4096)).toThrow(HeapError);
      heap.free(r);
      heap.check();
    }
  });
});

describe('hot-layout: the written-out debug tiny path restates the debug boxes', () => {
  it('the SuperSlab record, guard and poison numbers are the layout\'s and the debug superslab\'s', () => {
    expect(hot.SS_MAGIC_WORD).toBe(layout.SS_MAGIC_VALUE);
    expect(layout.SS_MAGIC).toBe(0);
    expect(hot.RECORDS_WORD).toBe(layout.SS_SLAB_META / 4);
    expect(hot.RECORD_WORDS).toBe(layout.SLAB_META_BYTES / 4);
    expect(hot.RECORD_CLASS).toBe(layout.SM_CLASS / 4);
    expect(hot.RECORD_STATE).toBe(layout.SM_STATE / 4);
    expect(hot.RECORD_CARVED).toBe(layout.SM_CARVED / 4);
    expect(hot.STATE_ACTIVE).toBe(layout.SLAB_ACTIVE);
    for (const slab of [0, 1, 15]) {
      const ss = 5 << 20;
      const start = ss + slab * PAGE_SIZE + (slab === 0 ? hot.SLAB0_DATA : 0);
      expect(layout.slabDataStartAt(ss, slab)).toBe(start);
      expect(layout.slabRecordOf(start) >>> 2).toBe((ss >>> 2) + hot.RECORDS_WORD + slab * hot.RECORD_WORDS);
      expect(layout.pageSlab(tinyPageWord(7, slab))).toBe((tinyPageWord(7, slab) >>> hot.SLAB_SHIFT) & hot.SLAB_MASK);
    }
    expect(hot.GUARD_BYTES_DEBUG).toBe(ssDebug.BLOCK_GUARD);
    expect(hot.GUARD_WORD).toBe(Math.imul(layout.GUARD_BYTE, 0x01010101) >>> 0);
    expect(hot.POISON).toBe(layout.POISON_WORD);
  });

  it('the cached bit it reads is the one the debug cache sets and clears itself', () => {
    // A copy of the debug cache module is a user box: that heap's cache keeps its bits through its own code.
    for (const heap of [createAllocator({ variant: 'debug' }), createAllocator({ variant: 'debug', boxes: { tlsSll: { ...tlsDebug } } })]) {
      const bits = () => (heap as unknown as { tls: { debugMemory: { cachedBits: Uint32Array } } }).tls.debugMemory.cachedBits;
      const held = [heap.malloc(24), heap.malloc(200), heap.malloc(600)];
      const isSet = (p: number) => (bits()[p >>> hot.CACHED_WORD_SHIFT] & (1 << ((p >>> hot.GRANULE_BITS) & hot.LIVE_BIT_MASK))) !== 0;
      for (const p of held) expect(isSet(p)).toBe(false);
      for (const p of held) heap.free(p);
      for (const p of held) expect(isSet(p)).toBe(true);
      expect(heap.malloc(600)).toBe(held[2]);
      expect(isSet(held[2])).toBe(false);
    }
  });
});
