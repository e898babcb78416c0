import { BOX_NAMES, type BoxName, type Variant } from '@hakmem/contracts';
import {
  MAX_PAGES,
  PAGE_SIZE,
} from '@hakmem/contracts/layout';
import type { BoxImplementation, BoxImplementations, BoxVariant } from './box-contracts.js';
import { pick } from './box-builds.js';
import { checkImplementation } from './box-shape.js';

/** A box's built-in build, or a user implementation of its contract (see box-contracts.ts). */
export type BoxChoice = Variant | BoxImplementation;

export interface AllocatorOptions {
  /** Build every box uses unless `boxes` says otherwise. Default 'release'. */
  variant?: Variant;
  /**
   * Per box: its built-in 'release' or 'debug' build, or a user
   * implementation of that box's contract (e.g. `BigCacheImplementation`
   * for `bigcache`). A heap with a user implementation cannot be shared.
   */
  boxes?: Partial<Record<BoxName, BoxChoice>>;
  /** Memory to manage; default a new one. */
  memory?: WebAssembly.Memory;
  /** First byte the heap may use in `memory` (default 0). */
  heapBase?: number;
  /** Bytes the memory should hold at creation, counted from heapBase (default 2 MiB). */
  initialBytes?: number;
  /** Hard cap on the managed region [heapBase, heapBase + maxBytes), metadata included. */
  maxBytes?: number;
  /** True: the memory is shared and the heap can be attached from workers. */
  shared?: boolean;
}

export interface ResolvedOptions {
  /** The implementation each box runs: a built-in build or the user's. */
  boxes: BoxImplementations;
  /** What each box runs: 'custom' for a user implementation. */
  variants: Record<BoxName, BoxVariant>;
  memory: WebAssembly.Memory | undefined;
  heapBase: number;
  initialBytes: number;
  maxBytes: number;
  shared: boolean;
}

const MEMORY_LIMIT = MAX_PAGES * PAGE_SIZE;
const DEFAULT_INITIAL_BYTES = 2 << 20;

function isByteCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Checks every option; a wrong type is a TypeError, a wrong value a RangeError. */
export function resolveOptions(options: AllocatorOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw new TypeError('hakmem: options must be an object');
  const variant = options.variant ?? 'release';
  if (variant !== 'release' && variant !== 'debug') throw new TypeError(`hakmem: variant must be 'release' or 'debug', got ${String(variant)}`);
  const variants = {} as Record<BoxName, BoxVariant>;
  const boxes = {} as Record<BoxName, BoxImplementation>;
  for (const b of BOX_NAMES) variants[b] = variant;
  if (options.boxes !== undefined) {
    if (typeof options.boxes !== 'object' || options.boxes === null) throw new TypeError('hakmem: boxes must be an object');
    for (const [name, choice] of Object.entries(options.boxes)) {
      if (!(BOX_NAMES as readonly string[]).includes(name)) throw new TypeError(`hakmem: unknown box '${name}' (boxes are ${BOX_NAMES.join(', ')})`);
      if (choice === undefined) continue;
      if (choice === 'release' || choice === 'debug') variants[name as BoxName] = choice;
      else {
        checkImplementation(name as BoxName, choice);
        variants[name as BoxName] = 'custom';
        boxes[name as BoxName] = choice;
      }
    }
  }
  for (const b of BOX_NAMES) if (variants[b] !== 'custom') boxes[b] = pick(b, variants[b] as Variant);
  const memory = options.memory;
  if (memory !== undefined && !(memory instanceof WebAssembly.Memory)) throw new TypeError('hakmem: memory must be a WebAssembly.Memory');
  const shared = options.shared ?? false;
  if (typeof shared !== 'boolean') throw new TypeError('hakmem: shared must be a boolean');
  if (memory !== undefined && shared !== (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer))
    throw new TypeError(shared ? 'hakmem: shared: true needs a shared WebAssembly.Memory' : 'hakmem: this memory is shared; pass shared: true');
  const heapBase = options.heapBase ?? 0;
  if (typeof heapBase !== 'number') throw new TypeError('hakmem: heapBase must be a number');
  if (!isByteCount(heapBase) || heapBase >= MEMORY_LIMIT) throw new RangeError(`hakmem: heapBase must be an integer in [0, ${MEMORY_LIMIT}), got ${heapBase}`);
  const maxBytes = options.maxBytes ?? MEMORY_LIMIT - heapBase;
  if (typeof maxBytes !== 'number') throw new TypeError('hakmem: maxBytes must be a number');
  if (!isByteCount(maxBytes)) throw new RangeError(`hakmem: maxBytes must be a non-negative integer, got ${maxBytes}`);
  const initialBytes = options.initialBytes ?? Math.min(DEFAULT_INITIAL_BYTES, maxBytes);
  if (typeof initialBytes !== 'number') throw new TypeError('hakmem: initialBytes must be a number');
  if (!isByteCount(initialBytes) || initialBytes > maxBytes) throw new RangeError(`hakmem: initialBytes must be an integer in [0, maxBytes], got ${initialBytes}`);
  return { boxes: boxes as BoxImplementations, variants, memory, heapBase, initialBytes, maxBytes, shared };
}
