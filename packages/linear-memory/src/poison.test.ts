import { describe, expect, it } from 'vitest';
import { GUARD_BYTE, GUARD_BYTES } from '@hakmem/contracts/layout';
import { fillBytes, fillWords, findChangedByte, findChangedWord, guardBreach, writeGuard } from './poison.js';

describe('debug block patterns', () => {
  const i32 = new Int32Array(64);
  const u8 = new Uint8Array(i32.buffer);
  const P = 0xa5a5a5a5;

  it.each([
    [0, 64],
    [4, 64],
    [8, 60],
    [4, 12],
    [12, 16],
  ])('fills [%i, %i) with the pattern and finds every changed byte in it, and none outside', (from, to) => {
    u8.fill(0);
    fillWords(i32, from, to, P);
    expect(findChangedWord(i32, from, to, P)).toBe(-1);
    for (let b = 0; b < u8.length; b++) expect(u8[b] === 0xa5, `byte ${b}`).toBe(b >= from && b < to);
    for (let b = from; b < to; b++) {
      u8[b] ^= 1;
      expect(findChangedWord(i32, from, to, P)).toBe(b & ~3);
      u8[b] ^= 1;
    }
  });

  it('byte helpers write and check a guard', () => {
    u8.fill(0);
    fillBytes(u8, 16, 32, 0xfd);
    expect(findChangedByte(u8, 16, 32, 0xfd)).toBe(-1);
    u8[31] = 0;
    expect(findChangedByte(u8, 16, 32, 0xfd)).toBe(31);
    expect(findChangedByte(u8, 15, 32, 0xfd)).toBe(15);
  });
});

describe('block-level patterns', () => {
  it('writeGuard / guardBreach find the first changed address', () => {
    const buf = new ArrayBuffer(4096);
    const u8 = new Uint8Array(buf);
    writeGuard(u8, 512, 64);
    expect(guardBreach(u8, 512, 64)).toBe(-1);
    u8[512 + 64 - GUARD_BYTES] = 0;
    expect(guardBreach(u8, 512, 64)).toBe(512 + 64 - GUARD_BYTES);
  });

  it('the guard is written and checked whole, and a change at any of its bytes is named exactly', () => {
    const u8 = new Uint8Array(new ArrayBuffer(4096));
    for (let k = 0; k < GUARD_BYTES; k++) {
      u8.fill(0);
      writeGuard(u8, 1024, 48);
      expect(Array.from(u8.subarray(1024 + 48 - GUARD_BYTES, 1024 + 48))).toEqual(new Array(GUARD_BYTES).fill(GUARD_BYTE));
      expect(u8[1024 + 48 - GUARD_BYTES - 1]).toBe(0);
      expect(u8[1024 + 48]).toBe(0);
      u8[1024 + 48 - GUARD_BYTES + k] ^= 0x40;
      expect(guardBreach(u8, 1024, 48)).toBe(1024 + 48 - GUARD_BYTES + k);
    }
  });
});
