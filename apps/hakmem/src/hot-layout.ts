/**
 * The one place the facade restates box layouts: the numbers its written-out
 * private fast path (HeapCore `malloc`/`free`) uses, as literals in a file of
 * their own so that esbuild inlines them. That path runs only when the
 * built-in release TLS cache, SuperSlab and front gate do (HeapCore's
 * constructor checks the builds' identity); any other build or user box goes
 * through the boxes' own hot functions. Likewise the mid span path
 * (HeapCore `mallocMidLarge`/`freeOther`, the MID_* and SPAN_* numbers
 * below) runs only over the built-in release mid box and front gate in a
 * private heap, and anything else goes through `MidAce.malloc`/`free`. test/hot-layout.test.ts holds every
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
export const TLS_COUNT_AT = 20480;
/** tls-sll-box TLS_STATE_CAPACITY_AT: where `capacity` starts in `state`. */
export const TLS_CAPACITY_AT = 20520;
/** tls-sll-box TLS_SLL_STRIDE: class `c`'s stack starts at `state[c * TLS_STRIDE]`. */
export const TLS_STRIDE = 512;
/** superslab: a SuperSlab's live bitmap starts this many bytes into it (SS_BITMAP). */
export const LIVE_BITMAP = 2048;
/** superslab, shared heaps: a granule's remote-freed word is this many u32 words after its live word (REMOTE_FROM_LIVE / 4). */
export const REMOTE_WORDS = 13824;
/** superslab: the live bitmap's first u32 word from the SuperSlab's (SS_BITMAP / 4). */
export const LIVE_BITMAP_WORD = 512;
/**
 * superslab: u32 index, from the SuperSlab's first, of slab 0's owner word
 * ((SS_SLAB_META + SM_OWNER) / 4; `ownerOf` reads it). Slab s's is
 * 16·s words on (SLAB_META_BYTES / 4), which is `word & SLAB_OF_WORD` for
 * its PK_TINY page word (slab index in bits 4..7).
 */
export const SLAB_OWNER_WORD = 23;
export const SLAB_OF_WORD = 0xf0;
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

/** mid-large-ace cache-layout.ts: the class caches' `state` view (STRIDE, STATE_*_AT). */
export const MID_STRIDE = 64;
export const MID_COUNT_AT = 4096;
export const MID_LIMIT_AT = 4160;
export const MID_HITS_AT = 4224;
/** layout.ts MID_FIRST_RUN_CLASS: mid classes below it are span classes. */
export const MID_SPAN_CLASSES = 48;
/** Page words (layout.ts): PK_MID_SPAN, and its distance to the span's head page in bits 4..7. */
export const KIND_MID_SPAN = 4;
export const DIST_SHIFT = 4;
export const DIST_MASK = 15;
/** Span header (layout.ts SPAN_HEADER_BYTES, SP_CARVED, SP_BITMAP): blocks start after it; the carved count's and the live bitmap's byte offsets in it. */
export const SPAN_HEADER = 64;
export const SPAN_CARVED = 8;
export const SPAN_BITMAP = 32;

/*
 * The written-out debug tiny path (HeapCore `mallocDebugFlat`/`freeDebugFlat`),
 * over the built-in debug TLS cache, SuperSlab and front gate in a private
 * heap: the records those builds' checks read, and the patterns they write.
 */
/** superslab: the SuperSlab header's magic word (SS_MAGIC_VALUE, at SS_MAGIC = 0, the SuperSlab's first u32). */
export const SS_MAGIC_WORD = 0x53535342;
/** superslab: slab s's record starts RECORDS_WORD + s·RECORD_WORDS u32 words into its SuperSlab (SS_SLAB_META / 4, SLAB_META_BYTES / 4). */
export const RECORDS_WORD = 16;
export const RECORD_WORDS = 16;
/** superslab: the record's class, state and carved-count words (SM_CLASS / 4, SM_STATE / 4, SM_CARVED / 4). */
export const RECORD_CLASS = 0;
export const RECORD_STATE = 1;
export const RECORD_CARVED = 3;
/** superslab: a record's state while the slab hands out blocks (SLAB_ACTIVE). */
export const STATE_ACTIVE = 1;
/** superslab: slab 0's blocks start this many bytes into the SuperSlab (SS_HEADER_BYTES); slab s > 0's at its page. */
export const SLAB0_DATA = 10240;
/** Page words (layout.ts pageSlab): a PK_TINY word's slab index, `(word >>> SLAB_SHIFT) & SLAB_MASK`. */
export const SLAB_SHIFT = 4;
export const SLAB_MASK = 15;
/** superslab debug BLOCK_GUARD (GUARD_BYTES): the guard's bytes at each block's end, as u32 words of GUARD_BYTE (0xfd). */
export const GUARD_BYTES_DEBUG = 16;
export const GUARD_WORD = 0xfdfdfdfd;
/** The debug boxes' poison (POISON_WORD), which the TLS cache's debug build fills a cached block with. */
export const POISON = 0xa5a5a5a5;
/** tls-sll-box debug `cachedBits`: a block's bit is bit `(ptr >>> GRANULE_BITS) & LIVE_BIT_MASK` of word `ptr >>> CACHED_WORD_SHIFT`. */
export const CACHED_WORD_SHIFT = 9;
