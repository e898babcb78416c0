/**
 * Build-time switch. tsup replaces it with `true` in a package's `./debug`
 * bundle and `false` in its release bundle, so validation guarded by it is
 * dropped from release code entirely. Vitest defines it from HAKMEM_DEBUG
 * when a package's tests run against its source.
 */
declare const __HAKMEM_DEBUG__: boolean;
