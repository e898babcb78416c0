// Case 4 of issue 10: limits say what they mean. stats().maxBytes is what the
// user gave; every size up to it gives a pointer or 0 (never a throw); only a
// size above it is a RangeError. A default heap's maxBytes is what the memory
// can ever hold: 4 GiB minus heapBase.
import { createAllocator } from '../../dist/index.js';
import { BUILDS, eq, expectBlock, expectFilled, expectThrows, fill, ok, thrown } from './lib.mjs';

export function statsMaxBytes({ build, maxBytes, heapBase }) {
  const h = createAllocator({ ...BUILDS[build], maxBytes, heapBase });
  eq(h.stats().maxBytes, maxBytes ?? 2 ** 32 - (heapBase ?? 0), `stats().maxBytes of createAllocator({ maxBytes: ${maxBytes}, heapBase: ${heapBase} })`);
}

/** One call that must give a pointer or 0 and never throw; a pointer is checked and freed. */
function pointerOrZero(h, what, call, size, alignment = 8) {
  const t = thrown(call);
  if (t.threw) throw new Error(`${what} with maxBytes ${h.stats().maxBytes}: want a pointer or 0, got ${t.text}`);
  ok(typeof t.value === 'number' && t.value >= 0, `${what}: returned ${t.value}`);
  if (t.value !== 0) {
    expectBlock(h, t.value, size, what, alignment);
    h.free(t.value);
  }
  return t.value;
}

export const OPS = {
  malloc: (h, n) => pointerOrZero(h, `malloc(${n})`, () => h.malloc(n), n),
  'calloc(1, n)': (h, n) => pointerOrZero(h, `calloc(1, ${n})`, () => h.calloc(1, n), n),
  'calloc(n, 1)': (h, n) => pointerOrZero(h, `calloc(${n}, 1)`, () => h.calloc(n, 1), n),
  // The source is a mid block: a heap this small may not serve tiny sizes at all (that is case 6, tested apart).
  realloc: (h, n) => {
    const p = h.malloc(2000);
    expectBlock(h, p, 2000, 'malloc(2000), the block to realloc');
    fill(h, p, 100, 0x42);
    const t = thrown(() => h.realloc(p, n));
    if (t.threw) throw new Error(`realloc(2000 B block, ${n}) with maxBytes ${h.stats().maxBytes}: want a pointer or 0, got ${t.text}`);
    const q = t.value === 0 ? p : t.value; // on failure p stays valid and unchanged
    if (t.value !== 0) expectBlock(h, q, n, `realloc(2000 B block, ${n})`);
    expectFilled(h, q, 100, 0x42, `realloc(2000 B block, ${n}) ${t.value === 0 ? 'failed; the old block' : 'result'}`);
    h.free(q);
    return t.value;
  },
  ...Object.fromEntries([8, 64, 4096, 65536].map((a) => [`alignedAlloc(${a}, n)`, (h, n) => pointerOrZero(h, `alignedAlloc(${a}, ${n})`, () => h.alignedAlloc(a, n), n, a)])),
};

const ABOVE = {
  malloc: (h, n) => h.malloc(n),
  'calloc(1, n)': (h, n) => h.calloc(1, n),
  'calloc(n, 1)': (h, n) => h.calloc(n, 1),
  // A throwing realloc changes nothing: the block stays the caller's to free.
  realloc: (h, n) => {
    const p = h.malloc(2000);
    try {
      return h.realloc(p, n);
    } finally {
      h.free(p);
    }
  },
  ...Object.fromEntries([8, 64, 4096, 65536].map((a) => [`alignedAlloc(${a}, n)`, (h, n) => h.alignedAlloc(a, n)])),
};

/** Every size in `sizes` (all ≤ maxBytes) gives a pointer or 0; maxBytes + 1 is a RangeError; the heap is sound after. */
export function upToMaxBytes({ build, maxBytes, op, sizes }) {
  const h = createAllocator({ ...BUILDS[build], maxBytes });
  const got = [];
  for (const n of sizes) got.push(`${n}: ${OPS[op](h, n) === 0 ? '0' : 'ptr'}`);
  expectThrows(() => ABOVE[op](h, maxBytes + 1), RangeError, `${op} of maxBytes + 1 = ${maxBytes + 1}`);
  h.check();
  const p = h.malloc(2000);
  ok(p !== 0, 'malloc(2000) after the large requests');
  h.free(p);
  eq(h.stats().liveBlocks, 0, 'live blocks at the end');
  return got.join(', ');
}

/** A default heap (no maxBytes): 4 GiB − heapBase is a valid size that gives 0; one byte more is a RangeError. */
export function defaultHeapLimit({ build, heapBase, op }) {
  const h = createAllocator({ ...BUILDS[build], heapBase });
  const limit = 2 ** 32 - heapBase;
  eq(h.stats().maxBytes, limit, 'stats().maxBytes of a default heap');
  if (op === 'calloc(65536, 65536)') {
    if (heapBase !== 0) return;
    eq(pointerOrZero(h, 'calloc(65536, 65536)', () => h.calloc(65536, 65536), limit), 0, 'calloc(65536, 65536) on a default heap');
    expectThrows(() => h.calloc(65536, 65537), RangeError, 'calloc(65536, 65537) on a default heap');
  } else {
    eq(OPS[op](h, limit), 0, `${op} of ${limit} on a default heap (it cannot hold that much besides its metadata)`);
    expectThrows(() => ABOVE[op](h, limit + 1), RangeError, `${op} of ${limit + 1} on a default heap`);
  }
  h.check();
}
