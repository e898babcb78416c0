import { describe, expect, it } from 'vitest';
import type { Adapter } from '../src/adapter.js';
import {
  CTL_LENGTH,
  LARSON_SLOTS,
  LarsonCorrectnessError,
  barrier,
  freeGroup,
  groupOf,
  larsonCheckedRound,
  larsonRound,
  type LarsonState,
} from '../src/larson-loop.js';
import { ADAPTER_NAMES, larsonUnsupported, loadAdapter, runsOn } from '../src/registry.js';
import { larsonScaling, sharedOverPrivate, summarize } from '../src/summary.js';
import { selectWorkloads } from '../src/workloads.js';
import type { RunRecord } from '../src/child-protocol.js';

describe('W4 slot groups', () => {
  it.each([1, 2, 4])('with %i workers, each round is a permutation and worker i takes the group of worker i-1', (t) => {
    for (let r = 0; r < 8; r++) {
      const groups = Array.from({ length: t }, (_, i) => groupOf(i, r, t));
      expect(new Set(groups).size).toBe(t);
      for (let i = 0; i < t; i++) expect(groupOf(i, r + 1, t)).toBe(groupOf((i - 1 + t) % t, r, t));
    }
  });

  it('selects one row per worker count under --workloads W4', () => {
    expect(selectWorkloads(['W4']).map((w) => [w.id, w.workers])).toEqual([['W4-1', 1], ['W4-2', 2], ['W4-4', 4]]);
  });

  it('runs every allocator with one worker and only shareable ones with more', () => {
    for (const a of ADAPTER_NAMES) expect(larsonUnsupported(a, 1)).toBeNull();
    expect(larsonUnsupported('hakmem', 4)).toBeNull();
    expect(larsonUnsupported('ceiling', 2)).toBeNull();
    expect(larsonUnsupported('floor', 2)).toMatch(/single heap only/);
    expect(larsonUnsupported('hakmem-private', 2)).toMatch(/single heap only/);
  });

  it('runs hakmem-private on W4-1 only, and every other allocator everywhere', () => {
    const ids = selectWorkloads(['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7']).map((w) => w.id);
    expect(ids.filter((id) => runsOn('hakmem-private', id))).toEqual(['W4-1']);
    for (const a of ADAPTER_NAMES) if (a !== 'hakmem-private') expect(ids.every((id) => runsOn(a, id))).toBe(true);
  });
});

describe('the barrier', () => {
  it('passes at once for a single worker, generation after generation', () => {
    const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_LENGTH));
    for (let k = 0; k < 3; k++) barrier(ctl, 1);
    expect(ctl[1]).toBe(3);
    expect(ctl[0]).toBe(0);
  });
});

/** Rounds with rotating groups in one thread: the frees of each round hit blocks the previous "worker" allocated. */
function rotate(a: Adapter, t: number, rounds: number, checked: boolean): LarsonState[] {
  const slots = new Int32Array(t * LARSON_SLOTS);
  const tags = new Uint8Array(t * LARSON_SLOTS);
  const states = Array.from({ length: t }, (_, i): LarsonState => ({ x: 42 + i, replacements: 0, failures: 0 }));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < t; i++) {
      const base = groupOf(i, r, t) * LARSON_SLOTS;
      if (checked) larsonCheckedRound(a, slots, tags, base, states[i], 2 * LARSON_SLOTS);
      else larsonRound(a, slots, base, states[i], performance.now() + 5);
    }
  }
  for (let g = 0; g < t; g++) freeGroup(a, slots, g * LARSON_SLOTS, checked ? tags : null);
  expect(slots.every((p) => p === 0)).toBe(true);
  return states;
}

describe.each(['floor', 'hakmem', 'hakmem-debug'] as const)('larson rounds on %s', (name) => {
  it('verify every freed block and leave nothing live', async () => {
    const { create } = await loadAdapter(name);
    const a = await create({ maxSize: 128, slots: 2 * LARSON_SLOTS });
    const states = rotate(a, 2, 4, true);
    expect(states.every((s) => s.replacements === 4 * 2 * LARSON_SLOTS)).toBe(true);
    const timed = rotate(a, 2, 2, false);
    expect(timed.every((s) => s.replacements > 0 && s.failures === 0)).toBe(true);
    if (name !== 'floor') expect((a.stats() as { liveBlocks: number }).liveBlocks).toBe(0);
    a.dispose();
  });
});

describe('the larson check', () => {
  it('catches an allocator that hands out a live block again', async () => {
    const { create } = await loadAdapter('floor');
    const real = await create({ maxSize: 128, slots: 64 });
    let n = 0;
    let last = 0;
    const broken: Adapter = Object.assign(Object.create(Object.getPrototypeOf(real) as object) as Adapter, real, {
      malloc(size: number): number {
        // Every third malloc returns the previous block again, still live.
        if (++n % 3 === 0 && last !== 0) return last;
        last = real.malloc(size);
        return last;
      },
      free(): void {},
    });
    expect(() => rotate(broken, 2, 2, true)).toThrow(LarsonCorrectnessError);
  });
});

describe('W4 scaling', () => {
  it('divides each allocator\'s T-worker median by its one-worker median', () => {
    const rec = (workload: string, alloc: 'hakmem' | 'floor', rate: number): RunRecord =>
      ({ ok: true, workload, alloc, rep: 1, iterations: 1, iterationsPerSec: rate, truncated: false, failures: 0, traceOk: true, overhead: null }) as unknown as RunRecord;
    const runs = [rec('W4-1', 'hakmem', 10), rec('W4-2', 'hakmem', 18), rec('W4-4', 'hakmem', 15), rec('W4-1', 'floor', 30)];
    const cells = summarize(selectWorkloads(['W4']), ['floor', 'hakmem'], runs, []);
    expect(cells.find((c) => c.workload === 'W4-2' && c.alloc === 'floor')?.unsupported).toMatch(/single heap only/);
    expect(larsonScaling(cells)).toEqual([
      { alloc: 'hakmem', workers: 2, ratio: 1.8 },
      { alloc: 'hakmem', workers: 4, ratio: 1.5 },
    ]);
  });

  it("gives the shared heap's one-worker cost as hakmem ÷ hakmem-private on W4-1, and no cell for hakmem-private elsewhere", () => {
    const rec = (workload: string, alloc: 'hakmem' | 'hakmem-private', rate: number): RunRecord =>
      ({ ok: true, workload, alloc, rep: 1, iterations: 1, iterationsPerSec: rate, truncated: false, failures: 0, traceOk: true, overhead: null }) as unknown as RunRecord;
    const runs = [rec('W4-1', 'hakmem', 9), rec('W4-2', 'hakmem', 16), rec('W4-1', 'hakmem-private', 10)];
    const cells = summarize(selectWorkloads(['W4']), ['hakmem', 'hakmem-private'], runs, []);
    expect(cells.filter((c) => c.alloc === 'hakmem-private').map((c) => c.workload)).toEqual(['W4-1']);
    expect(sharedOverPrivate(cells)).toBeCloseTo(0.9, 12);
    expect(sharedOverPrivate(cells.filter((c) => c.alloc !== 'hakmem-private'))).toBeNull();
  });
});
