// Case 5 of issue 10: a double free is DOUBLE_FREE in both builds when nothing
// was allocated in between, on every route, including blocks whose memory has
// gone back to the page layer (a slab, span or run released, a large run too
// big for the BigCache or pushed out of it). A throwing free changes nothing.
import { HeapError, createAllocator } from '../../dist/index.js';
import { BUILDS, MiB, eq, expectBlock, expectHeapError, figures, fill, ok, thrown } from './lib.mjs';

function heapFor(build) {
  // Room for a 200 MiB run; the memory's maximum follows maxBytes.
  return createAllocator({ ...BUILDS[build], maxBytes: 512 * MiB });
}

/** Frees each pointer again; every one must be DOUBLE_FREE and change nothing. Returns a one-line tally. */
function freeAgain(h, ptrs, what) {
  const before = figures(h);
  const codes = new Map();
  let firstBad = null;
  for (const p of ptrs) {
    const t = thrown(() => h.free(p));
    const key = t.threw ? (t.error instanceof HeapError ? t.code : t.name) : 'no throw';
    codes.set(key, (codes.get(key) ?? 0) + 1);
    if (key !== 'DOUBLE_FREE' && firstBad === null) firstBad = `${p}: ${t.text}`;
  }
  const tally = [...codes].map(([k, n]) => `${n} ${k}`).join(', ');
  if (firstBad !== null) throw new Error(`${what}: freed again, want ${ptrs.length} DOUBLE_FREE, got ${tally} (first: ${firstBad})`);
  eq(figures(h), before, `${what}: heap figures after the refused double frees`);
  h.check();
  return tally;
}

function allocMany(h, size, count) {
  const ptrs = [];
  for (let i = 0; i < count; i++) {
    const p = h.malloc(size);
    expectBlock(h, p, size, `malloc(${size}) #${i}`);
    ptrs.push(p);
  }
  // Touch the first and last bytes: the blocks are really used.
  for (const p of ptrs) fill(h, p, Math.min(size, 64), 0x5c);
  return ptrs;
}

/** `count` blocks of `size` freed (so their slabs/spans/runs can go back to the page layer), then each freed again. */
export function manyThenAgain({ build, size, count }) {
  const h = heapFor(build);
  const ptrs = allocMany(h, size, count);
  for (const p of ptrs) h.free(p);
  eq(h.stats().liveBlocks, 0, 'live blocks after freeing all');
  return freeAgain(h, ptrs, `${count} × ${size} B`);
}

/** One block: malloc, free, free. */
export function oneThenAgain({ build, size }) {
  const h = heapFor(build);
  const [p] = allocMany(h, size, 1);
  h.free(p);
  return freeAgain(h, [p], `malloc(${size}); free; free`);
}

/** A 10 MiB block freed, then pushed out of the BigCache by later frees of other large blocks, then freed again. */
export function evictedThenAgain({ build }) {
  const h = heapFor(build);
  const budget = h.stats().boxes.bigcache.budgetBytes;
  const others = Math.ceil((budget ?? 64 * MiB) / (10 * MiB)) + 2;
  const [p, ...rest] = allocMany(h, 10 * MiB, 1 + others);
  const ev0 = h.stats().boxes.bigcache.evictions ?? 0;
  h.free(p);
  for (const q of rest) h.free(q);
  const evicted = (h.stats().boxes.bigcache.evictions ?? 0) - ev0;
  return `${freeAgain(h, [p], 'a 10 MiB block pushed out of the BigCache')} (${evicted} evictions, budget ${budget})`;
}

/** Pointers inside a freed region: INVALID_POINTER (or DOUBLE_FREE for a free slot), never a crash, nothing changes. */
export function interiorOfFreed({ build, size, count }) {
  const h = heapFor(build);
  const ptrs = allocMany(h, size, count);
  for (const p of ptrs) h.free(p);
  const before = figures(h);
  const offsets = [8, 16, 4096, 65536, 65536 + 16, 1 << 20].filter((o) => o < size);
  for (const o of offsets) {
    expectHeapError(() => h.free(ptrs[0] + o), ['INVALID_POINTER', 'DOUBLE_FREE'], `free(freed ${size} B block + ${o})`);
    expectHeapError(() => h.usableSize(ptrs[0] + o), ['INVALID_POINTER', 'DOUBLE_FREE'], `usableSize(freed ${size} B block + ${o})`);
  }
  eq(figures(h), before, 'heap figures after the refused interior frees');
  h.check();
  ok(h.malloc(16) !== 0, 'malloc(16) afterwards');
}
