export { MidAce } from './mid-ace.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
export { BLOCK_GUARD } from './block-guard.js';
export { spanOccupancy, type SpanOccupancy } from './occupancy.js';
