import { H_BIGCACHE_LOCK, H_MID_LOCK, H_PAGE_LOCK, H_POOL_LOCK } from '@hakmem/contracts/layout';
import { WORD_BYTES } from './words.js';

/**
 * The heap's locks, and the one order they are taken in. Every other file
 * that takes a lock points here instead of restating it.
 *
 * Each lock is a mutex in one i32 word of the heap header
 * (`@hakmem/contracts/layout`, H_*_LOCK). The word holds 0 when the lock is
 * free and the holder's worker id while it is held, so a surviving worker
 * can tell that a dead worker holds it and take it back (`breakLockOf`).
 * Contended lockers sleep in `Atomics.wait` on the holder's id instead of
 * spinning, so a waiting worker does not burn the other core; the wait has a
 * short timeout, so a notify lost to a race costs at most that timeout,
 * never a deadlock. In a heap that is not shared there is only one thread:
 * no atomic instruction is paid, and the page layer and BigCache (whose
 * locks are taken on every large malloc and free) do not touch their words
 * at all; the other boxes still write theirs.
 *
 * Lock order (take a lower number before a higher one, never the reverse):
 *
 *   1. a box lock, at most one of these at a time:
 *      - H_POOL_LOCK (shared-pool): the EMPTY slab lists and their counts,
 *        the list of SuperSlabs with UNUSED slabs (SS_NEXT/SS_PREV/
 *        SS_IN_LIST, SS_ACTIVE_SLABS, SS_UNUSED_SLABS), the abandoned slab
 *        lists, and SM_STATE/SM_OWNER/SM_NEXT/SM_PREV of slabs on them.
 *      - H_BIGCACHE_LOCK (bigcache): the BigCache table, its size buckets,
 *        slot mask, stamps and budget.
 *      - H_MID_LOCK (mid-large-ace): the abandoned span lists, and SP_NEXT/
 *        SP_OWNER of the spans on them.
 *   2. H_PAGE_LOCK (page layer, innermost): free page words and the free
 *      bitmap, H_END_PAGE (growth), H_PAGES_IN_USE and the page counters.
 *      Taken alone or inside one box lock; no lock is taken while it is held.
 *
 * One caller holds more than one box lock: `lockAll`, for `check()` in a
 * shared heap, takes all of them, in the order of the list above, and then
 * the page lock. That makes no cycle: every other holder of a box lock
 * waits, if at all, only for the page lock, which `lockAll` takes last.
 *
 * Not locks: remote-free lists (SM_REMOTE_HEAD, SP_REMOTE_HEAD) are pushed
 * with compare-and-swap and taken whole by their owner with one exchange;
 * live bits of a shared heap are set and cleared atomically; H_NEXT_WORKER
 * is an atomic add.
 *
 * A survivor repairing a dead worker's heap (`Heap.reclaim`) breaks the page
 * lock first: it is the innermost, so a survivor holding a box lock may be
 * waiting for it, and each box's `reclaimWorker` then takes its own lock
 * (and the page lock inside it) to repair what the dead worker left.
 */
const WAIT_MS = 20;

/** Every lock of the heap header, in the order above: the box locks as listed, then the page lock. */
const ALL_LOCKS = [H_POOL_LOCK, H_BIGCACHE_LOCK, H_MID_LOCK, H_PAGE_LOCK] as const;

export function lockWord(i32: Int32Array, index: number, shared: boolean, holder: number): void {
  if (!shared) {
    i32[index] = holder;
    return;
  }
  lockWordBy(i32, index, holder, Infinity);
}

export function unlockWord(i32: Int32Array, index: number, shared: boolean): void {
  if (!shared) {
    i32[index] = 0;
    return;
  }
  Atomics.store(i32, index, 0);
  Atomics.notify(i32, index, 1);
}

/**
 * Frees the lock if `holder` holds it (that worker died holding it). Returns
 * whether it did. Whatever the lock guards may be half-updated: the caller
 * repairs it before anyone else takes the lock, so it takes the lock itself
 * (the boxes' and the page layer's `reclaimWorker` methods).
 */
export function breakLockOf(i32: Int32Array, index: number, holder: number, by: number): boolean {
  return Atomics.compareExchange(i32, index, holder, by) === holder;
}

/**
 * Takes every lock of the shared heap whose header starts at u32 index `h`,
 * in the lock order (see above), for a walk that must see no box's locked
 * change half made (`check()`). Gives up when one lock stays held for
 * `timeoutMs` after it started waiting for that one: a worker that died
 * holding it never lets go (until a survivor's `reclaim`). Then it
 * releases what it took and returns false, and the walk goes on without
 * locks.
 */
export function lockAll(i32: Int32Array, h: number, holder: number, timeoutMs: number): boolean {
  for (let k = 0; k < ALL_LOCKS.length; k++) {
    if (!lockWordBy(i32, h + ALL_LOCKS[k] / WORD_BYTES, holder, performance.now() + timeoutMs)) {
      unlockFirst(i32, h, k);
      return false;
    }
  }
  return true;
}

/** Releases what `lockAll` took, in the reverse order. */
export function unlockAll(i32: Int32Array, h: number): void {
  unlockFirst(i32, h, ALL_LOCKS.length);
}

/** Releases the first `n` locks of ALL_LOCKS, last first. */
function unlockFirst(i32: Int32Array, h: number, n: number): void {
  for (let k = n - 1; k >= 0; k--) unlockWord(i32, h + ALL_LOCKS[k] / WORD_BYTES, true);
}

/** `lockWord` in a shared heap, giving up at `deadline` (performance.now(); Infinity: never); returns whether it holds the lock. */
function lockWordBy(i32: Int32Array, index: number, holder: number, deadline: number): boolean {
  for (;;) {
    const cur = Atomics.compareExchange(i32, index, 0, holder);
    if (cur === 0) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(i32, index, cur, Math.min(WAIT_MS, left));
  }
}
