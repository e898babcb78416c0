export { TlsSll, STRIDE as TLS_SLL_STRIDE, type TlsSllCounters } from './tls-sll.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
