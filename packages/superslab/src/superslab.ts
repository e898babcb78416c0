import { FREE_DOUBLE, FREE_INSIDE, FREE_OK, HeapError, type FreeResult, type HeapWalk } from '@hakmem/contracts';
import {
  GRANULE,
  H_BASE_PAGE,
  H_END_PAGE,
  H_PAGE_TABLE,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_LIST_DRY,
  SLAB_LIST_NONE,
  SLAB_LIST_PARTIAL,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_FREE_HEAD,
  SM_LIST,
  SM_OWNER,
  SM_REMOTE_HEAD,
  SM_STATE,
  SM_USED,
  TINY_CLASSES,
  GRANULE_SHIFT,
  LIVE_BIT_MASK,
  LIVE_BYTE_SHIFT,
  SS_BITMAP,
  SS_MASK,
  REMOTE_FROM_LIVE,
  POISON_WORD,
  TINY_CLASS_SIZES,
  liveByteOf,
  liveMaskOf,
  pageClass,
  slabDataStart,
  slabRecordOf,
  WORD_BYTES,
  WORD_SHIFT,
} from '@hakmem/contracts/layout';
import { OwnerLists, scannerOf, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';
import { BLOCK_GUARD } from './block-guard.js';
import { BYTE_BITS_MASK } from './byte-mask.js';
import { assertOwnedSlab, checkNotLive, checkReturn, checkSlabRecord, checkTake, guardOnFree, guardOnMalloc, tinyBlockSize } from './block-checks.js';
import { walkSuperslab } from './superslab-walk.js';
import { REMOTE_LINK_WORD } from './remote-link.js';

/** Granule bits per live-bitmap word (log2): `(ptr & SS_MASK) >>> LIVE_WORD_SHIFT` is the word within the bitmap. */
const LIVE_WORD_SHIFT = LIVE_BYTE_SHIFT + WORD_SHIFT;
/** A granule's bit within its live-bitmap word. */
const LIVE_WORD_BIT_MASK = 31;

/**
 * SuperSlab box: carves blocks out of one worker's slabs and takes them back.
 *
 * A SuperSlab is 1 MiB aligned to 1 MiB: 16 one-page slabs. Its header (at
 * the start of slab 0) holds 16 slab records and a live bitmap with one bit
 * per 16-byte granule: the bit of a block's first granule is set while the
 * block is live (handed to the user), clear while it is free, cached or never
 * carved. `free` tests and clears that bit, which is how both builds reject
 * interior pointers, never-allocated slots and double frees in O(1).
 *
 * Shared words and who writes them:
 *   | word               | written by                                          | how             |
 *   |--------------------|-----------------------------------------------------|-----------------|
 *   | live bitmap (L)    | the slab's owner only: malloc sets, its free and its drain clear | plain |
 *   | remote bitmap (R)  | shared heaps: a remote free sets, the owner's drain clears | Atomics.or/and |
 *   | SM_REMOTE_HEAD     | any worker pushes, the owner takes all              | CAS / exchange  |
 *   | SM_OWNER, SM_STATE, SM_CLASS | shared pool, under the pool lock          | plain, lock     |
 *   | SM_FREE_HEAD, SM_CARVED, SM_USED | the owner only                        | plain           |
 * Other workers read L and the owner reads R with plain loads (REMOTE READS
 * below); nobody else writes them.
 *
 * A block's state is its two bits (R lives in slab 0's tail in a shared
 * heap only, layout.ts SS_REMOTE_BITMAP; a private heap has no remote frees):
 *   | L | R | state                                                       |
 *   |---|---|-------------------------------------------------------------|
 *   | 0 | 0 | free: in a cache, on the free list, or never carved         |
 *   | 1 | 0 | live (handed to the user)                                   |
 *   | 1 | 1 | freed by another worker, pending on the slab's remote list  |
 *   | 0 | 1 | freed by the owner and by another worker at once (a raced double free), see below |
 * Every reader counts L=1 R=1 as free: stats, check(), usableSize,
 * freeProblem (DOUBLE_FREE), the heap map.
 *
 * The owner's free (clearLiveShared): L clear → not live (DOUBLE_FREE or
 * INVALID_POINTER); R set → a remote free of it is pending (DOUBLE_FREE);
 * else it clears L with a plain store and the block goes to its cache.
 * A remote free (`freeRemote`): L clear → not live, nothing written; else
 * Atomics.or of R: R was set → DOUBLE_FREE, nothing else written; else the
 * block is pushed on the slab's remote list (its link in word 1, so that a
 * block caught on a free list too keeps both chains whole). So a sequential
 * double free, in any order of workers with nothing allocated in between,
 * throws DOUBLE_FREE at the second free and changes nothing.
 *
 * Two frees that overlap, one by the owner and one by another worker, can
 * both pass (the owner's test of R and the other's test of L cross without a
 * fence; making either side atomic is the cost this scheme removes). The
 * block is then in the owner's cache with L=0 R=1 and on the remote list.
 * It is handed out once and counted once:
 * - the owner's malloc never hands out a block whose R is set: markLiveShared
 *   refuses it, `dropRaced` sets its L back (state L=1 R=1, pending) and the
 *   facade pops the next one;
 * - a cache flush (`returnBlocks`) does the same with such a block instead of
 *   putting it on the free list;
 * - the drain (`collectRemote`) walks the remote list block by block: L set →
 *   clear L and R, link it on the free list, count it back (SM_USED); L clear
 *   (the block is in the owner's cache or free list) → clear R only.
 * Each of these counts `racedDoubleFrees`. Not caught: a remote free that
 * read L=1 and then stalled (preempted) while the owner freed the block,
 * flushed it, and handed it out again or let the slab go: its late push is
 * then the free of a block that was reallocated, which no allocator can tell
 * from a valid free (and on a slab the pool took back, it lands on an EMPTY
 * slab's remote list, which that slab's next drain clears).
 *
 * Slab states (SM_STATE) are moved by the shared pool; this box only works
 * on ACTIVE slabs it owns, plus remote pushes to slabs of other owners. In a
 * shared heap the facade sends a freed block of another owner's slab here at
 * once (`freeRemote`), so a worker's cache only ever holds blocks of its own
 * slabs, and only the owner writes their live bits. Abandoned slabs (owner 0)
 * take every free as a remote one; the worker that adopts them drains their
 * remote lists as its own (the pool lock orders its plain L writes after the
 * old owner's).
 */
export class Superslab {
  readonly lm: LinearMemory;
  readonly worker: number;
  private readonly shared: boolean;
  /** Slab record address of the slab each class carves from now, 0 if none. */
  readonly current = new Uint32Array(TINY_CLASSES);
  /**
   * Slabs this worker owns besides the current ones: partial (free blocks to
   * give) and dry (SM_LIST says which). `refill` looks at the dry ones for
   * a non-empty remote list before it asks the pool for a new slab.
   */
  private readonly lists: OwnerLists;
  /** Slabs whose last block came back during `returnBlocks`; the caller hands them to the pool. */
  readonly emptied: number[] = [];
  carvedBlocks = 0;
  reusedBlocks = 0;
  remoteFrees = 0;
  remoteCollected = 0;
  localReturns = 0;
  /** Raced double frees (owner and another worker at once) caught by malloc, a flush or a drain; see the class comment. */
  racedDoubleFrees = 0;
  refills = 0;
  partialHits = 0;

  /** The page layer, for `walk`'s page-word checks; without it `walk` finds the page table from the heap header. */
  private readonly pages: PageLayer | undefined;

  constructor(lm: LinearMemory, worker: number, pages?: PageLayer) {
    this.lm = lm;
    this.worker = worker;
    this.pages = pages;
    this.shared = lm.shared;
    this.lists = new OwnerLists(lm, TINY_CLASSES, SM_LIST, SM_REMOTE_HEAD);
  }

  markLive(ptr: number): boolean {
    return this.shared ? markLiveShared(this.lm.u8, ptr) : markLive(this.lm.u8, ptr);
  }

  clearLive(ptr: number): boolean {
    return this.shared ? clearLiveShared(this.lm.u8, ptr) : clearLive(this.lm.u8, ptr);
  }

  /** Whether `ptr` is a live block start: L set and, in a shared heap, no remote free pending (R clear). */
  isLive(ptr: number): boolean {
    const u8 = this.lm.u8;
    const i = liveByteOf(ptr);
    const bit = liveMaskOf(ptr);
    return (u8[i] & bit) !== 0 && (!this.shared || (u8[i + REMOTE_FROM_LIVE] & bit) === 0);
  }

  /**
   * A shared heap's free of a tiny block by a worker that does not own its
   * slab: sets the block's remote bit and pushes it on the slab's remote list
   * for the owner to collect. False, writing nothing, when the block is not
   * live (L clear) or a remote free of it is already pending (R set): the
   * caller reports the pointer (freeProblem says which).
   */
  freeRemote(ptr: number): boolean {
    // The block's slab may lie past this worker's view (another worker made
    // it after our last refresh); a write there would be silently dropped.
    this.lm.cover(ptr + 2 * WORD_BYTES);
    const u8 = this.lm.u8;
    const i = liveByteOf(ptr);
    const bit = liveMaskOf(ptr);
    if ((u8[i] & bit) === 0) return false; // a plain load (REMOTE READS)
    if (__HAKMEM_DEBUG__) {
      // A pending block's guard is poisoned: look at its remote bit first.
      if ((u8[i + REMOTE_FROM_LIVE] & bit) !== 0) return false;
      if (!guardOnFree(u8, ptr)) {
        this.lm.cover(ptr + tinyBlockSize(u8, slabRecordOf(ptr)));
        return this.freeRemote(ptr);
      }
    }
    if ((Atomics.or(u8, i + REMOTE_FROM_LIVE, bit) & bit) !== 0) return false;
    const slab = slabRecordOf(ptr);
    if (__HAKMEM_DEBUG__) {
      checkSlabRecord(this.lm.u32, slab, 'remote free', false);
      scannerOf(this.lm).fill(ptr, ptr + tinyBlockSize(this.lm.u8, slab), POISON_WORD); // word 1 is then written as the link
    }
    this.remoteFrees++;
    pushRemoteLinked(this.lm.u32, (slab >>> 2) + SM_REMOTE_HEAD / WORD_BYTES, ptr);
    return true;
  }

  /**
   * The owner's malloc popped `ptr` and markLiveShared refused it: a remote
   * free of it is pending (R set) although it sat in this worker's cache, so
   * both frees of a raced double free passed. Sets its live bit back (it is
   * then an ordinary pending remote free, which the drain takes back) and
   * returns true: the caller pops another block. False when R is clear (the
   * refusal had another cause).
   */
  dropRaced(ptr: number): boolean {
    const u8 = this.lm.u8;
    const i = liveByteOf(ptr);
    const bit = liveMaskOf(ptr);
    if (!this.shared || i >= u8.length || (u8[i + REMOTE_FROM_LIVE] & bit) === 0) return false;
    u8[i] |= bit;
    this.racedDoubleFrees++;
    return true;
  }

  /**
   * Slow path: fills `dest` with up to `want` free blocks of class `cls` from
   * this worker's current slab, then from its partial slabs. Returns how many;
   * 0 means the caller must get a slab from the shared pool and `adopt` it.
   */
  refill(cls: number, dest: Uint32Array, want: number): number {
    this.refills++;
    let n = 0;
    let slab = this.current[cls];
    while (n < want) {
      if (slab === 0) {
        slab = this.nextPartial(cls);
        if (slab === 0) break;
        this.current[cls] = slab;
      }
      n += this.take(slab, cls, dest, n, want - n);
      if (n < want) {
        // Ran dry: it stays ours, on the dry list until blocks come back.
        this.current[cls] = 0;
        this.moveTo(cls, slab, SLAB_LIST_DRY);
        slab = 0;
      }
    }
    return n;
  }

  /** Makes a slab the shared pool just handed over the current slab of its class. */
  adopt(cls: number, slab: number): void {
    if (__HAKMEM_DEBUG__) assertOwnedSlab(this.lm, slab, cls, this.worker, 'adopt');
    const cur = this.current[cls];
    if (cur !== 0 && cur !== slab) this.pushPartial(cls, cur);
    this.current[cls] = slab;
  }

  /**
   * The partial lists hold exactly the ACTIVE slabs this worker owns that are
   * not current and have blocks to give (SM_LIST = SLAB_LIST_PARTIAL). A slab leaves its
   * list before it goes back to the pool, so an entry never points at pages
   * that another box may own by now.
   */
  private nextPartial(cls: number): number {
    let slab = this.lists.partial[cls].pop();
    if (slab === undefined) {
      slab = this.lists.reviveDry(cls);
      if (slab === 0) return 0;
    } else this.partialHits++;
    if (__HAKMEM_DEBUG__) assertOwnedSlab(this.lm, slab, cls, this.worker, 'partial list');
    this.lm.u32[(slab >>> 2) + SM_LIST / WORD_BYTES] = SLAB_LIST_NONE;
    return slab;
  }

  private moveTo(cls: number, slab: number, where: number): void {
    this.lists.moveTo(cls, slab, where);
  }

  private pushPartial(cls: number, slab: number): void {
    this.moveTo(cls, slab, SLAB_LIST_PARTIAL);
  }

  /** Hands a slab whose blocks all came back to `emptied`, taking it off its list first. */
  private retire(cls: number, slab: number): void {
    this.moveTo(cls, slab, SLAB_LIST_NONE);
    this.emptied.push(slab);
  }

  /** Takes up to `want` blocks from one slab: remote frees first, then its free list, then fresh carving. */
  private take(slab: number, cls: number, dest: Uint32Array, at: number, want: number): number {
    const u32 = this.lm.u32;
    const m = slab >>> 2;
    if (u32[m + SM_REMOTE_HEAD / WORD_BYTES] !== 0) this.collectRemote(slab);
    if (__HAKMEM_DEBUG__) checkTake(this.lm, slab, cls, want);
    let got = 0;
    let head = u32[m + SM_FREE_HEAD / WORD_BYTES];
    while (head !== 0 && got < want) {
      dest[at + got++] = head;
      head = u32[head >>> 2];
    }
    u32[m + SM_FREE_HEAD / WORD_BYTES] = head;
    this.reusedBlocks += got;
    const capacity = u32[m + SM_CAPACITY / WORD_BYTES];
    let carved = u32[m + SM_CARVED / WORD_BYTES];
    if (got < want && carved < capacity) {
      const size = TINY_CLASS_SIZES[cls];
      const start = slabDataStart(slab);
      const k = Math.min(want - got, capacity - carved);
      for (let i = 0; i < k; i++) dest[at + got + i] = start + (carved + i) * size;
      carved += k;
      got += k;
      this.carvedBlocks += k;
      u32[m + SM_CARVED / WORD_BYTES] = carved;
    }
    u32[m + SM_USED / WORD_BYTES] += got;
    return got;
  }

  /**
   * Takes the slab's remote-free list with one atomic exchange and walks it
   * (links in word 1): a block whose live bit is set (a pending remote free)
   * gets both bits cleared and goes on the free list; one whose live bit is
   * clear is also in this worker's cache or on the free list (a raced double
   * free), so only its remote bit is cleared. See the class comment.
   */
  private collectRemote(slab: number): void {
    const u32 = this.lm.u32;
    const u8 = this.lm.u8;
    const m = slab >>> 2;
    const at = m + SM_REMOTE_HEAD / WORD_BYTES;
    let chain: number;
    if (this.shared) chain = Atomics.exchange(u32, at, 0);
    else {
      chain = u32[at];
      u32[at] = 0;
    }
    let head = u32[m + SM_FREE_HEAD / WORD_BYTES];
    let n = 0;
    while (chain !== 0) {
      const p = chain;
      chain = u32[(p >>> 2) + REMOTE_LINK_WORD];
      const i = liveByteOf(p);
      const bit = liveMaskOf(p);
      // A private heap's remote list (only ever pushed by returnBlocks, whose blocks are not live) keeps every node.
      if (!this.shared || (u8[i] & bit) !== 0) {
        u8[i] &= ~bit;
        u32[p >>> 2] = head;
        head = p;
        n++;
        // Back to the poison the free list's blocks keep past their link.
        if (__HAKMEM_DEBUG__) u32[(p >>> 2) + REMOTE_LINK_WORD] = POISON_WORD;
      } else this.racedDoubleFrees++;
      if (this.shared) Atomics.and(u8, i + REMOTE_FROM_LIVE, ~bit & BYTE_BITS_MASK);
    }
    u32[m + SM_FREE_HEAD / WORD_BYTES] = head;
    u32[m + SM_USED / WORD_BYTES] -= n;
    this.remoteCollected += n;
  }

  /**
   * Slow path: gives drained blocks back to their slabs. Blocks of slabs this
   * worker owns go on the slab's free list; others are pushed on their slab's
   * remote list. Slabs whose last block came back (and that are not a
   * current slab) are appended to `emptied` for the pool.
   */
  returnBlocks(src: Uint32Array, n: number): void {
    const u32 = this.lm.u32;
    for (let i = 0; i < n; i++) {
      const ptr = src[i];
      const slab = slabRecordOf(ptr);
      const m = slab >>> 2;
      // A raced double free left a remote free of this cached block pending:
      // it goes back through the drain, not on the free list (class comment).
      // Before the debug checks, whose poison would overwrite its remote link.
      if (this.shared && u32[m + SM_OWNER / WORD_BYTES] === this.worker && this.dropRaced(ptr)) continue;
      if (__HAKMEM_DEBUG__) checkReturn(this.lm, slab, ptr);
      if (u32[m + SM_OWNER / WORD_BYTES] !== this.worker) {
        this.pushRemote(slab, ptr);
        continue;
      }
      if (__HAKMEM_DEBUG__) assertOwnedSlab(this.lm, slab, u32[m + SM_CLASS / WORD_BYTES], this.worker, 'return');
      const head = u32[m + SM_FREE_HEAD / WORD_BYTES];
      const cls = u32[m + SM_CLASS / WORD_BYTES];
      const wasDry = head === 0 && u32[m + SM_CARVED / WORD_BYTES] === u32[m + SM_CAPACITY / WORD_BYTES];
      u32[ptr >>> 2] = head;
      u32[m + SM_FREE_HEAD / WORD_BYTES] = ptr;
      const used = --u32[m + SM_USED / WORD_BYTES];
      this.localReturns++;
      if (this.current[cls] === slab) continue;
      if (used === 0) this.retire(cls, slab);
      else if (wasDry) this.pushPartial(cls, slab);
    }
  }

  /**
   * A cached block of a slab this worker does not own. Unreachable through
   * the facade (a worker caches only blocks of its own slabs, and it flushes
   * its caches before it lets a slab go); kept so the box stays total. The
   * block is not live (L clear), so the owner's drain will count it as a
   * raced duplicate and leave it out: a leak, never a block handed out twice.
   */
  private pushRemote(slab: number, ptr: number): void {
    this.remoteFrees++;
    this.lm.cover(ptr + 2 * WORD_BYTES);
    if (this.shared) Atomics.or(this.lm.u8, liveByteOf(ptr) + REMOTE_FROM_LIVE, liveMaskOf(ptr));
    pushRemoteLinked(this.lm.u32, (slab >>> 2) + SM_REMOTE_HEAD / WORD_BYTES, ptr);
  }

  /**
   * Drops every current slab (trim/detach), collects the remote frees of
   * every slab this worker owns, and hands the slabs whose blocks all came
   * back to `emptied`.
   */
  releaseCurrent(): void {
    const u32 = this.lm.u32;
    for (let c = 0; c < TINY_CLASSES; c++) {
      const slab = this.current[c];
      if (slab === 0) continue;
      this.current[c] = 0;
      this.pushPartial(c, slab);
    }
    for (let c = 0; c < TINY_CLASSES; c++) {
      for (const slab of this.lists.all(c)) {
        const m = slab >>> 2;
        if (u32[m + SM_REMOTE_HEAD / WORD_BYTES] !== 0) {
          this.collectRemote(slab);
          this.pushPartial(c, slab);
        }
        if (u32[m + SM_USED / WORD_BYTES] === 0) this.retire(c, slab);
      }
    }
  }

  /**
   * Detach: after `releaseCurrent`, every slab this worker still owns has
   * blocks out (live, or on their way back as remote frees). Takes them off
   * this worker's lists and returns them, for the pool to hand to another
   * worker (abandoned-slab reclaim).
   */
  disown(): number[] {
    const out: number[] = [];
    for (let c = 0; c < TINY_CLASSES; c++) {
      for (const slab of this.lists.all(c)) {
        this.moveTo(c, slab, SLAB_LIST_NONE);
        out.push(slab);
      }
    }
    return out;
  }

  /** Whether `ptr` is on a block boundary of an active or empty slab's carved area. */
  isBlockStart(ptr: number): boolean {
    const slab = slabRecordOf(ptr);
    const u32 = this.lm.u32;
    const m = slab >>> 2;
    const state = u32[m + SM_STATE / WORD_BYTES];
    if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) return false;
    const cls = u32[m + SM_CLASS / WORD_BYTES];
    const rel = ptr - slabDataStart(slab);
    const size = TINY_CLASS_SIZES[cls];
    return rel >= 0 && rel % size === 0 && rel / size < u32[m + SM_CARVED / WORD_BYTES];
  }

  /**
   * Usable size of the live tiny block at `ptr` in a page whose word is
   * `word` (PK_TINY): its class size less this build's guard, or -1 when
   * `ptr` is not the start of a live block.
   */
  usableSize(ptr: number, word: number): number {
    return (ptr & (GRANULE - 1)) === 0 && this.isBlockStart(ptr) && this.isLive(ptr) ? TINY_CLASS_SIZES[pageClass(word)] - BLOCK_GUARD : -1;
  }

  /**
   * Why the free fast path refused `ptr` in a PK_TINY page: FREE_INSIDE when
   * it is no block start of its slab, FREE_DOUBLE when it is one but not
   * live, FREE_OK when it is live (the view was stale: the caller retries).
   */
  freeProblem(ptr: number): FreeResult {
    if (!this.isBlockStart(ptr)) return FREE_INSIDE;
    return this.isLive(ptr) ? FREE_OK : FREE_DOUBLE;
  }

  /**
   * `check()` and `stats()`: walks the SuperSlab whose first page is `page`
   * (a PK_TINY or PK_SS_SPARE page), see HeapWalk and superslab-walk.ts.
   * `cached[0..cachedCount)` are this worker's TLS-cached tiny blocks, sorted
   * ascending. Returns the first problem, or null.
   */
  walk(page: number, w: HeapWalk, cached: Uint32Array, cachedCount: number): string | null {
    return walkSuperslab(this.lm, w.validate ? this.pageTable() : 0, page, w, cached, cachedCount, this.shared);
  }

  /** `u32[pt0 + page]` is the page word of page `page` (as PageLayer.pt0). */
  private pageTable(): number {
    if (this.pages !== undefined) return this.pages.pt0;
    // The page layer records where the heap header is when it opens the memory.
    if (this.lm.endWord === 0) throw new HeapError('INVALID_STATE', 'Superslab.walk: no page layer over this memory (pass one to the constructor)', undefined, 'superslab');
    const u32 = this.lm.u32;
    const h = this.lm.endWord - H_END_PAGE / WORD_BYTES;
    return (u32[h + H_PAGE_TABLE / WORD_BYTES] >>> 2) - u32[h + H_BASE_PAGE / WORD_BYTES];
  }

  counters(): Record<string, number> {
    return {
      refills: this.refills,
      carvedBlocks: this.carvedBlocks,
      reusedBlocks: this.reusedBlocks,
      partialHits: this.partialHits,
      localReturns: this.localReturns,
      remoteFrees: this.remoteFrees,
      remoteCollected: this.remoteCollected,
      racedDoubleFrees: this.racedDoubleFrees,
      dryRevived: this.lists.revived,
    };
  }
}

/**
 * The worker id owning the slab of the tiny block at `ptr` (0: none). Hot in
 * a shared heap's free, which sends a block of another owner's slab back at
 * once; a plain read, since the owner changes only under the pool lock while
 * the slab has no block out that this worker could be freeing.
 */
export function ownerOf(u32: Uint32Array, ptr: number): number {
  return u32[(slabRecordOf(ptr) + SM_OWNER) >>> 2];
}

/*
 * REMOTE READS: the owner reads remote-freed bits, and a remote free reads
 * live bits, with plain loads. Atomics.load is not inlined by TurboFan in
 * Node 20 (a builtin call, ~9 ns against ~1.5 ns for a plain load, measured
 * in a loop); the writer's side is atomic (Atomics.or/and) and a plain load
 * of a word another worker writes atomically returns the old or the new
 * value, which is all either test needs: a free that happened before
 * (through any synchronisation) is seen, a concurrent one is the raced case
 * the class comment covers.
 *
 * HOT: the four live-bit functions below spell liveByteOf/liveMaskOf out.
 * Through the accessors (which V8 does inline) markLive + clearLive measured
 * about 7% slower in a loop of them (3.06 → 3.27 ns per call, median of 16
 * runs); written out they cost what they did. superslab.test.ts checks that
 * they set and clear exactly the bit the accessors name.
 */

/**
 * Marks the tiny block at `ptr` live in its SuperSlab's bitmap. False when
 * `u8` does not reach the bitmap (the memory grew since the view was made):
 * the caller refreshes its view and tries again. Hot path: the facade calls
 * it directly with its own view. A shared heap uses `markLiveShared`; keeping
 * the atomic out of this function keeps it out of a private heap's fast path,
 * where its mere presence costs TurboFan's load elimination.
 */
export function markLive(u8: Uint8Array, ptr: number): boolean {
  const i = ptr - (ptr & SS_MASK) + SS_BITMAP + ((ptr & SS_MASK) >>> LIVE_BYTE_SHIFT); // liveByteOf(ptr), written out (see HOT)
  if (i >= u8.length) return false;
  const bit = 1 << ((ptr >>> GRANULE_SHIFT) & LIVE_BIT_MASK); // liveMaskOf(ptr)
  if (__HAKMEM_DEBUG__) {
    checkNotLive(u8, i, bit, ptr);
    if (!guardOnMalloc(u8, ptr)) return false;
  }
  u8[i] |= bit;
  return true;
}

/**
 * `markLive` for a shared heap, called by the slab's owner only (its cache
 * holds only its own slabs' blocks): a plain store, since no other worker
 * writes live bits. False also when the block's remote bit is set (a raced
 * double free left a remote free of it pending): the caller asks the box's
 * `dropRaced` and pops another block.
 */
export function markLiveShared(u8: Uint8Array, ptr: number): boolean {
  const i = ptr - (ptr & SS_MASK) + SS_BITMAP + ((ptr & SS_MASK) >>> LIVE_BYTE_SHIFT); // liveByteOf(ptr), written out (see HOT)
  if (i >= u8.length) return false;
  const bit = 1 << ((ptr >>> GRANULE_SHIFT) & LIVE_BIT_MASK); // liveMaskOf(ptr)
  // The view reaches the live byte, so it reaches the whole first page of the SuperSlab, where the remote byte is.
  // A plain load (see REMOTE READS).
  if ((u8[i + REMOTE_FROM_LIVE] & bit) !== 0) return false;
  if (__HAKMEM_DEBUG__) {
    checkNotLive(u8, i, bit, ptr);
    if (!guardOnMalloc(u8, ptr)) return false;
  }
  u8[i] |= bit;
  return true;
}

/** Clears `ptr`'s live bit; false if it was not set (not a live block start, or a stale view). Hot path. */
export function clearLive(u8: Uint8Array, ptr: number): boolean {
  const i = ptr - (ptr & SS_MASK) + SS_BITMAP + ((ptr & SS_MASK) >>> LIVE_BYTE_SHIFT); // liveByteOf(ptr), written out (see HOT)
  const bit = 1 << ((ptr >>> GRANULE_SHIFT) & LIVE_BIT_MASK); // liveMaskOf(ptr)
  const old = u8[i];
  if ((old & bit) === 0) return false; // also undefined past a detached view
  if (__HAKMEM_DEBUG__) {
    if (!guardOnFree(u8, ptr)) return false;
  }
  u8[i] = old & ~bit;
  return true;
}

/**
 * `markLive` for the facade's written-out private fast path (release builds
 * on a little-endian host only): the live bit as a bit of a u32 word, which
 * is the same bit `markLive` sets as a byte. False when `ptr`'s word lies
 * past the view (the memory grew: the caller refreshes and retries).
 */
export function markLiveWord(u32: Uint32Array, ptr: number): boolean {
  const i = ((ptr - (ptr & SS_MASK) + SS_BITMAP) >>> 2) + ((ptr & SS_MASK) >>> LIVE_WORD_SHIFT); // liveWordIndex(ptr), written out (see HOT)
  if (i >= u32.length) return false;
  u32[i] |= 1 << ((ptr >>> GRANULE_SHIFT) & LIVE_WORD_BIT_MASK); // liveWordBit(ptr)
  return true;
}

/** `clearLive` as `markLiveWord` is `markLive`: false, changing nothing, when the bit was clear (or past the view). */
export function clearLiveWord(u32: Uint32Array, ptr: number): boolean {
  const i = ((ptr - (ptr & SS_MASK) + SS_BITMAP) >>> 2) + ((ptr & SS_MASK) >>> LIVE_WORD_SHIFT);
  const bit = 1 << ((ptr >>> GRANULE_SHIFT) & LIVE_WORD_BIT_MASK);
  const old = u32[i];
  if ((old & bit) === 0) return false; // also undefined past a detached view
  u32[i] = old & ~bit;
  return true;
}

/**
 * As `clearLive`, for the owner's free in a shared heap (another worker's
 * free goes to `Superslab.freeRemote`): false, changing nothing, when the
 * live bit is clear or a remote free of the block is pending (remote bit
 * set); else a plain clear of the live bit. A remote free racing this one
 * may pass too; malloc, flush and drain catch that (class comment).
 */
export function clearLiveShared(u8: Uint8Array, ptr: number): boolean {
  const i = ptr - (ptr & SS_MASK) + SS_BITMAP + ((ptr & SS_MASK) >>> LIVE_BYTE_SHIFT); // liveByteOf(ptr), written out (see HOT)
  if (i >= u8.length) return false;
  const bit = 1 << ((ptr >>> GRANULE_SHIFT) & LIVE_BIT_MASK); // liveMaskOf(ptr)
  const old = u8[i];
  if ((old & bit) === 0 || (u8[i + REMOTE_FROM_LIVE] & bit) !== 0) return false; // plain (see REMOTE READS)
  if (__HAKMEM_DEBUG__) {
    if (!guardOnFree(u8, ptr)) return false;
  }
  u8[i] = old & ~bit;
  return true;
}

/** Pushes `block` on the remote list whose head is `u32[head]`, linked through its word REMOTE_LINK_WORD. Any worker. */
function pushRemoteLinked(u32: Uint32Array, head: number, block: number): void {
  for (;;) {
    const first = Atomics.load(u32, head);
    u32[(block >>> 2) + REMOTE_LINK_WORD] = first;
    if (Atomics.compareExchange(u32, head, first, block) === first) return;
  }
}
