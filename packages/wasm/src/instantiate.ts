/**
 * hakmem as the malloc of a WebAssembly module: the JavaScript half of
 * `c/hakmem_malloc.c`. The module imports its allocation functions from the
 * import module "hakmem"; `instantiate` provides them from one hakmem heap
 * over the module's own memory, starting at the module's `__heap_base`, so
 * the C code and JavaScript allocate from, check and count the same heap.
 *
 * The heap can only be created once the memory is known, and an exported
 * memory is known only after instantiation, so the import functions read the
 * heap from a variable that is set right after the instance exists and
 * before any export (`_start`, `_initialize`) runs. C code that allocates in
 * a wasm start function (clang does not emit one) would find no heap: that
 * is a TypeError naming the cause.
 */
import { createAllocator, type Allocator, type AllocatorOptions } from 'hakmem';
import { memoryImportLimits } from './wasm-binary.js';

/** The part of a `node:wasi` `WASI` object (or a compatible one) that `instantiate` uses. */
export interface WasiLike {
  getImportObject(): object;
}

export interface InstantiateOptions {
  /** Further imports of the module (besides "hakmem" and, with `wasi`, "wasi_snapshot_preview1"). */
  imports?: WebAssembly.Imports;
  /**
   * Options of the heap. `memory` and `heapBase` come from the module (its
   * memory, imported or exported, and its `__heap_base`) and may not be given.
   */
  heap?: Omit<AllocatorOptions, 'memory' | 'heapBase'>;
  /** A `node:wasi` `WASI` object (preview1): its imports are added. Call `wasi.start(instance)` yourself. */
  wasi?: WasiLike;
}

export interface HakmemInstance {
  readonly instance: WebAssembly.Instance;
  readonly module: WebAssembly.Module;
  /** The heap that serves the module's malloc, over `memory`, from `heapBase` up. */
  readonly heap: Allocator;
  readonly memory: WebAssembly.Memory;
  /** The module's `__heap_base`: the heap never reads or writes a byte below it. */
  readonly heapBase: number;
}

/** A module's bytes (a Node Buffer is a Uint8Array). */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

/** The names the C shim imports from the module "hakmem". */
export const HAKMEM_IMPORT_MODULE = 'hakmem';

/** An address space of wasm32: sizes the heap cannot serve are answered with 0 rather than a RangeError. */
const WASM32_BITS = 32;
const WASM32_BYTES = 2 ** WASM32_BITS;
/** hakmem aligns every block to 8 bytes and aligned allocations to at most a page (64 KiB). */
const MIN_ALIGNMENT = 8;
const MAX_ALIGNMENT = 65536;

/**
 * Compiles (when given bytes) and instantiates a module whose malloc is
 * `c/hakmem_malloc.c`, with a new hakmem heap over its memory.
 *
 * The module may export its memory (clang's default) or import it
 * (`-Wl,--import-memory`): an imported memory is taken from `imports` when
 * given there, else created with the limits the module declares (those are
 * read from the bytes, so a precompiled `WebAssembly.Module` that imports its
 * memory needs the memory in `imports`). The module must export
 * `__heap_base` (`-Wl,--export=__heap_base`).
 *
 * A `HeapError` thrown by the heap during a C call (a double free, a pointer
 * the heap never returned, in the debug build a damaged block) propagates
 * through the wasm frames to the JavaScript caller unchanged, with `ptr` the
 * C pointer. The instance must not be called again after that: the C code
 * was cut off mid-function, with its stack pointer and its own data as they
 * were. The heap itself is intact (a throwing `free` changes nothing), so
 * `heap.check()` and `heap.stats()` still answer.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { WASI } from 'node:wasi'
 * import { instantiate } from '@hakmem/wasm'
 * const wasi = new WASI({ version: 'preview1', args: ['prog'], returnOnExit: true })
 * const { instance, heap } = await instantiate(readFileSync('prog.wasm'), { wasi, heap: { variant: 'debug' } })
 * wasi.start(instance)
 * heap.check()
 * ```
 */
export async function instantiate(source: WasmBytes | WebAssembly.Module, options: InstantiateOptions = {}): Promise<HakmemInstance> {
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source as BufferSource);
  const bytes = source instanceof WebAssembly.Module ? null : source;
  return link(module, bytes, options, (imports) => WebAssembly.instantiate(module, imports));
}

/** `instantiate` without promises, for a worker or a script that needs the instance at once. */
export function instantiateSync(source: WasmBytes | WebAssembly.Module, options: InstantiateOptions = {}): HakmemInstance {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source as BufferSource);
  const bytes = source instanceof WebAssembly.Module ? null : source;
  return link(module, bytes, options, (imports) => new WebAssembly.Instance(module, imports));
}

function link<R extends WebAssembly.Instance | Promise<WebAssembly.Instance>>(
  module: WebAssembly.Module,
  bytes: WasmBytes | null,
  options: InstantiateOptions,
  make: (imports: WebAssembly.Imports) => R,
): R extends Promise<WebAssembly.Instance> ? Promise<HakmemInstance> : HakmemInstance {
  const heapOptions = options.heap ?? {};
  const o = heapOptions as AllocatorOptions;
  if (o.memory !== undefined || o.heapBase !== undefined)
    throw new TypeError('@hakmem/wasm: heap.memory and heap.heapBase come from the module; do not pass them');
  const imports: WebAssembly.Imports = { ...options.imports };
  if (options.wasi !== undefined) Object.assign(imports, wasiImports(options.wasi));
  if (imports[HAKMEM_IMPORT_MODULE] !== undefined) throw new TypeError(`@hakmem/wasm: the import module "${HAKMEM_IMPORT_MODULE}" is provided by instantiate; do not pass it in imports`);
  const importedMemory = provideImportedMemory(module, bytes, imports, heapOptions.shared === true);

  const shim = new MallocImports();
  imports[HAKMEM_IMPORT_MODULE] = shim.functions();
  const finish = (instance: WebAssembly.Instance): HakmemInstance => {
    const base = instance.exports.__heap_base;
    if (!(base instanceof WebAssembly.Global))
      throw new TypeError('@hakmem/wasm: the module does not export __heap_base; link it with -Wl,--export=__heap_base');
    const heapBase = Number(base.value) >>> 0;
    const exported = instance.exports.memory;
    const memory = importedMemory ?? (exported instanceof WebAssembly.Memory ? exported : null);
    if (memory === null) throw new TypeError('@hakmem/wasm: the module neither imports nor exports a memory');
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const heap = createAllocator({ ...heapOptions, shared: heapOptions.shared ?? shared, memory, heapBase });
    shim.attach(heap, Math.min(heapOptions.maxBytes ?? WASM32_BYTES, WASM32_BYTES - heapBase));
    return { instance, module, heap, memory, heapBase };
  };
  const made = make(imports);
  return (made instanceof Promise ? made.then(finish) : finish(made as WebAssembly.Instance)) as never;
}

/**
 * The functions of the import module "hakmem". Pointers and sizes arrive as
 * i32, so `>>> 0` reads them unsigned (a pointer above 2 GiB is negative as
 * an i32). A size above what the heap may hold is answered with 0 here, as
 * C expects of malloc, instead of the RangeError the facade throws.
 */
class MallocImports {
  private heap: Allocator | null = null;
  private limit = 0;

  attach(heap: Allocator, limit: number): void {
    this.heap = heap;
    this.limit = limit;
  }

  functions(): Record<string, (...args: number[]) => number | void> {
    const heap = (): Allocator => {
      if (this.heap === null) throw new TypeError('@hakmem/wasm: the module allocated before instantiate returned (in a wasm start function); call its initialisation after instantiate');
      return this.heap;
    };
    // After the first call the heap is known; the functions below read it once per call.
    return {
      malloc: (size: number) => {
        const h = this.heap ?? heap();
        size >>>= 0;
        return size <= this.limit ? h.malloc(size) : 0;
      },
      free: (ptr: number) => (this.heap ?? heap()).free(ptr >>> 0),
      calloc: (bytes: number) => {
        const h = this.heap ?? heap();
        bytes >>>= 0;
        return bytes <= this.limit ? h.calloc(1, bytes) : 0;
      },
      realloc: (ptr: number, size: number) => {
        const h = this.heap ?? heap();
        size >>>= 0;
        return size <= this.limit ? h.realloc(ptr >>> 0, size) : 0;
      },
      aligned_alloc: (alignment: number, size: number) => {
        const h = this.heap ?? heap();
        alignment >>>= 0;
        size >>>= 0;
        // hakmem aligns from 8 up; a smaller power of two is met by 8. Above 64 KiB it cannot.
        if (size > this.limit || alignment > MAX_ALIGNMENT) return 0;
        return h.alignedAlloc(alignment < MIN_ALIGNMENT ? MIN_ALIGNMENT : alignment, size);
      },
      usable_size: (ptr: number) => (this.heap ?? heap()).usableSize(ptr >>> 0),
    };
  }
}

/**
 * node:wasi's imports, each behind a plain JavaScript function. Node 20
 * lets optimised code call its WASI functions as V8 "fast API calls", and
 * fd_write then allocates native memory and can start a garbage collection
 * inside the fast call, which aborts the process (seen with programs whose
 * heap grows the memory by tens of MiB: `uv_mutex_destroy` from `~WASI`
 * during `uvwasi_fd_write`). A call through `Reflect.apply` is never a fast
 * call. WASI calls are I/O, so the extra hop costs nothing measurable.
 * `instantiate` uses it; use it too for a module run without hakmem (a
 * libc-malloc build to compare with).
 */
export function wasiImports(wasi: WasiLike): WebAssembly.Imports {
  const out: WebAssembly.Imports = {};
  for (const [name, functions] of Object.entries(wasi.getImportObject() as Record<string, Record<string, unknown>>)) {
    const wrapped: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(functions))
      wrapped[k] = typeof f === 'function' ? (...args: unknown[]) => Reflect.apply(f as (...a: unknown[]) => unknown, undefined, args) : f;
    out[name] = wrapped as WebAssembly.ModuleImports;
  }
  return out;
}

/**
 * The memory a module imports: the one in `imports` when the caller gave it,
 * else a new one with the module's declared limits (read from its bytes).
 * Null when the module does not import a memory.
 */
function provideImportedMemory(module: WebAssembly.Module, bytes: WasmBytes | null, imports: WebAssembly.Imports, shared: boolean): WebAssembly.Memory | null {
  const wanted = WebAssembly.Module.imports(module).find((i) => i.kind === 'memory');
  if (wanted === undefined) return null;
  const given = imports[wanted.module]?.[wanted.name];
  if (given instanceof WebAssembly.Memory) return given;
  if (given !== undefined) throw new TypeError(`@hakmem/wasm: imports.${wanted.module}.${wanted.name} must be a WebAssembly.Memory`);
  if (bytes === null)
    throw new TypeError(`@hakmem/wasm: the module imports its memory (${wanted.module}.${wanted.name}); pass it in imports, or pass the module's bytes so its limits can be read`);
  const limits = memoryImportLimits(bytes);
  if (limits === null) throw new TypeError('@hakmem/wasm: could not read the memory import of the module');
  if (limits.shared && limits.maximum === undefined) throw new TypeError('@hakmem/wasm: a shared memory import must declare a maximum');
  const descriptor: WebAssembly.MemoryDescriptor = { initial: limits.initial, shared: limits.shared || shared };
  if (limits.maximum !== undefined) descriptor.maximum = limits.maximum;
  else if (descriptor.shared) descriptor.maximum = 65536;
  const memory = new WebAssembly.Memory(descriptor);
  imports[wanted.module] = { ...imports[wanted.module], [wanted.name]: memory };
  return memory;
}
