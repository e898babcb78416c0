// Case 1 of issue 10: the user (or a wasm module) grows the memory from outside;
// every API call must go on working, in every build, shared or not.
import { createAllocator } from '../../dist/index.js';
import { BUILDS, MiB, eq, expectBlock, expectFilled, expectNoThrow, fill, ok } from './lib.mjs';

/** One block of each route, as the user would hold them across a grow. */
const ROUTE_SIZES = [16, 1024, 2000, 61440, 65536, 200000, 1 << 20, (1 << 20) + 1, 3 * MiB];

function heapFor({ build, shared }) {
  return createAllocator({ ...BUILDS[build], shared, maxBytes: 64 * MiB });
}

function alloc(h, size, byte, what) {
  const p = expectNoThrow(() => h.malloc(size), what);
  expectBlock(h, p, size, what);
  fill(h, p, size, byte);
  return p;
}

function mallocOp(size) {
  return (h) => {
    const p = alloc(h, size, 0x5a, `malloc(${size}) after grow`);
    expectFilled(h, p, size, 0x5a, `malloc(${size}) block after writing`);
    h.free(p);
  };
}

function callocOp(count, size) {
  return (h) => {
    const n = count * size;
    const p = expectNoThrow(() => h.calloc(count, size), `calloc(${count}, ${size}) after grow`);
    expectBlock(h, p, n, `calloc(${count}, ${size})`);
    expectFilled(h, p, n, 0, `calloc(${count}, ${size}) after grow`);
    h.free(p);
  };
}

/** The source block is the user's from before the grow; realloc after it must keep its bytes. */
function reallocOp(from, to) {
  return {
    before: (h) => alloc(h, from, 0x3c, `malloc(${from}) before grow`),
    op: (h, src) => {
      const q = expectNoThrow(() => h.realloc(src, to), `realloc(${from} B block, ${to}) after grow`);
      expectBlock(h, q, to, `realloc(${from} -> ${to})`);
      expectFilled(h, q, Math.min(from, to), 0x3c, `realloc(${from} -> ${to}) kept prefix`);
      h.free(q);
    },
  };
}

function alignedOp(a, size) {
  return (h) => {
    const p = expectNoThrow(() => h.alignedAlloc(a, size), `alignedAlloc(${a}, ${size}) after grow`);
    expectBlock(h, p, size, `alignedAlloc(${a}, ${size})`, a);
    fill(h, p, size, 0x77);
    expectFilled(h, p, size, 0x77, `alignedAlloc(${a}, ${size}) block after writing`);
    h.free(p);
  };
}

export const OPS = {
  ...Object.fromEntries(ROUTE_SIZES.map((s) => [`malloc(${s})`, mallocOp(s)])),
  'calloc(1, 16)': callocOp(1, 16),
  'calloc(10, 200)': callocOp(10, 200),
  'calloc(1, 200000)': callocOp(1, 200000),
  'calloc(1, 3 MiB)': callocOp(1, 3 * MiB),
  'realloc(100 -> 3 MiB)': reallocOp(100, 3 * MiB),
  'realloc(100 -> 200000)': reallocOp(100, 200000),
  'realloc(16 -> 2000)': reallocOp(16, 2000),
  'realloc(3 MiB -> 100)': reallocOp(3 * MiB, 100),
  'alignedAlloc(64, 100)': alignedOp(64, 100),
  'alignedAlloc(4096, 5000)': alignedOp(4096, 5000),
  'alignedAlloc(65536, 3 MiB)': alignedOp(65536, 3 * MiB),
  'free (every route)': {
    before: (h) => ROUTE_SIZES.map((s, i) => alloc(h, s, 0x10 + i, `malloc(${s}) before grow`)),
    op: (h, ptrs) => ptrs.forEach((p, i) => expectNoThrow(() => h.free(p), `free(${ROUTE_SIZES[i]} B block) after grow`)),
  },
  'usableSize (every route)': {
    before: (h) => ROUTE_SIZES.map((s, i) => alloc(h, s, 0x10 + i, `malloc(${s}) before grow`)),
    op: (h, ptrs) =>
      ptrs.forEach((p, i) => {
        const n = expectNoThrow(() => h.usableSize(p), `usableSize(${ROUTE_SIZES[i]} B block) after grow`);
        ok(n >= ROUTE_SIZES[i], `usableSize of a ${ROUTE_SIZES[i]} B block is ${n}`);
        h.free(p);
      }),
  },
  stats: (h) => {
    const s = expectNoThrow(() => h.stats(), 'stats() after grow');
    eq(s.memoryBytes, h.memory.buffer.byteLength, 'stats().memoryBytes after grow');
  },
  check: (h) => expectNoThrow(() => h.check(), 'check() after grow'),
  trim: (h) => expectNoThrow(() => h.trim(), 'trim() after grow'),
};

/**
 * `fresh`: the memory is grown on a heap that served nothing yet (the issue's
 * reproduction). `used`: blocks of every route are live across the grow and
 * must keep their contents. After the operation every route must still work
 * and check() must pass.
 */
export function growThenOp({ build, shared, op, flavour }) {
  const h = heapFor({ build, shared });
  const held = [];
  if (flavour === 'used') ROUTE_SIZES.forEach((s, i) => held.push({ p: alloc(h, s, 0xa0 + i, `malloc(${s}) before grow`), s, b: 0xa0 + i }));
  const spec = OPS[op];
  const before = typeof spec === 'function' ? undefined : spec.before(h);
  const pages = flavour === 'used' ? 3 : 1;
  h.memory.grow(pages);
  (typeof spec === 'function' ? spec : spec.op)(h, before);
  // Every route still works after the operation, and nothing was damaged.
  for (const s of [16, 2000, 200000, 3 * MiB]) {
    const p = alloc(h, s, 0x61, `malloc(${s}) after grow and ${op}`);
    expectFilled(h, p, s, 0x61, `malloc(${s}) after ${op}`);
    h.free(p);
  }
  for (const { p, s, b } of held) {
    expectFilled(h, p, s, b, `${s} B block live across the grow`);
    h.free(p);
  }
  expectNoThrow(() => h.check(), `check() at the end`);
  eq(h.stats().liveBlocks, 0, 'live blocks at the end');
}
