import type { Adapter } from './adapter.js';
import { below, xorshift32 } from './prng.js';
import { referenceDraws } from './reference-trace.js';

/** The part of a workload the check needs. */
export interface TraceShape {
  readonly slots: number;
  readonly minSize: number;
  readonly maxSize: number;
}

/** A broken adapter or trace, with the step where it showed. */
export class CorrectnessError extends Error {
  override readonly name = 'CorrectnessError';
}

/** Short enough to add well under a second to a child, long enough to reuse every slot a few times. */
const CHECK_MAX_SLOTS = 256;
/** Fewer slots for big blocks (W6: 8 of 64), so the check touches at most this much memory. */
const CHECK_MAX_LIVE_BYTES = 64 * 1024 * 1024;
const CHECK_MIN_SLOTS = 4;
/**
 * Draws per slot. Three reuse most slots at least twice (1 - 4e^-3 = 80%),
 * which is what catches a block handed out twice; the CLI's probe runs the
 * same check once per allocator before anything is timed. Eight rounds made
 * the check a third of a hakmem child's time (fill and verify go byte by
 * byte through the adapter, still unoptimized that early).
 */
const CHECK_ROUNDS = 3;
/** Blocks up to this size are checked byte by byte; larger ones at their ends and once per page. */
const FULL_CHECK_BYTES = 4096;
const EDGE_BYTES = 256;
const PAGE_BYTES = 4096;

/**
 * Checks an adapter on a short version of a workload's trace before it is
 * timed: the fast PRNG draws the same (slot, size) sequence as the literal
 * unsigned reference; every pointer is non-zero and aligned; every live
 * block holds its own pattern until it is freed, so overlapping blocks or
 * a block handed out twice show as a mismatch. Throws CorrectnessError.
 */
export function checkAdapter(a: Adapter, shape: TraceShape, seed: number): void {
  const ws = Math.min(shape.slots, CHECK_MAX_SLOTS, Math.max(CHECK_MIN_SLOTS, Math.floor(CHECK_MAX_LIVE_BYTES / shape.maxSize)));
  const iterations = ws * CHECK_ROUNDS;
  checkDraws(ws, shape, iterations, seed);

  const ptrs = new Int32Array(ws);
  const sizes = new Int32Array(ws);
  const tags = new Int32Array(ws);
  let x = seed | 0;
  for (let i = 0; i < iterations; i++) {
    x = xorshift32(x);
    const s = below(x, ws);
    x = xorshift32(x);
    const size = shape.minSize + below(x, shape.maxSize - shape.minSize + 1);
    if (ptrs[s] !== 0) {
      verifyBlock(a, ptrs[s], sizes[s], tags[s], i);
      a.free(ptrs[s]);
    }
    const p = a.malloc(size);
    if (p === 0) throw new CorrectnessError(`${a.name}: malloc(${size}) returned 0 at check iteration ${i}`);
    if ((p >>> 0) % a.align !== 0) {
      throw new CorrectnessError(`${a.name}: malloc(${size}) returned ${p >>> 0}, not a multiple of ${a.align}`);
    }
    ptrs[s] = p;
    sizes[s] = size;
    tags[s] = (i * 13 + s) & 255;
    fillBlock(a, p, size, tags[s]);
  }
  for (let s = 0; s < ws; s++) {
    if (ptrs[s] === 0) continue;
    verifyBlock(a, ptrs[s], sizes[s], tags[s], iterations);
    a.free(ptrs[s]);
  }
}

function checkDraws(ws: number, shape: TraceShape, count: number, seed: number): void {
  const ref = referenceDraws(ws, shape.minSize, shape.maxSize, count, seed);
  const span = shape.maxSize - shape.minSize + 1;
  let x = seed | 0;
  for (let i = 0; i < count; i++) {
    x = xorshift32(x);
    const s = below(x, ws);
    x = xorshift32(x);
    const size = shape.minSize + below(x, span);
    if (s !== ref[2 * i] || size !== ref[2 * i + 1]) {
      throw new CorrectnessError(
        `PRNG draw ${i}: fast form gave slot ${s} size ${size}, reference slot ${ref[2 * i]} size ${ref[2 * i + 1]}`,
      );
    }
  }
}

/** The byte a block with `tag` holds at `offset`: differs between neighbours and along the block. */
function patternAt(tag: number, offset: number): number {
  return (tag + offset * 7 + (offset >>> 8)) & 255;
}

/** Calls `visit` on each checked offset of a block of `size` bytes. */
function checkedOffsets(size: number, visit: (offset: number) => void): void {
  if (size <= FULL_CHECK_BYTES) {
    for (let o = 0; o < size; o++) visit(o);
    return;
  }
  for (let o = 0; o < EDGE_BYTES; o++) visit(o);
  for (let o = EDGE_BYTES; o < size - EDGE_BYTES; o += PAGE_BYTES) visit(o);
  for (let o = size - EDGE_BYTES; o < size; o++) visit(o);
}

function fillBlock(a: Adapter, p: number, size: number, tag: number): void {
  if (!a.distinctBlocks) {
    a.writeByte(p, 0, tag);
    return;
  }
  checkedOffsets(size, (o) => a.writeByte(p, o, patternAt(tag, o)));
}

function verifyBlock(a: Adapter, p: number, size: number, tag: number, step: number): void {
  if (!a.distinctBlocks) return;
  checkedOffsets(size, (o) => {
    const got = a.readByte(p, o);
    const want = patternAt(tag, o);
    if (got !== want) {
      throw new CorrectnessError(
        `${a.name}: block ${p >>> 0} (${size} B) byte ${o} is ${got}, expected ${want} at check iteration ${step}: blocks overlap or a live block was reused`,
      );
    }
  });
}
