// Case 3 of issue 10: attachAllocator with a malformed handle is a TypeError and
// writes nothing (every memory involved is compared byte for byte), and the
// real handle still attaches afterwards.
import { attachAllocator, createAllocator } from '../../dist/index.js';
import { BUILDS, MiB, eq, expectBlock, expectNoThrow, fill, snapshot, snapshotDiff, thrown, fail } from './lib.mjs';

const other = { release: 'debug', debug: 'release' };

function without(obj, key) {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

/** Each entry builds one malformed handle from heap A's and heap B's real handles (and a non-shared heap C). */
export const MALFORMED = {
  'handle null': () => null,
  'handle undefined': () => undefined,
  'handle a number': () => 42,
  'handle a string': () => 'handle',
  'base NaN': ({ a }) => ({ ...a, base: NaN }),
  'base Infinity': ({ a }) => ({ ...a, base: Infinity }),
  'base -Infinity': ({ a }) => ({ ...a, base: -Infinity }),
  'base -1': ({ a }) => ({ ...a, base: -1 }),
  'base 1.5': ({ a }) => ({ ...a, base: a.base + 1.5 }),
  'base 8 past the header': ({ a }) => ({ ...a, base: a.base + 8 }),
  'base a page past the header': ({ a }) => ({ ...a, base: a.base + 65536 }),
  'base 2 MiB into the heap': ({ a }) => ({ ...a, base: a.base + 2 * MiB }),
  'base at the memory end': ({ a }) => ({ ...a, base: a.memory.buffer.byteLength }),
  'base past the memory': ({ a }) => ({ ...a, base: a.memory.buffer.byteLength + 65536 }),
  'base 2^32': ({ a }) => ({ ...a, base: 2 ** 32 }),
  'base 2^53': ({ a }) => ({ ...a, base: 2 ** 53 }),
  'base as a string': ({ a }) => ({ ...a, base: String(a.base) }),
  'base null': ({ a }) => ({ ...a, base: null }),
  'base missing': ({ a }) => without(a, 'base'),
  'base an object': ({ a }) => ({ ...a, base: { valueOf: () => a.base } }),
  'memory missing': ({ a }) => without(a, 'memory'),
  'memory null': ({ a }) => ({ ...a, memory: null }),
  'memory a plain object': ({ a }) => ({ ...a, memory: { buffer: a.memory.buffer, grow: () => 0 } }),
  'memory its SharedArrayBuffer': ({ a }) => ({ ...a, memory: a.memory.buffer }),
  'memory a fresh non-shared WebAssembly.Memory': ({ a }) => ({ ...a, memory: new WebAssembly.Memory({ initial: 64, maximum: 128 }) }),
  'memory a fresh shared WebAssembly.Memory with no heap': ({ a }) => ({ ...a, memory: new WebAssembly.Memory({ initial: 64, maximum: 128, shared: true }) }),
  "memory of a non-shared heap, that heap's base": ({ a, c }) => ({ ...a, memory: c.memory, base: c.base }),
  "memory of another heap, this heap's base": ({ a, b }) => ({ ...a, memory: b.memory }),
  "this heap's memory, another heap's base and variants": ({ a, b }) => ({ ...b, memory: a.memory }),
  "another heap's memory and base, this heap's variants": ({ a, b }) => ({ ...b, variants: a.variants }),
  "this heap's memory and base, another heap's variants": ({ a, b }) => ({ ...a, variants: b.variants }),
  'variants missing': ({ a }) => without(a, 'variants'),
  'variants null': ({ a }) => ({ ...a, variants: null }),
  'variants a string': ({ a }) => ({ ...a, variants: 'release' }),
  'variants an array': ({ a }) => ({ ...a, variants: [] }),
  'variants empty': ({ a }) => ({ ...a, variants: {} }),
  'variants without superslab': ({ a }) => ({ ...a, variants: without(a.variants, 'superslab') }),
  "variants with tlsSll 'bogus'": ({ a }) => ({ ...a, variants: { ...a.variants, tlsSll: 'bogus' } }),
  "variants with bigcache 'custom'": ({ a }) => ({ ...a, variants: { ...a.variants, bigcache: 'custom' } }),
  'variants with midLargeAce flipped': ({ a }) => ({ ...a, variants: { ...a.variants, midLargeAce: other[a.variants.midLargeAce] } }),
  'variants all flipped': ({ a }) => ({ ...a, variants: Object.fromEntries(Object.entries(a.variants).map(([k, v]) => [k, other[v]])) }),
};

export function malformedHandle({ build, what }) {
  // A: the heap under test. B: another shared heap of the other build, its header at 1 MiB.
  // C: a non-shared heap. All three memories must be left exactly as they were.
  const A = createAllocator({ ...BUILDS[build], shared: true, maxBytes: 64 * MiB });
  const B = createAllocator({ ...BUILDS[other[build]], shared: true, heapBase: 1 * MiB, maxBytes: 64 * MiB });
  const C = createAllocator({ ...BUILDS[build], maxBytes: 64 * MiB });
  // Some live blocks, so the header is not the only thing a stray write could hit.
  const held = [16, 2000, 200000, 3 * MiB].map((s, i) => {
    const p = A.malloc(s);
    fill(A, p, s, 0x20 + i);
    return p;
  });
  const a = A.share();
  const b = B.share();
  const c = { memory: C.memory, base: 0 };
  const bad = MALFORMED[what]({ a, b, c });
  const before = [A, B, C].map((h) => snapshot(h.memory));
  const t = thrown(() => attachAllocator(bad));
  const after = [A, B, C].map((h) => snapshot(h.memory));
  const writes = ['A', 'B', 'C']
    .map((n, i) => [n, snapshotDiff(before[i], after[i])])
    .filter(([, d]) => d !== null)
    .map(([n, d]) => `heap ${n}'s memory: ${d}`)
    .join('; ');
  if (!t.threw) fail(`attachAllocator(${what}): want TypeError, got an attachment (workerId ${t.value?.workerId})${writes ? `, and it wrote into ${writes}` : ''}`);
  if (!(t.error instanceof TypeError)) fail(`attachAllocator(${what}): want TypeError, got ${t.text}${writes ? `, and it wrote into ${writes}` : ''}`);
  if (writes) fail(`attachAllocator(${what}) threw ${t.text} but wrote into ${writes}`);
  // The real handle still attaches and the heap is sound.
  const w = expectNoThrow(() => attachAllocator(a), `attachAllocator(real handle) after refusing ${what}`);
  for (const s of [16, 2000, 200000, 3 * MiB]) {
    const p = expectNoThrow(() => w.malloc(s), `malloc(${s}) through the real attachment`);
    expectBlock(w, p, s, `malloc(${s}) through the real attachment`);
    w.free(p);
  }
  expectNoThrow(() => w.check(), 'check() through the real attachment');
  w.detach();
  for (const p of held) A.free(p);
  expectNoThrow(() => A.check(), "check() on the creator");
  expectNoThrow(() => B.check(), "check() on the other heap");
  eq(A.stats().liveBlocks, 0, 'live blocks left in A');
}
