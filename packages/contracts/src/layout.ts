/**
 * The heap's layout inside the linear memory. Every box reads and writes the
 * same words, so their offsets are the contract between boxes; they live here
 * and nowhere else.
 *
 * Glossary
 * - page: 64 KiB, the WebAssembly page and the page table's granule.
 * - region: [base, limit) where base = heapBase rounded up to a page. The
 *   first pages of the region hold the metadata zone (never handed out).
 * - page table: one u32 word per page of the region (kind + payload).
 * - SuperSlab: 16 pages aligned to 1 MiB, cut into 16 single-class slabs of
 *   one page each; its header (slab metadata + allocation bitmap) sits at the
 *   start of slab 0. It reserves the 1 MiB of addresses but holds only slab
 *   0's page and the pages of its slabs in use (isUnusedSlabPageWord).
 * - span: a run of pages holding blocks of one mid size class, with a 64-byte
 *   header at its start.
 * - run: a run of whole pages handed out as one block (mid page classes and
 *   large blocks); its state lives in the page table only.
 *
 * All addresses stored in memory are absolute byte offsets (u32), 0 = none.
 */

/** WebAssembly's page size; the page table tracks memory at this grain. */
export const PAGE_SHIFT = 16;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;
/** Highest page count of a 32-bit linear memory. */
export const MAX_PAGES = 65536;

/** Every block starts on a 16-byte granule, so typed-array views of any width fit. */
export const GRANULE_SHIFT = 4;
export const GRANULE = 1 << GRANULE_SHIFT;

/** Bytes of a u32 word: every offset below is in bytes, and `offset / WORD_BYTES` (or `>>> WORD_SHIFT`) indexes a Uint32Array. */
export const WORD_BYTES = 4;
export const WORD_SHIFT = 2;
/** Bits of a u32 word, for bitmaps kept a word at a time. */
export const WORD_BITS = 32;
/** The SuperSlab live bitmap (SS_BITMAP): a byte covers 8 granules; `(ptr & SS_MASK) >>> LIVE_BYTE_SHIFT` is the byte of `ptr`'s bit, `(ptr >>> GRANULE_SHIFT) & LIVE_BIT_MASK` the bit. */
export const LIVE_BYTE_SHIFT = GRANULE_SHIFT + 3;
export const LIVE_BIT_MASK = 7;

/** A SuperSlab is 1 MiB: 16 one-page slabs, aligned so `ptr - (ptr & SS_MASK)` finds its header. */
export const SS_SHIFT = 20;
export const SS_SIZE = 1 << SS_SHIFT;
export const SS_MASK = SS_SIZE - 1;
export const SS_PAGES = SS_SIZE >>> PAGE_SHIFT;
export const SLABS_PER_SS = SS_PAGES;
export const SLAB_SIZE = PAGE_SIZE;

/** Largest tiny size: above it, blocks come from the mid-large ACE box. */
export const TINY_MAX = 1024;
/** Largest mid size: above it, blocks are BigCache page runs. */
export const MID_MAX = 1 << 20;
/** First mid class that is a whole-page run rather than a span class (see size-classes.ts). */
export const MID_FIRST_RUN_CLASS = 48;
export const TINY_CLASSES = 40;
/**
 * Slots per tiny class in a worker's TLS cache: class c's stack starts at
 * c * TLS_SLL_STRIDE. The facade reads cached blocks through this layout, so
 * it is part of every TLS box's contract (a user implementation's too).
 */
export const TLS_SLL_STRIDE = 512;

// ---------------------------------------------------------------------------
// Page table words. Low 4 bits: kind. The rest depends on the kind.
// ---------------------------------------------------------------------------

/** Not used by any box: free, or beyond the heap's current end. */
export const PK_FREE = 0;
/** Metadata zone. */
export const PK_META = 1;
/** An active tiny slab: bits 4..7 slab index in its SuperSlab, bits 8..15 class. */
export const PK_TINY = 2;
/** A page of a SuperSlab whose slab holds no class (UNUSED). */
export const PK_SS_SPARE = 3;
/** A page of a mid span: bits 4..7 distance from the span's head page, bits 8..15 mid class. */
export const PK_MID_SPAN = 4;
/** Head page of a run handed out as one block: bits 8..31 page count. */
export const PK_RUN_LIVE = 5;
/** Head page of a run held free in a cache: bits 8..31 page count. */
export const PK_RUN_FREE = 6;
/** Any page of a run after its head. */
export const PK_RUN_BODY = 7;

/** Taken by the page layer for a caller that has not stamped it yet; bits 8+ hold the taker's worker id. */
export const PK_RESERVED = 8;
export const PK_KIND_MASK = 15;

export const tinyPageWord = (cls: number, slab: number): number => PK_TINY | (slab << 4) | (cls << 8);

/**
 * Memory of freed pages. A page that goes back keeps, until it is handed out
 * again, what it last held: so a second free of a block whose slab, span or
 * run went back is still named a double free, and a debug box's poison is
 * still checked when the page is taken again.
 *
 * A free page word (kind PK_FREE) holds the word the page had (its low 27
 * bits, which hold every kind, class, distance and page count) from bit 5,
 * and FREE_POISONED when a debug box filled the page with POISON_WORD as it
 * gave it back. A PK_SS_SPARE word of a slab that held a class keeps that
 * class and slab index (as in its tiny word) with SPARE_HAD_CLASS.
 */
export const FREE_POISONED = 1 << 4;
const FORMER_SHIFT = 5;
const FORMER_MASK = 0x7ffffff;
export const SPARE_HAD_CLASS = 1 << 16;
export const freePageWord = (former: number, poisoned: boolean): number => (PK_FREE | (poisoned ? FREE_POISONED : 0) | ((former & FORMER_MASK) << FORMER_SHIFT)) >>> 0;
/** The word a free page had before it came back (0 when it never held anything). */
export const formerWord = (free: number): number => free >>> FORMER_SHIFT;
/** The PK_SS_SPARE word for a slab leaving `tinyWord` (its class is remembered; a fresh spare slab has none). */
export const spareSlabWord = (tinyWord: number): number => ((tinyWord & PK_KIND_MASK) === PK_TINY ? PK_SS_SPARE | (tinyWord & 0xfff0) | SPARE_HAD_CLASS : PK_SS_SPARE);
/**
 * The page word a free or spare page held when it last held blocks, as a
 * live word (PK_TINY, PK_MID_SPAN, PK_RUN_*), or PK_FREE when it remembers none.
 *
 * An arrow, like every function of this file, and no `function` declaration:
 * esbuild inlines a bundled `const` as a literal only up to the first hoisted
 * function declaration of its module (that function could run before the
 * `const`s after it are set). One here left every constant after it (the
 * header, BigCache, span and pool layouts) a variable load in the boxes' hot
 * paths: BigCache alone ran ~8% slower on W6.
 */
export const rememberedWord = (word: number): number => {
  let w = word;
  if ((w & PK_KIND_MASK) === PK_FREE) w = formerWord(w);
  if ((w & PK_KIND_MASK) === PK_SS_SPARE) return (w & SPARE_HAD_CLASS) !== 0 ? PK_TINY | (w & 0xfff0) : PK_FREE;
  return w === word ? PK_FREE : w;
};
export const midSpanPageWord = (cls: number, dist: number): number => PK_MID_SPAN | (dist << 4) | (cls << 8);
export const runHeadWord = (kind: number, pages: number): number => (kind | (pages << 8)) >>> 0;

// Decoders of a live page word (the encoders above say which kinds carry which payload).
/** The kind (PK_*) of a page word. */
export const pageKind = (word: number): number => word & PK_KIND_MASK;
/** Whether a page word is an active tiny slab's (PK_TINY). */
export const isTinyPage = (word: number): boolean => (word & PK_KIND_MASK) === PK_TINY;
/** The size class of a PK_TINY or PK_MID_SPAN word (tiny or mid class table). */
export const pageClass = (word: number): number => (word >>> 8) & 0xff;
/** The slab index in its SuperSlab of a PK_TINY word. */
export const pageSlab = (word: number): number => (word >>> 4) & 15;
/** How many pages a PK_MID_SPAN page lies after its span's head page. */
export const pageDistance = (word: number): number => (word >>> 4) & 15;
/** The page count of a run head word (PK_RUN_LIVE, PK_RUN_FREE). */
export const runPages = (word: number): number => word >>> 8;
/** Whether a page word is a run head (live or free). */
export const isRunHead = (word: number): boolean => {
  const kind = word & PK_KIND_MASK;
  return kind === PK_RUN_LIVE || kind === PK_RUN_FREE;
};

// ---------------------------------------------------------------------------
// Global header at `base` (byte offsets). Words marked (atomic) are only
// touched with Atomics in a shared heap.
// ---------------------------------------------------------------------------

export const HEAP_MAGIC = 0x48414b4d; // "HAKM"
/** 2: 40 tiny classes (the pool area's offsets moved), and the page layer's free-run index (H_RUN_INDEX, H_RUN_TABLE) joined the metadata zone. 3: BigCache records lost their age links and back links for a stamp (16 bytes, not 24), and a slot mask replaced the count and the unused-slot stack. */
export const HEAP_LAYOUT_VERSION = 3;

export const H_MAGIC = 0;
export const H_VERSION = 4;
export const H_FLAGS = 8;
export const H_BASE_PAGE = 12;
export const H_LIMIT_PAGE = 16;
/** (atomic, under the page lock) pages below this are part of the heap. */
export const H_END_PAGE = 20;
export const H_META_PAGES = 24;
/** (under the page lock) pages currently handed to boxes. */
export const H_PAGES_IN_USE = 28;
/** Lock words (atomic); what each guards and the order they are taken in: @hakmem/linear-memory lock.ts. */
export const H_PAGE_LOCK = 32;
export const H_POOL_LOCK = 36;
export const H_BIGCACHE_LOCK = 40;
/** The mid lock: the mid area's abandoned span lists and SP_OWNER of the spans on them (mid-large-ace). */
export const H_MID_LOCK = 44;
/** (atomic) last worker id handed out. */
export const H_NEXT_WORKER = 48;
export const H_PAGE_TABLE = 52;
export const H_FREE_BITMAP = 56;
export const H_POOL_AREA = 60;
export const H_BIGCACHE_AREA = 64;
export const H_MID_AREA = 68;
export const H_HEAP_BASE = 72;
export const H_MAX_BYTES = 76;
/** What each box runs, one byte per box in BOX_NAMES order: 0 release, 1 debug, 2 a user implementation. */
export const H_VARIANTS = 80;
/** The H_VARIANTS byte of a box that runs its debug build. */
export const VARIANT_DEBUG_BYTE = 1;
/** Page-layer counters (under the page lock). */
export const H_GROWS = 96;
export const H_RUNS_ALLOCATED = 100;
export const H_RUNS_FREED = 104;
export const H_PEAK_PAGES = 108;
/** maxBytes exactly as the user gave it (it may exceed what a 32-bit memory holds): low and high 32 bits. */
export const H_MAX_BYTES_LO = 112;
export const H_MAX_BYTES_HI = 116;
/**
 * (under the page lock) Byte addresses of the page layer's free-run index:
 * its bucket heads and non-empty mask, and its run table (one u32 word per
 * page of the region, beside the page table). @hakmem/linear-memory free-runs.ts.
 */
export const H_RUN_INDEX = 120;
export const H_RUN_TABLE = 124;
export const HEADER_BYTES = 256;

export const FLAG_SHARED = 1;
/**
 * H_FLAGS bit set (under the page lock, never cleared) the first time a box
 * gives pages back poisoned: until then no free page can hold a write after
 * free, and taking pages skips looking for one (a heap of release boxes never
 * pays for the debug boxes' poison).
 */
export const FLAG_POISONED = 2;

// ---------------------------------------------------------------------------
// SuperSlab header, at the SuperSlab's first byte.
// ---------------------------------------------------------------------------

export const SS_MAGIC_VALUE = 0x53535342; // "SSSB"
export const SS_MAGIC = 0;
/** Slabs in state ACTIVE (under the pool lock). */
export const SS_ACTIVE_SLABS = 4;
/** Slabs in state UNUSED (under the pool lock). */
export const SS_UNUSED_SLABS = 8;
/** Links in the pool's list of SuperSlabs that have UNUSED slabs. */
export const SS_NEXT = 12;
export const SS_PREV = 16;
export const SS_IN_LIST = 20;
/** Slab metadata records start here, SLAB_META_BYTES each. */
export const SS_SLAB_META = 64;
export const SLAB_META_BYTES = 64;
/** One bit per 16-byte granule of the SuperSlab: set while the block starting there is live. */
export const SS_BITMAP = 2048;
export const SS_BITMAP_BYTES = SS_SIZE >>> GRANULE_SHIFT >>> 3;
/** Slab 0's blocks start after the header, on a 1 KiB boundary so power-of-two classes stay size-aligned. */
export const SS_HEADER_BYTES = 10240;
/**
 * Shared heaps only: the remote-freed bitmap, one bit per 16-byte granule
 * like the live bitmap (SS_BITMAP_BYTES), in the last SS_BITMAP_BYTES of
 * slab 0, whose capacity is that much smaller in a shared heap
 * (tinySlabCapacity). A bit is set (Atomics.or) by a worker that frees a
 * block of a slab it does not own, and cleared (Atomics.and) by the owner
 * when it collects the block from the slab's remote list. A private heap has
 * no remote frees and keeps those bytes for blocks.
 */
export const SS_REMOTE_BITMAP = SLAB_SIZE - SS_BITMAP_BYTES;
/** Slab 0's bytes kept from blocks in a shared heap (the remote-freed bitmap). */
export const SS_REMOTE_BITMAP_BYTES = SS_BITMAP_BYTES;
/** Bytes from a granule's live-bitmap byte to its remote-freed-bitmap byte (a multiple of 4: the same distance in u32 words ÷ 4). */
export const REMOTE_FROM_LIVE = SS_REMOTE_BITMAP - SS_BITMAP;

// Slab metadata record (offsets inside a record).
export const SM_CLASS = 0;
/** UNUSED → ACTIVE → EMPTY → (ACTIVE | UNUSED); see shared-pool. */
export const SM_STATE = 4;
export const SM_CAPACITY = 8;
/** Blocks carved from the slab's fresh area so far. */
export const SM_CARVED = 12;
/** Blocks out of the slab: live, in a worker's cache, or on the remote list. */
export const SM_USED = 16;
/** Owner-only intrusive free list (next pointer in the block's first word). */
export const SM_FREE_HEAD = 20;
/** (atomic) blocks freed by other workers, pushed with CAS; the owner takes the whole list with one exchange. */
export const SM_REMOTE_HEAD = 24;
/** Worker id of the owner, 0 when none: written by the shared pool under the pool lock, read by any worker. */
export const SM_OWNER = 28;
/** Links in the pool's EMPTY list of its class. */
export const SM_NEXT = 32;
export const SM_PREV = 36;
/** Which of its owner's lists the slab is on: a SLAB_LIST_* tag, NONE (current or none), PARTIAL or DRY. Owner only. */
export const SM_LIST = 40;
export const SLAB_LIST_NONE = 0;
/** On the owner's partial list: it has free blocks. */
export const SLAB_LIST_PARTIAL = 1;
/** On the owner's dry list: no free block when it left `current`; only remote frees can refill it. */
export const SLAB_LIST_DRY = 2;

export const SLAB_UNUSED = 0;
export const SLAB_ACTIVE = 1;
export const SLAB_EMPTY = 2;

/**
 * Which page words an UNUSED slab's page may have. A SuperSlab holds the
 * pages of its slabs in use only: slab 0's page (the header's) stays its own
 * as PK_SS_SPARE, the page of any other UNUSED slab went back to the page
 * layer, which may have handed it to another box (a mid span, a run).
 */
export const isUnusedSlabPageWord = (index: number, word: number): boolean =>
  index === 0 ? (word & PK_KIND_MASK) === PK_SS_SPARE : (word & PK_KIND_MASK) !== PK_TINY && (word & PK_KIND_MASK) !== PK_SS_SPARE;

// Address arithmetic of SuperSlabs and slabs: name it here, not at the sites (V8 inlines these).
// The hot ones (slabRecordOf, liveByteOf, liveWordIndex) spell the SuperSlab start out rather than
// call superslabOf: its `>>> 0` measurably slowed markLive/clearLive once inlined (issue 11 note).
/** The SuperSlab holding `ptr` (its header's first byte). */
export const superslabOf = (ptr: number): number => (ptr - (ptr & SS_MASK)) >>> 0;
/** The index (0..SLABS_PER_SS-1) of the slab holding `ptr` in its SuperSlab. */
export const slabIndexOf = (ptr: number): number => (ptr & SS_MASK) >>> PAGE_SHIFT;
/** The metadata record of slab `index` of the SuperSlab at `ss`. */
export const slabRecordAt = (ss: number, index: number): number => ss + SS_SLAB_META + index * SLAB_META_BYTES;
/** The metadata record of the slab holding `ptr`. */
export const slabRecordOf = (ptr: number): number => ptr - (ptr & SS_MASK) + SS_SLAB_META + ((ptr & SS_MASK) >>> PAGE_SHIFT) * SLAB_META_BYTES;
/** The page number of slab `index` of the SuperSlab at `ss` (a slab is one page). */
export const slabPageAt = (ss: number, index: number): number => (ss >>> PAGE_SHIFT) + index;
/** The index of the slab a metadata record describes. */
export const slabIndexOfRecord = (slab: number): number => ((slab & SS_MASK) - SS_SLAB_META) / SLAB_META_BYTES;
/** First block address of slab `index` of the SuperSlab at `ss` (slab 0's blocks follow the header). */
export const slabDataStartAt = (ss: number, index: number): number => ss + index * SLAB_SIZE + (index === 0 ? SS_HEADER_BYTES : 0);
/** First block address of the slab a metadata record describes. */
export const slabDataStart = (slab: number): number => slabDataStartAt(superslabOf(slab), slabIndexOfRecord(slab));
/** Byte of the SuperSlab live bitmap that holds `ptr`'s live bit. */
export const liveByteOf = (ptr: number): number => ptr - (ptr & SS_MASK) + SS_BITMAP + ((ptr & SS_MASK) >>> LIVE_BYTE_SHIFT);
/** Byte of the SuperSlab remote-freed bitmap (shared heaps, SS_REMOTE_BITMAP) that holds `ptr`'s bit; the bit is liveMaskOf(ptr). */
export const remoteByteOf = (ptr: number): number => ptr - (ptr & SS_MASK) + SS_REMOTE_BITMAP + ((ptr & SS_MASK) >>> LIVE_BYTE_SHIFT);
/** `ptr`'s live bit within its byte (liveByteOf). */
export const liveMaskOf = (ptr: number): number => 1 << ((ptr >>> GRANULE_SHIFT) & LIVE_BIT_MASK);
/** u32 index of the (little-endian) bitmap word that holds `ptr`'s live bit: the word form of liveByteOf. */
export const liveWordIndex = (ptr: number): number => ((ptr - (ptr & SS_MASK) + SS_BITMAP) >>> 2) + ((ptr & SS_MASK) >>> (GRANULE_SHIFT + 5));
/** `ptr`'s live bit within its word (liveWordIndex), on a little-endian host. */
export const liveWordBit = (ptr: number): number => 1 << ((ptr >>> GRANULE_SHIFT) & 31);
/** Bytes of the live bitmap that cover one slab. */
export const SLAB_BITMAP_BYTES = SS_BITMAP_BYTES / SLABS_PER_SS;
/** u32 index of the first bitmap word of slab `index` of the SuperSlab at `ss` (its share is SLAB_BITMAP_BYTES). */
export const slabBitmapWordAt = (ss: number, index: number): number => (ss + SS_BITMAP + index * SLAB_BITMAP_BYTES) >>> 2;

// ---------------------------------------------------------------------------
// Mid span header, at the span's first byte. Blocks follow it.
// ---------------------------------------------------------------------------

export const SPAN_HEADER_BYTES = 64;
export const SP_CLASS = 0;
export const SP_CAPACITY = 4;
export const SP_CARVED = 8;
export const SP_USED = 12;
export const SP_FREE_HEAD = 16;
/** (atomic) see SM_REMOTE_HEAD. */
export const SP_REMOTE_HEAD = 20;
/** Worker id of the span's owner: written when the span is made, and under the mid lock when it is abandoned (0) or adopted. */
export const SP_OWNER = 24;
export const SP_PAGES = 28;
/** Live-block bitmap, one bit per block (a span holds at most SPAN_MAX_BLOCKS). */
export const SP_BITMAP = 32;
/** Which of its owner's lists the span is on: SLAB_LIST_NONE (current or none), _PARTIAL or _DRY. Owner only. */
export const SP_LIST = 48;
export const SP_MAGIC = 52;
/** Link in the mid area's list of abandoned spans of its class (under the mid lock). */
export const SP_NEXT = 56;
export const SPAN_MAGIC_VALUE = 0x5350414e; // "SPAN"
export const SPAN_MAX_BLOCKS = 128;
export const SPAN_MAX_PAGES = 16;
export const MID_CLASSES = MID_FIRST_RUN_CLASS + SPAN_MAX_PAGES;

/** Live-bitmap words of a span header (SP_BITMAP). */
export const SPAN_BITMAP_WORDS = SPAN_MAX_BLOCKS / 32;

// Address arithmetic of spans: name it here, not at the sites (V8 inlines these).
/** The first byte of the span holding `ptr`, whose page word is `word` (PK_MID_SPAN). */
export const spanStartOf = (ptr: number, word: number): number => (((ptr >>> PAGE_SHIFT) - ((word >>> 4) & 15)) << PAGE_SHIFT) >>> 0;
/** The first byte of page `page`: a span's start when `page` is its head page (and a run's, for a run head). */
export const pageStart = (page: number): number => (page << PAGE_SHIFT) >>> 0;
/** Whether a page word is the head page of a span (PK_MID_SPAN at distance 0). */
export const isSpanHead = (word: number): boolean => pageKind(word) === PK_MID_SPAN && pageDistance(word) === 0;
/** u32 index of header field `field` (an SP_* byte offset) of the span at `span`. */
export const spanWord = (span: number, field: number): number => (span + field) >>> 2;
/** First byte of block `q` of the span at `span`, whose blocks are `size` bytes. */
export const spanBlock = (span: number, q: number, size: number): number => span + SPAN_HEADER_BYTES + q * size;
/** Byte offset of `ptr` from the first block of the span at `span` (negative inside the header). */
export const spanBlockOffset = (ptr: number, span: number): number => ptr - span - SPAN_HEADER_BYTES;
/** u32 index of the live-bitmap word of the span at `span` that holds block `q`'s bit. */
export const spanLiveWordIndex = (span: number, q: number): number => ((span + SP_BITMAP) >>> 2) + (q >>> 5);
/** Block `q`'s live bit within its word (spanLiveWordIndex). */
export const spanLiveBit = (q: number): number => 1 << (q & 31);
/** Whether mid class `cls` is a whole-page run class (one block of its pages) rather than a span class. */
export const isMidRunClass = (cls: number): boolean => cls >= MID_FIRST_RUN_CLASS;
/** The run class of a mid page run of `pages` (1..SPAN_MAX_PAGES) pages. */
export const midRunClass = (pages: number): number => MID_FIRST_RUN_CLASS - 1 + pages;
/** The page count of run class `cls`. */
export const midRunClassPages = (cls: number): number => cls - MID_FIRST_RUN_CLASS + 1;

// ---------------------------------------------------------------------------
// Box areas in the metadata zone.
// ---------------------------------------------------------------------------

/** Shared pool: per tiny class, head of the EMPTY slab list; then the SuperSlab list head. */
export const POOL_EMPTY_HEADS = 0;
/** Per tiny class, head of the list of abandoned slabs (ACTIVE, owner 0, linked by SM_NEXT): slabs of a detached or dead worker that still have blocks out. */
export const POOL_ABANDONED_HEADS = 160;
export const POOL_SS_HEAD = 320;
export const POOL_EMPTY_COUNTS = 324;
/** POOL_COUNTER_WORDS u32 event counters, indexed by the POOL_C_* names below (under the pool lock). */
export const POOL_COUNTERS = 484;
export const POOL_AREA_BYTES = 640;
/** acquire served from an EMPTY slab of the class (stage 1). */
export const POOL_C_STAGE1_HITS = 0;
/** acquire served from an UNUSED slab of a listed SuperSlab (stage 2). */
export const POOL_C_STAGE2_HITS = 1;
/** acquire that needed a new SuperSlab (stage 3). */
export const POOL_C_STAGE3_HITS = 2;
/** Slabs taken back by release. */
export const POOL_C_RELEASES = 3;
/** SuperSlabs given back to the page layer. */
export const POOL_C_SS_RELEASED = 4;
/** Abandoned slabs a worker took over (stage 0). */
export const POOL_C_STAGE0_ADOPTIONS = 5;
/** Slabs put on an abandoned list. */
export const POOL_C_SLABS_ABANDONED = 6;
export const POOL_COUNTER_WORDS = 7;
// u32 indexes of the pool area's words, for the pool area at byte `area`.
/** Head of class `cls`'s EMPTY slab list. */
export const poolEmptyHeadIndex = (area: number, cls: number): number => ((area + POOL_EMPTY_HEADS) >>> 2) + cls;
/** Head of class `cls`'s abandoned slab list. */
export const poolAbandonedHeadIndex = (area: number, cls: number): number => ((area + POOL_ABANDONED_HEADS) >>> 2) + cls;
/** Slabs on class `cls`'s EMPTY list. */
export const poolEmptyCountIndex = (area: number, cls: number): number => ((area + POOL_EMPTY_COUNTS) >>> 2) + cls;
/** Head of the list of SuperSlabs that have UNUSED slabs. */
export const poolSsHeadIndex = (area: number): number => (area + POOL_SS_HEAD) >>> 2;
/** Counter `counter` (a POOL_C_* name). */
export const poolCounterIndex = (area: number, counter: number): number => ((area + POOL_COUNTERS) >>> 2) + counter;

/**
 * BigCache: BIGCACHE_ENTRIES records {page, pages (0: slot unused), bucketNext,
 * stamp} (links are entry ids 1..BIGCACHE_ENTRIES, 0 = none), threaded into
 * BC_BUCKETS singly linked size-bucket lists (a bit per non-empty bucket in
 * BC_BUCKET_MASK); BC_USED has bit id - 1 set for each slot in use (so the
 * count of cached runs is its population count). A record's stamp is the
 * BC_PUTS count that cached its run: eviction takes the oldest. Counters:
 * BC_COUNTER_COUNT words from BC_COUNTERS, in BC_HITS..BC_RESIZES order. The
 * words at 12 and 44..55 are unused (an unused-slot stack, a slot
 * high-water mark and an age list's ends were there).
 */
export const BIGCACHE_ENTRIES = 28;
/** Every slot in use: BC_USED when the table is full. */
export const BC_ALL_SLOTS = (1 << BIGCACHE_ENTRIES) - 1;
export const BC_USED = 0;
export const BC_CACHED_PAGES = 4;
export const BC_BUDGET_PAGES = 8;
export const BC_COUNTERS = 16;
export const BC_BUCKET_MASK = 56;
export const BC_BUCKETS = 64;
export const BC_BUCKET_COUNT = 32;
export const BC_TABLE = BC_BUCKETS + BC_BUCKET_COUNT * 4;
export const BC_ENTRY_BYTES = 16;
export const BIGCACHE_AREA_BYTES = BC_TABLE + BIGCACHE_ENTRIES * BC_ENTRY_BYTES;
/** u32 words per BigCache entry record. */
export const BC_ENTRY_WORDS = BC_ENTRY_BYTES / 4;
// Fields of a BigCache entry record (u32 offsets from the record's first word).
/** First page of the cached run. */
export const BCE_PAGE = 0;
/** Page count of the cached run; 0 when the slot is unused. */
export const BCE_PAGES = 1;
/** Next entry id in the run's size-bucket list. */
export const BCE_BUCKET_NEXT = 2;
/** The BC_PUTS count when the run was cached (eviction takes the oldest). */
export const BCE_STAMP = 3;
/** u32 index of the first word of entry `id` (1..BIGCACHE_ENTRIES) in the BigCache area at byte `area`. */
export const bcEntryIndex = (area: number, id: number): number => ((area + BC_TABLE) >>> 2) + (id - 1) * BC_ENTRY_WORDS;
// BigCache counters: u32 word BC_COUNTERS / 4 + index of the BigCache area.
export const BC_HITS = 0;
export const BC_MISSES = 1;
export const BC_PUTS = 2;
export const BC_EVICTIONS = 3;
export const BC_SPLITS = 4;
export const BC_ALLOC_FAILURES = 5;
export const BC_RESIZES = 6;
export const BC_COUNTER_COUNT = 7;

/**
 * Mid-large ACE: per span class, head of the list of abandoned spans (owner 0,
 * linked by SP_NEXT; under the mid lock, H_MID_LOCK). The rest of the area
 * (it once held the lock word) is unused: the area keeps its size so that
 * BigCache's area stays where it was.
 */
export const MID_ABANDONED_HEADS = 0;
export const MID_AREA_BYTES = 256;
/** u32 index of the abandoned-list head of span class `cls` in the mid area at `midArea`. */
export const midAbandonedHead = (midArea: number, cls: number): number => ((midArea + MID_ABANDONED_HEADS) >>> 2) + cls;

// ---------------------------------------------------------------------------
// Debug-build block patterns (see linear-memory/src/poison.ts). Release
// builds never write them.
// ---------------------------------------------------------------------------

/** Byte a box fills the free blocks it holds with; a changed byte is a write after free. */
export const POISON_BYTE = 0xa5;
export const POISON_WORD = 0xa5a5a5a5;
/** Byte of the guard after a block's usable end; a changed byte is a write past the end. */
export const GUARD_BYTE = 0xfd;
/** Guard bytes at the end of each block of a guarded (debug) box: 16 keeps usable sizes on the 16-byte grain. */
export const GUARD_BYTES = 16;
