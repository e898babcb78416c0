export { MidAce } from './mid-ace.js';
export { validateSpan, type SpanWalk } from './span-walk.js';
export { validateLiveRun } from './run-classes.js';
export { MID_FREE_OK, MID_FREE_DOUBLE, MID_FREE_INVALID, MidLargeAce, spanStart } from './deprecated.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
export { BLOCK_GUARD } from './block-guard.js';
export { spanOccupancy, type SpanOccupancy } from './occupancy.js';
