/**
 * The free-run index's buckets and word layout (free-runs.ts has the
 * design). This module imports nothing and holds only `const`s with literal
 * values and arrows: esbuild inlines a bundled `const` as a literal only from
 * a module without imports (and only before the bundle's first hoisted
 * function declaration), and the page layer reads these on every run it
 * takes or gives back.
 */
export const RUN_BUCKETS = 60;
/** Mask words of the index area: RUN_BUCKETS bits. */
export const MASK_WORDS = 2;
/** Bytes of the index area: the mask words and the bucket heads, rounded to 64 (a cache line). */
export const RUN_INDEX_BYTES = 256;
/** A link is an absolute page below MAX_PAGES (2^16): next in the low half, previous in the high half. */
export const LINK_SHIFT = 16;
export const LINK_MASK = 0xffff;
export const HIGH_LINK_MASK = 0xffff0000;
/** Runs of its own bucket a request looks at before taking the next non-empty bucket's head. */
export const SAME_BUCKET_PROBES = 4;
/** Page counts below this have a bucket each (b = n - 1). */
const EXACT_PAGES = 4;
/** Two bits below the highest set bit pick one of four buckets per power of two. */
const SUB_BITS = 2;
/** `(1 << SUB_BITS) - 1`. */
const SUB_MASK = 3;
/** `(k << SUB_BITS) + sub - BUCKET_BIAS` is the bucket of a count with highest bit k ≥ 2 (4 → bucket 3). */
const BUCKET_BIAS = 5;
/** Highest bit index of a u32: `HIGH_BIT - Math.clz32(x)` is floor(log2 x). */
export const HIGH_BIT = 31;

/** The bucket of a free run of `n` pages (1..65536). Monotone: a run in a higher bucket is longer than any run in a lower one. */
export const runBucket = (n: number): number => {
  if (n < EXACT_PAGES) return n - 1;
  const k = HIGH_BIT - Math.clz32(n);
  return (k << SUB_BITS) + ((n >>> (k - SUB_BITS)) & SUB_MASK) - BUCKET_BIAS;
};

/** The smallest page count of bucket `b` (tests and `validate`). */
export const bucketFirstPages = (b: number): number => {
  if (b < EXACT_PAGES - 1) return b + 1;
  const k = (b + BUCKET_BIAS) >>> SUB_BITS;
  const sub = (b + BUCKET_BIAS) & SUB_MASK;
  return (1 << k) + (sub << (k - SUB_BITS));
};
