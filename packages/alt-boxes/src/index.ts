export { FixedTlsSll, fixedTlsSll, popFixed, pushFixed, FIXED_TLS_DEFAULT_CAPACITY } from './fixed-tls-sll.js';
export { UncachedBigCache, uncachedBigCache } from './uncached-bigcache.js';
export { BitmapSuperslab, bitmapSuperslab } from './bitmap-superslab.js';
export { bitmapCapacity } from './bitmap-layout.js';
