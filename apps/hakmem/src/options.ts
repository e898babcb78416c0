import { BOX_NAMES, type BoxName, type Variant } from '@hakmem/contracts';
import {
  MAX_PAGES,
  PAGE_SIZE,
} from '@hakmem/contracts/layout';
import type { BoxImplementation, BoxImplementations, BoxVariant } from './box-contracts.js';
import { pick } from './box-builds.js';
import { checkImplementation } from './box-shape.js';
import { closestName } from './closest-name.js';

/** A box's built-in build, or a user implementation of its contract (see box-contracts.ts). */
export type BoxChoice = Variant | BoxImplementation;

/**
 * Options of `createAllocator`. Every key is checked when the heap is
 * created: an unknown key is a `TypeError` that names it (and the option it
 * most likely meant), a value of the wrong type a `TypeError`, a value out of
 * range a `RangeError`; each message says what is allowed. `undefined` is the
 * same as leaving an option out.
 */
export interface AllocatorOptions {
  /**
   * Build of every box: 'release' (unchecked hot paths) or 'debug' (every
   * invariant checked; guards after blocks, poison in freed memory). Default
   * 'release'. Anything else is a `TypeError`.
   */
  variant?: Variant;
  /**
   * Per box, overriding `variant`: its built-in 'release' or 'debug' build,
   * or a user implementation of that box's contract (e.g. a
   * `BigCacheImplementation` for `bigcache`), checked member by member at
   * creation. Keys are `BoxName`s (`tlsSll`, `superslab`, `sharedPool`,
   * `bigcache`, `frontGate`, `midLargeAce`); an unknown key or a value that is
   * neither a build name nor an object is a `TypeError`. A heap with a user
   * implementation cannot be shared.
   */
  boxes?: Partial<Record<BoxName, BoxChoice>>;
  /**
   * The `WebAssembly.Memory` to manage (a wasm module's, say). Default: a new
   * one, sized from `initialBytes` and capped by `maxBytes`. The heap uses
   * the bytes from `heapBase` up and grows the memory when it needs more; so
   * may you (or the module): the new pages join the heap. A shared memory
   * needs `shared: true`, and `shared: true` needs a shared memory.
   */
  memory?: WebAssembly.Memory;
  /**
   * First byte the heap may use in `memory`: an integer from 0 up to (not
   * including) the 4 GiB limit of a memory; default 0. The heap never reads
   * or writes below it, and hands out no pointer below `heapBase + 65536`.
   */
  heapBase?: number;
  /**
   * Bytes, counted from `heapBase`, that the memory should hold at creation:
   * an integer from 0 to `maxBytes`. Default 2 MiB (or `maxBytes` if that is
   * smaller). The heap grows from there as it needs.
   */
  initialBytes?: number;
  /**
   * Hard cap on the managed region `[heapBase, heapBase + maxBytes)`, metadata
   * included: a non-negative integer. Default: as far as a memory can grow
   * (4 GiB less `heapBase`). `malloc` returns 0 rather than go past it, and
   * a size above it is a `RangeError`. A region too small for the heap's
   * metadata and its blocks is a `RangeError` from `createAllocator` that says
   * the minimum.
   */
  maxBytes?: number;
  /**
   * True: the memory is shared (a new shared one, or the `memory` you pass
   * must be shared) and `share()` hands out a handle that workers pass to
   * `attachAllocator`. Default false. Not a boolean: `TypeError`.
   */
  shared?: boolean;
}

/** Options of `attachAllocator`; the rest of the heap's settings travel in its handle. */
export interface AttachOptions {
  /** If given, must be the variant the heap was created with ('release' or 'debug'), else `TypeError`. */
  variant?: Variant;
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
/**
 * The memory a new heap is created with: 2 MiB of addresses, of which the
 * heap holds only what it uses (bytesReserved counts pages handed to boxes,
 * not the memory's size). Not less: a memory that never grows keeps V8's
 * "no buffer was ever detached" protector, and typed-array accesses then
 * skip their detach test; created at the metadata zone and grown on demand,
 * W2-64 measured 12.4 ns per iteration against 9.3 (process CPU time, 5
 * processes each, interleaved).
 */
const DEFAULT_INITIAL_BYTES = 2 << 20;

const OPTION_NAMES = ['variant', 'boxes', 'memory', 'heapBase', 'initialBytes', 'maxBytes', 'shared'] as const satisfies readonly (keyof AllocatorOptions)[];
const ATTACH_OPTION_NAMES = ['variant'] as const satisfies readonly (keyof AttachOptions)[];

function isByteCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** A value as a message shows it: strings quoted, objects by kind. */
function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object${v.constructor !== Object && typeof v.constructor === 'function' && v.constructor.name !== '' ? ` (${v.constructor.name})` : ''}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v}n (a bigint)`;
  return String(v);
}

/** Throws for an own key of `options` that is not a known option, naming the one it most likely meant. */
function rejectUnknownKeys(options: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    throw new TypeError(`hakmem: unknown ${what} '${key}'${near === undefined ? '' : ` (did you mean ${near}?)`}; the ${what}s are ${known.join(', ')}`);
  }
}

function checkVariant(v: unknown, what: string): asserts v is Variant | undefined {
  if (v !== undefined && v !== 'release' && v !== 'debug') throw new TypeError(`hakmem: ${what} must be 'release' or 'debug', got ${shown(v)}`);
}

/** A byte count option: a number (else TypeError) that is an integer in [0, limit] (else RangeError). */
function checkBytes(name: string, v: unknown, limit: number, limitText: string): asserts v is number {
  if (typeof v !== 'number') throw new TypeError(`hakmem: ${name} must be a number of bytes, got ${shown(v)}`);
  if (!isByteCount(v) || v > limit)
    throw new RangeError(`hakmem: ${name} must be ${limit === Infinity ? 'a non-negative integer' : `an integer from 0 to ${limitText}`}, got ${v}`);
}

function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * Checks every option of `createAllocator` and fills in the defaults; see
 * `AllocatorOptions` for what each allows. A wrong type or an unknown key is
 * a TypeError, a wrong value a RangeError.
 */
export function resolveOptions(options: AllocatorOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError(`hakmem: createAllocator takes an options object (or nothing), got ${shown(options)}`);
  rejectUnknownKeys(options, OPTION_NAMES, 'option');
  const variant = options.variant ?? 'release';
  checkVariant(variant, 'variant');
  const variants = {} as Record<BoxName, BoxVariant>;
  const boxes = {} as Record<BoxName, BoxImplementation>;
  for (const b of BOX_NAMES) variants[b] = variant;
  if (options.boxes !== undefined) {
    if (typeof options.boxes !== 'object' || options.boxes === null || Array.isArray(options.boxes))
      throw new TypeError(`hakmem: boxes must be an object from box names (${BOX_NAMES.join(', ')}) to 'release', 'debug' or an implementation, got ${shown(options.boxes)}`);
    rejectUnknownKeys(options.boxes, BOX_NAMES, 'box');
    for (const [name, choice] of Object.entries(options.boxes) as [BoxName, unknown][]) {
      if (choice === undefined) continue;
      if (choice === 'release' || choice === 'debug') variants[name] = choice;
      else {
        // Names what is wrong with anything else: not an object, or the member that is missing.
        checkImplementation(name, choice);
        variants[name] = 'custom';
        boxes[name] = choice;
      }
    }
  }
  for (const b of BOX_NAMES) if (variants[b] !== 'custom') boxes[b] = pick(b, variants[b] as Variant);
  const memory = options.memory;
  if (memory !== undefined && !(memory instanceof WebAssembly.Memory)) throw new TypeError(`hakmem: memory must be a WebAssembly.Memory, got ${shown(memory)}`);
  const shared = options.shared ?? false;
  if (typeof shared !== 'boolean') throw new TypeError(`hakmem: shared must be true or false, got ${shown(shared)}`);
  if (memory !== undefined && shared !== isSharedMemory(memory))
    throw new TypeError(
      shared
        ? 'hakmem: shared: true needs a shared memory (new WebAssembly.Memory({ initial, maximum, shared: true })); this one is not shared'
        : 'hakmem: this memory is shared; pass shared: true to manage it',
    );
  const heapBase = options.heapBase ?? 0;
  checkBytes('heapBase', heapBase, MEMORY_LIMIT - 1, `${MEMORY_LIMIT - 1} (below the 4 GiB limit of a memory)`);
  const maxBytes = options.maxBytes ?? MEMORY_LIMIT - heapBase;
  checkBytes('maxBytes', maxBytes, Infinity, '');
  const initialBytes = options.initialBytes ?? Math.min(DEFAULT_INITIAL_BYTES, maxBytes);
  checkBytes('initialBytes', initialBytes, maxBytes, `maxBytes (${maxBytes})`);
  return { boxes: boxes as BoxImplementations, variants, memory, heapBase, initialBytes, maxBytes, shared };
}

/** Checks the options of `attachAllocator`; returns the variant it asks for, if any. */
export function resolveAttachOptions(options: AttachOptions | undefined): Variant | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError(`hakmem: attachAllocator takes an options object (or nothing) after the handle, got ${shown(options)}`);
  for (const key of Object.keys(options))
    if (!(ATTACH_OPTION_NAMES as readonly string[]).includes(key))
      throw new TypeError(`hakmem: unknown attachAllocator option '${key}'; it takes only variant (the heap's other settings come with the handle from share())`);
  checkVariant(options.variant, 'variant');
  return options.variant;
}
