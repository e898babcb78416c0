import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Shadow } from './helpers.js';
import { heapFor, SUITES } from './suites.js';

type Op =
  | { op: 'malloc'; size: number }
  | { op: 'calloc'; count: number; size: number }
  | { op: 'realloc'; pick: number; size: number }
  | { op: 'aligned'; align: number; size: number }
  | { op: 'free'; pick: number };

const sizeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 1100 }) },
  { weight: 3, arbitrary: fc.integer({ min: 1000, max: 70_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65_536, max: 1_200_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000_000, max: 3_000_000 }) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: sizeArb.map((size) => ({ op: 'malloc' as const, size })) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('calloc' as const), count: fc.integer({ min: 0, max: 64 }), size: fc.integer({ min: 0, max: 200 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('realloc' as const), pick: fc.nat(), size: sizeArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('aligned' as const), align: fc.integer({ min: 3, max: 16 }).map((e) => 1 << e), size: fc.integer({ min: 0, max: 100_000 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat() }) },
);

// One definition for every mix of builds: `pnpm test` runs it in full for
// all-release and all-debug, `pnpm test:matrix` quickly for all 64 mixes.
for (const suite of SUITES) describe(`shadow-model properties (${suite.label})`, () => {
  const { quick } = suite;

  it('random malloc/calloc/realloc/alignedAlloc/free sequences keep every block intact and the counts exact', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 250 }), (ops) => {
        const heap = heapFor(suite, { maxBytes: 128 << 20 });
        const shadow = new Shadow(heap);
        const live = () => [...shadow.blocks.keys()];
        for (const o of ops) {
          if (o.op === 'malloc') shadow.add(heap.malloc(o.size), o.size);
          else if (o.op === 'calloc') {
            const n = o.count * o.size;
            const p = heap.calloc(o.count, o.size);
            const u8 = new Uint8Array(heap.memory.buffer, p, n);
            expect(u8.every((b) => b === 0)).toBe(true);
            shadow.add(p, n);
          } else if (o.op === 'aligned') {
            const p = heap.alignedAlloc(o.align, o.size);
            expect(p % o.align).toBe(0);
            shadow.add(p, o.size);
          } else if (o.op === 'free') {
            const ptrs = live();
            if (ptrs.length > 0) shadow.free(ptrs[o.pick % ptrs.length]);
          } else {
            const ptrs = live();
            if (ptrs.length === 0) continue;
            const old = shadow.remove(ptrs[o.pick % ptrs.length]);
            const p = heap.realloc(old.ptr, o.size);
            if (o.size === 0) {
              expect(p).toBe(0);
              continue;
            }
            // The kept prefix must have moved with the block.
            shadow.verify({ ...old, ptr: p }, Math.min(old.size, o.size));
            shadow.add(p, o.size);
          }
          expect(heap.stats().liveBlocks).toBe(shadow.blocks.size);
        }
        expect(heap.stats().bytesInUse).toBe(shadow.liveBytes());
        heap.check();
        shadow.freeAll();
        expect(heap.stats().liveBlocks).toBe(0);
        heap.check();
      }),
      { numRuns: quick ? 6 : 60 },
    );
  });

  it('calloc returns zeroed memory even when it reuses dirty blocks', () => {
    const heap = heapFor(suite);
    for (const size of [16, 100, 1024, 4000, 70_000, 2_000_000]) {
      const blocks = quick ? 3 : 8;
      const ps = Array.from({ length: blocks }, () => heap.malloc(size));
      for (const p of ps) new Uint8Array(heap.memory.buffer, p, size).fill(0xab);
      for (const p of ps) heap.free(p);
      for (let i = 0; i < blocks; i++) {
        const p = heap.calloc(1, size);
        expect(new Uint8Array(heap.memory.buffer, p, size).every((b) => b === 0)).toBe(true);
        heap.free(p);
      }
    }
    heap.check();
  });
});
