import { BOX_NAMES, HeapError } from '@hakmem/contracts';
import {
  H_POOL_LOCK,
  H_VARIANTS,
  PAGE_SHIFT,
  PK_SS_SPARE,
  POOL_C_RELEASES,
  POOL_C_SLABS_ABANDONED,
  POOL_C_SS_RELEASED,
  POOL_C_STAGE0_ADOPTIONS,
  POOL_C_STAGE1_HITS,
  POOL_C_STAGE2_HITS,
  POOL_C_STAGE3_HITS,
  SLABS_PER_SS,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_LIST_NONE,
  SLAB_UNUSED,
  SM_CAPACITY,
  SM_CARVED,
  SM_CLASS,
  SM_FREE_HEAD,
  SM_LIST,
  SM_OWNER,
  SM_REMOTE_HEAD,
  SM_STATE,
  SM_USED,
  SS_ACTIVE_SLABS,
  SS_BITMAP,
  SS_BITMAP_BYTES,
  SS_REMOTE_BITMAP,
  SS_REMOTE_BITMAP_BYTES,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_NEXT,
  SS_PAGES,
  SS_UNUSED_SLABS,
  TINY_CLASSES,
  VARIANT_DEBUG_BYTE,
  WORD_BYTES,
  poolAbandonedHeadIndex,
  poolCounterIndex,
  poolEmptyCountIndex,
  poolSsHeadIndex,
  slabIndexOfRecord,
  slabPageAt,
  slabRecordAt,
  spareSlabWord,
  superslabOf,
  tinyPageWord,
  tinySlabCapacity,
} from '@hakmem/contracts/layout';
import { breakLockOf, lockWord, unlockWord, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';
import { linkSuperslab, popAbandoned, popEmpty, pushAbandoned, pushEmpty, unlinkEmpty, unlinkSuperslab } from './pool-lists.js';
import { abandonSlabsOf, heapSuperslabs, rebuildPool } from './pool-repair.js';
import { poolViolation } from './pool-validate.js';

/**
 * Shared pool box: hands tiny slabs to workers and takes them back.
 *
 * acquire(cls) tries, in order:
 *   stage 0  an abandoned slab of the same class (its owner detached or died
 *            with blocks still out; the new owner collects them as they come back);
 *   stage 1  an EMPTY slab of the same class (its blocks are already carved);
 *   stage 2  an UNUSED slab of a SuperSlab that has one (any class before)
 *            and whose page the page layer still has free;
 *   stage 3  a new SuperSlab from the page layer.
 * A SuperSlab holds slab 0's page (its header) and the pages of its slabs
 * in use: a slab taken in stage 2 takes its page from the page layer, and a
 * slab that turns UNUSED gives it back (layout.ts isUnusedSlabPageWord), so
 * a small heap holds the pages it uses, not 1 MiB per SuperSlab.
 * release(slab) keeps a few EMPTY slabs per class for stage 1 and turns the
 * rest UNUSED; a SuperSlab with no ACTIVE slab left is given back whole.
 *
 * Lock: the pool lock (H_POOL_LOCK) guards every list below (EMPTY lists,
 * abandoned lists, the SuperSlab list), the slab words SM_STATE, SM_CLASS,
 * SM_NEXT, SM_PREV of slabs not ACTIVE, SM_OWNER of every slab, and the
 * SuperSlab words SS_ACTIVE_SLABS, SS_UNUSED_SLABS and the list links. It is
 * taken only on these slow paths and only around the slot update; the page
 * lock may be taken inside it, never the other way round.
 *
 * Slab state machine (SM_STATE):
 *   | from   | to     | when                                         |
 *   |--------|--------|----------------------------------------------|
 *   | UNUSED | ACTIVE | stage 2: a worker takes it for a class        |
 *   | ACTIVE | EMPTY  | release: its last block came back            |
 *   | EMPTY  | ACTIVE | stage 1: a worker takes it again, same class  |
 *   | EMPTY  | UNUSED | too many EMPTY of its class, or its SuperSlab is being given back |
 *   | ACTIVE | UNUSED | release when the class already keeps enough EMPTY |
 *   | ACTIVE | ACTIVE  | abandon (owner → 0, on the abandoned list), then
 *                        stage 0 (owner → the adopting worker)          |
 *
 * Recovery: the lock word holds its holder's worker id. `reclaimWorker(id)`
 * (a survivor calling for a dead worker) takes the lock back if the dead
 * worker held it, rebuilds every list and counter from the slab records
 * (they are derived data, so a half-done update cannot survive that), and
 * abandons every slab the dead worker owned.
 *
 * Files: this one is the box (acquire, release, abandon, adoption, and the
 * lock); pool-lists.ts holds the EMPTY, abandoned and SuperSlab lists;
 * pool-repair.ts the rebuild after a worker died; pool-validate.ts the
 * invariants `validate` checks.
 */
const EMPTY_KEEP = 2;

export class SharedPool {
  readonly lm: LinearMemory;
  readonly pages: PageLayer;
  private readonly area: number;
  private readonly lockIndex: number;

  constructor(lm: LinearMemory, pages: PageLayer) {
    this.lm = lm;
    this.pages = pages;
    this.area = pages.poolArea;
    this.lockIndex = (pages.base + H_POOL_LOCK) >>> 2;
    // The blocks are the superslab box's: when it runs its debug build they
    // were poisoned while free, so their pages go back poisoned too.
    this.poisonOnRelease = __HAKMEM_DEBUG__ || lm.u8[pages.base + H_VARIANTS + BOX_NAMES.indexOf('superslab')] === VARIANT_DEBUG_BYTE;
  }

  /** Whether released SuperSlabs go back to the page layer poisoned (a debug pool, or a debug superslab box). */
  private readonly poisonOnRelease: boolean;

  private lock(): void {
    lockWord(this.lm.i32, this.lockIndex, this.lm.shared, this.lm.holder);
  }

  private unlock(): void {
    unlockWord(this.lm.i32, this.lockIndex, this.lm.shared);
  }

  /** Counts an event: `counter` is a POOL_C_* index. */
  private bump(counter: number): void {
    this.lm.u32[poolCounterIndex(this.area, counter)]++;
  }

  /** A slab of class `cls` owned by `owner`, ACTIVE, or 0 when no memory is left. */
  acquire(cls: number, owner: number): number {
    this.lock();
    try {
      // Another worker may have made the SuperSlab or slab we are about to
      // take, past the end of this worker's view: look at the memory afresh.
      this.lm.fresh();
      let slab = this.takeAbandoned(cls, owner);
      if (slab !== 0) return slab;
      slab = popEmpty(this.lm, this.area, cls);
      if (slab !== 0) {
        this.bump(POOL_C_STAGE1_HITS);
        this.activate(slab, owner, false);
        return slab;
      }
      // Stage 2: an UNUSED slab whose page is still free (another box may
      // have taken the pages of a SuperSlab's unused slabs).
      for (let ss = this.lm.u32[poolSsHeadIndex(this.area)]; ss !== 0 && slab === 0; ) {
        const next = this.lm.u32[(ss + SS_NEXT) >>> 2];
        slab = this.takeUnused(ss, cls);
        ss = next;
      }
      if (slab !== 0) this.bump(POOL_C_STAGE2_HITS);
      else {
        const ss = this.newSuperslab();
        if (ss === 0) return 0;
        this.bump(POOL_C_STAGE3_HITS);
        slab = this.takeUnused(ss, cls);
      }
      this.activate(slab, owner, true);
      return slab;
    } finally {
      this.unlock();
    }
  }

  /** Takes back a slab whose last block came back to its owner. */
  release(slab: number): void {
    const u32 = this.lm.u32;
    const m = slab >>> 2;
    if (__HAKMEM_DEBUG__) {
      if (u32[m + SM_STATE / WORD_BYTES] !== SLAB_ACTIVE) throw new HeapError('CORRUPTION', `release of slab in state ${u32[m + SM_STATE / WORD_BYTES]} (expected ACTIVE)`, slab, 'sharedPool');
      if (u32[m + SM_USED / WORD_BYTES] !== 0) throw new HeapError('CORRUPTION', `release of slab with ${u32[m + SM_USED / WORD_BYTES]} blocks still out`, slab, 'sharedPool');
    }
    this.lock();
    try {
      this.bump(POOL_C_RELEASES);
      const cls = u32[m + SM_CLASS / WORD_BYTES];
      const ss = superslabOf(slab);
      u32[m + SM_OWNER / WORD_BYTES] = 0;
      u32[m + SM_LIST / WORD_BYTES] = SLAB_LIST_NONE;
      u32[(ss + SS_ACTIVE_SLABS) >>> 2]--;
      if (u32[poolEmptyCountIndex(this.area, cls)] < EMPTY_KEEP) {
        u32[m + SM_STATE / WORD_BYTES] = SLAB_EMPTY;
        pushEmpty(this.lm, this.area, cls, slab);
      } else this.makeUnused(slab);
      if (u32[(ss + SS_ACTIVE_SLABS) >>> 2] === 0) this.releaseSuperslab(ss);
    } finally {
      this.unlock();
    }
  }

  /**
   * An abandoned slab of class `cls`, now owned by `owner`, or 0 when there
   * is none. `trim` uses it so that a live worker gathers what detached
   * workers left once its blocks came back.
   */
  adoptAbandoned(cls: number, owner: number): number {
    if (Atomics.load(this.lm.u32, poolAbandonedHeadIndex(this.area, cls)) === 0) return 0;
    this.lock();
    try {
      this.lm.fresh();
      return this.takeAbandoned(cls, owner);
    } finally {
      this.unlock();
    }
  }

  /** Under the lock: pops an abandoned slab of `cls` and makes `owner` its owner. */
  private takeAbandoned(cls: number, owner: number): number {
    const slab = popAbandoned(this.lm, this.area, cls);
    if (slab === 0) return 0;
    this.bump(POOL_C_STAGE0_ADOPTIONS);
    this.lm.u32[(slab >>> 2) + SM_OWNER / WORD_BYTES] = owner;
    this.lm.u32[(slab >>> 2) + SM_LIST / WORD_BYTES] = SLAB_LIST_NONE;
    return slab;
  }

  /**
   * Detach: takes slabs their owner gives up while blocks of theirs are still
   * out (live with users, or remote frees not yet collected). Each stays
   * ACTIVE with owner 0 until a worker adopts it in stage 0.
   */
  abandon(slabs: number[]): void {
    if (slabs.length === 0) return;
    this.lock();
    try {
      for (const slab of slabs) pushAbandoned(this.lm, this.area, slab);
    } finally {
      this.unlock();
    }
  }

  /**
   * A survivor's call for a worker that died: frees the pool lock if the dead
   * worker held it, rebuilds the pool's lists and counters from the slab
   * records, and abandons every slab the dead worker owned. Returns how many
   * slabs it abandoned.
   */
  reclaimWorker(dead: number): number {
    const broke = breakLockOf(this.lm.i32, this.lockIndex, dead, this.lm.holder);
    if (!broke) this.lock();
    try {
      this.lm.fresh();
      const superslabs = heapSuperslabs(this.lm, this.pages);
      if (broke) rebuildPool(this.lm, this.pages, this.area, superslabs);
      return abandonSlabsOf(this.lm, this.area, superslabs, dead);
    } finally {
      this.unlock();
    }
  }

  private activate(slab: number, owner: number, fresh: boolean): void {
    const u32 = this.lm.u32;
    const m = slab >>> 2;
    u32[m + SM_STATE / WORD_BYTES] = SLAB_ACTIVE;
    u32[m + SM_OWNER / WORD_BYTES] = owner;
    u32[m + SM_LIST / WORD_BYTES] = SLAB_LIST_NONE;
    if (fresh) {
      u32[m + SM_CARVED / WORD_BYTES] = 0;
      u32[m + SM_USED / WORD_BYTES] = 0;
      u32[m + SM_FREE_HEAD / WORD_BYTES] = 0;
      u32[m + SM_REMOTE_HEAD / WORD_BYTES] = 0;
    }
    u32[(superslabOf(slab) + SS_ACTIVE_SLABS) >>> 2]++;
  }

  /** EMPTY/ACTIVE → UNUSED: the slab forgets its class; its page is spare. */
  private makeUnused(slab: number): void {
    const u32 = this.lm.u32;
    const m = slab >>> 2;
    const ss = superslabOf(slab);
    const page = slabPageAt(ss, slabIndexOfRecord(slab));
    u32[m + SM_STATE / WORD_BYTES] = SLAB_UNUSED;
    u32[m + SM_CLASS / WORD_BYTES] = 0;
    u32[m + SM_OWNER / WORD_BYTES] = 0;
    // Slab 0's page holds the header and stays; any other goes back to the
    // page layer. Either word remembers the class, so a second free into
    // the slab is still a double free.
    if (page === ss >>> PAGE_SHIFT) this.pages.setWord(page, spareSlabWord(this.pages.word(page)));
    else this.pages.freeRun(page, 1, this.poisonOnRelease);
    if (++this.lm.u32[(ss + SS_UNUSED_SLABS) >>> 2] === 1) linkSuperslab(this.lm, this.area, ss);
  }

  /**
   * An UNUSED slab of `ss` made class `cls`'s, its page taken from the page
   * layer (slab 0's is the SuperSlab's own), or 0 when every UNUSED slab's
   * page is held by another box.
   */
  private takeUnused(ss: number, cls: number): number {
    for (let s = 0; s < SLABS_PER_SS; s++) {
      const slab = slabRecordAt(ss, s);
      const m = slab >>> 2;
      if (this.lm.u32[m + SM_STATE / WORD_BYTES] !== SLAB_UNUSED) continue;
      if (s !== 0 && !this.pages.takePage(slabPageAt(ss, s))) continue;
      // takePage may have grown the views.
      const u32 = this.lm.u32;
      u32[m + SM_CLASS / WORD_BYTES] = cls;
      u32[m + SM_CAPACITY / WORD_BYTES] = tinySlabCapacity(cls, s, this.lm.shared);
      this.pages.setWord(slabPageAt(ss, s), tinyPageWord(cls, s));
      if (--u32[(ss + SS_UNUSED_SLABS) >>> 2] === 0) unlinkSuperslab(this.lm, this.area, ss);
      return slab;
    }
    return 0;
  }

  /** A new SuperSlab: its 1 MiB of addresses reserved, its header's page (slab 0) taken, the other pages left free until a slab needs one. */
  private newSuperslab(): number {
    const page = this.pages.allocRunHead(SS_PAGES, SS_PAGES);
    if (page === 0) return 0;
    const ss = page << PAGE_SHIFT >>> 0;
    const u8 = this.lm.u8;
    u8.fill(0, ss, ss + SS_BITMAP + SS_BITMAP_BYTES);
    // A shared heap's remote-freed bitmap (the end of slab 0, which its capacity leaves out).
    if (this.lm.shared) u8.fill(0, ss + SS_REMOTE_BITMAP, ss + SS_REMOTE_BITMAP + SS_REMOTE_BITMAP_BYTES);
    const u32 = this.lm.u32;
    u32[(ss + SS_MAGIC) >>> 2] = SS_MAGIC_VALUE;
    u32[(ss + SS_UNUSED_SLABS) >>> 2] = SLABS_PER_SS;
    this.pages.setWord(page, PK_SS_SPARE);
    linkSuperslab(this.lm, this.area, ss);
    return ss;
  }

  /** Gives a SuperSlab with no ACTIVE slab back to the page layer, dropping its EMPTY slabs first. */
  private releaseSuperslab(ss: number): void {
    const u32 = this.lm.u32;
    for (let s = 0; s < SLABS_PER_SS; s++) {
      const slab = slabRecordAt(ss, s);
      const m = slab >>> 2;
      if (u32[m + SM_STATE / WORD_BYTES] === SLAB_EMPTY) {
        unlinkEmpty(this.lm, this.area, u32[m + SM_CLASS / WORD_BYTES], slab);
        this.makeUnused(slab);
      }
    }
    if (__HAKMEM_DEBUG__) {
      if (u32[(ss + SS_UNUSED_SLABS) >>> 2] !== SLABS_PER_SS)
        throw new HeapError('CORRUPTION', `SuperSlab released with ${SLABS_PER_SS - u32[(ss + SS_UNUSED_SLABS) >>> 2]} slabs in use`, ss, 'sharedPool');
    }
    unlinkSuperslab(this.lm, this.area, ss);
    u32[(ss + SS_MAGIC) >>> 2] = 0;
    // The debug build hands the pages back poisoned: a write after free into
    // them is found when they are taken again, or by check().
    this.pages.freeRun(ss >>> PAGE_SHIFT, 1, this.poisonOnRelease);
    this.bump(POOL_C_SS_RELEASED);
  }

  counters(): Record<string, number> {
    const u32 = this.lm.u32;
    const c = (counter: number): number => u32[poolCounterIndex(this.area, counter)];
    let empty = 0;
    for (let k = 0; k < TINY_CLASSES; k++) empty += u32[poolEmptyCountIndex(this.area, k)];
    return {
      stage1Hits: c(POOL_C_STAGE1_HITS),
      stage2Hits: c(POOL_C_STAGE2_HITS),
      stage3Hits: c(POOL_C_STAGE3_HITS),
      releases: c(POOL_C_RELEASES),
      superslabsReleased: c(POOL_C_SS_RELEASED),
      stage0Adoptions: c(POOL_C_STAGE0_ADOPTIONS),
      slabsAbandoned: c(POOL_C_SLABS_ABANDONED),
      emptySlabsKept: empty,
    };
  }

  /**
   * Pool invariants: every slab on an EMPTY list is EMPTY, of that class, and
   * on one list only; list counts match; every SuperSlab on the SS list has
   * UNUSED slabs and its counters match its slabs. Returns the first
   * violation, or null. `superslabs` lists every SuperSlab in the heap.
   */
  validate(superslabs: number[]): string | null {
    return poolViolation(this.lm, this.area, superslabs);
  }
}
