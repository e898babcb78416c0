export { TlsSll, popBlock, pushBlock, type TlsSllCounters } from './tls-sll.js';
export { OP_POPS as TLS_OP_POPS, OP_PUSHES as TLS_OP_PUSHES } from './cache-layout.js';
export { TLS_SLL_STRIDE } from '@hakmem/contracts/layout';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
