/**
 * Shape of a worker's tiny cache. In a file of its own because esbuild
 * inlines constants imported from another file but keeps a file's own
 * top-level constants as bindings, which V8 then loads from a module cell on
 * every call of the hot path. For the same reason it imports nothing: an
 * import here makes esbuild keep even its literal constants as bindings.
 */

/** TINY_CLASSES and TLS_SLL_STRIDE of @hakmem/contracts/layout, restated (see above; a test keeps them equal). */
const CLASSES = 40;
const STRIDE = 512;

/** Indexes into `ops`: fast-path pops and pushes (a Float64Array, exact past 2^32). */
export const OP_POPS = 0;
export const OP_PUSHES = 1;

/**
 * `TlsCache.state`: one Uint32Array over the cache's whole buffer. `slots` is
 * its start; `count` and `capacity` (one word per class each) follow. The
 * facade's written-out fast paths use this single view, so a pop or push
 * pays one typed array's map, detach and bounds checks instead of three.
 */
export const STATE_COUNT_AT = CLASSES * STRIDE;
export const STATE_CAPACITY_AT = STATE_COUNT_AT + CLASSES;
export const STATE_WORDS = STATE_CAPACITY_AT + CLASSES;

/** Index in `state` of class `cls`'s block count. */
export const stateCountIndex = (cls: number): number => STATE_COUNT_AT + cls;
/** Index in `state` of class `cls`'s capacity. */
export const stateCapacityIndex = (cls: number): number => STATE_CAPACITY_AT + cls;
/** Index in `state` (and in `slots`) of class `cls`'s `n`-th cached block from the bottom of its stack. */
export const stateSlotIndex = (cls: number, n: number): number => cls * STRIDE + n;
