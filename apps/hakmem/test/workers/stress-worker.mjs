// One worker of the shared-heap stress and fault tests (see ../workers.test.ts).
// It attaches to the heap, then runs random malloc/free over its own slots;
// half of its frees go through a shared hand-off table, so the block freed
// is usually one another worker allocated (a remote free). Every block
// carries its size in its first word and a pattern derived from its address
// in the rest, verified before it is freed.
import { parentPort, workerData } from 'node:worker_threads';
import { attachAllocator } from '../../dist/index.js';

const { handle, seed, ops, slotsPerWorker, index, own, handoff, control, mode } = workerData;
const heap = attachAllocator(handle);
const ownTab = new Int32Array(own); // [index * slotsPerWorker + i] = ptr held by this worker
const hand = new Int32Array(handoff); // shared hand-off slots
const ctl = new Int32Array(control); // [0] = errors, [1 + index] = in-flight flag, [8 + index] = ops done, [15] = stop
let s = seed >>> 0 || 1;
const rand = () => {
  s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
  return s;
};
let u8 = new Uint8Array(heap.memory.buffer);
const view = (end) => {
  if (end > u8.length) u8 = new Uint8Array(heap.memory.buffer);
  return u8;
};
const patternOf = (ptr) => (Math.imul(ptr >>> 4, 0x9e3779b1) >>> 24) | 1;

function pickSize() {
  const r = rand() % 1000;
  if (r < 850) return 8 + (rand() % 1017); // tiny: 8..1024
  if (r < 995) return 1025 + (rand() % ((rand() & 15) === 0 ? (1 << 20) - 1024 : 15360)); // mid: mostly small
  return (1 << 20) + 1 + (rand() % (1 << 20)); // large
}

function fill(ptr, size) {
  const m = view(ptr + size);
  new DataView(m.buffer, ptr, 4).setUint32(0, size, true);
  m.fill(patternOf(ptr), ptr + 4, ptr + size);
}

function verify(ptr) {
  const m = view(ptr + 4);
  const size = new DataView(m.buffer, ptr, 4).getUint32(0, true);
  const mm = view(ptr + size);
  const want = patternOf(ptr);
  if (heap.usableSize(ptr) < size) throw new Error(`block ${ptr}: usable size ${heap.usableSize(ptr)} < ${size}`);
  for (let i = ptr + 4; i < ptr + size; i++)
    if (mm[i] !== want) throw new Error(`block ${ptr} (size ${size}) damaged at +${i - ptr}: ${mm[i]} != ${want}`);
}

const base = index * slotsPerWorker;
parentPort.postMessage({ started: true, worker: heap.workerId });
try {
  for (let k = 0; k < ops; k++) {
    if ((k & 255) === 0 && Atomics.load(ctl, 15) === 1) break;
    const slot = base + (rand() % slotsPerWorker);
    const ptr = ownTab[slot];
    // The in-flight word (the slot + 1, 0 when none) brackets each heap call and the table write after
    // it, so a test that kills this worker knows when the table may be one
    // step behind the heap.
    if (ptr === 0) {
      const size = pickSize();
      Atomics.store(ctl, 1 + index, slot + 1);
      const p = heap.malloc(size);
      Atomics.store(ownTab, slot, p);
      Atomics.store(ctl, 1 + index, 0);
      if (p === 0) throw new Error(`malloc(${size}) returned 0`);
      fill(p, size);
    } else if (rand() & 1) {
      verify(ptr);
      Atomics.store(ctl, 1 + index, slot + 1);
      heap.free(ptr);
      Atomics.store(ownTab, slot, 0);
      Atomics.store(ctl, 1 + index, 0);
    } else {
      // Hand our block over and take whatever another worker left there:
      // it stays in our slot, so freeing it later is usually a remote free.
      verify(ptr);
      Atomics.store(ctl, 1 + index, slot + 1);
      const got = Atomics.exchange(hand, rand() % hand.length, ptr);
      Atomics.store(ownTab, slot, got);
      Atomics.store(ctl, 1 + index, 0);
    }
    Atomics.store(ctl, 8 + index, k + 1);
  }
  if (mode === 'hold') {
    // Fault test: keep what we hold (the main thread counts it), give the caches back.
    heap.detach();
    parentPort.postMessage({ done: true, worker: heap.workerId });
  } else {
    for (let i = base; i < base + slotsPerWorker; i++) {
      const p = ownTab[i];
      if (p !== 0) {
        verify(p);
        ownTab[i] = 0;
        heap.free(p);
      }
    }
    const boxes = heap.stats().boxes;
    const remoteFrees = boxes.superslab.remoteFrees + boxes.midLargeAce.remoteFrees;
    heap.detach();
    parentPort.postMessage({ done: true, remoteFrees });
  }
} catch (e) {
  Atomics.add(ctl, 0, 1);
  parentPort.postMessage({ error: String(e && e.stack ? e.stack : e) });
}
