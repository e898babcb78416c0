/**
 * The size buckets of BigCache's cached runs: four per power of two of the
 * page count from 16 pages; below 16 is bucket 0, 3584 and up the last.
 *
 * This module imports nothing and holds only `const`s with literal values
 * and arrows: esbuild inlines a bundled `const` as a literal only from a
 * module without imports (and only before the bundle's first hoisted
 * function declaration), and these are read on every BigCache operation.
 */

/** Four buckets per power of two: the two bits below the highest set bit pick one. */
const SUB_BITS = 2;
/** `(1 << SUB_BITS) - 1`. */
const SUB_MASK = 3;
/** Runs below 2^BUCKET_FIRST_LOG2 (16) pages share bucket 0; from 2^BUCKET_LAST_LOG2 pages on they share the last. */
const BUCKET_FIRST_LOG2 = 4;
/** `1 << BUCKET_FIRST_LOG2`. */
const BUCKET_FIRST_PAGES = 16;
const BUCKET_LAST_LOG2 = 12;
/** Highest bit index of a u32: `HIGH_BIT - Math.clz32(n)` is floor(log2 n). */
export const HIGH_BIT = 31;
/** Runs of the request's own bucket looked at before going to a larger bucket (the last bucket, unbounded above, is walked whole). */
export const SAME_BUCKET_PROBES = 4;
/** BC_BUCKET_COUNT - 1 (layout.ts; a test holds them together). */
export const LAST_BUCKET = 31;

/** Size bucket of a run of `n` pages (see above). */
export const bucketOf = (n: number): number => {
  if (n < BUCKET_FIRST_PAGES) return 0;
  const fl = HIGH_BIT - Math.clz32(n);
  return fl >= BUCKET_LAST_LOG2 ? LAST_BUCKET : ((fl - BUCKET_FIRST_LOG2) << SUB_BITS) | ((n >>> (fl - SUB_BITS)) & SUB_MASK);
};

/**
 * A cached run serves a request of at least 1/SPLIT_RATIO of its pages
 * whole; a longer one is split (`BigCache.alloc`). The slack pages are
 * address space, not memory, unless the user writes there: a run's pages
 * are committed by the OS when first touched. On W6 (1..8 MiB blocks) 4
 * measured: page faults a 50,000-iteration pass 650-1200 → 20-40, and the
 * heap's end 711 → 608 MiB (tails cut off and merged in the page layer had
 * fragmented it). Here rather than in bigcache.ts so that it is inlined.
 */
export const SPLIT_RATIO = 4;

/**
 * A run goes out whole only while the heap could still grow by this many
 * times its slack (BigCache.alloc): with 64 MiB of heap, a cached 8 MiB run
 * handed whole to a 2 MiB request left room for 28 more 2 MiB blocks
 * instead of 31. At 16, W6's heap (2 GiB of room, at most 21 MiB of slack)
 * always hands out whole.
 */
export const SLACK_HEADROOM = 16;
