/**
 * Layout constants the facade's tiny fast paths use, as literals in a file
 * of their own: esbuild inlines a literal constant imported from another
 * file, but left layout.ts's SS_BITMAP a module binding, which V8 loads on
 * every call (measured: ~0.6 ns per W2-64 iteration). test/hot-layout.test.ts
 * holds them equal to what they restate.
 */

/** = SS_BITMAP: offset of a SuperSlab's live bitmap from its start. */
export const LIVE_BITMAP = 2048;
/** = TLS_STATE_COUNT_AT of the built-in TLS cache: where `count` starts in its `state` view. */
export const TLS_COUNT_AT = 16384;
/** = TLS_STATE_CAPACITY_AT: where `capacity` starts in `state`. */
export const TLS_CAPACITY_AT = 16416;
