// The differential fuzz of issue 10: random malloc / calloc / realloc /
// alignedAlloc / free / usableSize against a shadow model (ptr -> size, fill
// byte), with the memory grown from outside (memory.grow(1..4)) at random
// points. Every result is checked as it comes (alignment, bounds, overlap,
// zeros, preserved prefix), every live block's contents at intervals, and
// check() along the way and at the end. One run = one seed; the harness runs
// it in a worker under a time limit, so a hang is reported as a hang.
import { HeapError, createAllocator } from '../../dist/index.js';
import { BUILDS, MiB, mismatch, prng } from './lib.mjs';

const MAX_BYTES = 128 * MiB;
const LIVE_CAP = 40 * MiB; // far below maxBytes: a 0 from an allocation is a failure, not out-of-memory
// Enough live tiny blocks that a class's slab runs out and a new one is taken after a grow.
const LIVE_BLOCKS = 1200;
const HOT_TINY = [8, 16, 24, 32, 48, 64, 100, 128, 256, 512, 1000];

/** Sizes across every route: tiny, mid span (≤ 60 KiB), mid page run (≤ 1 MiB), large. */
function pickSize(rnd) {
  const r = rnd.below(1000);
  if (r < 10) return 0;
  if (r < 350) return HOT_TINY[rnd.below(HOT_TINY.length)];
  if (r < 600) return rnd.range(1, 1024);
  if (r < 840) return rnd.range(1025, 61440);
  if (r < 960) return rnd.range(61441, 1 << 20);
  return rnd.range((1 << 20) + 1, 4 * MiB);
}

export function fuzzRun({ seed, build, shared, ops, growEvery }) {
  const rnd = prng(seed * 2654435761 + (shared ? 17 : 0) + growEvery);
  const heap = createAllocator({ ...BUILDS[build], shared, maxBytes: MAX_BYTES });
  const live = []; // blocks: { ptr, size, usable, byte }
  const index = new Map(); // ptr -> position in live
  let liveBytes = 0;
  let nextByte = 1;
  let grows = 0;
  let growRefusals = 0;
  let k = 0;
  let last = 'start';
  const fail = (msg) => {
    throw new Error(`seed ${seed} (${build}, ${shared ? 'shared' : 'non-shared'}, grow 1/${growEvery}) op ${k} [${last}]: ${msg}`);
  };
  const memEnd = () => heap.memory.buffer.byteLength;

  function admit(ptr, size, what, alignment = 8) {
    if (typeof ptr !== 'number' || ptr === 0) fail(`${what} returned ${ptr} with ${liveBytes} live bytes of ${MAX_BYTES}`);
    calls++;
    const usable = heap.usableSize(ptr);
    if (usable < size) fail(`${what}: usableSize ${usable} < ${size}`);
    if (ptr % alignment !== 0 || (usable >= 16 && ptr % 16 !== 0)) fail(`${what}: ${ptr} misaligned (alignment ${alignment}, usable ${usable})`);
    if (ptr < 65536 || ptr + usable > memEnd()) fail(`${what}: block ${ptr}+${usable} outside [65536, ${memEnd()})`);
    if (index.has(ptr)) fail(`${what}: ${ptr} is already live`);
    for (const b of live) if (ptr < b.ptr + b.usable && b.ptr < ptr + usable) fail(`${what}: block ${ptr}+${usable} overlaps live ${b.ptr}+${b.usable} (size ${b.size})`);
    const byte = nextByte;
    nextByte = (nextByte % 255) + 1;
    const b = { ptr, size, usable, byte };
    index.set(ptr, live.length);
    live.push(b);
    liveBytes += usable;
    return b;
  }

  function stamp(b, from = 0) {
    new Uint8Array(heap.memory.buffer).fill(b.byte, b.ptr + from, b.ptr + b.size);
  }

  function verify(b, upTo = b.size, what = 'live block') {
    const at = mismatch(heap, b.ptr, Math.min(upTo, b.size), b.byte);
    if (at >= 0) fail(`${what} ${b.ptr} (size ${b.size}) byte +${at} is ${new Uint8Array(heap.memory.buffer)[b.ptr + at]}, want ${b.byte}`);
  }

  function drop(b) {
    const i = index.get(b.ptr);
    const tail = live.pop();
    if (tail !== b) {
      live[i] = tail;
      index.set(tail.ptr, i);
    }
    index.delete(b.ptr);
    liveBytes -= b.usable;
  }

  let calls = 0; // heap API calls made, bursts and checks included
  const expectOk = (what, fn) => {
    calls++;
    try {
      return fn();
    } catch (e) {
      fail(`${what} threw ${e?.name}${e instanceof HeapError ? ` ${e.code}` : ''}: ${e?.message}`);
    }
  };

  function growOutside(n) {
    try {
      heap.memory.grow(n);
      grows++;
    } catch {
      growRefusals++; // at the memory's maximum
    }
  }

  for (k = 0; k < ops; k++) {
    if (rnd.below(growEvery) === 0) {
      const n = rnd.range(1, 4);
      last = `memory.grow(${n})`;
      growOutside(n);
    }
    if (rnd.below(400) === 0) {
      // A burst of one tiny size: the class needs new slabs (and the pool new SuperSlabs),
      // the path a grow from outside broke. Half of the burst is freed at once, leaving holes.
      const size = HOT_TINY[rnd.below(HOT_TINY.length)];
      const count = rnd.range(500, 3000);
      last = `burst of ${count} × malloc(${size})`;
      const got = [];
      for (let i = 0; i < count; i++) {
        const p = expectOk(last, () => heap.malloc(size));
        got.push(admit(p, size, last));
        stamp(got[i]);
        if (rnd.below(50 * growEvery) < 50) growOutside(1);
      }
      for (let i = 0; i < got.length; i += 2) {
        verify(got[i]);
        expectOk(`free in ${last}`, () => heap.free(got[i].ptr));
        drop(got[i]);
      }
    }
    const full = live.length >= LIVE_BLOCKS || liveBytes > LIVE_CAP;
    const r = rnd.below(100);
    const victim = live.length > 0 ? live[rnd.below(live.length)] : undefined;
    if (victim !== undefined && (full || r < 30)) {
      last = `free(${victim.ptr}) size ${victim.size}`;
      verify(victim, victim.size, 'block before free');
      expectOk(last, () => heap.free(victim.ptr));
      drop(victim);
    } else if (victim !== undefined && r < 42) {
      const n = rnd.below(20) === 0 ? 0 : pickSize(rnd);
      last = `realloc(${victim.ptr} size ${victim.size}, ${n})`;
      verify(victim, victim.size, 'block before realloc');
      const q = expectOk(last, () => heap.realloc(victim.ptr, n));
      drop(victim);
      if (n === 0) {
        if (q !== 0) fail(`realloc(p, 0) returned ${q}, want 0`);
      } else {
        const b = admit(q, n, last);
        const keep = Math.min(victim.size, n);
        const at = mismatch(heap, q, keep, victim.byte);
        if (at >= 0) fail(`realloc lost the old contents: byte +${at} of ${keep} kept bytes is ${new Uint8Array(heap.memory.buffer)[q + at]}, want ${victim.byte}`);
        stamp(b);
      }
    } else if (victim !== undefined && r < 50) {
      last = `usableSize(${victim.ptr})`;
      const u = expectOk(last, () => heap.usableSize(victim.ptr));
      if (u !== victim.usable) fail(`usableSize of live ${victim.ptr} is ${u}, was ${victim.usable}`);
    } else if (r < 62) {
      const n = pickSize(rnd);
      const [c, s] = n > 0 && n % 8 === 0 && rnd.below(2) === 0 ? [n / 8, 8] : [1, n];
      last = `calloc(${c}, ${s})`;
      const p = expectOk(last, () => heap.calloc(c, s));
      const b = admit(p, n, last);
      const at = mismatch(heap, p, n, 0);
      if (at >= 0) fail(`calloc memory not zero at +${at} of ${n}: ${new Uint8Array(heap.memory.buffer)[p + at]}`);
      stamp(b);
    } else if (r < 72) {
      const a = 2 ** rnd.range(3, 16);
      const n = pickSize(rnd);
      last = `alignedAlloc(${a}, ${n})`;
      const p = expectOk(last, () => heap.alignedAlloc(a, n));
      stamp(admit(p, n, last, a));
    } else {
      const n = pickSize(rnd);
      last = `malloc(${n})`;
      const p = expectOk(last, () => heap.malloc(n));
      stamp(admit(p, n, last));
    }
    if ((k & 255) === 255) {
      last = 'verify all live blocks';
      for (const b of live) verify(b);
    }
    if (k % 2000 === 1999) {
      last = 'check()';
      expectOk('check()', () => heap.check());
    }
  }
  last = 'end: verify, free all, check()';
  for (const b of live) verify(b);
  for (const b of [...live]) {
    expectOk(`free(${b.ptr})`, () => heap.free(b.ptr));
    drop(b);
  }
  expectOk('check()', () => heap.check());
  const st = heap.stats();
  if (st.liveBlocks !== 0 || st.bytesInUse !== 0) fail(`after freeing everything: liveBlocks ${st.liveBlocks}, bytesInUse ${st.bytesInUse}`);
  return { ops: calls, steps: ops, grows, growRefusals };
}
