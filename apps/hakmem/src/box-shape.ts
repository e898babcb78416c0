import type { BoxName } from '@hakmem/contracts';
import { TINY_CLASSES } from '@hakmem/contracts/layout';
import type {
  BigCacheBox,
  BoxImplementation,
  BoxImplementations,
  FrontGateBox,
  MidAceBox,
  SharedPoolBox,
  SuperslabBox,
  TlsCacheBox,
} from './box-contracts.js';

/**
 * Runtime shape checks for user-supplied box implementations, so that a
 * missing member is a TypeError naming the box and the member when the heap
 * is created, not a crash on some later slow path. The member tables are
 * typed against the contract interfaces: adding a member to a contract
 * without listing it here (or listing one the contract lacks) fails to
 * compile.
 */

type MemberKind = 'class' | 'function' | 'function?' | 'number?' | 'variant' | 'number' | 'number[]' | 'Int32Array' | 'Uint32Array' | 'Uint32Array?' | 'object?' | 'Float64Array';

interface BoxShape<I, B> {
  /** Members of the implementation object; exactly one is the 'class'. */
  module: { [K in keyof I]-?: MemberKind };
  /** Static functions the class must have. */
  statics: readonly string[];
  /** Members of an instance of the class. */
  instance: { [K in keyof B]-?: MemberKind };
  /** Counters the facade reads by name from `counters()`. */
  counters: readonly string[];
}

type Instance<K extends BoxName> = {
  tlsSll: TlsCacheBox;
  superslab: SuperslabBox;
  sharedPool: SharedPoolBox;
  bigcache: BigCacheBox;
  frontGate: FrontGateBox;
  midLargeAce: MidAceBox;
}[K];

const SHAPES: { [K in BoxName]: BoxShape<BoxImplementations[K], Instance<K>> } = {
  tlsSll: {
    module: { variant: 'variant', TlsCache: 'class', popBlock: 'function', pushBlock: 'function' },
    statics: [],
    instance: {
      slots: 'Uint32Array',
      count: 'Int32Array',
      capacity: 'Int32Array',
      ops: 'Float64Array',
      state: 'Uint32Array?',
      debugMemory: 'object?',
      pop: 'function',
      push: 'function',
      refillCount: 'function',
      splice: 'function',
      drain: 'function',
      drainAll: 'function',
      listCached: 'function',
      counters: 'function',
      validate: 'function',
      bindMemory: 'function?',
    },
    counters: ['pops', 'pushes', 'refills', 'drains'],
  },
  superslab: {
    module: {
      variant: 'variant',
      Superslab: 'class',
      markLive: 'function',
      clearLive: 'function',
      markLiveShared: 'function',
      clearLiveShared: 'function',
      ownerOf: 'function',
      BLOCK_GUARD: 'number?',
      slabOccupancy: 'function?',
    },
    statics: [],
    instance: {
      emptied: 'number[]',
      refill: 'function',
      adopt: 'function',
      returnBlocks: 'function',
      releaseCurrent: 'function',
      disown: 'function',
      isBlockStart: 'function',
      isLive: 'function',
      usableSize: 'function',
      freeProblem: 'function',
      walk: 'function',
      counters: 'function',
      freeRemote: 'function?',
      dropRaced: 'function?',
    },
    counters: ['reusedBlocks', 'carvedBlocks', 'refills'],
  },
  sharedPool: {
    module: { variant: 'variant', SharedPool: 'class' },
    statics: [],
    instance: { acquire: 'function', release: 'function', abandon: 'function', adoptAbandoned: 'function', reclaimWorker: 'function', counters: 'function', validate: 'function' },
    counters: ['stage1Hits', 'stage2Hits', 'stage3Hits'],
  },
  bigcache: {
    module: { variant: 'variant', BigCache: 'class', BLOCK_GUARD: 'number?' },
    statics: ['formatBudget'],
    instance: { alloc: 'function', free: 'function', usableSize: 'function', flush: 'function', resize: 'function?', walk: 'function', holdsRun: 'function?', reclaimWorker: 'function', counters: 'function', validate: 'function' },
    counters: ['hits', 'misses', 'puts'],
  },
  frontGate: {
    module: { variant: 'variant', FrontGate: 'class', pageWordOf: 'function', routeOfSize: 'function', routeOfWord: 'function', routeOfPageRun: 'function', largeRunPages: 'function' },
    statics: [],
    instance: { firstIndex: 'number', basePage: 'number', regionPages: 'number', pageWord: 'function', reject: 'function', counters: 'function' },
    counters: [],
  },
  midLargeAce: {
    module: { variant: 'variant', MidAce: 'class', BLOCK_GUARD: 'number?', spanOccupancy: 'function?' },
    statics: [],
    instance: {
      state: 'Uint32Array?',
      malloc: 'function',
      mallocPages: 'function',
      free: 'function',
      usableSize: 'function',
      flush: 'function',
      walk: 'function',
      holdsRun: 'function?',
      abandonAll: 'function',
      reclaimWorker: 'function',
      counters: 'function',
      validate: 'function',
    },
    counters: ['hits', 'misses', 'frees'],
  },
};

const TYPED_ARRAYS = { Int32Array, Uint32Array, Float64Array } as const;

function fits(value: unknown, kind: MemberKind): boolean {
  switch (kind) {
    case 'class':
    case 'function':
      return typeof value === 'function';
    case 'function?':
      return value === undefined || typeof value === 'function';
    case 'number?':
      return value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0);
    case 'variant':
      return value === undefined || value === 'release' || value === 'debug';
    case 'number':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number[]':
      return Array.isArray(value);
    case 'Uint32Array?':
      return value === undefined || value instanceof Uint32Array;
    case 'object?':
      return value === undefined || (typeof value === 'object' && value !== null);
    default:
      return value instanceof TYPED_ARRAYS[kind];
  }
}

function describe(kind: MemberKind): string {
  if (kind === 'class') return 'a class';
  if (kind === 'variant') return "'release', 'debug' or absent";
  if (kind === 'function?') return 'a function or absent';
  if (kind === 'number?') return 'a non-negative integer or absent';
  if (kind === 'number') return 'an integer';
  if (kind === 'number[]') return 'an array';
  if (kind === 'Uint32Array?') return 'a Uint32Array or absent';
  if (kind === 'object?') return 'an object or absent';
  return kind === 'function' ? 'a function' : `an ${kind}`;
}

function fail(box: BoxName, member: string, kind: string, value: unknown): never {
  const got = value === undefined ? 'it is missing' : `got ${value === null ? 'null' : typeof value}`;
  throw new TypeError(`hakmem: boxes.${box}: the implementation's ${member} must be ${kind} (${got})`);
}

/** The name of the class member of `box`'s implementation (e.g. 'BigCache'). */
export function classMemberOf(box: BoxName): string {
  const module = SHAPES[box].module as Record<string, MemberKind>;
  return Object.keys(module).find((m) => module[m] === 'class')!;
}

/** Checks a user implementation of `box` before the heap is made: every module member and static. */
export function checkImplementation(box: BoxName, impl: unknown): asserts impl is BoxImplementation {
  if ((typeof impl !== 'object' && typeof impl !== 'function') || impl === null)
    throw new TypeError(`hakmem: boxes.${box} must be 'release', 'debug' or an implementation object, got ${impl === null ? 'null' : typeof impl}`);
  const shape = SHAPES[box];
  const obj = impl as Record<string, unknown>;
  for (const [member, kind] of Object.entries(shape.module) as [string, MemberKind][]) if (!fits(obj[member], kind)) fail(box, member, describe(kind), obj[member]);
  const cls = obj[classMemberOf(box)] as unknown as Record<string, unknown>;
  for (const s of shape.statics) if (typeof cls[s] !== 'function') fail(box, `${classMemberOf(box)}.${s}`, 'a function', cls[s]);
}

/** Checks an instance a user implementation's class made: every member, the counters the facade reads, the cache layout. */
export function checkInstance(box: BoxName, instance: unknown): void {
  const where = `new ${classMemberOf(box)}()`;
  if (typeof instance !== 'object' || instance === null) fail(box, where, 'an object', instance);
  const shape = SHAPES[box];
  const obj = instance as Record<string, unknown>;
  for (const [member, kind] of Object.entries(shape.instance) as [string, MemberKind][])
    if (!fits(obj[member], kind)) fail(box, `${where}.${member}`, describe(kind), obj[member]);
  const counters = (obj.counters as () => unknown).call(obj) as Record<string, unknown> | null;
  if (typeof counters !== 'object' || counters === null) fail(box, `${where}.counters()`, 'an object', counters);
  for (const c of shape.counters) if (typeof counters[c] !== 'number') fail(box, `${where}.counters().${c}`, 'a number', counters[c]);
  if (box === 'tlsSll') checkCacheLayout(obj as unknown as TlsCacheBox);
}

/** The facade passes a TLS cache's per-class arrays to the build's hot functions, so their lengths are part of the contract. */
function checkCacheLayout(tls: TlsCacheBox): void {
  const need: [string, { length: number }, number][] = [
    ['count', tls.count, TINY_CLASSES],
    ['capacity', tls.capacity, TINY_CLASSES],
    ['ops', tls.ops, 2],
  ];
  for (const [name, arr, length] of need)
    if (arr.length < length) throw new TypeError(`hakmem: boxes.tlsSll: the implementation's new TlsCache().${name} must hold at least ${length} elements (it holds ${arr.length})`);
  for (let c = 0; c < TINY_CLASSES; c++)
    if (!(tls.capacity[c] >= 1)) throw new TypeError(`hakmem: boxes.tlsSll: the implementation's capacity of class ${c} is ${tls.capacity[c]}; a class must be able to cache at least one block`);
}
