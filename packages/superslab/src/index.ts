export { Superslab, markLive, markLiveShared, clearLive, clearLiveShared, slabRecordOf, slabDataStart, slabIndexOf, validateSuperslab, BLOCK_GUARD, type SuperslabWalk } from './superslab.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
