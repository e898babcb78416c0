import { MemoryBytes } from './memory-bytes.js';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { AdapterUnavailableError, type Adapter, type AdapterFactory } from '../adapter.js';
import type { AdapterAbout } from './about.js';

/**
 * emscripten's dlmalloc, taken from sql.js: its release build
 * (dist/sql-wasm.wasm, emcc -O3, no -sMALLOC flag in its Makefile, so
 * emscripten's default allocator) exports `_malloc`/`_free`. The build is
 * minified and carries no symbol names, so `create` checks it is dlmalloc
 * by its data layout rather than trusting the default: a chunk's head word
 * sits 4 bytes before the pointer and reads size | PINUSE | CINUSE (19 for
 * malloc(12), a 16-byte chunk; emmalloc's header is 8 bytes and its
 * malloc(12) takes 24), and dlmalloc's `malloc_state` is found in static
 * memory (see findMallocState). SQLite itself is never opened; its static
 * data and stack sit below the heap and are not counted.
 */
export const about: AdapterAbout = {
  peer: 'sql.js',
  options:
    'dist/sql-wasm.wasm (emcc -O3 release), raw wasm exports _malloc/_free (emscripten default allocator: dlmalloc, verified by chunk layout); bytesTaken = dlmalloc max_footprint (bytes taken via sbrk)',
};

const require = createRequire(import.meta.url);

/** dlmalloc's `struct malloc_state` on wasm32, in 4-byte words (malloc.c). */
const MS_TOPSIZE = 3;
const MS_LEAST_ADDR = 4;
const MS_TOP = 6;
const MS_MAGIC = 9;
/** After 10 scalar words, smallbins[(32 + 1) * 2] and treebins[32]. */
const MS_FOOTPRINT = 10 + 66 + 32;
const MS_MAX_FOOTPRINT = MS_FOOTPRINT + 1;
const MS_WORDS = MS_MAX_FOOTPRINT + 1;
/** dlmalloc head bits. */
const PINUSE_BIT = 1;
const CINUSE_BIT = 2;

interface SqlJsModule {
  _malloc(size: number): number;
  _free(ptr: number): void;
}

type InitSqlJs = (config: {
  instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void): object;
}) => Promise<SqlJsModule>;

/**
 * Finds dlmalloc's global `malloc_state` (`_gm_`) below the first chunk:
 * the word pair (topsize, top) whose top chunk's head reads
 * topsize | PINUSE, with least_addr <= top and max_footprint >= footprint
 * >= the span up to the top chunk's end. Returns its word index, or -1.
 */
function findMallocState(u32: Uint32Array, below: number, byteLength: number): number {
  const limit = Math.min(below >>> 2, u32.length - MS_WORDS);
  let found = -1;
  for (let i = 0; i < limit; i++) {
    const top = u32[i + MS_TOP];
    if (top === 0 || (top & 7) !== 0 || top + 8 > byteLength) continue;
    const topsize = u32[i + MS_TOPSIZE];
    if (u32[(top + 4) >>> 2] !== (topsize | PINUSE_BIT)) continue;
    const least = u32[i + MS_LEAST_ADDR];
    if (least === 0 || least > top || u32[i + MS_MAGIC] === 0) continue;
    const footprint = u32[i + MS_FOOTPRINT];
    if (footprint < top + topsize - least || u32[i + MS_MAX_FOOTPRINT] < footprint) continue;
    if (found !== -1) return -1; // ambiguous: refuse rather than guess
    found = i;
  }
  return found;
}

/**
 * sql.js caches its init promise inside the module closure, so a second
 * `initSqlJs` would share the first heap; each adapter loads a fresh copy
 * of the glue. `instantiateWasm` is emscripten's documented hook; it hands
 * us the instance, whose memory sql.js does not expose.
 */
async function instantiate(): Promise<{ module: SqlJsModule; memory: WebAssembly.Memory }> {
  let gluePath: string;
  let wasmBytes: Uint8Array<ArrayBuffer>;
  try {
    gluePath = require.resolve('sql.js');
    wasmBytes = new Uint8Array(await readFile(require.resolve('sql.js/dist/sql-wasm.wasm')));
  } catch (err) {
    throw new AdapterUnavailableError(`cannot load sql.js: ${(err as Error).message}`);
  }
  delete require.cache[gluePath];
  const initSqlJs = require(gluePath) as InitSqlJs;
  let instance: WebAssembly.Instance | undefined;
  const module = await initSqlJs({
    instantiateWasm(imports, done) {
      void WebAssembly.instantiate(wasmBytes, imports).then((r) => {
        instance = r.instance;
        done(r.instance);
      });
      return {};
    },
  });
  const memory = Object.values(instance!.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
  if (memory === undefined) throw new AdapterUnavailableError('sql.js: the wasm instance exports no memory');
  return { module, memory };
}

class DlmallocAdapter implements Adapter {
  readonly name = 'dlmalloc';
  readonly distinctBlocks = true;
  readonly align = 8;
  private readonly mallocFn: (size: number) => number;
  private readonly freeFn: (ptr: number) => void;
  private readonly memory: WebAssembly.Memory;
  private readonly bytes: MemoryBytes;
  private words: Uint32Array;
  /** Byte address of dlmalloc's malloc_state. */
  private readonly state: number;

  constructor(module: SqlJsModule, memory: WebAssembly.Memory, state: number) {
    // The raw wasm exports: sql.js assigns them to Module unwrapped.
    this.mallocFn = module._malloc;
    this.freeFn = module._free;
    this.memory = memory;
    this.bytes = new MemoryBytes(memory);
    this.words = new Uint32Array(memory.buffer);
    this.state = state;
  }

  malloc(size: number): number {
    return this.mallocFn(size);
  }

  free(ptr: number): void {
    this.freeFn(ptr);
  }

  writeByte(ptr: number, offset: number, value: number): void {
    this.bytes.write(ptr, offset, value);
  }

  readByte(ptr: number, offset: number): number {
    return this.bytes.read(ptr, offset);
  }

  /** After sbrk grew the memory: only the stats read these words. */
  private refreshViews(): void {
    this.words = new Uint32Array(this.memory.buffer);
  }

  /** dlmalloc's own high-water mark of bytes obtained through sbrk. */
  bytesTaken(): number {
    if (this.words.length === 0) this.refreshViews();
    return this.words[(this.state >>> 2) + MS_MAX_FOOTPRINT];
  }

  stats(): unknown {
    if (this.words.length === 0) this.refreshViews();
    const w = (this.state >>> 2);
    return {
      footprint: this.words[w + MS_FOOTPRINT],
      maxFootprint: this.words[w + MS_MAX_FOOTPRINT],
      topsize: this.words[w + MS_TOPSIZE],
      memoryBytes: this.memory.buffer.byteLength,
    };
  }

  dispose(): void {}
}

export const create: AdapterFactory = async () => {
  const { module, memory } = await instantiate();
  const probe = module._malloc(12);
  const probe2 = module._malloc(12);
  const u32 = new Uint32Array(memory.buffer);
  const head = u32[(probe - 4) >>> 2];
  const state = findMallocState(u32, probe >>> 0, memory.buffer.byteLength);
  module._free(probe2);
  module._free(probe);
  if (head !== (16 | PINUSE_BIT | CINUSE_BIT) || probe2 - probe !== 16 || state === -1) {
    throw new AdapterUnavailableError(
      `sql.js's allocator no longer looks like dlmalloc (malloc(12) head ${head}, spacing ${probe2 - probe}, malloc_state ${state === -1 ? 'not found' : 'found'})`,
    );
  }
  return new DlmallocAdapter(module, memory, state * 4);
};
