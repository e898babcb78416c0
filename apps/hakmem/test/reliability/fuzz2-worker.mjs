// The two workers of the two-worker fuzz (fuzz2-cases.mjs), in lockstep over a
// shared control array. The grower grows the memory, frees the blocks the user
// handed it, then gets a mid or large block (from malloc or realloc), dirties
// it and frees it, so the user's next call is handed memory that lies past
// the user's view; now and then it detaches and attaches again, so its spans
// go to the user. The user calls calloc (must be zeros), realloc of a 100-byte
// block (the 100 bytes must survive) or alignedAlloc (aligned, writable) of
// that size, keeps a few blocks, verifies each before letting it go, and hands
// some to the grower to free remotely.
import { parentPort, workerData } from 'node:worker_threads';
import { attachAllocator } from '../../dist/index.js';
import { mismatch, prng } from './lib.mjs';

const { handle, role, seed, rounds, control } = workerData;
const ctl = new Int32Array(control);
const TURN = 0; // 0 = grower, 1 = user, 2 = stop
const SIZE = 1;
const ERROR = 4;
const DONE = 5;
const HAND = 8; // ctl[8..15]: blocks the user hands to the grower
const HAND_SLOTS = 8;
const me = role === 'grower' ? 0 : 1;
const rnd = prng(seed * 7919 + me * 104729 + 1);
let heap = attachAllocator(handle);
let ops = 0;

function waitTurn() {
  for (;;) {
    const t = Atomics.load(ctl, TURN);
    if (t === me) return true;
    if (t === 2) return false;
    Atomics.wait(ctl, TURN, t, 100);
  }
}

function pass(to) {
  Atomics.store(ctl, TURN, to);
  Atomics.notify(ctl, TURN);
}

function pickSize() {
  const r = rnd.below(100);
  if (r < 30) return rnd.range(1025, 61440);
  if (r < 65) return rnd.range(61441, 1 << 20);
  return rnd.range((1 << 20) + 1, 4 << 20);
}

function fail(round, msg) {
  throw new Error(`${role} (seed ${seed}) round ${round}: ${msg}`);
}

function grower(round) {
  try {
    heap.memory.grow(rnd.range(1, 4));
  } catch {
    // at the maximum
  }
  for (let i = 0; i < HAND_SLOTS; i++) {
    const p = Atomics.exchange(ctl, HAND + i, 0);
    if (p !== 0) {
      heap.free(p);
      ops++;
    }
  }
  const size = pickSize();
  let y;
  if (rnd.below(3) === 0) {
    const q = heap.malloc(100);
    if (q === 0) fail(round, 'malloc(100) returned 0');
    y = heap.realloc(q, size);
    ops += 2;
  } else {
    y = heap.malloc(size);
    ops++;
  }
  if (y === 0) fail(round, `allocation of ${size} returned 0`);
  new Uint8Array(heap.memory.buffer).fill(0xee, y, y + size);
  heap.free(y);
  ops++;
  if (round % 16 === 15) {
    heap.detach();
    heap = attachAllocator(handle);
  }
  Atomics.store(ctl, SIZE, size);
}

const held = []; // { ptr, size, byte }
let nextByte = 1;

function userVerify(round, b, what) {
  const at = mismatch(heap, b.ptr, b.size, b.byte);
  if (at >= 0) fail(round, `${what}: block ${b.ptr} (size ${b.size}) byte +${at} is ${new Uint8Array(heap.memory.buffer)[b.ptr + at]}, want ${b.byte}`);
}

function user(round) {
  const size = Atomics.load(ctl, SIZE);
  const r = rnd.below(3);
  let q;
  let what;
  if (r === 0) {
    what = `calloc(1, ${size})`;
    q = heap.calloc(1, size);
    if (q === 0) fail(round, `${what} returned 0`);
    const at = mismatch(heap, q, size, 0);
    if (at >= 0) fail(round, `${what} gave ${q}, not zero at +${at} (${new Uint8Array(heap.memory.buffer)[q + at]})`);
  } else if (r === 1) {
    const p = heap.malloc(100);
    if (p === 0) fail(round, 'malloc(100) returned 0');
    new Uint8Array(heap.memory.buffer).fill(0x42, p, p + 100);
    what = `realloc(100 B block, ${size})`;
    q = heap.realloc(p, size);
    ops++;
    if (q === 0) fail(round, `${what} returned 0`);
    const at = mismatch(heap, q, 100, 0x42);
    if (at >= 0) fail(round, `${what} gave ${q}, lost the old bytes from +${at} (${new Uint8Array(heap.memory.buffer)[q + at]})`);
  } else {
    const a = 2 ** rnd.range(3, 16);
    what = `alignedAlloc(${a}, ${size})`;
    q = heap.alignedAlloc(a, size);
    if (q === 0) fail(round, `${what} returned 0`);
    if (q % a !== 0) fail(round, `${what} gave ${q}, not a multiple of ${a}`);
  }
  ops++;
  if (heap.usableSize(q) < size) fail(round, `${what}: usableSize ${heap.usableSize(q)} < ${size}`);
  const b = { ptr: q, size, byte: nextByte };
  nextByte = (nextByte % 255) + 1;
  new Uint8Array(heap.memory.buffer).fill(b.byte, q, q + size);
  userVerify(round, b, `${what} block just written`);
  held.push(b);
  if (held.length > 6) {
    const old = held.splice(rnd.below(held.length - 1), 1)[0];
    userVerify(round, old, 'held block');
    const slot = rnd.below(2) === 0 ? HAND + rnd.below(HAND_SLOTS) : -1;
    if (slot >= 0 && Atomics.compareExchange(ctl, slot, 0, old.ptr) === 0) return;
    heap.free(old.ptr);
    ops++;
  }
}

try {
  for (let round = 0; round < rounds; round++) {
    if (!waitTurn()) break;
    if (me === 0) grower(round);
    else user(round);
    if (me === 1) Atomics.store(ctl, DONE, round + 1);
    pass(me === 0 ? 1 : 0);
  }
  if (me === 1) {
    for (const b of held) {
      userVerify(rounds, b, 'held block at the end');
      heap.free(b.ptr);
    }
    held.length = 0;
  } else {
    // The user's last hand-offs.
    waitTurn();
    for (let i = 0; i < HAND_SLOTS; i++) {
      const p = Atomics.exchange(ctl, HAND + i, 0);
      if (p !== 0) {
      heap.free(p);
      ops++;
    }
    }
  }
  heap.detach();
  parentPort.postMessage({ done: true, ops });
} catch (e) {
  Atomics.store(ctl, ERROR, 1);
  pass(2);
  parentPort.postMessage({ error: `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}` });
}
