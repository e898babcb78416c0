import type { Adapter, AdapterFactory } from '../adapter.js';
import type { AdapterAbout } from './about.js';

/** The address every malloc returns: non-zero (0 means "no block") and 16-aligned. */
const FIXED_PTR = 64;

export const about: AdapterAbout = {
  peer: null,
  options: 'loop ceiling: malloc returns one fixed pointer, free does nothing; what the loop itself costs',
};

/**
 * The loop ceiling: an "allocator" that does nothing. Its rate is the most
 * any adapter can reach in this harness; every other row pays this much
 * plus its own work.
 */
class CeilingAdapter implements Adapter {
  readonly name = 'ceiling';
  readonly distinctBlocks = false;
  readonly align = 16;
  private readonly bytes: Uint8Array;

  constructor(maxSize: number) {
    // Room for the one block, so the byte write is a real store like everyone else's.
    this.bytes = new Uint8Array(FIXED_PTR + Math.max(maxSize, 1));
  }

  malloc(_size: number): number {
    return FIXED_PTR;
  }

  free(_ptr: number): void {}

  writeByte(ptr: number, offset: number, value: number): void {
    this.bytes[ptr + offset] = value;
  }

  readByte(ptr: number, offset: number): number {
    return this.bytes[ptr + offset];
  }

  bytesTaken(): number {
    return 0;
  }

  stats(): unknown {
    return null;
  }

  dispose(): void {}
}

export const create: AdapterFactory = async (opts) => new CeilingAdapter(opts.maxSize);
