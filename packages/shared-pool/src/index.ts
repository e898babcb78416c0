export { SharedPool } from './shared-pool.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
