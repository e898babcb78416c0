/**
 * A freestanding module (no libc, no WASI), with its memory exported and
 * imported: the shim's C semantics, and the debug build's reports of the C
 * program's heap errors (each HeapError with its code and the C pointer).
 */
import { HeapError } from 'hakmem';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantiate, instantiateSync, memoryImportLimits } from '../src/index.js';
import { build, cleanup, TEST_C_DIR } from './helpers.js';

const EXPORTS = ['exercise', 'keep', 'overflow_by_one', 'write_after_free', 'double_free', 'free_stack', 'free_interior'];
let exported: Uint8Array;
let imported: Uint8Array;

beforeAll(() => {
  const sources = [join(TEST_C_DIR, 'freestanding.c')];
  // -fno-builtin: clang may otherwise fold a malloc/free pair away, and these calls are what is tested.
  exported = build('freestanding', { sources, kind: 'freestanding', exports: EXPORTS, flags: ['-O2', '-fno-builtin'] }).bytes;
  imported = build('freestanding-import', { sources, kind: 'freestanding', exports: EXPORTS, flags: ['-O2', '-fno-builtin', '-Wl,--import-memory'] }).bytes;
});
afterAll(cleanup);

/** A fresh instance whose test.note records the pointer a provocation is about to misuse. */
async function fresh(bytes: Uint8Array, variant: 'release' | 'debug') {
  const noted: number[] = [];
  const hk = await instantiate(bytes, { heap: { variant }, imports: { test: { note: (p: number) => void noted.push(p >>> 0) } } });
  const fn = (name: string) => hk.instance.exports[name] as (...a: number[]) => number;
  return { ...hk, noted, fn };
}

function heapError(run: () => unknown): HeapError {
  try {
    run();
  } catch (e) {
    if (e instanceof HeapError) return e;
    throw e;
  }
  throw new Error('expected a HeapError');
}

describe.each([
  ['exported memory', () => exported],
  ['imported memory', () => imported],
] as const)('freestanding module, %s', (_, bytes) => {
  it.each(['release', 'debug'] as const)('every C allocation function answers as C expects (%s)', async (variant) => {
    const m = await fresh(bytes(), variant);
    expect(m.fn('exercise')()).toBe(0);
    expect(() => m.heap.check()).not.toThrow();
    expect(m.heap.stats().liveBlocks).toBe(0);
    // Blocks the C side left are the JS side's to see and free: one heap.
    const list = m.fn('keep')(50) >>> 0;
    expect(m.heap.stats().liveBlocks).toBe(51);
    const ptrs = new Uint32Array(m.memory.buffer, list, 50).slice();
    for (const p of ptrs) m.heap.free(p);
    m.heap.free(list);
    expect(m.heap.stats().liveBlocks).toBe(0);
    // The heap stays above __heap_base: every block the C side got was at or above it.
    expect(Math.min(...ptrs)).toBeGreaterThanOrEqual(m.heapBase);
  });

  it('double free and interior pointers are HeapErrors naming the C pointer, in both builds', async () => {
    for (const variant of ['release', 'debug'] as const) {
      let m = await fresh(bytes(), variant);
      let e = heapError(() => m.fn('double_free')());
      expect([e.code, e.ptr]).toEqual(['DOUBLE_FREE', m.noted[0]]);
      expect(() => m.heap.check()).not.toThrow();
      m = await fresh(bytes(), variant);
      e = heapError(() => m.fn('free_interior')());
      expect([e.code, e.ptr]).toEqual(['INVALID_POINTER', m.noted[0]]);
      m = await fresh(bytes(), variant);
      e = heapError(() => m.fn('free_stack')());
      expect([e.code, e.ptr]).toEqual(['INVALID_POINTER', m.noted[0]]);
      expect(m.noted[0]).toBeLessThan(m.heapBase);
    }
  });

  it('debug: a one-byte overflow and a write after free are CORRUPTION at the next check(), naming the block', async () => {
    let m = await fresh(bytes(), 'debug');
    m.fn('overflow_by_one')();
    let e = heapError(() => m.heap.check());
    expect([e.code, e.ptr]).toEqual(['CORRUPTION', m.noted[0]]);
    m = await fresh(bytes(), 'debug');
    m.fn('write_after_free')();
    e = heapError(() => m.heap.check());
    expect([e.code, e.ptr]).toEqual(['CORRUPTION', m.noted[0]]);
  });
});

describe('instantiate', () => {
  it('reads the memory import limits from the bytes and creates that memory', () => {
    expect(memoryImportLimits(exported)).toBeNull();
    const limits = memoryImportLimits(imported)!;
    expect(limits.shared).toBe(false);
    const hk = instantiateSync(imported, { imports: { test: { note: () => {} } } });
    expect(hk.memory.buffer.byteLength).toBeGreaterThanOrEqual(limits.initial * 65536);
  });

  it('uses a memory given in imports, and refuses a precompiled module importing one without it', () => {
    const memory = new WebAssembly.Memory({ initial: 4 });
    const hk = instantiateSync(imported, { imports: { env: { memory }, test: { note: () => {} } } });
    expect(hk.memory).toBe(memory);
    expect(hk.heap.memory).toBe(memory);
    expect(() => instantiateSync(new WebAssembly.Module(imported as BufferSource), { imports: { test: { note: () => {} } } })).toThrow(/imports its memory \(env\.memory\)/);
  });

  it('refuses heap.memory / heap.heapBase, a "hakmem" import of its own, and a module without __heap_base', () => {
    const note = { test: { note: () => {} } };
    expect(() => instantiateSync(exported, { imports: note, heap: { heapBase: 0 } as never })).toThrow(TypeError);
    expect(() => instantiateSync(exported, { imports: { ...note, hakmem: {} } })).toThrow(/provided by instantiate/);
    // The smallest module: (module (memory (export "memory") 1))
    const bare = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, 0]);
    expect(() => instantiateSync(bare)).toThrow(/__heap_base/);
  });
});
