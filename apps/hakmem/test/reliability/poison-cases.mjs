// Case 7 of issue 10 (debug build): a write into freed memory is reported even
// after the block's slab, span or run went back to the page layer (or sits in
// a cache), by the next check(); and when those pages are handed out again,
// by that malloc or by the next check(). Controls without the write make sure
// neither report is a false alarm.
import { HeapError, createAllocator } from '../../dist/index.js';
import { BUILDS, MiB, expectBlock, fill, thrown } from './lib.mjs';

function freedBlocks(build, size, count) {
  const h = createAllocator({ ...BUILDS[build], maxBytes: 256 * MiB });
  const ptrs = [];
  for (let i = 0; i < count; i++) {
    const p = h.malloc(size);
    expectBlock(h, p, size, `malloc(${size}) #${i}`);
    fill(h, p, size, 0x11);
    ptrs.push(p);
  }
  for (const p of ptrs) h.free(p);
  return { h, first: ptrs[0] };
}

function writeInto(h, at) {
  const u8 = new Uint8Array(h.memory.buffer);
  u8[at] ^= 0xff; // whatever the poison byte is, this one now differs from it
}

const isCorruption = (t) => t.threw && t.error instanceof HeapError && t.error.code === 'CORRUPTION';

/** One byte written into the first freed block; check() must throw CORRUPTION. */
export function writeThenCheck({ build, size, count, offset }) {
  const { h, first } = freedBlocks(build, size, count);
  const at = first + (offset === 'middle' ? Math.floor(size / 2) : offset);
  writeInto(h, at);
  const t = thrown(() => h.check());
  if (!isCorruption(t)) throw new Error(`a write at ${at} (+${at - first}) into a freed ${size} B block (${count} freed) went unnoticed: check() gave ${t.text}`);
  return t.text;
}

/** The write, then the same blocks allocated again: that malloc or the next check() must throw CORRUPTION. */
export function writeThenReuse({ build, size, count, offset }) {
  const { h, first } = freedBlocks(build, size, count);
  const at = first + (offset === 'middle' ? Math.floor(size / 2) : offset);
  writeInto(h, at);
  for (let i = 0; i < count; i++) {
    const t = thrown(() => h.malloc(size));
    if (isCorruption(t)) return `malloc #${i}: ${t.text}`;
    if (t.threw) throw new Error(`malloc(${size}) #${i} after the write threw ${t.text}, want a block or CORRUPTION`);
  }
  const t = thrown(() => h.check());
  if (!isCorruption(t)) throw new Error(`a write at +${at - first} into a freed ${size} B block went unnoticed: ${count} mallocs of ${size} handed the memory out again and check() gave ${t.text}`);
  return `check(): ${t.text}`;
}

/** Control: the same without the write; check() passes, the blocks are handed out again, check() passes. */
export function noWriteNoAlarm({ build, size, count }) {
  const { h } = freedBlocks(build, size, count);
  h.check();
  for (let i = 0; i < count; i++) expectBlock(h, h.malloc(size), size, `malloc(${size}) #${i} again`);
  h.check();
}
