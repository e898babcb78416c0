// Two threads free the same tiny blocks at the same moment, many rounds
// (remote-double-free.test.ts). This thread owns the heap's slabs (it
// allocates the blocks); a second worker thread, attached to the same heap,
// frees each block while this one does. Per block both step through a spin
// barrier, so the two frees start within a few hundred nanoseconds of each
// other. A free either passes or throws DOUBLE_FREE; when both pass, the
// heap must catch it later (racedDoubleFrees) and never hand the block out
// twice: after each round this thread allocates more blocks than it freed,
// checks that none is out twice, writes and verifies every one.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { attachAllocator, createAllocator } from '../../dist/index.js';

const SIZE = 48;

/** Frees `p`; 1 when it passed, 0 when it was DOUBLE_FREE (anything else is a failure). */
function tryFree(heap, p) {
  try {
    heap.free(p);
    return 1;
  } catch (e) {
    if (e && e.code === 'DOUBLE_FREE') return 0;
    throw e;
  }
}

/** Spins until `ctl[at]` reaches `v`. */
function spinTo(ctl, at, v) {
  while (Atomics.load(ctl, at) < v);
}

if (isMainThread) throw new Error('raced-free-worker runs as a worker thread');

if (workerData.role === 'other') {
  // The second thread: frees block k of round r when the owner does.
  const { handle, ctl, ptrs, blocks } = workerData;
  const heap = attachAllocator(handle);
  let passed = 0;
  let step = 0;
  for (let r = 0; ; r++) {
    // Round r's blocks are published, or the owner is done (ctl[3]).
    while (Atomics.load(ctl, 0) < r + 1 && Atomics.load(ctl, 3) === 0);
    if (Atomics.load(ctl, 0) < r + 1) break;
    for (let k = 0; k < blocks; k++) {
      Atomics.add(ctl, 1, 1);
      step += 2;
      spinTo(ctl, 1, step);
      passed += tryFree(heap, ptrs[k]);
    }
    Atomics.add(ctl, 2, 1); // done with round r
  }
  heap.detach();
  parentPort.postMessage({ passed });
} else {
  // Done after minRounds once `wantRaces` raced double frees were caught, or
  // after maxRounds rounds or maxMs ms: how often the two frees of a block
  // overlap depends on the machine (one block in 150 here in one run, none
  // in 600 rounds of another), so rounds go on until races were seen.
  const { minRounds, maxRounds, maxMs, wantRaces, blocks } = workerData;
  const deadline = Date.now() + maxMs;
  const heap = createAllocator({ shared: true, initialBytes: 4 << 20 });
  const ctl = new Int32Array(new SharedArrayBuffer(16));
  const ptrs = new Int32Array(new SharedArrayBuffer(blocks * 4));
  const other = new Worker(new URL(import.meta.url), { workerData: { role: 'other', handle: heap.share(), ctl, ptrs, blocks } });
  const otherDone = new Promise((resolve, reject) => {
    other.once('message', resolve);
    other.once('error', reject);
  });
  try {
    let passed = 0;
    let step = 0;
    let rounds = 0;
    const caught = () => heap.stats().boxes.superslab.racedDoubleFrees;
    for (let r = 0; r < maxRounds && Date.now() < deadline && (r < minRounds || caught() < wantRaces); r++) {
      rounds++;
      for (let k = 0; k < blocks; k++) ptrs[k] = heap.malloc(SIZE);
      Atomics.store(ctl, 0, r + 1);
      for (let k = 0; k < blocks; k++) {
        Atomics.add(ctl, 1, 1);
        step += 2;
        spinTo(ctl, 1, step);
        passed += tryFree(heap, ptrs[k]);
      }
      spinTo(ctl, 2, r + 1);
      // Right after the race: more blocks than were freed, none out twice, contents intact.
      const got = [];
      for (let k = 0; k < 3 * blocks; k++) {
        const p = heap.malloc(SIZE);
        const u32 = new Uint32Array(heap.memory.buffer, p, SIZE / 4);
        u32.fill((p ^ 0x5bd1e995) >>> 0);
        got.push(p);
      }
      if (new Set(got).size !== got.length) throw new Error(`round ${r}: a block was handed out twice`);
      for (const p of got) {
        const u32 = new Uint32Array(heap.memory.buffer, p, SIZE / 4);
        if (u32.some((w) => w !== (p ^ 0x5bd1e995) >>> 0)) throw new Error(`round ${r}: block ${p} was overwritten`);
      }
      for (const p of got) heap.free(p);
      if (r % 50 === 49) heap.check();
    }
    Atomics.store(ctl, 3, 1);
    const { passed: otherPassed } = await otherDone;
    heap.trim(); // every raced block comes out of the cache and the remote lists
    heap.check();
    const st = heap.stats();
    if (st.liveBlocks !== 0) throw new Error(`${st.liveBlocks} blocks still live`);
    const total = passed + otherPassed;
    parentPort.postMessage({
      rounds,
      blocks,
      bothPassed: total - rounds * blocks,
      doubleFreeErrors: 2 * rounds * blocks - total,
      racedDoubleFrees: st.boxes.superslab.racedDoubleFrees,
    });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.stack ? e.stack : e) });
  } finally {
    await other.terminate();
  }
}
