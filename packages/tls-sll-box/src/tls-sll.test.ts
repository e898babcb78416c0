import { HeapError } from '@hakmem/contracts';
import {
  TINY_CLASSES,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { TlsSll } from './tls-sll.js';

describe(`tls-sll cache (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it('is LIFO per class and empty until filled', () => {
    const c = new TlsSll();
    expect(c.pop(3)).toBe(0);
    expect(c.push(3, 0x10000)).toBe(true);
    expect(c.push(3, 0x10010)).toBe(true);
    expect(c.pop(3)).toBe(0x10010);
    expect(c.pop(3)).toBe(0x10000);
    expect(c.pop(3)).toBe(0);
    expect(c.validate()).toBeNull();
  });

  it('refuses a push at capacity, and a drain makes room keeping the newest blocks', () => {
    const c = new TlsSll();
    const cap = c.capacity[0];
    for (let i = 0; i < cap; i++) expect(c.push(0, 0x10000 + i * 16)).toBe(true);
    expect(c.push(0, 0x90000)).toBe(false);
    const out = new Uint32Array(512);
    const n = c.drain(0, out);
    expect(n).toBeGreaterThan(0);
    expect(out[0]).toBe(0x10000); // the oldest goes first
    expect(c.push(0, 0x90000)).toBe(true);
    expect(c.pop(0)).toBe(0x90000);
    expect(c.count[0] + n + 1).toBe(cap + 1 - 0);
  });

  it('grows a class that misses and shrinks one that only overflows', () => {
    const c = new TlsSll();
    const start = c.capacity[5];
    c.refillCount(5);
    expect(c.capacity[5]).toBe(Math.min(start * 2, c.maxCapacity[5]));
    const out = new Uint32Array(512);
    const before = c.capacity[5];
    c.drain(5, out);
    c.drain(5, out);
    expect(c.capacity[5]).toBeLessThan(before);
    expect(c.counters().capacityShrinks).toBe(1);
  });

  it('splices a refill batch on top', () => {
    const c = new TlsSll();
    c.splice(2, Uint32Array.of(0x20000, 0x20030, 0x20060), 3);
    expect(c.pop(2)).toBe(0x20060);
    expect(c.cached()).toBe(2);
  });

  it('in the debug build, rejects a block cached twice or misaligned; release trusts its caller', () => {
    const c = new TlsSll();
    c.push(1, 0x30000);
    if (__HAKMEM_DEBUG__) {
      expect(() => c.push(1, 0x30000)).toThrow(HeapError);
      expect(() => c.push(1, 0x30008)).toThrow(/aligned/);
      expect(() => c.pop(TINY_CLASSES)).toThrow(/out of range/);
    } else {
      expect(c.push(1, 0x30000)).toBe(true);
      expect(c.validate()).toMatch(/twice/); // check() still finds it
    }
  });
});
