import { describe, expect, it } from 'vitest';
import { drainRemoteInto, pushRemote } from './block-list.js';

describe.each([false, true])('block lists (shared: %s)', (shared) => {
  const setup = () => {
    const buf = shared ? new SharedArrayBuffer(4096) : new ArrayBuffer(4096);
    return new Uint32Array(buf);
  };
  const REMOTE = 1;
  const FREE = 2;

  it('pushRemote builds a LIFO chain through the blocks first words', () => {
    const u32 = setup();
    for (const b of [64, 128, 192]) pushRemote(u32, REMOTE, b, shared);
    expect(u32[REMOTE]).toBe(192);
    expect(u32[192 >>> 2]).toBe(128);
    expect(u32[128 >>> 2]).toBe(64);
    expect(u32[64 >>> 2]).toBe(0);
  });

  it('drainRemoteInto moves every block onto the free list, empties the remote list, and counts them', () => {
    const u32 = setup();
    u32[FREE] = 512; // an existing free block
    u32[512 >>> 2] = 0;
    for (const b of [64, 128, 192]) pushRemote(u32, REMOTE, b, shared);
    expect(drainRemoteInto(u32, REMOTE, FREE, shared)).toBe(3);
    expect(u32[REMOTE]).toBe(0);
    const seen: number[] = [];
    for (let p = u32[FREE]; p !== 0; p = u32[p >>> 2]) seen.push(p);
    expect(seen.sort((a, b) => a - b)).toEqual([64, 128, 192, 512]);
    expect(drainRemoteInto(u32, REMOTE, FREE, shared)).toBe(0);
  });
});
