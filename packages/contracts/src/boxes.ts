/** The six boxes a heap is made of, by the names the facade uses. */
export type BoxName = 'tlsSll' | 'superslab' | 'sharedPool' | 'bigcache' | 'frontGate' | 'midLargeAce';
export type Variant = 'release' | 'debug';

export const BOX_NAMES: readonly BoxName[] = ['tlsSll', 'superslab', 'sharedPool', 'bigcache', 'frontGate', 'midLargeAce'];

/** Counters every box reports in `stats().boxes`: plain numbers only. */
export type BoxCounters = Record<string, number | number[]>;
