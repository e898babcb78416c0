import { MAX_PAGES } from '@hakmem/contracts/layout';
import { fillWords, findChangedWord } from './poison.js';
import type { LinearMemory } from './linear-memory.js';
import { WORD_BYTES } from './words.js';

/**
 * Whole-block pattern fill and check at memory speed, for the debug builds.
 *
 * A debug box poisons every block it takes back and checks the poison of
 * every block it hands out, so a debug operation costs a pass over the
 * block. A JavaScript loop does that pass at about one 8-byte word per
 * nanosecond, which on a 20 KiB block is ten times what the release build
 * spends on the whole operation. A 16-byte-wide WebAssembly loop over the
 * heap's own memory (imported, so no copy and no view) does the same pass
 * many times faster and checks exactly the same bytes.
 *
 * The module is hand-assembled below (two functions, about 150 bytes). Where
 * WebAssembly SIMD cannot be compiled (an old engine, a content security
 * policy without 'wasm-unsafe-eval'), the scanner falls back to the
 * JavaScript loops of poison.ts: same results, slower.
 *
 * Ranges are byte addresses, multiples of 4 (every pattern is a word
 * pattern); the wasm loops take the 16-byte-aligned middle, JavaScript the
 * few words around it.
 */
export interface BlockScanner {
  /** Writes `word` into every 32-bit word of [from, to). */
  fill(from: number, to: number, word: number): void;
  /** First byte address in [from, to) whose word is not `word`, or -1. */
  find(from: number, to: number, word: number): number;
  /**
   * `fill` for a block: `from` and `to` multiples of 16 (every heap block's
   * start and size are) and `word` an int32 (`POISON_WORD | 0`), so the
   * call goes straight into the wasm loop, with no edge words to write.
   */
  fillBlock(from: number, to: number, word: number): void;
  /** Whether every word of the block [from, to) (as `fillBlock`) is `word`: `find(...) < 0` without narrowing down. */
  holds(from: number, to: number, word: number): boolean;
}

// wasm opcodes used below (core, then the 0xfd SIMD prefix).
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f, VOID = 0x40;
const GET = 0x20, SET = 0x21, I32_CONST = 0x41, GE_U = 0x4f, GT_U = 0x4b, ADD = 0x6a;
const SIMD = 0xfd, V_LOAD = 0x00, V_STORE = 0x0b, SPLAT_I32X4 = 0x11, V_OR = 0x50, V_XOR = 0x51, V_ANY = 0x53;
const I32 = 0x7f, V128 = 0x7b;
// Module structure: section ids, the function-type tag, the version, memory limit flags.
const SEC_TYPE = 1, SEC_IMPORT = 2, SEC_FUNCTION = 3, SEC_EXPORT = 7, SEC_CODE = 10;
const FUNC_TYPE = 0x60, WASM_VERSION = 1, LIMITS_SHARED_WITH_MAX = 0x03, EXTERN_MEMORY = 0x02;
// LEB128: seven payload bits a byte, the high bit says more follow, bit 6 of the last is the sign.
const LEB_BITS = 7, LEB_PAYLOAD = 0x7f, LEB_MORE = 0x80, LEB_SIGN = 0x40;

/** Bytes of a v128; the wasm loops take the 16-byte-aligned middle of a range. */
const V128_BYTES = 16;
const V128_MASK = V128_BYTES - 1;
/** log2 of the v128.load/store alignment hint (16 bytes). */
const V128_ALIGN_LOG2 = 4;
/** find's first loop tests this many bytes (four v128) per step. */
const GROUP_BYTES = 64;
/**
 * From this many bytes `fill` calls a byte view's native fill: measured on 4 and 20 KiB blocks, in
 * cache and not, it took 0.4-0.7 of the wasm loop's time.
 */
const NATIVE_FILL_BYTES = 4096;
const BYTE_MASK = 0xff;
/** A byte times this is that byte in all four bytes of a word. */
const REPEAT_BYTE = 0x01010101;
/** Whether the four bytes of `word` are one byte repeated (the poison is), so a byte fill writes it. */
function isByteRepeat(word: number): boolean {
  return (Math.imul(word & BYTE_MASK, REPEAT_BYTE) | 0) === (word | 0);
}
/** Local of both functions after the three i32 parameters: the splat of $word. */
const L_SPLAT = 3;

/** v128.load/store with a 16-byte alignment hint and the given offset (< 128). */
const mem = (op: number, offset: number): number[] => [SIMD, op, V128_ALIGN_LOG2, offset];
/** (param $from $to $word) locals: L_SPLAT = v128 splat of $word. */
const splat = [GET, 2, SIMD, SPLAT_I32X4, SET, L_SPLAT];
/** Pushes (load(p + off) xor splat). */
const diff = (off: number): number[] => [GET, 0, ...mem(V_LOAD, off), GET, L_SPLAT, SIMD, V_XOR];
/** Pushes the or of `diff` over the GROUP_BYTES at p. */
const groupDiff = (): number[] => {
  const out = diff(0);
  for (let off = V128_BYTES; off < GROUP_BYTES; off += V128_BYTES) out.push(...diff(off), SIMD, V_OR);
  return out;
};
const step = (n: number): number[] => [GET, 0, I32_CONST, n, ADD, SET, 0];

/** Stores the splat at p + off. */
const put = (off: number): number[] => [GET, 0, GET, L_SPLAT, ...mem(V_STORE, off)];
const groupPut = (): number[] => {
  const out: number[] = [];
  for (let off = 0; off < GROUP_BYTES; off += V128_BYTES) out.push(...put(off));
  return out;
};

/**
 * fill(from, to, word): four v128 stores of the splat a step while a whole
 * 64-byte group is left (one store a step ran at half the speed on a block
 * in cache), then one a step.
 */
const FILL_BODY = [
  ...splat,
  BLOCK, VOID, LOOP, VOID,
  GET, 0, I32_CONST, ...sleb(GROUP_BYTES), ADD, GET, 1, GT_U, BR_IF, 1, // from + 64 > to: leave the 64-byte loop
  ...groupPut(),
  GET, 0, I32_CONST, ...sleb(GROUP_BYTES), ADD, SET, 0,
  BR, 0, END, END,
  BLOCK, VOID, LOOP, VOID,
  GET, 0, GET, 1, GE_U, BR_IF, 1,
  ...put(0),
  ...step(V128_BYTES),
  BR, 0, END, END,
  END,
];

/**
 * find(from, to, word) → the start of the first 64-byte group (then 16-byte
 * chunk) holding a word that is not `word`, or -1; the caller narrows it down.
 */
const FIND_BODY = [
  ...splat,
  BLOCK, VOID, LOOP, VOID,
  GET, 0, I32_CONST, ...sleb(GROUP_BYTES), ADD, GET, 1, GT_U, BR_IF, 1, // from + 64 > to: leave the 64-byte loop
  ...groupDiff(),
  SIMD, V_ANY, IF, VOID, GET, 0, RETURN, END,
  GET, 0, I32_CONST, ...sleb(GROUP_BYTES), ADD, SET, 0,
  BR, 0, END, END,
  BLOCK, VOID, LOOP, VOID,
  GET, 0, GET, 1, GE_U, BR_IF, 1,
  ...diff(0), SIMD, V_ANY, IF, VOID, GET, 0, RETURN, END,
  ...step(V128_BYTES),
  BR, 0, END, END,
  I32_CONST, ...sleb(-1),
  END,
];

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & LEB_PAYLOAD;
    n >>>= LEB_BITS;
    if (n !== 0) b |= LEB_MORE;
    out.push(b);
  } while (n !== 0);
  return out;
}

const vec = (items: number[]): number[] => [items.length, ...items];

/** Signed LEB128 (the immediate of i32.const). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & LEB_PAYLOAD;
    n >>= LEB_BITS;
    const last = (n === 0 && (b & LEB_SIGN) === 0) || (n === -1 && (b & LEB_SIGN) !== 0);
    out.push(last ? b : b | LEB_MORE);
    if (last) return out;
  }
}

const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
const code = (body: number[]): number[] => {
  const f = [1, 1, V128, ...body]; // one local group: 1 × v128
  return [...leb(f.length), ...f];
};

/** The module's bytes; a shared memory must be imported as shared (and then with a maximum). */
function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const limits = shared ? [LIMITS_SHARED_WITH_MAX, 0x00, ...leb(MAX_PAGES)] : [0x00, 0x00];
  const params = [I32, I32, I32]; // $from $to $word
  return new Uint8Array([
    ...Array.from('\0asm', (c) => c.charCodeAt(0)), WASM_VERSION, 0, 0, 0,
    ...section(SEC_TYPE, [2, FUNC_TYPE, ...vec(params), ...vec([]), FUNC_TYPE, ...vec(params), ...vec([I32])]),
    ...section(SEC_IMPORT, [1, ...name('e'), ...name('m'), EXTERN_MEMORY, ...limits]),
    ...section(SEC_FUNCTION, [2, 0, 1]),
    ...section(SEC_EXPORT, [2, ...name('fill'), 0x00, 0, ...name('find'), 0x00, 1]),
    ...section(SEC_CODE, [2, ...code(FILL_BODY), ...code(FIND_BODY)]),
  ]);
}

type WasmFill = (from: number, to: number, word: number) => void;
type WasmFind = (from: number, to: number, word: number) => number;

class WasmScanner implements BlockScanner {
  private readonly wfill: WasmFill;
  private readonly wfind: WasmFind;
  private readonly i32: () => Int32Array;
  private readonly u8: (() => Uint8Array) | null;

  constructor(wfill: WasmFill, wfind: WasmFind, i32: () => Int32Array, u8: (() => Uint8Array) | null) {
    this.wfill = wfill;
    this.wfind = wfind;
    this.i32 = i32;
    this.u8 = u8;
  }

  fill(from: number, to: number, word: number): void {
    if (to - from >= NATIVE_FILL_BYTES && this.u8 !== null && isByteRepeat(word)) {
      const u8 = this.u8();
      // A byte view's fill is the engine's memset, which outruns the 16-byte wasm stores on a
      // block of kilobytes (an Int32Array's fill does not); only over a view that reaches the
      // block, since a stale one would drop the writes.
      if (to <= u8.length) {
        u8.fill(word & BYTE_MASK, from, to);
        return;
      }
    }
    const a = ((from + V128_MASK) & ~V128_MASK) >>> 0;
    const b = (to & ~V128_MASK) >>> 0;
    if (from < to && a < b) {
      const i32 = this.i32();
      const w = word | 0;
      for (let p = from; p < a; p += WORD_BYTES) i32[p >>> 2] = w;
      for (let p = b; p < to; p += WORD_BYTES) i32[p >>> 2] = w;
      this.wfill(a, b, w);
      return;
    }
    fillWords(this.i32(), from, to, word);
  }

  /*
   * The block forms skip the edge-word arithmetic and the loops around the
   * wasm call: on a tiny block that was ~2 ns of a ~7 ns call (80 bytes, in
   * cache), and the debug heap makes two such calls per malloc/free pair.
   */
  fillBlock(from: number, to: number, word: number): void {
    if (to - from >= NATIVE_FILL_BYTES) this.fill(from, to, word);
    else this.wfill(from, to, word);
  }

  holds(from: number, to: number, word: number): boolean {
    return this.wfind(from, to, word) === -1;
  }

  find(from: number, to: number, word: number): number {
    if (from >= to) return -1;
    const a = ((from + V128_MASK) & ~V128_MASK) >>> 0;
    const b = (to & ~V128_MASK) >>> 0;
    if (from < to && a < b) {
      const i32 = this.i32();
      const w = word | 0;
      for (let p = from; p < a; p += WORD_BYTES) if (i32[p >>> 2] !== w) return p;
      const at = this.wfind(a, b, w);
      if (at !== -1) {
        const g = at >>> 0;
        return findChangedWord(i32, g, Math.min(g + GROUP_BYTES, b), word);
      }
      for (let p = b; p < to; p += WORD_BYTES) if (i32[p >>> 2] !== w) return p;
      return -1;
    }
    return findChangedWord(this.i32(), from, to, word);
  }
}

class JsScanner implements BlockScanner {
  private readonly i32: () => Int32Array;
  constructor(i32: () => Int32Array) {
    this.i32 = i32;
  }
  fill(from: number, to: number, word: number): void {
    fillWords(this.i32(), from, to, word);
  }
  find(from: number, to: number, word: number): number {
    return from >= to ? -1 : findChangedWord(this.i32(), from, to, word);
  }
  fillBlock(from: number, to: number, word: number): void {
    fillWords(this.i32(), from, to, word);
  }
  holds(from: number, to: number, word: number): boolean {
    return this.find(from, to, word) < 0;
  }
}

const modules: (WebAssembly.Module | null | undefined)[] = [undefined, undefined];

function compiled(shared: boolean): WebAssembly.Module | null {
  const k = shared ? 1 : 0;
  let m = modules[k];
  if (m === undefined) {
    try {
      m = new WebAssembly.Module(moduleBytes(shared));
    } catch {
      m = null; // no SIMD, or wasm compilation is not allowed here
    }
    modules[k] = m;
  }
  return m;
}

/**
 * A scanner over `memory`. `i32` returns the caller's current Int32Array
 * view of it (for the few words the wasm loops leave and for the fallback).
 * `useWasm: false` forces the JavaScript loops (tests compare the two).
 * `u8`, the caller's current byte view, lets `fill` hand a block of
 * NATIVE_FILL_BYTES or more of a byte-repeating word to the native fill.
 */
export function blockScanner(memory: WebAssembly.Memory, shared: boolean, i32: () => Int32Array, useWasm = true, u8: (() => Uint8Array) | null = null): BlockScanner {
  const m = useWasm ? compiled(shared) : null;
  if (m !== null) {
    try {
      const inst = new WebAssembly.Instance(m, { e: { m: memory } });
      return new WasmScanner(inst.exports.fill as WasmFill, inst.exports.find as WasmFind, i32, u8);
    } catch {
      // an import mismatch (a memory declared otherwise): the JS loops do the same work
    }
  }
  return new JsScanner(i32);
}

/**
 * The scanner of `lm`'s memory, made on first use and kept: every debug box
 * of a heap shares one (an instance over the same memory), and a box's hot
 * check reaches it through the last answer, since a process mostly works
 * on one heap.
 */
export function scannerOf(lm: LinearMemory): BlockScanner {
  if (lm !== lastLm || lastScan === null) {
    let s = scanners.get(lm);
    if (s === undefined) {
      s = blockScanner(lm.memory, lm.shared, () => lm.i32, true, () => lm.u8);
      scanners.set(lm, s);
    }
    lastLm = lm;
    lastScan = s;
  }
  return lastScan;
}
const scanners = new WeakMap<LinearMemory, BlockScanner>();
let lastLm: LinearMemory | null = null;
let lastScan: BlockScanner | null = null;

/** Whether this engine runs the wasm scanner (for tests and diagnostics). */
export function wasmScanAvailable(shared = false): boolean {
  return compiled(shared) !== null;
}
