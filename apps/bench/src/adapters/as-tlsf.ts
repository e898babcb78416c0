import { MemoryBytes } from './memory-bytes.js';
import { readFile } from 'node:fs/promises';
import { AdapterUnavailableError, type Adapter, type AdapterFactory } from '../adapter.js';
import type { AdapterAbout } from './about.js';

/**
 * Where the build puts the module (`asc ... -o dist/tlsf.wasm`): beside the
 * bundle when running from dist/, two levels up from src/adapters/ when
 * tests run against the source.
 */
const WASM_CANDIDATES = [new URL('./tlsf.wasm', import.meta.url), new URL('../../dist/tlsf.wasm', import.meta.url)];

export const about: AdapterAbout = {
  peer: 'assemblyscript',
  options:
    'src/peers/tlsf.as.ts exporting heap.alloc/heap.free, asc -O3 --runtime minimal (TLSF + TCMS, no automatic GC) --noAssert (TLSF\'s asserts compiled out, like a release build); memory grows on demand (TLSF doubles it)',
};

interface TlsfExports {
  readonly memory: WebAssembly.Memory;
  alloc(size: number): number;
  free(ptr: number): void;
  heapBase(): number;
}

/** The module is compiled once per process; each adapter gets its own instance and memory. */
let compiled: Promise<WebAssembly.Module> | undefined;

async function compileOnce(): Promise<WebAssembly.Module> {
  for (const url of WASM_CANDIDATES) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(await readFile(url));
    } catch {
      continue;
    }
    return WebAssembly.compile(bytes);
  }
  throw new AdapterUnavailableError(
    `as-tlsf: dist/tlsf.wasm not found (looked at ${WASM_CANDIDATES.map((u) => u.pathname).join(', ')}); run the bench build first`,
  );
}

/**
 * AssemblyScript's TLSF, called through its wasm exports. A call is a
 * JS-to-wasm transition each way; that is what a JavaScript user of an
 * AssemblyScript allocator pays.
 */
class AsTlsfAdapter implements Adapter {
  readonly name = 'as-tlsf';
  readonly distinctBlocks = true;
  readonly align = 16;
  private readonly wasm: TlsfExports;
  private readonly bytes: MemoryBytes;
  private readonly base: number;

  constructor(wasm: TlsfExports) {
    this.wasm = wasm;
    this.bytes = new MemoryBytes(wasm.memory);
    this.base = wasm.heapBase();
  }

  malloc(size: number): number {
    return this.wasm.alloc(size);
  }

  free(ptr: number): void {
    this.wasm.free(ptr);
  }

  writeByte(ptr: number, offset: number, value: number): void {
    this.bytes.write(ptr, offset, value);
  }

  readByte(ptr: number, offset: number): number {
    return this.bytes.read(ptr, offset);
  }


  /** Every page above the static data is TLSF's: it adds each page it grows to its pool. */
  bytesTaken(): number {
    return this.wasm.memory.buffer.byteLength - this.base;
  }

  stats(): unknown {
    return { memoryBytes: this.wasm.memory.buffer.byteLength, heapBase: this.base };
  }

  dispose(): void {}
}

export const create: AdapterFactory = async () => {
  compiled ??= compileOnce();
  let module: WebAssembly.Module;
  try {
    module = await compiled;
  } catch (err) {
    compiled = undefined;
    throw err;
  }
  const instance = await WebAssembly.instantiate(module, {
    env: {
      // TLSF aborts only on a request above its block limit (1 GiB).
      abort(): never {
        throw new Error('as-tlsf: abort() from AssemblyScript (allocation too large)');
      },
    },
  });
  return new AsTlsfAdapter(instance.exports as unknown as TlsfExports);
};
