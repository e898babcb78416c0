import { BC_ENTRY_WORDS, BCE_PAGES, PK_RUN_BODY, PK_RUN_FREE, PK_RUN_LIVE, pageKind, runHeadWord } from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import { entryError } from './bigcache-checks.js';
import { poisonError, poisonRun } from './run-guard.js';
import type { BigCacheTable } from './bigcache-table.js';

/**
 * In-place resizing of a live large run, `BigCache.resize`'s work once it
 * holds the bigcache lock and has checked the run: each returns whether it
 * resized, and changes nothing when it did not. A debug check's throw here
 * leaves the lock to `resize`'s `finally`.
 */

/**
 * The tail goes to the page layer, whose free words remember it was a run's
 * body (see `BigCache.alloc`); the debug build poisons it first, as any
 * memory this box takes back.
 */
export function shrinkRun(lm: LinearMemory, pages: PageLayer, page: number, oldPages: number, newPages: number): boolean {
  if (__HAKMEM_DEBUG__) poisonRun(lm, page + newPages, oldPages - newPages);
  pages.setWord(page, runHeadWord(PK_RUN_LIVE, newPages));
  pages.freeBodyRun(page + newPages, oldPages - newPages, __HAKMEM_DEBUG__);
  return true;
}

/**
 * Grows the run into the pages right after it: a cached run there that is
 * long enough (taken from `table`), or, in a heap that is not shared, free
 * pages of the page layer.
 */
export function growRun(lm: LinearMemory, pages: PageLayer, table: BigCacheTable, page: number, oldPages: number, newPages: number): boolean {
  const need = newPages - oldPages;
  const next = page + oldPages;
  const end = pages.endPage();
  if (next < end && pageKind(pages.word(next)) === PK_RUN_FREE) {
    const id = table.slotOf(next);
    if (id === 0) return false;
    const u32 = lm.u32;
    const e = table.t0 + id * BC_ENTRY_WORDS;
    const k = u32[e + BCE_PAGES];
    if (k < need) return false;
    if (__HAKMEM_DEBUG__) {
      const err = entryError(lm, pages, id, 'resize') ?? poisonError(lm, next, k, 'resize');
      if (err !== null) throw err;
    }
    const rem = k - need;
    let give = newPages;
    table.remove(id, e);
    // A quarter of slack stays with the block, more goes to the page layer: a
    // resize keeps to the size asked for (`take` keeps more, see SPLIT_RATIO:
    // there the point is to reuse a head page, and here the head stays anyway).
    if (rem > newPages >>> 2) pages.freeBodyRun(next + need, rem, __HAKMEM_DEBUG__);
    else give = oldPages + k;
    pages.setWord(next, PK_RUN_BODY);
    pages.setWord(page, runHeadWord(PK_RUN_LIVE, give));
    return true;
  }
  // Free pages of the page layer. It has no call for "these pages": a run
  // aligned to `next` itself is the first candidate it tries, and, with the
  // pages up to the end free, where it extends the heap. Another worker
  // could take them between this look and that call, so only a private heap does this.
  if (lm.shared) return false;
  const stop = Math.min(end, next + need);
  for (let p = next; p < stop; p++) if (!pages.isFree(p)) return false;
  if (next + need > pages.limitPage) return false;
  const got = pages.allocRun(need, next);
  if (got === 0) return false;
  if (got !== next) {
    pages.freeRun(got, need, __HAKMEM_DEBUG__);
    return false;
  }
  pages.setWords(next, need, PK_RUN_BODY);
  pages.setWord(page, runHeadWord(PK_RUN_LIVE, newPages));
  return true;
}
