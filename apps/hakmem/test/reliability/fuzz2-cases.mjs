// The two-worker fuzz of issue 10 (see fuzz2-worker.mjs): one worker grows the
// memory and frees mid and large blocks, the other calls calloc, realloc and
// alignedAlloc on the reused blocks and verifies their contents.
import { createAllocator } from '../../dist/index.js';
import { BUILDS, MiB } from './lib.mjs';
import { startWorker } from './shared-cases.mjs';

const workerUrl = new URL('./fuzz2-worker.mjs', import.meta.url);

export async function twoWorkerRun({ build, seed, rounds }) {
  const heap = createAllocator({ ...BUILDS[build], shared: true, maxBytes: 512 * MiB });
  const control = new SharedArrayBuffer(64 * 4);
  const ctl = new Int32Array(control);
  const ws = ['grower', 'user'].map((role) => startWorker(workerUrl, { handle: heap.share(), role, seed, rounds, control }));
  let ops = 0;
  try {
    const results = await Promise.allSettled(ws.map((w) => w.next()));
    const bad = results.find((r) => r.status === 'rejected');
    if (bad) throw new Error(`seed ${seed} (${build}): ${bad.reason.message}`);
    for (const r of results) ops += r.value.ops;
  } finally {
    for (const w of ws) await w.stop();
  }
  heap.check();
  const st = heap.stats();
  if (st.liveBlocks !== 0) throw new Error(`seed ${seed} (${build}): ${st.liveBlocks} blocks live after both workers freed theirs and detached`);
  return { ops, rounds: Atomics.load(ctl, 5) };
}
