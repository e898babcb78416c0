/**
 * `hakmem/debug`: the facade with only the debug (validated) build of each
 * box; `variant` defaults to `'debug'` here. Its API is `hakmem`'s; the build
 * swaps `box-builds.ts` for `box-builds.debug.ts` (apps/hakmem/tsup.config.ts).
 * Asking it for a release build is a RangeError.
 */
import { createAllocator as createWithBuildsOfThisEntry, type Allocator } from './index.js';
import type { AllocatorOptions } from './options.js';

export * from './index.js';

/**
 * Creates a heap whose boxes all run their debug build (`variant` defaults
 * to `'debug'`; every other option as in `hakmem`).
 *
 * @example
 * ```ts
 * import { createAllocator } from 'hakmem/debug'
 * const heap = createAllocator({ maxBytes: 64 << 20 })
 * heap.variant // 'debug'
 * ```
 */
export function createAllocator(options?: AllocatorOptions): Allocator {
  // Only an object without its own `variant` gets the default; anything else
  // goes through unchanged so the option checks report it as `hakmem` does.
  if (options === undefined) return createWithBuildsOfThisEntry({ variant: 'debug' });
  if (typeof options === 'object' && options !== null && options.variant === undefined)
    return createWithBuildsOfThisEntry({ ...options, variant: 'debug' });
  return createWithBuildsOfThisEntry(options);
}
