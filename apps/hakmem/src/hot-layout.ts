/**
 * Layout constants the facade's tiny fast paths use, as literals in a file
 * of their own: esbuild inlines a literal constant imported from another
 * file, but left layout.ts's SS_BITMAP a module binding, which V8 loads on
 * every call (measured: ~0.6 ns per W2-64 iteration). test/hot-layout.test.ts
 * holds them equal to contracts/layout.ts.
 */

/** = SS_BITMAP: offset of a SuperSlab's live bitmap from its start. */
export const LIVE_BITMAP = 2048;
