import { MemoryBytes } from './memory-bytes.js';
import { pathToFileURL } from 'node:url';
import { AdapterUnavailableError, type Adapter, type AdapterFactory } from '../adapter.js';
import type { AdapterAbout } from './about.js';

/**
 * The part of hakmem's facade (shared/contract/facade.md) the benchmark
 * uses, written out here so the bench type-checks before hakmem is built.
 */
interface HakmemHeap {
  readonly memory: WebAssembly.Memory;
  readonly variant: 'release' | 'debug';
  malloc(size: number): number;
  free(ptr: number): void;
  /** `peakBytesReserved` is not in the contract; used when present. */
  stats(): { bytesReserved: number; liveBlocks: number; peakBytesReserved?: number } & Record<string, unknown>;
  check(): void;
  /** `heap.map()`: absent in builds older than the heap map. */
  map?(): unknown;
  /** Only on a heap created with `shared: true`: a structured-cloneable handle for workers. */
  share(): unknown;
  /** In a worker: hands this worker's cached blocks back to the shared heap. */
  detach(): void;
}

interface HakmemModule {
  createAllocator(options: { variant: 'release' | 'debug'; maxBytes: number; shared?: boolean }): HakmemHeap;
  attachAllocator(handle: unknown): HakmemHeap;
  /** Draws a `heap.map()` as SVG; absent in builds older than the heap map. */
  renderHeapMapSvg?(map: unknown, options?: { title?: string; width?: number }): string;
}

/**
 * Loaded by a computed specifier so neither tsc nor the bundler needs
 * hakmem's dist/ to exist: resolved at run time through the workspace
 * link apps/bench/node_modules/hakmem -> apps/hakmem (dist/release.js,
 * dist/debug.js).
 * HAKMEM_MODULE=/path/to/index.js measures another build instead (a
 * branch's dist, or a stand-in while hakmem does not build).
 */
const HAKMEM_OVERRIDE = process.env.HAKMEM_MODULE;
const OVERRIDDEN = HAKMEM_OVERRIDE !== undefined && HAKMEM_OVERRIDE !== '';

/**
 * Each build through the entry that carries only its boxes: `hakmem` loads
 * the release and the debug build of every box, 16 modules, where a child
 * measures one of the two (import 21-24 ms against 28-42 for `hakmem` on
 * this machine, in each of ~140 children and every W4 worker). The heap
 * is the same code: the entries differ in which box builds they can pick
 * (apps/hakmem/src/release.ts, debug.ts). HAKMEM_MODULE names one file,
 * used for both builds.
 */
function specifierOf(variant: 'release' | 'debug'): string {
  if (OVERRIDDEN) return pathToFileURL(HAKMEM_OVERRIDE as string).href;
  return variant === 'release' ? 'hakmem/release' : 'hakmem/debug';
}

/** wasm32 memory tops out at 65536 pages. */
const MAX_HEAP_BYTES = 2 ** 32 - 65536;
const MIN_HEAP_BYTES = 256 * 1024 * 1024;
/** Same room as the peers get: slots x largest block x this. */
const HEAP_SLACK = 4;

export const about: AdapterAbout = {
  peer: 'hakmem',
  options: `createAllocator({ variant, maxBytes: slots x maxSize x 4, 256 MiB..4 GiB - 64 KiB }); bytesTaken = stats().peakBytesReserved if present, else bytesReserved${
    OVERRIDDEN ? `; loaded from HAKMEM_MODULE=${HAKMEM_OVERRIDE}` : "; imported from 'hakmem/release' and 'hakmem/debug'"
  }`,
};

/**
 * hakmem through its public facade. Pointers above 2^31 come back from
 * the harness's Int32Array slots negative, hence `>>> 0` on the way in.
 */
class HakmemAdapter implements Adapter {
  readonly name: string;
  readonly distinctBlocks = true;
  readonly align = 8;
  private readonly heap: HakmemHeap;
  private readonly bytes: MemoryBytes;

  constructor(name: string, heap: HakmemHeap) {
    this.name = name;
    this.heap = heap;
    this.bytes = new MemoryBytes(heap.memory);
  }

  malloc(size: number): number {
    return this.heap.malloc(size);
  }

  free(ptr: number): void {
    this.heap.free(ptr >>> 0);
  }

  writeByte(ptr: number, offset: number, value: number): void {
    this.bytes.write(ptr, offset, value);
  }

  readByte(ptr: number, offset: number): number {
    return this.bytes.read(ptr, offset);
  }


  /** hakmem's own high-water mark when its stats carry one, else the current reservation. */
  bytesTaken(): number {
    const s = this.heap.stats();
    return typeof s.peakBytesReserved === 'number' ? s.peakBytesReserved : s.bytesReserved;
  }

  stats(): unknown {
    return this.heap.stats();
  }

  heapMap(): unknown {
    return typeof this.heap.map === 'function' ? this.heap.map() : null;
  }

  dispose(): void {}
}

/** An attachment of a shared heap in a worker: disposing it detaches. */
class AttachedHakmemAdapter extends HakmemAdapter {
  private readonly attached: HakmemHeap;

  constructor(name: string, heap: HakmemHeap) {
    super(name, heap);
    this.attached = heap;
  }

  override dispose(): void {
    this.attached.detach();
  }
}

const loaded: Partial<Record<'release' | 'debug', Promise<HakmemModule>>> = {};

function loadHakmem(variant: 'release' | 'debug'): Promise<HakmemModule> {
  return (loaded[variant] ??= importHakmem(specifierOf(variant)));
}

async function importHakmem(specifier: string): Promise<HakmemModule> {
  let mod: Partial<HakmemModule>;
  try {
    mod = (await import(specifier)) as Partial<HakmemModule>;
  } catch (err) {
    throw new AdapterUnavailableError(
      `cannot import '${specifier}' (${(err as Error).message.split('\n')[0]}); build it first (pnpm --filter hakmem build -> apps/hakmem/dist/)`,
    );
  }
  if (typeof mod.createAllocator !== 'function') {
    throw new AdapterUnavailableError("'hakmem' loaded but exports no createAllocator()");
  }
  return mod as HakmemModule;
}

function factory(variant: 'release' | 'debug'): AdapterFactory {
  const name = variant === 'release' ? 'hakmem' : 'hakmem-debug';
  return async (opts) => {
    const mod = await loadHakmem(variant);
    const heap = mod.createAllocator({ variant, maxBytes: heapBytes(opts) });
    if (heap.variant !== variant) {
      throw new AdapterUnavailableError(`hakmem: asked for the ${variant} build, got ${heap.variant}`);
    }
    return new HakmemAdapter(name, heap);
  };
}

export const createRelease: AdapterFactory = factory('release');

/**
 * The report's picture of a heap map a child recorded, drawn by hakmem's own
 * renderer; null when the loaded hakmem has none (an older HAKMEM_MODULE).
 */
export async function renderHeapMap(map: unknown, title: string): Promise<string | null> {
  const mod = await loadHakmem('release');
  return typeof mod.renderHeapMapSvg === 'function' ? mod.renderHeapMapSvg(map, { title }) : null;
}
export const createDebug: AdapterFactory = factory('debug');

function heapBytes(opts: { slots: number; maxSize: number }): number {
  return Math.min(MAX_HEAP_BYTES, Math.max(MIN_HEAP_BYTES, opts.slots * opts.maxSize * HEAP_SLACK));
}

/** The owning side of a heap that workers share (W4): the main thread keeps it to check it afterwards. */
export interface SharedHeapHost {
  /** Posted to each worker, which passes it to `attachShared`. */
  readonly handle: unknown;
  check(): void;
  stats(): { liveBlocks: number } & Record<string, unknown>;
}

/** `createAllocator({ shared: true })` in the thread that owns the heap. */
export async function hostShared(variant: 'release' | 'debug', opts: { slots: number; maxSize: number }): Promise<SharedHeapHost> {
  const mod = await loadHakmem(variant);
  if (typeof mod.attachAllocator !== 'function') throw new AdapterUnavailableError("'hakmem' loaded but exports no attachAllocator()");
  const heap = mod.createAllocator({ variant, maxBytes: heapBytes(opts), shared: true });
  if (heap.variant !== variant) throw new AdapterUnavailableError(`hakmem: asked for the ${variant} build, got ${heap.variant}`);
  return { handle: heap.share(), check: () => heap.check(), stats: () => heap.stats() };
}

/** `attachAllocator(handle)` in a worker; the adapter's dispose() detaches. */
export async function attachShared(variant: 'release' | 'debug', handle: unknown): Promise<Adapter> {
  const mod = await loadHakmem(variant);
  return new AttachedHakmemAdapter(variant === 'release' ? 'hakmem' : 'hakmem-debug', mod.attachAllocator(handle));
}
