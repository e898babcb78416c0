/**
 * The one place the facade restates box layouts: the numbers its written-out
 * private fast path (HeapCore `malloc`/`free`) uses, as literals in a file of
 * their own so that esbuild inlines them. That path runs only when the
 * built-in release TLS cache, SuperSlab and front gate do (HeapCore's
 * constructor checks the builds' identity); any other build or user box goes
 * through the boxes' own hot functions. test/hot-layout.test.ts holds every
 * number here to the box that owns it (its exports and its own hot
 * functions), so a box that changes its layout fails that test, not the heap.
 *
 * Why not call the boxes' `popState`/`pushState`/`markLiveWord`/
 * `clearLiveWord` and the layout's decoders: each call loads a module
 * binding and checks its target even when V8 inlines it, and the six of them
 * cost 3 ns of a 9.5 ns W2-64 iteration (process CPU time, min of 5 passes,
 * 3 processes; docs/ARCHITECTURE.md "Hot-path decisions").
 */

/** tls-sll-box TLS_STATE_COUNT_AT: where `count` starts in the cache's `state` view. */
export const TLS_COUNT_AT = 16384;
/** tls-sll-box TLS_STATE_CAPACITY_AT: where `capacity` starts in `state`. */
export const TLS_CAPACITY_AT = 16416;
/** tls-sll-box TLS_SLL_STRIDE: class `c`'s stack starts at `state[c * TLS_STRIDE]`. */
export const TLS_STRIDE = 512;
/** superslab: a SuperSlab's live bitmap starts this many bytes into it (SS_BITMAP). */
export const LIVE_BITMAP = 2048;
/** superslab, shared heaps: a granule's remote-freed word is this many u32 words after its live word (REMOTE_FROM_LIVE / 4). */
export const REMOTE_WORDS = 13824;
/** superslab: slab records start this many bytes into a SuperSlab (SS_SLAB_META), SLAB_RECORD_BYTES each (SLAB_META_BYTES). */
export const SLAB_RECORDS = 64;
export const SLAB_RECORD_BYTES = 64;
/** superslab: `offset >>> SLAB_SHIFT` is the slab of an offset in its SuperSlab (a slab is one 64 KiB page: PAGE_SHIFT). */
export const SLAB_SHIFT = 16;
/** superslab: a slab record's owner word (SM_OWNER), which `ownerOf` reads. */
export const SLAB_OWNER = 28;
/** superslab: `ptr & SUPERSLAB_MASK` is the offset in its 1 MiB SuperSlab (SS_MASK). */
export const SUPERSLAB_MASK = 0xfffff;
/** superslab: `offset >>> LIVE_WORD_SHIFT` is the u32 word of the bitmap holding a granule's bit (one bit per 16 B). */
export const LIVE_WORD_SHIFT = 9;
/** superslab: `(ptr >>> GRANULE_BITS) & LIVE_BIT_MASK` is the granule's bit in that word (little-endian). */
export const GRANULE_BITS = 4;
export const LIVE_BIT_MASK = 31;
/** Page words (layout.ts): the kind in the low 4 bits, PK_TINY's class in bits 8..15. */
export const KIND_MASK = 15;
export const KIND_TINY = 2;
export const CLASS_SHIFT = 8;
export const CLASS_MASK = 0xff;
