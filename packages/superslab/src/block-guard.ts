import {
  GUARD_BYTES,
} from '@hakmem/contracts/layout';

/**
 * Bytes at the end of every block that this build keeps as a guard: a
 * block's usable size is its class size minus this. 0 in release; in debug
 * the facade picks the class for `size + BLOCK_GUARD`. In a file of its own
 * so that esbuild inlines it as a literal (see tls-sll-box/src/cache-layout.ts).
 */
export const BLOCK_GUARD: number = __HAKMEM_DEBUG__ ? GUARD_BYTES : 0;
