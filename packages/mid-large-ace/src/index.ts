export { MidAce } from './mid-ace.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
export { BLOCK_GUARD } from './block-guard.js';
export { spanOccupancy, type SpanOccupancy } from './occupancy.js';
/** The cache view's layout and the span classes' 1/size table: what the facade's written-out fast path restates (its hot-layout test holds it to these). */
export { STRIDE, STATE_COUNT_AT, STATE_HITS_AT, STATE_LIMIT_AT, STATE_WORDS } from './cache-layout.js';
export { MID_INVERSE } from './span-classes.js';
