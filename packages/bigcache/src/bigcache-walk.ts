import { BC_EVICTIONS, PAGE_SIZE, PK_RUN_BODY, PK_RUN_FREE, PK_RUN_LIVE, SPAN_MAX_PAGES, isRunHead, pageKind, runHeadWord, runPages } from '@hakmem/contracts/layout';
import type { HeapWalk } from '@hakmem/contracts';
import type { PageLayer } from '@hakmem/linear-memory';
import { runViolation } from './bigcache-checks.js';
import type { BigCacheTable } from './bigcache-table.js';
import { BLOCK_GUARD, guardError } from './run-guard.js';

/**
 * BigCache's walks over page words rather than slots: the heap walk's step
 * for one large run (`BigCache.walk`), and the sweep `reclaimWorker` runs for
 * free runs a dead worker left outside the table. Neither is on a hot path.
 */

/**
 * The heap walk's step for the large run whose head is page `page` (its
 * word a run head of more pages than a mid span): counts a live run as one
 * block of its usable bytes (the run less BLOCK_GUARD), and sets
 * `w.nextPage` past the run (past `page` at least). With `w.validate`, it
 * also checks the run's page words (it ends inside the heap, its body pages
 * are PK_RUN_BODY), that a free run is one `table` holds, and in the debug
 * build a live run's guard; it returns the first broken one, with
 * `w.problemAt` the run's first byte, else null.
 */
export function walkRun(pages: PageLayer, table: BigCacheTable, page: number, w: HeapWalk): string | null {
  const word = pages.word(page);
  const n = runPages(word);
  w.nextPage = page + Math.max(1, n);
  if (w.validate) {
    w.problemAt = page * PAGE_SIZE;
    if (!isRunHead(word) || n <= SPAN_MAX_PAGES) {
      w.nextPage = page + 1;
      return `page ${page} has word ${word}, not the head of a large run`;
    }
    const v = runViolation(pages, page, n);
    if (v !== null) {
      w.nextPage = page + 1;
      return v;
    }
    if (pageKind(word) === PK_RUN_FREE && table.slotOf(page) === 0) return `free run at page ${page} is held by no cache (lost memory)`;
    if (__HAKMEM_DEBUG__ && pageKind(word) === PK_RUN_LIVE) {
      const err = guardError(pages.lm, page, n, 'check');
      if (err !== null) return err.message;
    }
  }
  if (pageKind(word) === PK_RUN_LIVE) {
    w.liveBlocks++;
    w.liveBytes += n * PAGE_SIZE - BLOCK_GUARD;
  }
  return null;
}

/**
 * Under the bigcache lock: walks the page words and releases every free
 * large run (more pages than a mid span, so not the mid box's) that no slot
 * of `table` holds, counting each as an eviction. A run whose body holds
 * another head (a split the dead worker left half done) ends at that head.
 */
export function releaseOrphanRuns(pages: PageLayer, table: BigCacheTable): void {
  const end = pages.endPage();
  let p = pages.firstDataPage;
  while (p < end) {
    const w = pages.word(p);
    let n = runPages(w);
    if (!isRunHead(w) || n === 0 || p + n > end) {
      p++;
      continue;
    }
    if (pageKind(w) === PK_RUN_FREE && n > SPAN_MAX_PAGES && table.slotOf(p) === 0) {
      let q = p + 1;
      while (q < p + n && pages.word(q) === PK_RUN_BODY) q++;
      n = q - p;
      pages.setWord(p, runHeadWord(PK_RUN_FREE, n));
      table.bump(BC_EVICTIONS);
      pages.freeBodyRun(p, n);
    }
    p += n;
  }
}
