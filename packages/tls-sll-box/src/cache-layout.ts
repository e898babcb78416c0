/**
 * Shape of a worker's tiny cache. In a file of its own because esbuild
 * inlines constants imported from another file but keeps a file's own
 * top-level constants as bindings, which V8 then loads from a module cell on
 * every call of the hot path.
 */

/** Indexes into `ops`: fast-path pops and pushes (a Float64Array, exact past 2^32). */
export const OP_POPS = 0;
export const OP_PUSHES = 1;
