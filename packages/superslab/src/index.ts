export { Superslab, markLive, markLiveShared, clearLive, clearLiveShared, slabRecordOf, slabDataStart, slabIndexOf, validateSuperslab, type SuperslabWalk } from './superslab.js';
export { BLOCK_GUARD } from './block-guard.js';
export { slabOccupancy, type SlabOccupancy } from './occupancy.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
