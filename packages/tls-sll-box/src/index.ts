export { TlsCache, popBlock, pushBlock, popState, pushState, type TlsCacheCounters } from './tls-sll.js';
export { OP_POPS as TLS_OP_POPS, OP_PUSHES as TLS_OP_PUSHES, STATE_CAPACITY_AT as TLS_STATE_CAPACITY_AT, STATE_COUNT_AT as TLS_STATE_COUNT_AT } from './cache-layout.js';
export { stateCountIndex, stateCapacityIndex, stateSlotIndex } from './cache-layout.js';
export { TLS_SLL_STRIDE } from '@hakmem/contracts/layout';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
export type { CacheMemory } from './cache-checks.js';
