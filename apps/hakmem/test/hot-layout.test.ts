import { SS_BITMAP, TINY_CLASSES, TLS_SLL_STRIDE } from '@hakmem/contracts/layout';
import { TlsSll, TLS_STATE_CAPACITY_AT, TLS_STATE_COUNT_AT } from '@hakmem/tls-sll-box';
import { describe, expect, it } from 'vitest';
import { LIVE_BITMAP, TLS_CAPACITY_AT, TLS_COUNT_AT } from '../src/hot-layout.js';

describe('hot-layout', () => {
  it('restates contracts/layout.ts and the TLS cache layout exactly', () => {
    expect(LIVE_BITMAP).toBe(SS_BITMAP);
    expect(TLS_COUNT_AT).toBe(TLS_STATE_COUNT_AT);
    expect(TLS_CAPACITY_AT).toBe(TLS_STATE_CAPACITY_AT);
    expect(TLS_COUNT_AT).toBe(TINY_CLASSES * TLS_SLL_STRIDE);
  });

  it('the TLS state view aliases slots, count and capacity', () => {
    const t = new TlsSll();
    t.push(3, 4096);
    expect(t.state[TLS_COUNT_AT + 3]).toBe(1);
    expect(t.state[3 * TLS_SLL_STRIDE]).toBe(4096);
    expect(t.state[TLS_CAPACITY_AT + 3]).toBe(t.capacity[3]);
    t.state[TLS_CAPACITY_AT + 5] = 7;
    expect(t.capacity[5]).toBe(7);
  });

  it('the live bitmap read as little-endian words is the byte bitmap', () => {
    // The private fast paths set and clear live bits through u32 words; every box reads them as bytes.
    const w = new Uint32Array([1 << 9]);
    expect(new Uint8Array(w.buffer)[1]).toBe(2);
  });
});
