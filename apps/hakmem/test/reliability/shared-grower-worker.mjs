// A worker of the shared-heap cases (shared-cases.mjs): it grows the memory,
// gets a block (from malloc, or from realloc of a small one), writes non-zero
// bytes over all of it and frees it, so that the creator, whose view of the
// memory is still the shorter one, is handed that block next. With
// `detachFirst` it detaches at once (its caches and spans go back to the heap);
// otherwise it stays attached until the creator says 'detach'.
import { parentPort, workerData } from 'node:worker_threads';
import { attachAllocator } from '../../dist/index.js';

const { handle, size, how, growPages, detachFirst } = workerData;
const report = (e) => parentPort.postMessage({ error: `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}` });
try {
  const heap = attachAllocator(handle);
  heap.memory.grow(growPages);
  let p;
  if (how === 'realloc') {
    const q = heap.malloc(100);
    if (q === 0) throw new Error('malloc(100) returned 0');
    p = heap.realloc(q, size);
  } else p = heap.malloc(size);
  if (p === 0) throw new Error(`${how}(${size}) returned 0 in the worker`);
  new Uint8Array(heap.memory.buffer).fill(0xee, p, p + size);
  heap.free(p);
  if (detachFirst) heap.detach();
  parentPort.postMessage({ done: true, ptr: p });
  parentPort.on('message', (m) => {
    try {
      if (m === 'detach' && !detachFirst) heap.detach();
      parentPort.postMessage({ detached: true });
    } catch (e) {
      report(e);
    }
  });
} catch (e) {
  report(e);
}
