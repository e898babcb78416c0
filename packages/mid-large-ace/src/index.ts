export { MidLargeAce, spanStart, validateSpan, validateLiveRun, MID_FREE_OK, MID_FREE_DOUBLE, MID_FREE_INVALID, type SpanWalk } from './mid-large-ace.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
export { BLOCK_GUARD } from './block-guard.js';
export { spanOccupancy, type SpanOccupancy } from './occupancy.js';
