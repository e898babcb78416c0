import { describe, expect, it } from 'vitest';
import { blockScanner, wasmScanAvailable } from './block-scan.js';

const P = 0xa5a5a5a5;

describe.each([false, true])('block scanner (shared memory: %s)', (shared) => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: shared ? 4 : undefined, shared });
  const i32 = new Int32Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const wasm = blockScanner(memory, shared, () => i32);
  const js = blockScanner(memory, shared, () => i32, false);

  it('compiles the wasm loops on this engine', () => {
    expect(wasmScanAvailable(shared)).toBe(true);
    expect(wasm.constructor.name).toBe('WasmScanner');
  });

  // Ranges around the 16-byte and 64-byte steps of the wasm loops, and the empty range.
  const ranges: [number, number][] = [
    [1024, 1024],
    [1028, 1028],
    [1024, 1040],
    [1028, 1100],
    [1024, 1088],
    [1036, 1284],
    [1028, 2048 + 60],
    [1024, 1024 + 4608],
  ];

  it.each(ranges)('fills [%i, %i) exactly and finds the first changed word, as the JS loops do', (from, to) => {
    for (const s of [wasm, js]) {
      u8.fill(0, 0, 8192);
      s.fill(from, to, P);
      for (let b = 0; b < 8192; b++) if ((u8[b] === 0xa5) !== (b >= from && b < to)) expect.fail(`byte ${b} after fill [${from}, ${to})`);
      expect(s.find(from, to, P)).toBe(-1);
      for (let b = from; b < to; b += 3) {
        u8[b] ^= 0x10;
        expect(s.find(from, to, P)).toBe(b & ~3);
        u8[b] ^= 0x10;
      }
      // a second change after the first: the first is reported
      if (to - from >= 200) {
        u8[to - 1] = 0;
        u8[from + 100] = 0;
        expect(s.find(from, to, P)).toBe((from + 100) & ~3);
        s.fill(from, to, P);
      }
    }
  });

  it('fills blocks (16-byte multiples) exactly with fillBlock, and holds() sees every changed byte, as the JS loops do', () => {
    const native = blockScanner(memory, shared, () => i32, true, () => u8);
    for (const [from, to] of [[1024, 1024], [1024, 1040], [1040, 1120], [1024, 1024 + 1008], [2048, 2048 + 4096], [2048, 2048 + 20480]] as const)
      for (const s of [wasm, js, native]) {
        u8.fill(0, 0, 32768);
        s.fillBlock(from, to, P | 0);
        for (let b = 0; b < 32768; b++) if ((u8[b] === 0xa5) !== (b >= from && b < to)) expect.fail(`byte ${b} after fillBlock [${from}, ${to})`);
        expect(s.holds(from, to, P | 0)).toBe(true);
        for (let b = from; b < to; b += 7) {
          u8[b] ^= 0x01;
          expect(s.holds(from, to, P | 0)).toBe(false);
          u8[b] ^= 0x01;
        }
        expect(s.holds(from, to, P | 0)).toBe(true);
      }
  });

  it('fills a long range of a byte-repeating word natively, exactly, and falls back on a view that does not reach it', () => {
    let view = u8;
    const native = blockScanner(memory, shared, () => i32, true, () => view);
    for (const [from, to] of [[8192, 8192 + 4096], [8196, 8192 + 20000], [4100, 60000]] as const) {
      u8.fill(0, 0, 65536);
      native.fill(from, to, P);
      for (let b = 0; b < 65536; b++) if ((u8[b] === 0xa5) !== (b >= from && b < to)) expect.fail(`byte ${b} after fill [${from}, ${to})`);
      expect(native.find(from, to, P)).toBe(-1);
    }
    // A word whose bytes differ is not a byte fill: the wasm loop writes it.
    u8.fill(0, 0, 65536);
    native.fill(8192, 16384, 0x01020304);
    expect(i32[8192 >>> 2]).toBe(0x01020304);
    expect(native.find(8192, 16384, 0x01020304)).toBe(-1);
    // A view too short for the range (the memory grew since it was made) must not drop the fill.
    view = new Uint8Array(memory.buffer, 0, 4096);
    u8.fill(0, 0, 65536);
    native.fill(8192, 16384, P);
    expect(native.find(8192, 16384, P)).toBe(-1);
  });

  it('reads the memory as it is now, with no view: a change made through a new view is found', () => {
    wasm.fill(4096, 8192, P);
    new Uint32Array(memory.buffer)[6000 >>> 2] = 0;
    expect(wasm.find(4096, 8192, P)).toBe(6000);
  });
});
