import { BOX_NAMES, HeapError, type BoxName, type Variant } from '@hakmem/contracts';
import { PAGE_SIZE, SPAN_MAX_PAGES, VARIANT_DEBUG_BYTE } from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import type { BoxImplementations, BoxVariant } from './box-contracts.js';
import { pick } from './box-builds.js';
import { HeapParts } from './heap-parts.js';
import { resolveOptions, type AllocatorOptions } from './options.js';

/**
 * A heap's life outside malloc and free: formatting a new heap, attaching to
 * a shared one, sharing it, detaching from it, and repairing it after a
 * worker died. Each step works through the boxes' contracts (HeapParts).
 */

/** Everything a worker needs to attach to a shared heap; structured-cloneable. */
export interface SharedHeapHandle {
  readonly memory: WebAssembly.Memory;
  readonly base: number;
  readonly variants: Record<BoxName, Variant>;
}

/** H_VARIANTS byte per box: what it runs, for anyone reading the header (attach uses the handle). */
const VARIANT_BYTE: Record<BoxVariant, number> = { release: 0, debug: VARIANT_DEBUG_BYTE, custom: 2 };

/** `createAllocator`: a new heap in a new or the given memory, this worker's boxes over it. */
export function formatHeap(options?: AllocatorOptions): HeapParts {
  const o = resolveOptions(options);
  const geo = planGeometry(o.heapBase, o.maxBytes);
  const metaEnd = (geo.basePage + geo.metaPages) * PAGE_SIZE;
  // Room for the largest span: then every size up to 60 KiB (and, through the
  // mid box, every tiny size) can be served by an empty heap, whatever the
  // region's alignment does to SuperSlabs.
  if (geo.limitPage < geo.basePage + geo.metaPages + SPAN_MAX_PAGES)
    throw new RangeError(
      `hakmem: maxBytes ${o.maxBytes} is too small: from heapBase ${o.heapBase} the heap needs at least ${metaEnd + SPAN_MAX_PAGES * PAGE_SIZE - o.heapBase} bytes (its metadata up to the next page boundary, then ${SPAN_MAX_PAGES} pages of 64 KiB, the largest span, for blocks)`,
    );
  const wantBytes = Math.max(metaEnd, o.heapBase + o.initialBytes);
  const wantPages = Math.min(geo.limitPage, Math.ceil(wantBytes / PAGE_SIZE));
  let memory = o.memory;
  if (memory === undefined) {
    const maximum = Math.max(geo.limitPage, wantPages);
    memory = new WebAssembly.Memory(o.shared ? { initial: wantPages, maximum, shared: true } : { initial: wantPages, maximum });
  }
  const lm = new LinearMemory(memory, o.shared);
  if (!lm.ensurePages(Math.ceil(metaEnd / PAGE_SIZE)))
    throw new RangeError('hakmem: the memory cannot grow enough to hold the heap metadata');
  lm.ensurePages(wantPages);
  const pages = PageLayer.format(lm, geo, o.shared);
  o.boxes.bigcache.BigCache.formatBudget(lm, pages);
  BOX_NAMES.forEach((b, i) => pages.setVariantByte(i, VARIANT_BYTE[o.variants[b]]));
  return new HeapParts(lm, pages, o.boxes, o.variants);
}

/** `attachAllocator`: this worker's boxes over the shared heap a handle names, after checking the handle. */
export function attachHeap(handle: SharedHeapHandle, variant?: Variant): HeapParts {
  const variants = checkHandle(handle);
  const lm = new LinearMemory(handle.memory, true);
  const problem = PageLayer.headerProblem(lm, handle.base);
  if (problem !== null) throw new TypeError(`hakmem: attachAllocator: ${problem}; pass the handle share() returned`);
  const pages = PageLayer.attach(lm, handle.base);
  BOX_NAMES.forEach((b, i) => {
    if (pages.variantByte(i) !== VARIANT_BYTE[variants[b]])
      throw new TypeError(`hakmem: attachAllocator: the handle says ${b} runs '${variants[b]}', but the heap at base ${pages.base} was created otherwise`);
  });
  const heapVariant = BOX_NAMES.some((b) => variants[b] === 'debug') ? 'debug' : 'release';
  if (variant !== undefined && variant !== heapVariant)
    throw new TypeError(`hakmem: this heap was created with variant '${heapVariant}', not '${variant}'`);
  const boxes = {} as Record<BoxName, BoxImplementations[BoxName]>;
  for (const b of BOX_NAMES) boxes[b] = pick(b, variants[b]);
  return new HeapParts(lm, pages, boxes as BoxImplementations, variants);
}

/**
 * The handle's own fields, checked before anything reads the memory: a
 * shared WebAssembly.Memory and a build per box. Returns its variants.
 */
function checkHandle(handle: SharedHeapHandle): Record<BoxName, Variant> {
  if (typeof handle !== 'object' || handle === null) throw new TypeError('hakmem: attachAllocator needs the handle returned by share()');
  if (!(handle.memory instanceof WebAssembly.Memory)) throw new TypeError('hakmem: attachAllocator: the handle has no WebAssembly.Memory; pass the handle share() returned');
  if (typeof SharedArrayBuffer === 'undefined' || !(handle.memory.buffer instanceof SharedArrayBuffer))
    throw new TypeError('hakmem: attachAllocator: the handle\'s memory is not shared; only a heap created with shared: true can be attached');
  const v = handle.variants as unknown;
  if (typeof v !== 'object' || v === null) throw new TypeError('hakmem: attachAllocator: the handle has no variants; pass the handle share() returned');
  const out = {} as Record<BoxName, Variant>;
  for (const b of BOX_NAMES) {
    const x = (v as Record<string, unknown>)[b];
    if (x !== 'release' && x !== 'debug') throw new TypeError(`hakmem: attachAllocator: the handle's variants.${b} must be 'release' or 'debug', got ${String(x)}`);
    out[b] = x;
  }
  for (const k of Object.keys(v)) if (!(BOX_NAMES as readonly string[]).includes(k)) throw new TypeError(`hakmem: attachAllocator: the handle's variants has an unknown box '${k}'`);
  return out;
}

/** `share()`: the handle for other workers (a shared heap of built-in builds only). */
export function shareHeap(parts: HeapParts): SharedHeapHandle {
  if (!parts.shared) throw new HeapError('INVALID_STATE', 'share() needs a heap created with shared: true');
  // A handle must be structured-cloneable and a user implementation is code:
  // there is no way to send it to another worker.
  const custom = BOX_NAMES.find((b) => parts.variants[b] === 'custom');
  if (custom !== undefined)
    throw new HeapError('INVALID_STATE', `share() cannot hand a user implementation of ${custom} to another worker; share a heap of built-in builds`, undefined, custom);
  return { memory: parts.lm.memory, base: parts.pages.base, variants: { ...parts.variants } as Record<BoxName, Variant> };
}

/** `detach()`'s work on the heap, after the caller flushed this worker's caches: slabs and spans that still have blocks out go to other workers. */
export function detachFromHeap(parts: HeapParts): void {
  parts.pool.abandon(parts.ss.disown());
  parts.mid.abandonAll();
}

/**
 * `reclaim(dead)`: called by a surviving worker for a worker that was
 * terminated (or died) without `detach()`. Every lock the dead worker held
 * is taken back and what it guards repaired, and every slab and span it
 * owned is abandoned for other workers to adopt. Blocks the dead worker held
 * live stay live (their owner is whoever knows their addresses); blocks it
 * had in its caches cannot be told apart from blocks in a running worker's
 * cache, so they stay out of circulation.
 */
export function reclaimWorker(parts: HeapParts, deadWorker: number): { slabs: number; spans: number; locksBroken: number } {
  if (!Number.isInteger(deadWorker) || deadWorker <= 0) throw new RangeError(`hakmem: reclaim needs a worker id (a positive integer), got ${String(deadWorker)}`);
  if (deadWorker === parts.worker) throw new RangeError('hakmem: a worker cannot reclaim itself; use detach()');
  let locksBroken = 0;
  // The page lock first (lock order: @hakmem/linear-memory lock.ts): it is
  // the innermost, so a survivor holding a box lock may be waiting for it,
  // and the boxes' repairs below take it.
  if (parts.pages.reclaimWorker(deadWorker)) locksBroken++;
  if (parts.big.reclaimWorker(deadWorker)) locksBroken++;
  const spans = parts.mid.reclaimWorker(deadWorker);
  const slabs = parts.pool.reclaimWorker(deadWorker);
  return { slabs, spans, locksBroken };
}
