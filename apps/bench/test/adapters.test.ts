import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAdapter, CorrectnessError } from '../src/correctness.js';
import { freeAll, runMixedLoop } from '../src/mixed-loop.js';
import { runOverheadLoop } from '../src/overhead-loop.js';
import { SEED } from '../src/prng.js';
import { referenceTrace } from '../src/reference-trace.js';
import { loadAdapter, type AdapterName } from '../src/registry.js';
import { WORKLOADS, type Workload } from '../src/workloads.js';

/** Every adapter the CLI can run, hakmem's two builds included (the test task builds hakmem first). */
const UNDER_TEST: AdapterName[] = ['ceiling', 'floor', 'thing', 'as-tlsf', 'dlmalloc', 'gc', 'hakmem', 'hakmem-debug'];

/**
 * Every workload's shape, W6 on fewer slots: its check writes each page
 * of 64 blocks of up to 8 MiB, more memory than a unit test should touch.
 * W4's rows share one shape; its worker runs are in larson.test.ts.
 */
const SHAPES: Workload[] = WORKLOADS.filter((w) => (w.workers ?? 1) === 1).map((w) => (w.id === 'W6' ? { ...w, slots: 8 } : w));

const packageDir = fileURLToPath(new URL('..', import.meta.url));

beforeAll(() => {
  // as-tlsf loads the module the build makes; build just that when the
  // tests run before `pnpm build` did.
  if (!existsSync(new URL('../dist/tlsf.wasm', import.meta.url))) {
    execFileSync(
      process.execPath,
      ['node_modules/assemblyscript/bin/asc.js', 'src/peers/tlsf.as.ts', '-O3', '--runtime', 'minimal', '--noAssert', '-o', 'dist/tlsf.wasm'],
      { cwd: packageDir, stdio: 'inherit' },
    );
  }
}, 60_000);

describe.each(UNDER_TEST)('%s adapter', (name) => {
  it.each(SHAPES.map((w) => [w.id, w] as const))('passes the correctness check on %s', async (_id, w) => {
    const { create } = await loadAdapter(name);
    const a = await create({ maxSize: w.maxSize, slots: w.slots });
    checkAdapter(a, w, SEED);
    expect(a.bytesTaken()).toBeGreaterThanOrEqual(0);
    expect(() => JSON.stringify(a.stats())).not.toThrow();
    a.dispose();
  });

  it('draws the reference trace in the timed loop and frees every block', async () => {
    const w = SHAPES.find((s) => s.id === 'W1') as Workload;
    const { create } = await loadAdapter(name);
    const a = await create({ maxSize: w.maxSize, slots: w.slots });
    const slots = new Int32Array(w.slots);
    const r = runMixedLoop(a, slots, w.minSize, w.maxSize, 20_000, SEED, Number.POSITIVE_INFINITY);
    expect(r.iterations).toBe(20_000);
    expect(r.failures).toBe(0);
    expect(r.truncated).toBe(false);
    expect(r.trace).toBe(referenceTrace(w.slots, w.minSize, w.maxSize, r.iterations, SEED));
    freeAll(a, slots);
    expect(slots.every((p) => p === 0)).toBe(true);
    a.dispose();
  });

  it.each(['W5', 'W7'])('reports peaks for %s', async (id) => {
    const w = SHAPES.find((s) => s.id === id) as Workload;
    const { create } = await loadAdapter(name);
    const a = await create({ maxSize: w.maxSize, slots: w.slots });
    const slots = new Int32Array(w.slots);
    const r = runOverheadLoop(a, slots, w.minSize, w.maxSize, 5_000, SEED, Number.POSITIVE_INFINITY);
    // The loop samples every 1024 iterations; the caller takes the last sample.
    const peakTaken = Math.max(r.peakBytesTaken, a.bytesTaken());
    expect(r.peakLiveBytes).toBeGreaterThan(0);
    expect(r.trace).toBe(referenceTrace(w.slots, w.minSize, w.maxSize, r.iterations, SEED));
    if (name === 'ceiling') expect(peakTaken).toBe(0);
    else if (name !== 'gc') expect(peakTaken).toBeGreaterThanOrEqual(r.peakLiveBytes);
    freeAll(a, slots);
    a.dispose();
  });
});

describe('the correctness check', () => {
  it('catches blocks that overlap', async () => {
    const { create } = await loadAdapter('floor');
    const real = await create({ maxSize: 64, slots: 64 });
    // Hands out each address twice: every second block overlaps the one before.
    let flip = false;
    let last = 0;
    const broken = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'malloc') {
          return (size: number) => {
            flip = !flip;
            if (!flip) return last;
            last = target.malloc(size);
            return last;
          };
        }
        if (prop === 'free') return () => {};
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
      },
    });
    expect(() => checkAdapter(broken, { slots: 64, minSize: 16, maxSize: 64 }, SEED)).toThrow(CorrectnessError);
  });
});

describe('the thing adapter', () => {
  it('frees every slot at once into the same bytes as one pool.free per slot', async () => {
    const { create } = await loadAdapter('thing');
    const shape = { maxSize: 1040, slots: 4096 };
    const one = await create(shape);
    const bulk = await create(shape);
    const slotsOne = new Int32Array(shape.slots);
    const slotsBulk = new Int32Array(shape.slots);
    // The loop frees as it goes, so the free list is not empty before the
    // bulk free, and a block outside the slots must stay on the used list.
    for (const [a, slots] of [[one, slotsOne], [bulk, slotsBulk]] as const) {
      runMixedLoop(a, slots, 16, 1040, 6_000, SEED, Number.POSITIVE_INFINITY);
      expect(a.malloc(200)).not.toBe(0);
      runMixedLoop(a, slots.subarray(0, 1024), 16, 1040, 2_000, SEED + 1, Number.POSITIVE_INFINITY);
    }
    expect(slotsBulk).toEqual(slotsOne);
    for (const p of slotsOne) if (p !== 0) one.free(p);
    expect(bulk.freeSlots).toBeTypeOf('function');
    freeAll(bulk, slotsBulk);
    expect(slotsBulk.every((p) => p === 0)).toBe(true);
    const bytes = (a: unknown): Buffer => {
      const u8 = (a as { bytes: Uint8Array }).bytes;
      return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
    };
    expect(Buffer.compare(bytes(bulk), bytes(one))).toBe(0);
    expect(bulk.stats()).toEqual(one.stats());
    expect((bulk.stats() as { used: { count: number } }).used.count).toBe(1);
  });
});
