import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { H_MAGIC, H_PAGE_LOCK, H_PAGES_IN_USE, HEAP_MAGIC, PAGE_SIZE, SP_CARVED } from '@hakmem/contracts/layout';
import { attachAllocator, createAllocator, HeapError, type Allocator, type Variant } from '../src/index.js';

/**
 * Many workers, one heap. Each run attaches N workers to a fresh shared heap;
 * they malloc and free random sizes across all three routes, and half of
 * their frees go through a hand-off table, so most of those free a block
 * another worker allocated. Every block's contents are verified before it is
 * freed. CI runs a short series; HAKMEM_SOAK=1 runs 100 seeds per worker
 * count with longer runs.
 */
const SOAK = process.env.HAKMEM_SOAK === '1';
const SEEDS = Number(process.env.HAKMEM_STRESS_SEEDS ?? (SOAK ? 100 : 6));
const OPS = SOAK ? 40_000 : 8_000;
const SLOTS = 256;
const HANDOFF = 64;
const RUN_TIMEOUT_MS = 60_000;
const workerUrl = new URL('./workers/stress-worker.mjs', import.meta.url);
const workerCounts = [2, 4, ...(availableParallelism() > 4 ? [availableParallelism()] : [])];

interface Run {
  heap: Allocator;
  own: Int32Array;
  hand: Int32Array;
  ctl: Int32Array;
  workers: Worker[];
  ids: number[];
  finished: Promise<void>[];
  remoteFrees: number;
}

function start(n: number, seed: number, ops: number, mode: 'free' | 'hold', variant: Variant = 'release'): Run {
  const heap = createAllocator({ shared: true, variant, maxBytes: 512 << 20, initialBytes: 4 << 20 });
  const own = new SharedArrayBuffer(4 * n * SLOTS);
  const handoff = new SharedArrayBuffer(4 * HANDOFF);
  const control = new SharedArrayBuffer(4 * 16);
  const run: Run = { heap, own: new Int32Array(own), hand: new Int32Array(handoff), ctl: new Int32Array(control), workers: [], ids: [], finished: [], remoteFrees: 0 };
  for (let i = 0; i < n; i++) {
    const w = new Worker(workerUrl, {
      workerData: { handle: heap.share(), seed: seed * 7919 + i * 104729 + 1, ops, slotsPerWorker: SLOTS, index: i, own, handoff, control, mode },
    });
    run.workers.push(w);
    run.finished.push(
      new Promise<void>((resolve, reject) => {
        w.on('message', (m) => {
          if (m.started) run.ids[i] = m.worker;
          if (m.error) reject(new Error(`worker ${i} (seed ${seed}): ${m.error}`));
          if (m.done) {
            run.remoteFrees += m.remoteFrees ?? 0;
            resolve();
          }
        });
        w.on('error', reject);
        w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${i} exited with ${code}`))));
      }),
    );
  }
  return run;
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no progress for ${RUN_TIMEOUT_MS} ms (deadlock?)`)), RUN_TIMEOUT_MS);
    }),
  ]);
}

/** The same check the workers make: size in the first word, an address-derived pattern after it. */
function verifyAndFree(heap: Allocator, ptr: number): void {
  const u8 = new Uint8Array(heap.memory.buffer);
  const size = new DataView(u8.buffer).getUint32(ptr, true);
  const want = (Math.imul(ptr >>> 4, 0x9e3779b1) >>> 24) | 1;
  expect(heap.usableSize(ptr)).toBeGreaterThanOrEqual(size);
  for (let i = ptr + 4; i < ptr + size; i++) if (u8[i] !== want) throw new Error(`block ${ptr} damaged at +${i - ptr}`);
  heap.free(ptr);
}

function freeHandoff(run: Run): void {
  for (let i = 0; i < HANDOFF; i++) {
    const p = Atomics.exchange(run.hand, i, 0);
    if (p !== 0) verifyAndFree(run.heap, p);
  }
}

// The debug build runs the same stress (its validation sees every cross-worker
// hand-off); CI gives it half the seeds, the soak all of them.
const stressCases = workerCounts.flatMap((n) =>
  (['release', 'debug'] as const).map((variant) => [`${n} workers on one shared heap (${variant})`, { n, variant, seeds: variant === 'debug' && !SOAK ? Math.ceil(SEEDS / 2) : SEEDS }] as const),
);

describe.each(stressCases)('%s', (_, { n, variant, seeds }) => {
  it(`${seeds} runs with different seeds: no crash, no damaged block, no deadlock; check() passes and nothing stays live`, { timeout: SOAK ? 4 * 3_600_000 : 60_000 }, async () => {
    const t0 = performance.now();
    let remoteFrees = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      // The soak runs for many minutes: say how far it got.
      if (SOAK && seed % 10 === 1) console.log(`soak: ${n} workers (${variant}), seed ${seed}/${seeds}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      const run = start(n, seed, OPS, 'free', variant);
      await withTimeout(Promise.all(run.finished), `seed ${seed}`);
      expect(Atomics.load(run.ctl, 0)).toBe(0);
      freeHandoff(run);
      run.heap.check();
      const st = run.heap.stats();
      expect(st.liveBlocks, `seed ${seed}`).toBe(0);
      expect(st.bytesInUse).toBe(0);
      remoteFrees += run.remoteFrees;
      await Promise.all(run.workers.map((w) => w.terminate()));
    }
    // Blocks really went back to slabs and spans their freeing worker did not
    // own. Counted over all seeds: on a loaded machine one seed's workers may
    // run one after another, and then every hand-off is freed by its owner.
    expect(remoteFrees).toBeGreaterThan(0);
  });
});

describe.each(['release', 'debug'] as const)('check() while other workers use the heap (%s)', (variant) => {
  it('reports nothing while two workers allocate, and still reports damage they do not touch', { timeout: 60_000 }, async () => {
    const run = start(2, 77, 100_000_000, 'free', variant);
    // A mid block of this thread's own span, which the workers neither take blocks from nor free into.
    const mine = run.heap.malloc(4096);
    // One of the first blocks of a fresh span: on the span's first page, after its 64-byte header.
    const span = mine - (mine % PAGE_SIZE);
    expect(mine - span).toBeGreaterThanOrEqual(64);
    expect(mine - span).toBeLessThan(4 * 4096 + 64);
    const carved = (span + SP_CARVED) >>> 2;
    await withTimeout(
      new Promise<void>((resolve) => {
        const poll = () => (Atomics.load(run.ctl, 8) > 500 && Atomics.load(run.ctl, 9) > 500 ? resolve() : setTimeout(poll, 1));
        poll();
      }),
      'workers start',
    );
    // Before: with two workers allocating tiny, mid and large blocks, a third of
    // these checks threw CORRUPTION (a region caught in the middle of a change).
    const t0 = performance.now();
    let checks = 0;
    while (performance.now() - t0 < 1500) {
      run.heap.check();
      checks++;
      await new Promise((r) => setImmediate(r));
    }
    // Real damage, while the workers keep going: found, and only after being seen again.
    const u32 = new Uint32Array(run.heap.memory.buffer);
    u32[carved] += 5;
    const tDamage = performance.now();
    expect(() => run.heap.check()).toThrow(/CORRUPTION|carved/);
    expect(performance.now() - tDamage).toBeGreaterThanOrEqual(50);
    new Uint32Array(run.heap.memory.buffer)[carved] -= 5;
    Atomics.store(run.ctl, 15, 1);
    await withTimeout(Promise.all(run.finished), 'workers stop');
    expect(Atomics.load(run.ctl, 0)).toBe(0);
    freeHandoff(run);
    run.heap.free(mine);
    run.heap.check();
    expect(run.heap.stats().liveBlocks).toBe(0);
    expect(checks).toBeGreaterThan(10);
    await Promise.all(run.workers.map((w) => w.terminate()));
  });
});

describe.each(['release', 'debug'] as const)('check() and a change made under a lock (%s)', (variant) => {
  /**
   * Starts a worker that holds the page lock with the pages-in-use counter
   * one off (as a worker put off the CPU in the middle of taking pages
   * leaves them) for `holdMs`, or with 0 until `finish()`. Before check()
   * took the heap's locks, it reported that counter as damage once three
   * walks 50 ms apart had seen it: a randomized campaign of three workers on
   * two cores found "pages in use counter 4276 but 4274 pages are used" and
   * the like on a heap that was sound.
   */
  async function holdPageLock(heap: Allocator, holdMs: number): Promise<{ finish: () => Promise<void>; worker: Worker }> {
    const u32 = new Uint32Array(heap.memory.buffer);
    expect(u32[H_MAGIC / 4]).toBe(HEAP_MAGIC); // the header is at the memory's start (heapBase 0)
    const ctl = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(new URL('./workers/locked-change-worker.mjs', import.meta.url), {
      workerData: { memory: heap.memory, lockIndex: H_PAGE_LOCK / 4, counterIndex: H_PAGES_IN_USE / 4, control: ctl.buffer, holdMs },
    });
    const reaches = (v: number, what: string) =>
      withTimeout(
        new Promise<void>((resolve) => {
          const poll = () => (Atomics.load(ctl, 1) === v ? resolve() : setTimeout(poll, 1));
          poll();
        }),
        what,
      );
    await reaches(1, 'the worker takes the lock');
    const finish = async () => {
      Atomics.store(ctl, 0, 1);
      Atomics.notify(ctl, 0);
      await reaches(2, 'the worker lets the lock go');
      await worker.terminate();
    };
    return { finish, worker };
  }

  it('waits for the lock, then finds nothing', { timeout: 30_000 }, async () => {
    const heap = createAllocator({ shared: true, variant, maxBytes: 64 << 20 });
    const blocks = [heap.malloc(100), heap.malloc(5000), heap.malloc(2 << 20)];
    const { finish } = await holdPageLock(heap, 400);
    const t0 = performance.now();
    heap.check();
    // It waited for the worker to let go (400 ms after it took the lock).
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    await finish();
    for (const p of blocks) heap.free(p);
    heap.check();
    expect(heap.stats().liveBlocks).toBe(0);
  });

  it('reports what a lock held past the wait guards (a worker that died holding it), and does not hang', { timeout: 30_000 }, async () => {
    const heap = createAllocator({ shared: true, variant, maxBytes: 64 << 20 });
    const p = heap.malloc(5000);
    const { finish } = await holdPageLock(heap, 0);
    const t0 = performance.now();
    expect(() => heap.check()).toThrow(/pages in use/);
    // Each walk waited its second for the page lock before it went on without it.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
    await finish();
    heap.check();
    heap.free(p);
    heap.check();
  });
});

describe('a worker terminated mid-run', () => {
  it('20 times: the survivors finish, reclaim recovers its locks and slabs, check() passes, bytesInUse is what the survivors hold', async () => {
    let exact = 0;
    let settled = 0;
    for (let round = 1; round <= 20; round++) {
      const run = start(3, 1000 + round, 1_000_000, 'hold');
      run.finished[0].catch(() => {}); // it is terminated on purpose
      // Let everyone get going, then kill worker 0 somewhere in its loop.
      await withTimeout(
        new Promise<void>((resolve) => {
          const poll = () => (run.ids.filter((x) => x !== undefined).length === 3 && Atomics.load(run.ctl, 8) > 200 ? resolve() : setTimeout(poll, 1));
          poll();
        }),
        `round ${round} start`,
      );
      await new Promise((r) => setTimeout(r, round % 7));
      await run.workers[0].terminate();
      const dead = run.ids[0];
      // Nonzero while worker 0 was inside a heap call: the slot it was working on, plus one.
      const flight = Atomics.load(run.ctl, 1);
      const inFlight = flight !== 0;
      if (!inFlight) settled++;
      const got = run.heap.reclaim(dead);
      expect(got.slabs + got.spans, `round ${round}: the dead worker owned slabs or spans`).toBeGreaterThan(0);
      // The survivors stop at their next check of the stop word, detach and report.
      await new Promise((r) => setTimeout(r, 20));
      Atomics.store(run.ctl, 15, 1);
      await withTimeout(Promise.all(run.finished.slice(1)), `round ${round} survivors`);
      // The dead worker's blocks are the application's to free (their contents may be half written). If it died inside
      // a heap call, its table may be one step behind: a block it was freeing may be free already, or sit in the hand-off table too.
      const tolerate = (free: () => void) => {
        try {
          free();
        } catch (e) {
          if (!(inFlight && e instanceof HeapError && e.code === 'DOUBLE_FREE')) throw e;
        }
      };
      // The slot it was working on is left alone: a block it was freeing (or handing over) may have been freed,
      // reused by a survivor and be the survivor's block now, so freeing it from here would free theirs.
      for (let i = 0; i < SLOTS; i++) {
        const p = Atomics.exchange(run.own, i, 0);
        if (p !== 0 && !(inFlight && i === flight - 1)) tolerate(() => run.heap.free(p));
      }
      for (let i = 0; i < HANDOFF; i++) {
        const p = Atomics.exchange(run.hand, i, 0);
        if (p !== 0) tolerate(() => verifyAndFree(run.heap, p));
      }
      run.heap.check();
      let held = 0;
      for (let i = SLOTS; i < 3 * SLOTS; i++) if (run.own[i] !== 0) held += run.heap.usableSize(run.own[i]);
      const inUse = run.heap.stats().bytesInUse;
      if (inUse === held) exact++;
      else {
        // Only a block the dead worker was taking when it died may be unaccounted for.
        expect(inFlight, `round ${round}: bytesInUse ${inUse}, survivors hold ${held}`).toBe(true);
        expect(inUse - held).toBeLessThanOrEqual(2 << 20);
      }
      for (let i = SLOTS; i < 3 * SLOTS; i++) if (run.own[i] !== 0) verifyAndFree(run.heap, run.own[i]);
      run.heap.check();
      await Promise.all(run.workers.map((w) => w.terminate()));
    }
    // A kill between a malloc marking its block live and returning it leaves a
    // block nobody knows: only such a round may miss (checked in each round
    // above), and every round that killed the worker outside a heap call
    // matched exactly. How many rounds land inside a call depends on the
    // machine's load (17 to 20 of 20 matched), so no count is asked for.
    expect(settled, 'some round killed the worker outside a heap call').toBeGreaterThan(0);
    expect(exact).toBeGreaterThanOrEqual(settled);
    console.log(`fault test: bytesInUse matched the survivors' blocks exactly in ${exact} of 20 rounds (${settled} killed outside a heap call)`);
  });
});

describe.each(['release', 'debug'] as const)('a tiny free by a worker that does not own the slab (%s)', (variant) => {
  it("goes straight to the owner's slab, not into the freeing worker's cache", () => {
    const a = createAllocator({ shared: true, variant, initialBytes: 4 << 20 });
    const b = attachAllocator(a.share()); // a second worker's attachment, driven from this thread
    const blocks = Array.from({ length: 8 }, () => a.malloc(48));
    const before = b.stats().boxes.superslab.remoteFrees as number;
    for (const p of blocks) b.free(p);
    expect((b.stats().boxes.superslab.remoteFrees as number) - before).toBe(blocks.length);
    for (const p of blocks) expect(() => b.free(p)).toThrow(expect.objectContaining({ code: 'DOUBLE_FREE' }));
    // b's blocks of that class come from its own slab: none of a's comes back to b.
    const mine = Array.from({ length: 8 }, () => b.malloc(48));
    for (const p of mine) expect(blocks).not.toContain(p);
    // a gets them back once its cache runs dry and it refills from the slab's remote list.
    const again = new Set<number>();
    for (let i = 0; i < 2048 && again.size < blocks.length; i++) {
      const p = a.malloc(48);
      if (blocks.includes(p)) again.add(p);
    }
    expect(again.size).toBe(blocks.length);
    a.check();
    b.detach();
  });
});

describe('reclaim after a death under the bigcache and page locks', () => {
  it('takes the page lock back first, so the large run left freed but uncached goes back to the pages', async () => {
    const w = new Worker(new URL('./workers/reclaim-order-worker.mjs', import.meta.url));
    try {
      const m = await withTimeout(
        new Promise<Record<string, unknown>>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
        'reclaim',
      );
      expect(m.got).toMatchObject({ locksBroken: 2 });
      expect(m.locks).toEqual([0, 0]);
      expect(m.liveBlocks).toBe(0);
      expect(m.bytesInUse).toBe(0);
    } finally {
      await w.terminate();
    }
  });
});
