// Case 8 of issue 10: usableSize of a freed block says DOUBLE_FREE like free
// does; and once every worker detached and every block was freed, trim() on
// the creator gives every data page back (nothing beyond the metadata stays reserved).
import { createAllocator } from '../../dist/index.js';
import { BUILDS, MiB, eq, expectBlock, expectHeapError, figures, fill } from './lib.mjs';
import { startWorker } from './shared-cases.mjs';

export function usableSizeOfFreed({ build, size, sibling }) {
  const h = createAllocator({ ...BUILDS[build], maxBytes: 256 * MiB });
  // With a live sibling the block's span or slab stays; without, it may go back to the page layer.
  const keep = sibling ? h.malloc(size) : 0;
  const p = h.malloc(size);
  expectBlock(h, p, size, `malloc(${size})`);
  if (keep !== 0) fill(h, keep, size, 1);
  h.free(p);
  const before = figures(h);
  const u = expectHeapError(() => h.usableSize(p), 'DOUBLE_FREE', `usableSize of a freed ${size} B block${sibling ? ' (a sibling still live)' : ''}`);
  expectHeapError(() => h.free(p), 'DOUBLE_FREE', `free of the same freed ${size} B block`);
  eq(figures(h), before, 'heap figures after the refused calls');
  if (keep !== 0) h.free(keep);
  h.check();
  return u.message;
}

const trimWorkerUrl = new URL('./trim-worker.mjs', import.meta.url);

export async function trimAfterWorkersDetached({ build, workers = 2, perWorker = 600 }) {
  const heap = createAllocator({ ...BUILDS[build], shared: true, maxBytes: 512 * MiB });
  const table = new SharedArrayBuffer(4 * workers * perWorker);
  const control = new SharedArrayBuffer(64);
  const sizes = [16, 48, 100, 256, 1000, 2000, 40000, 200000, 16, 64, 700, (1 << 20) + 4096, 3000, 24, 3 * MiB];
  const ws = [];
  for (let i = 0; i < workers; i++) ws.push(startWorker(trimWorkerUrl, { handle: heap.share(), index: i, workers, perWorker, table, control, sizes }));
  try {
    for (const w of ws) await w.next();
  } finally {
    for (const w of ws) await w.stop();
  }
  const tab = new Int32Array(table);
  for (let i = 0; i < tab.length; i++) if (tab[i] !== 0) heap.free(tab[i]);
  heap.check();
  eq(heap.stats().liveBlocks, 0, 'live blocks after every block was freed');
  heap.trim();
  heap.check();
  const st = heap.stats();
  if (st.pages.pagesInUse !== 0)
    throw new Error(`after every worker detached, every block was freed and the creator trimmed, ${st.pages.pagesInUse} data pages (${(st.pages.pagesInUse / 16).toFixed(1)} MiB) stay reserved; want 0 (bytesReserved ${st.bytesReserved})`);
  return figures(heap);
}
