// Helpers shared by the reliability cases (plain JS: they run in worker threads
// against the built dist, the way a user's worker would).
import { HeapError } from '../../dist/index.js';

/** Build mixes every case runs under: both builds and mixes of them. */
export const BUILDS = {
  release: { variant: 'release' },
  debug: { variant: 'debug' },
  'superslab-debug': { boxes: { superslab: 'debug' } },
  'mid+bigcache-debug': { boxes: { midLargeAce: 'debug', bigcache: 'debug' } },
};
export const BOTH = { release: BUILDS.release, debug: BUILDS.debug };

/** xorshift32: small, seedable, the same in every worker. */
export function prng(seed) {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
  next.below = (n) => next() % n;
  next.range = (lo, hi) => lo + (next() % (hi - lo + 1));
  return next;
}

export function fail(msg) {
  throw new Error(msg);
}

export function ok(cond, msg) {
  if (!cond) fail(typeof msg === 'function' ? msg() : msg);
}

export function eq(got, want, what) {
  if (got !== want && !(Number.isNaN(got) && Number.isNaN(want))) fail(`${what}: got ${fmt(got)}, want ${fmt(want)}`);
}

function fmt(v) {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : String(v);
  } catch {
    return typeof v;
  }
}

/** Describes what `fn` threw (or 'no throw'), in one line. */
export function thrown(fn) {
  try {
    const value = fn();
    return { threw: false, value, text: 'no throw' };
  } catch (e) {
    const code = e instanceof HeapError ? e.code : undefined;
    return { threw: true, error: e, code, name: e?.name, text: `${e?.name ?? typeof e}${code ? ` ${code}` : ''}: ${e?.message ?? String(e)}` };
  }
}

export function expectHeapError(fn, codes, what) {
  const t = thrown(fn);
  const want = Array.isArray(codes) ? codes : [codes];
  if (!t.threw || !(t.error instanceof HeapError) || !want.includes(t.code)) fail(`${what}: want HeapError ${want.join(' or ')}, got ${t.text}`);
  return t.error;
}

export function expectThrows(fn, ctor, what) {
  const t = thrown(fn);
  if (!t.threw || !(t.error instanceof ctor)) fail(`${what}: want ${ctor.name}, got ${t.text}`);
  return t.error;
}

export function expectNoThrow(fn, what) {
  try {
    return fn();
  } catch (e) {
    fail(`${what}: threw ${e?.name}${e?.code ? ` ${e.code}` : ''}: ${e?.message}`);
  }
}

/** A view of the memory's current length (this thread's `memory.buffer` is current: the getter refreshes it). */
export function bytes(heap) {
  return new Uint8Array(heap.memory.buffer);
}

export function fill(heap, ptr, size, byte) {
  const u8 = bytes(heap);
  ok(ptr + size <= u8.length, `block ${ptr}+${size} is past the memory end ${u8.length}`);
  u8.fill(byte, ptr, ptr + size);
}

const refs = new Map();
const CHUNK = 1 << 16;
function ref(byte) {
  let r = refs.get(byte);
  if (r === undefined) refs.set(byte, (r = Buffer.alloc(CHUNK, byte)));
  return r;
}

/** Offset of the first byte of [ptr, ptr+size) that is not `byte`, or -1. Native compares, 64 KiB at a time. */
export function mismatch(heap, ptr, size, byte) {
  const buf = heap.memory.buffer;
  if (ptr + size > buf.byteLength) return Math.max(0, buf.byteLength - ptr);
  const r = ref(byte);
  for (let off = 0; off < size; off += CHUNK) {
    const n = Math.min(CHUNK, size - off);
    const got = Buffer.from(buf, ptr + off, n);
    if (!got.equals(n === CHUNK ? r : r.subarray(0, n))) {
      for (let i = 0; i < n; i++) if (got[i] !== byte) return off + i;
    }
  }
  return -1;
}

export function expectFilled(heap, ptr, size, byte, what) {
  const at = mismatch(heap, ptr, size, byte);
  if (at >= 0) {
    const u8 = bytes(heap);
    let bad = 0;
    for (let i = 0; i < size; i++) if (u8[ptr + i] !== byte) bad++;
    fail(`${what}: ${bad} of ${size} bytes at ${ptr} are not ${byte} (first at +${at}: ${u8[ptr + at]})`);
  }
}

/** A block the caller got: non-zero, aligned as the contract says, inside the memory, usableSize ≥ size. */
export function expectBlock(heap, ptr, size, what, alignment = 8) {
  ok(typeof ptr === 'number', `${what}: returned ${typeof ptr}`);
  ok(ptr !== 0, `${what}: returned 0`);
  const usable = heap.usableSize(ptr);
  ok(usable >= size, `${what}: usableSize ${usable} < ${size}`);
  ok(ptr % alignment === 0, `${what}: ${ptr} is not a multiple of ${alignment}`);
  if (usable >= 16) ok(ptr % 16 === 0, `${what}: ${ptr} (usable ${usable}) is not 16-aligned`);
  ok(ptr + usable <= heap.memory.buffer.byteLength, `${what}: block ${ptr}+${usable} is past the memory end ${heap.memory.buffer.byteLength}`);
  return usable;
}

/** What a refused call must leave as it was: the heap's figures (counters of rejections aside). */
export function figures(heap) {
  const s = heap.stats();
  return JSON.stringify({ bytesReserved: s.bytesReserved, bytesInUse: s.bytesInUse, liveBlocks: s.liveBlocks, pagesInUse: s.pages.pagesInUse });
}

export function snapshot(memory) {
  return Buffer.from(new Uint8Array(memory.buffer).slice());
}

/** First differing byte of two snapshots (or the length change), or null. */
export function snapshotDiff(a, b) {
  if (a.length !== b.length) return `memory length ${a.length} -> ${b.length}`;
  if (a.equals(b)) return null;
  let first = -1;
  let n = 0;
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i]) {
      if (first < 0) first = i;
      n++;
    }
  return `${n} bytes changed, first at ${first}`;
}

export const KiB = 1024;
export const MiB = 1 << 20;
