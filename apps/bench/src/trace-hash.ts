/** FNV-1a's 32-bit prime: a good spread from one multiply. */
export const FNV_PRIME = 0x01000193;

/**
 * One step of the order-sensitive checksum of a workload trace, folding in
 * one (slot, size) draw. Multiplies and xors only: an add here overflowed
 * int32 in the W5 loop and made V8 deoptimize it mid-run.
 */
export function traceStep(h: number, slot: number, size: number): number {
  return Math.imul(Math.imul(h ^ slot, FNV_PRIME) ^ size, FNV_PRIME);
}
