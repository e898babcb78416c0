// Case 2 of issue 10: in a shared heap another worker grows the memory and frees
// a block; the creator (whose buffer is still the shorter one) gets it next.
// calloc must zero all of it, realloc must copy the old bytes into it.
// Nothing here calls stats() or check() before the operation: either refreshes
// the creator's views and hides the fault.
import { Worker } from 'node:worker_threads';
import { createAllocator } from '../../dist/index.js';
import { BUILDS, MiB, expectBlock, expectFilled, expectNoThrow, fill, ok } from './lib.mjs';

const growerUrl = new URL('./shared-grower-worker.mjs', import.meta.url);

/** A worker and a way to wait for its next message (an `error` message rejects). */
export function startWorker(url, workerData) {
  const w = new Worker(url, { workerData });
  const queue = [];
  const waiting = [];
  const deliver = (m) => {
    const next = waiting.shift();
    if (next) m.error ? next.reject(new Error(`worker: ${m.error}`)) : next.resolve(m);
    else queue.push(m);
  };
  w.on('message', deliver);
  w.on('error', (e) => deliver({ error: e.message }));
  return {
    worker: w,
    next: () =>
      new Promise((resolve, reject) => {
        const m = queue.shift();
        if (m === undefined) waiting.push({ resolve, reject });
        else m.error ? reject(new Error(`worker: ${m.error}`)) : resolve(m);
      }),
    send: (m) => w.postMessage(m),
    stop: () => w.terminate(),
  };
}

export async function creatorAfterWorkerGrew({ build, size, op, how, growPages = 2, detachFirst = false }) {
  const heap = createAllocator({ ...BUILDS[build], shared: true, maxBytes: 256 * MiB });
  // The creator's own block, from before the worker grew the memory.
  let small = 0;
  if (op === 'realloc' || op === 'realloc of an aligned block') {
    small = op === 'realloc' ? heap.malloc(100) : heap.alignedAlloc(64, 100);
    expectBlock(heap, small, 100, 'the 100-byte block');
    fill(heap, small, 100, 0x42);
  }
  const w = startWorker(growerUrl, { handle: heap.share(), size, how, growPages, detachFirst });
  try {
    return await afterTheWorker(heap, w, { size, op, how, small });
  } finally {
    await w.stop();
  }
}

async function afterTheWorker(heap, w, { size, op, how, small }) {
  const { ptr: freed } = await w.next();
  let q;
  if (op === 'calloc') q = expectNoThrow(() => heap.calloc(1, size), `calloc(1, ${size})`);
  else if (op === 'alignedAlloc') q = expectNoThrow(() => heap.alignedAlloc(4096, size), `alignedAlloc(4096, ${size})`);
  else q = expectNoThrow(() => heap.realloc(small, size), `realloc(100 B block, ${size})`);
  // From here on the test's own view is the current one (this thread's memory.buffer getter refreshes).
  expectBlock(heap, q, size, op, op === 'alignedAlloc' ? 4096 : 8);
  const reused = q === freed ? ' (the worker\'s block)' : '';
  if (op === 'calloc') expectFilled(heap, q, size, 0, `calloc(1, ${size}) after a worker grew the memory and freed a ${how} block${reused}`);
  else if (op === 'alignedAlloc') {
    fill(heap, q, size, 0x33);
    expectFilled(heap, q, size, 0x33, `alignedAlloc(4096, ${size}) block after writing`);
  } else expectFilled(heap, q, 100, 0x42, `${op}(100 B -> ${size}) prefix after a worker grew the memory and freed a ${how} block${reused}`);
  expectNoThrow(() => heap.check(), 'check() after the operation');
  w.send('detach');
  await w.next();
  heap.free(q);
  expectNoThrow(() => heap.check(), 'check() after freeing');
  ok(heap.stats().liveBlocks === 0, 'blocks left live');
  return { reused: q === freed };
}
