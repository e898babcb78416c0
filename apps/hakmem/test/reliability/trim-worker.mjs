// A worker of the trim case (misc-cases.mjs): attaches, allocates tiny, mid and
// large blocks into its row of a shared table, waits until every worker has,
// frees every other block of the next worker's row (remote frees), and detaches.
import { parentPort, workerData } from 'node:worker_threads';
import { attachAllocator } from '../../dist/index.js';

const { handle, index, workers, perWorker, table, control, sizes } = workerData;
const tab = new Int32Array(table);
const ctl = new Int32Array(control); // [0] = arrived at the barrier
try {
  const heap = attachAllocator(handle);
  for (let i = 0; i < perWorker; i++) {
    const size = sizes[i % sizes.length];
    const p = heap.malloc(size);
    if (p === 0) throw new Error(`malloc(${size}) returned 0`);
    new Uint8Array(heap.memory.buffer).fill(index + 1, p, p + Math.min(size, 256));
    Atomics.store(tab, index * perWorker + i, p);
  }
  Atomics.add(ctl, 0, 1);
  Atomics.notify(ctl, 0);
  while (Atomics.load(ctl, 0) < workers) Atomics.wait(ctl, 0, Atomics.load(ctl, 0), 50);
  const other = (index + 1) % workers;
  for (let i = 0; i < perWorker; i += 2) {
    const p = Atomics.exchange(tab, other * perWorker + i, 0);
    if (p !== 0) heap.free(p);
  }
  heap.detach();
  parentPort.postMessage({ done: true });
} catch (e) {
  parentPort.postMessage({ error: `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}` });
}
