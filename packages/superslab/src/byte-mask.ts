/**
 * All eight bits of a live-bitmap byte: `~bit & BYTE_BITS_MASK` is the mask
 * that clears `bit` from its byte (clearLiveShared).
 *
 * In a module of its own, with no imports, because esbuild inlines a constant
 * into the release bundle only across modules like this one: a `const` in a
 * module that imports values stays a variable read, even in a hot function.
 */
export const BYTE_BITS_MASK = 0xff;
