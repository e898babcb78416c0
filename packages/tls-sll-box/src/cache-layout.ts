/**
 * Shape of a worker's tiny cache. In a file of its own because esbuild
 * inlines constants imported from another file but keeps a file's own
 * top-level constants as bindings, which V8 then loads from a module cell on
 * every call of the hot path.
 */

/** Indexes into `ops`: fast-path pops and pushes (a Float64Array, exact past 2^32). */
export const OP_POPS = 0;
export const OP_PUSHES = 1;

/**
 * `TlsSll.state`: one Uint32Array over the cache's whole buffer. `slots` is
 * its start; `count` and `capacity` (one word per class each) follow. The
 * facade's written-out fast paths use this single view, so a pop or push
 * pays one typed array's map, detach and bounds checks instead of three.
 */
export const STATE_COUNT_AT = 32 * 512;
export const STATE_CAPACITY_AT = STATE_COUNT_AT + 32;
export const STATE_WORDS = STATE_CAPACITY_AT + 32;
