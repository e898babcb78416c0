export { BigCache } from './bigcache.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
export { BLOCK_GUARD } from './run-guard.js';
