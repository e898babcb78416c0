import { PK_TINY, TINY_CLASSES, isTinyPage, pageClass, runHeadWord, PK_RUN_LIVE, midSpanPageWord, tinyPageWord, slabIndexOf } from '@hakmem/contracts/layout';
import { markLiveWord, clearLiveWord, markLiveShared, clearLiveShared, ownerOf } from '@hakmem/superslab';
import { TlsCache, TLS_SLL_STRIDE, TLS_STATE_CAPACITY_AT, TLS_STATE_COUNT_AT, popState, pushState } from '@hakmem/tls-sll-box';
import { describe, expect, it } from 'vitest';
import * as hot from '../src/hot-layout.js';

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
