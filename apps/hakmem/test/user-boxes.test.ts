import { fixedTlsSll, uncachedBigCache } from '@hakmem/alt-boxes';
import * as bigRelease from '@hakmem/bigcache';
import * as gateRelease from '@hakmem/front-gate';
import * as midRelease from '@hakmem/mid-large-ace';
import * as poolRelease from '@hakmem/shared-pool';
import * as ssRelease from '@hakmem/superslab';
import * as tlsRelease from '@hakmem/tls-sll-box';
import { TINY_CLASSES } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import {
  createAllocator,
  HeapError,
  type AllocatorOptions,
  type BigCacheImplementation,
  type BoxImplementations,
  type BoxName,
  type TlsCacheImplementation,
} from '../src/index.js';
import { heapOf, Shadow, VARIANTS, rng } from './helpers.js';

// Compile-time proof (tsc checks this file) that the alternatives satisfy
// the contracts they are written against.
const fixedTls4: TlsCacheImplementation = fixedTlsSll(4);
const uncached: BigCacheImplementation = uncachedBigCache;

const MIB = 1 << 20;

/**
 * A seeded mix of mallocs, callocs, reallocs and frees over every route
 * (tiny, mid, large), every block checked by the shadow model (bounds,
 * alignment, no overlap, contents intact), with check() along the way.
 */
function churn(shadow: Shadow, seed: number, ops: number): { largeMallocs: number; largeFrees: number } {
  const heap = shadow.heap;
  const next = rng(seed);
  const live: number[] = [];
  let largeMallocs = 0;
  let largeFrees = 0;
  const isLarge = (ptr: number) => shadow.blocks.get(ptr)!.usable > MIB;
  for (let i = 0; i < ops; i++) {
    const r = next() % 1000;
    if (live.length > 0 && (r < 420 || live.length > 300)) {
      const at = next() % live.length;
      const ptr = live[at];
      live[at] = live[live.length - 1];
      live.pop();
      if (isLarge(ptr)) largeFrees++;
      shadow.free(ptr);
      continue;
    }
    // 85% tiny, 14% mid, 1% large (1..3 MiB).
    const k = next() % 1000;
    const size = k < 850 ? next() % 1025 : k < 990 ? 1025 + (next() % MIB) : MIB + 1 + (next() % (2 * MIB));
    if (r % 10 === 0 && live.length > 0 && size <= MIB) {
      // realloc (of tiny and mid blocks only, so large frees stay countable): the old contents survive up to the smaller size.
      const at = next() % live.length;
      if (!isLarge(live[at])) {
        const old = shadow.remove(live[at]);
        const q = heap.realloc(old.ptr, size);
        const u8 = new Uint8Array(heap.memory.buffer);
        for (let j = 0; j < Math.min(old.size, size); j++) if (u8[q + j] !== ((old.seed * 31 + j) & 0xff)) throw new Error(`realloc lost byte ${j}`);
        shadow.add(q, size);
        live[at] = q;
        continue;
      }
    }
    const p = r % 7 === 0 ? heap.calloc(1, size) : heap.malloc(size);
    if (size > MIB) largeMallocs++;
    shadow.add(p, size);
    live.push(p);
    if (i % 2000 === 0) heap.check();
  }
  return { largeMallocs, largeFrees };
}

const CONFIGS: [string, AllocatorOptions['boxes']][] = [
  ['fixed-capacity TLS cache', { tlsSll: fixedTlsSll(4) }],
  ['uncached BigCache', { bigcache: uncachedBigCache }],
  ['both alternatives', { tlsSll: fixedTlsSll(2), bigcache: uncachedBigCache }],
];

describe.each(VARIANTS)('user box implementations (other boxes %s)', (variant) => {
  it.each(CONFIGS)('the heap works with the %s', (_name, boxes) => {
    const heap = heapOf(variant, { boxes });
    const start = heap.stats();
    const shadow = new Shadow(heap);
    const { largeMallocs, largeFrees } = churn(shadow, 7, 12_000);
    heap.check();
    const mid = heap.stats();
    expect(mid.liveBlocks).toBe(shadow.blocks.size);
    expect(mid.bytesInUse).toBe(shadow.liveBytes());
    expect(mid.variant).toBe(variant);
    for (const b of Object.keys(mid.boxVariants) as BoxName[]) expect(mid.boxVariants[b]).toBe(boxes![b] === undefined ? variant : 'custom');

    const tls = mid.boxes.tlsSll;
    if (boxes!.tlsSll !== undefined) {
      // No adaptation: every class keeps the capacity it was made with, and the small cache went to its slabs often.
      const cap = new (boxes!.tlsSll as TlsCacheImplementation).TlsCache().capacity[0];
      expect(tls.capacities).toEqual(new Array(TINY_CLASSES).fill(cap));
      expect(tls.refills as number).toBeGreaterThan(100);
      expect(tls.drains as number).toBeGreaterThan(100);
      expect(tls.cachedBlocks as number).toBeLessThanOrEqual(cap * TINY_CLASSES);
    } else {
      // The built-in cache adapts: classes that ran dry grew (and none outgrew its bound).
      expect(tls.capacityGrows as number).toBeGreaterThan(0);
      expect(Math.max(...(tls.capacities as number[]))).toBeGreaterThan(Math.max(...new tlsRelease.TlsCache().capacity));
    }

    const big = mid.boxes.bigcache;
    expect(largeMallocs).toBeGreaterThan(10);
    if (boxes!.bigcache !== undefined) {
      // Nothing is ever kept: every large malloc took fresh pages, every free gave them back.
      expect(big).toMatchObject({ hits: 0, cachedBytes: 0, misses: largeMallocs, puts: largeFrees });
    } else expect(big.hits as number).toBeGreaterThan(0);

    shadow.freeAll();
    heap.trim();
    heap.check();
    const end = heap.stats();
    expect(end.liveBlocks).toBe(0);
    expect(end.bytesInUse).toBe(0);
    expect(end.boxes.tlsSll.cachedBlocks).toBe(0);
    expect(end.pages.pagesInUse).toBe(0);
    expect(end.bytesReserved).toBe(start.bytesReserved);
  });

  it('the uncached BigCache gives a large block\'s pages back as soon as it is freed', () => {
    const heap = heapOf(variant, { boxes: { bigcache: uncachedBigCache } });
    const before = heap.stats().pages.pagesInUse!;
    const p = heap.malloc(3 * MIB);
    expect(heap.stats().pages.pagesInUse).toBe(before + 48);
    heap.free(p);
    expect(heap.stats().pages.pagesInUse).toBe(before);
    expect(heap.stats().boxes.bigcache.cachedBytes).toBe(0);
    // The built-in cache keeps the same run for reuse.
    const builtIn = heapOf(variant);
    builtIn.free(builtIn.malloc(3 * MIB));
    // (The debug BigCache's 16-byte guard takes a page more; the uncached one, a release build, keeps none.)
    expect(builtIn.stats().boxes.bigcache.cachedBytes).toBe((variant === 'debug' ? 49 : 48) * 65536);
  });

  it('bad frees are still caught, and change nothing', () => {
    const heap = heapOf(variant, { boxes: { tlsSll: fixedTlsSll(2), bigcache: uncachedBigCache } });
    const tiny = heap.malloc(40);
    const large = heap.malloc(2 * MIB);
    const keep = heap.malloc(2 * MIB);
    heap.free(tiny);
    expect(() => heap.free(tiny)).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE' }));
    expect(() => heap.free(keep + 16)).toThrow(expect.objectContaining({ code: 'INVALID_POINTER' }));
    heap.free(large);
    const before = heap.stats();
    // The run went back to the page layer at once, and its free page word remembers it held a block there.
    expect(() => heap.free(large)).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE' }));
    const after = heap.stats();
    for (const k of ['liveBlocks', 'bytesInUse', 'bytesReserved'] as const) expect(after[k]).toBe(before[k]);
    expect(after.pages).toEqual(before.pages);
    expect(after.boxes.bigcache).toEqual(before.boxes.bigcache);
    expect(after.boxes.tlsSll).toEqual(before.boxes.tlsSll);
    heap.check();
    expect(heap.usableSize(keep)).toBe(2 * MIB);
  });
});

describe('user box implementations: the contract', () => {
  const releaseBuilds: BoxImplementations = {
    tlsSll: tlsRelease,
    superslab: ssRelease,
    sharedPool: poolRelease,
    bigcache: bigRelease,
    frontGate: gateRelease,
    midLargeAce: midRelease,
  };

  it.each(Object.keys(releaseBuilds) as BoxName[])('a built-in build passed as a user implementation of %s satisfies it', (box) => {
    const heap = createAllocator({ maxBytes: 64 << 20, boxes: { [box]: releaseBuilds[box] } });
    expect(heap.stats().boxVariants[box]).toBe('custom');
    expect(heap.variant).toBe('release');
    const shadow = new Shadow(heap);
    for (const size of [0, 16, 500, 1024, 5000, 70_000, 2 * MIB]) shadow.add(heap.malloc(size), size);
    heap.check();
    shadow.freeAll();
    heap.trim();
    heap.check();
    expect(heap.stats().pages.pagesInUse).toBe(0);
  });

  it("a user implementation that says variant: 'debug' makes the heap report debug", () => {
    expect(createAllocator({ boxes: { bigcache: { ...uncached, variant: 'debug' } } }).variant).toBe('debug');
    expect(createAllocator({ boxes: { bigcache: uncached } }).variant).toBe('release');
  });

  it('records what each box runs in the heap header (0 release, 1 debug, 2 user implementation)', () => {
    const heap = createAllocator({ boxes: { tlsSll: fixedTls4, superslab: 'debug' } });
    const u8 = new Uint8Array(heap.memory.buffer);
    // The header sits at the first page-aligned byte at or above heapBase (0 here); H_VARIANTS = 80.
    expect(Array.from(u8.subarray(80, 86))).toEqual([2, 1, 0, 0, 0, 0]);
  });

  it('share() refuses a heap with a user implementation, naming the box; the heap itself works', () => {
    const heap = createAllocator({ shared: true, boxes: { bigcache: uncached } });
    let err: unknown;
    try {
      heap.share();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HeapError);
    expect(err).toMatchObject({ code: 'INVALID_STATE', box: 'bigcache' });
    expect((err as Error).message).toMatch(/another worker/);
    heap.free(heap.malloc(2 * MIB));
    heap.check();
    expect(createAllocator({ shared: true }).share().variants.bigcache).toBe('release');
  });

  /** Every member the facade needs of each box's implementation object. */
  const MODULE_MEMBERS: Record<BoxName, string[]> = {
    tlsSll: ['TlsCache', 'popBlock', 'pushBlock'],
    superslab: ['Superslab', 'markLive', 'clearLive', 'markLiveShared', 'clearLiveShared', 'ownerOf'],
    sharedPool: ['SharedPool'],
    bigcache: ['BigCache'],
    frontGate: ['FrontGate', 'pageWordOf', 'routeOfSize', 'routeOfWord'],
    midLargeAce: ['MidAce'],
  };
  const missing = (Object.keys(MODULE_MEMBERS) as BoxName[]).flatMap((box) => MODULE_MEMBERS[box].map((m) => [box, m] as const));

  it.each(missing)('an implementation of %s without %s is a TypeError naming both', (box, member) => {
    const impl = { ...releaseBuilds[box], [member]: undefined };
    expect(() => createAllocator({ boxes: { [box]: impl } })).toThrow(TypeError);
    expect(() => createAllocator({ boxes: { [box]: impl } })).toThrow(new RegExp(`boxes\\.${box}: .*\\b${member} must be`));
  });

  it('rejects bad statics, instances, counters and cache layouts, naming the member', () => {
    const cases: [AllocatorOptions['boxes'], RegExp][] = [
      [{ bigcache: { BigCache: class {} } as never }, /boxes\.bigcache: .*BigCache\.formatBudget must be a function \(it is missing\)/],
      [{ bigcache: 42 as never }, /boxes\.bigcache must be 'release', 'debug' or an implementation object, got number/],
      [{ bigcache: null as never }, /boxes\.bigcache must be .* got null/],
      [{ bigcache: { ...uncached, variant: 'fast' } as never }, /boxes\.bigcache: .*variant must be 'release', 'debug' or absent/],
      [{ tlsSll: { ...fixedTls4, popBlock: 'pop' } as never }, /boxes\.tlsSll: .*popBlock must be a function \(got string\)/],
      [
        {
          tlsSll: {
            ...fixedTls4,
            TlsCache: class extends fixedTls4.TlsCache {
              constructor() {
                super();
                (this as { drainAll?: unknown }).drainAll = undefined;
              }
            },
          },
        },
        /boxes\.tlsSll: .*new TlsCache\(\)\.drainAll must be a function \(it is missing\)/,
      ],
      [
        {
          tlsSll: {
            ...fixedTls4,
            TlsCache: class extends fixedTls4.TlsCache {
              override counters() {
                return { ...super.counters(), drains: undefined as unknown as number };
              }
            },
          },
        },
        /boxes\.tlsSll: .*new TlsCache\(\)\.counters\(\)\.drains must be a number/,
      ],
      [
        {
          tlsSll: {
            ...fixedTls4,
            TlsCache: class {
              slots = new Uint32Array(16);
              count = new Int32Array(4);
              capacity = new Int32Array(TINY_CLASSES).fill(1);
              ops = new Float64Array(2);
              pop = () => 0;
              push = () => false;
              refillCount = () => 1;
              splice = () => {};
              drain = () => 0;
              drainAll = () => 0;
              listCached = () => new Uint32Array(0);
              counters = () => ({ pops: 0, pushes: 0, refills: 0, drains: 0 });
              validate = () => null;
            },
          },
        },
        new RegExp(`boxes\\.tlsSll: the implementation.s new TlsCache\\(\\)\\.count must hold at least ${TINY_CLASSES} elements \\(it holds 4\\)`),
      ],
      [
        {
          superslab: {
            ...ssRelease,
            Superslab: class extends ssRelease.Superslab {
              constructor(...a: ConstructorParameters<typeof ssRelease.Superslab>) {
                super(...a);
                (this as { emptied: unknown }).emptied = new Set();
              }
            },
          },
        },
        /boxes\.superslab: .*new Superslab\(\)\.emptied must be an array \(got object\)/,
      ],
    ];
    for (const [boxes, message] of cases) expect(() => createAllocator({ boxes }), String(message)).toThrow(message);
  });
});
