/**
 * `hakmem/release`: the facade with only the release build of each box.
 * Its API is `hakmem`'s; the build swaps `box-builds.ts` for
 * `box-builds.release.ts` (apps/hakmem/tsup.config.ts), so a bundler that
 * follows this entry never sees debug code. Asking it for a debug build
 * (`variant: 'debug'`, `boxes: { x: 'debug' }`, or attaching to a heap made
 * with one) is a RangeError.
 */
export * from './index.js';
