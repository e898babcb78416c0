/**
 * Builds the C programs and runs them under node:wasi for the tests. Every
 * module is compiled during the test run, into a fresh folder under
 * packages/wasm/.build (git-ignored); nothing built is checked in.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WASI } from 'node:wasi';
import type { AllocatorOptions } from 'hakmem';
import { instantiate, wasiImports, type HakmemInstance } from '../src/index.js';
import { C_DIR, compileC, ensureToolchain, type CompileOptions, type CompileResult, type Toolchain } from '../src/toolchain.js';

export const PROGRAMS = ['wordfreq', 'bintree', 'strbuild'] as const;
export type Program = (typeof PROGRAMS)[number];
/** Small arguments: each run takes tens of milliseconds. */
export const TEST_ARGS: Record<Program, string> = { wordfreq: '30000', bintree: '10', strbuild: '3000' };
export const programSource = (p: Program): string => join(C_DIR, 'programs', `${p}.c`);
export const TEST_C_DIR = resolve(__dirname, 'c');

let toolchain: Toolchain | null = null;
let buildDir: string | null = null;

/** The toolchain (installed first when missing and possible) and a fresh build folder. */
export function setup(): { tc: Toolchain; dir: string } {
  toolchain ??= ensureToolchain();
  if (buildDir === null) {
    const root = resolve(__dirname, '..', '.build');
    mkdirSync(root, { recursive: true });
    buildDir = mkdtempSync(join(root, 'test-'));
  }
  return { tc: toolchain, dir: buildDir };
}

export function cleanup(): void {
  if (buildDir !== null) rmSync(buildDir, { recursive: true, force: true });
  buildDir = null;
}

export function build(name: string, o: Omit<CompileOptions, 'out'>): CompileResult & { bytes: Uint8Array } {
  const { tc, dir } = setup();
  const r = compileC(tc, { ...o, out: join(dir, `${name}.wasm`) });
  return { ...r, bytes: readFileSync(r.out) };
}

export interface WasiRun {
  stdout: Buffer;
  exitCode: number;
  /** The module's memory below __heap_base right after instantiation, and when the program exited. */
  before: Uint8Array;
  after: Uint8Array;
  dataEnd: number;
  heapBase: number;
  hk: HakmemInstance | null;
  memoryBytes: number;
}

/** Runs a WASI command; with `heap` through @hakmem/wasm, without it as a plain module (libc's malloc). */
export async function runWasi(bytes: Uint8Array, args: string[], heap?: AllocatorOptions): Promise<WasiRun> {
  const { dir } = setup();
  const outFile = join(dir, `stdout-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(outFile, 'w+');
  try {
    const wasi = new WASI({ version: 'preview1', args: ['prog', ...args], stdout: fd, returnOnExit: true });
    let instance: WebAssembly.Instance;
    let hk: HakmemInstance | null = null;
    if (heap !== undefined) {
      hk = await instantiate(bytes, { wasi, heap });
      instance = hk.instance;
    } else {
      instance = (await WebAssembly.instantiate(bytes as BufferSource, wasiImports(wasi))).instance;
    }
    const memory = instance.exports.memory as WebAssembly.Memory;
    const heapBase = Number((instance.exports.__heap_base as WebAssembly.Global).value);
    const dataEnd = Number((instance.exports.__data_end as WebAssembly.Global).value);
    const before = new Uint8Array(memory.buffer, 0, heapBase).slice();
    const exitCode = wasi.start(instance);
    const after = new Uint8Array(memory.buffer, 0, heapBase).slice();
    closeSync(fd);
    return { stdout: readFileSync(outFile), exitCode, before, after, dataEnd, heapBase, hk, memoryBytes: memory.buffer.byteLength };
  } finally {
    rmSync(outFile, { force: true });
  }
}

/** Offsets in [0, end) where the two snapshots differ (the first few). */
export function differences(a: Uint8Array, b: Uint8Array, end: number, max = 8): number[] {
  const out: number[] = [];
  for (let i = 0; i < end && out.length < max; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** The number the program prints after "left ": the blocks it leaves allocated. */
export function leftBlocks(stdout: Buffer): number {
  const m = /^left (\d+)$/m.exec(stdout.toString());
  if (m === null) throw new Error(`no "left" line in the output:\n${stdout}`);
  return Number(m[1]);
}
