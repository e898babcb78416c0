/**
 * Shape of a worker's mid class caches (AceCache.state). In a file of its
 * own, importing nothing, because esbuild inlines constants imported from
 * another file but keeps a file's own top-level constants (and, once the
 * file imports anything, even its literals) as module bindings, which V8
 * loads from a module cell on every use on the hot path.
 */

/** MID_CLASSES of @hakmem/contracts/layout, restated (see above; a test keeps them equal). */
const CLASSES = 64;

/** Slots per class (class c's stack starts at state[c * STRIDE]): the largest capacity. */
export const STRIDE = 64;

/**
 * `AceCache.state`: one Uint32Array over the cache's whole buffer, so that
 * a cache pop or push (the box's and the facade's written-out one) pays one
 * typed array's map, detach and bounds checks. `slots` is its start; then,
 * one word per class each, the block count, the limit (a free pushes while
 * the count is below it; AceCache keeps every class's limit within its
 * capacity and all of them within the byte budget) and the hits of the
 * class's current adaptation window. Frees pushed onto a cache are not
 * counted, nor are the cached bytes: AceCache derives both.
 */
export const STATE_COUNT_AT = CLASSES * STRIDE;
export const STATE_LIMIT_AT = STATE_COUNT_AT + CLASSES;
export const STATE_HITS_AT = STATE_LIMIT_AT + CLASSES;
export const STATE_WORDS = STATE_HITS_AT + CLASSES;
