export { Superslab, markLive, markLiveShared, clearLive, clearLiveShared, markLiveWord, clearLiveWord, ownerOf } from './superslab.js';
/**
 * Address arithmetic of SuperSlabs, from `@hakmem/contracts/layout` (the layout's own accessors, re-exported
 * because the facade and older callers import them from here). `slabIndexOf(ptr)` takes an address in the
 * slab; `slabIndexOfRecord(slab)` takes a slab record.
 */
export { slabRecordOf, slabDataStart, slabIndexOf, slabIndexOfRecord } from '@hakmem/contracts/layout';
export { BLOCK_GUARD } from './block-guard.js';
export { slabOccupancy, type SlabOccupancy } from './occupancy.js';
export const variant: 'release' | 'debug' = __HAKMEM_DEBUG__ ? 'debug' : 'release';
