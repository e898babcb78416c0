/**
 * Indexes into a TLS cache's `ops` array (fast-path pops and pushes), in a
 * file of their own: esbuild inlines constants imported from another file
 * but keeps a file's own top-level constants as bindings, which V8 would
 * load from a module cell on every call of the hot path.
 */
export const OP_POPS = 0;
export const OP_PUSHES = 1;
