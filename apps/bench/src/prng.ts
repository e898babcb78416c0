/**
 * xorshift32 as workloads.md defines it (`x ^= x << 13; x ^= x >>> 17;
 * x ^= x << 5`, unsigned, seed 42), in a form V8 keeps on its int32 path.
 *
 * The state is held as an int32 bit pattern: every step is a 32-bit
 * bitwise op, so the bits equal the unsigned reference. The draw `u % n`
 * (u unsigned) is the problem: `(x >>> 0) % n` makes a value above 2^31,
 * which V8 turns into a double and a float modulus. `below` splits u into
 * its top 31 bits and its low bit, u = 2h + b with h < 2^31, so
 * u % n = (2 (h % n) + b) % n: two int32 moduli, exact for n <= 2^30.
 * Measured on Node 20.20 (AMD EPYC), 2 draws per iteration, 20M iterations:
 * `(x >>> 0) % n` 29-33 ns/iteration, `below` 4.6-6.9 ns, same results
 * (test/prng.test.ts checks exactness against the unsigned reference).
 */

/** The seed every workload uses unless it says otherwise. */
export const SEED = 42;

/** Largest `n` for which `below` is exact: `2 (h % n) + 1` must stay an int32. */
export const MAX_RANGE = 2 ** 30;

/** One xorshift32 step on an int32 bit pattern. */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x;
}

/** `(x as unsigned) % n` for 0 < n <= MAX_RANGE, in int32 arithmetic only. */
export function below(x: number, n: number): number {
  return ((((x >>> 1) % n) << 1) + (x & 1)) % n;
}

/**
 * The literal reference: unsigned state, `%` on numbers up to 2^32. Slow,
 * used only outside timed loops to check the fast form.
 */
export function referenceNext(x: number): number {
  x = (x ^ (x << 13)) >>> 0;
  x = (x ^ (x >>> 17)) >>> 0;
  x = (x ^ (x << 5)) >>> 0;
  return x;
}
