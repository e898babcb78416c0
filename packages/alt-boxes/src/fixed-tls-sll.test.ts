import { TINY_CLASSES, TLS_SLL_STRIDE } from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { FixedTlsSll, fixedTlsSll, popFixed, pushFixed } from './fixed-tls-sll.js';

const block = (i: number) => 0x10000 + i * 16;

describe('fixed-capacity TLS cache', () => {
  it('pushes up to its capacity, then refuses; pops LIFO', () => {
    const t = new FixedTlsSll(3);
    expect([t.push(5, block(1)), t.push(5, block(2)), t.push(5, block(3))]).toEqual([true, true, true]);
    expect(t.push(5, block(4))).toBe(false);
    expect(t.count[5]).toBe(3);
    expect([t.pop(5), t.pop(5), t.pop(5), t.pop(5)]).toEqual([block(3), block(2), block(1), 0]);
    expect(t.counters()).toMatchObject({ pops: 3, pushes: 3 });
  });

  it('keeps every class at the same capacity through any number of refills and drains', () => {
    const t = new FixedTlsSll(4);
    const scratch = new Uint32Array(TLS_SLL_STRIDE);
    let next = 1;
    for (let round = 0; round < 50; round++) {
      const cls = round % TINY_CLASSES;
      // A miss: the facade asks how many to fetch and splices them in.
      const want = t.refillCount(cls);
      expect(want).toBe(4 - t.count[cls]);
      for (let i = 0; i < want; i++) scratch[i] = block(next++);
      t.splice(cls, scratch, want);
      while (t.pop(cls) !== 0);
      // Overflows: push until refused, drain, push again.
      for (let i = 0; i < 9; i++) if (!t.push(cls, block(next++))) {
        const out = t.drain(cls, scratch);
        expect(out).toBeGreaterThan(0);
        expect(t.push(cls, block(next++))).toBe(true);
      }
      expect(t.validate()).toBeNull();
    }
    expect(new Set(t.counters().capacities)).toEqual(new Set([4]));
    expect(t.counters().drains).toBeGreaterThan(0);
  });

  it('drain sends the older half back and keeps the newer', () => {
    const t = new FixedTlsSll(4);
    for (let i = 1; i <= 4; i++) t.push(0, block(i));
    const dest = new Uint32Array(8);
    expect(t.drain(0, dest)).toBe(2);
    expect(Array.from(dest.subarray(0, 2))).toEqual([block(1), block(2)]);
    expect([t.pop(0), t.pop(0), t.pop(0)]).toEqual([block(4), block(3), 0]);
  });

  it('with capacity 1 a drain empties the class, so the pending push fits', () => {
    const t = new FixedTlsSll(1);
    expect(t.push(2, block(1))).toBe(true);
    expect(t.push(2, block(2))).toBe(false);
    expect(t.drain(2, new Uint32Array(4))).toBe(1);
    expect(t.push(2, block(2))).toBe(true);
  });

  it('drainAll empties a class and reports every block', () => {
    const t = new FixedTlsSll(8);
    for (let i = 1; i <= 5; i++) t.push(7, block(i));
    const dest = new Uint32Array(8);
    expect(t.drainAll(7, dest)).toBe(5);
    expect(t.count[7]).toBe(0);
    expect(t.counters()).toMatchObject({ blocksDrained: 5, cachedBlocks: 0 });
  });

  it('validate reports a changed capacity, a block cached twice and a misaligned block', () => {
    const t = new FixedTlsSll(4);
    t.capacity[3] = 5;
    expect(t.validate()).toMatch(/capacity 5 is not the fixed 4/);
    t.capacity[3] = 4;
    t.push(3, block(1));
    t.push(3, block(1));
    expect(t.validate()).toMatch(/twice/);
    t.drainAll(3, new Uint32Array(4));
    t.push(3, block(1) + 8);
    expect(t.validate()).toMatch(/misaligned/);
  });

  it('rejects a capacity outside [1, TLS_SLL_STRIDE]', () => {
    for (const bad of [0, -1, 1.5, TLS_SLL_STRIDE + 1, NaN]) {
      expect(() => new FixedTlsSll(bad)).toThrow(RangeError);
      expect(() => fixedTlsSll(bad)).toThrow(RangeError);
    }
  });

  it('fixedTlsSll(n) is an implementation whose class takes no arguments and whose hot functions drive its arrays', () => {
    const impl = fixedTlsSll(2);
    const t = new impl.TlsCache();
    expect(Array.from(t.capacity)).toEqual(new Array(TINY_CLASSES).fill(2));
    expect(impl.pushBlock(t.count, t.capacity, t.slots, t.ops, 1, block(9))).toBe(true);
    expect(impl.popBlock(t.count, t.slots, t.ops, 1)).toBe(block(9));
    expect(impl.popBlock).toBe(popFixed);
    expect(impl.pushBlock).toBe(pushFixed);
    expect(impl.variant).toBe('release');
  });
});
