export { TlsSll, popBlock, pushBlock, STRIDE as TLS_SLL_STRIDE, OP_POPS, OP_PUSHES, type TlsSllCounters } from './tls-sll.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
