import { bucketOf } from './bucket.js';
import {
  BC_BUCKET_COUNT,
  BC_BUCKET_MASK,
  BC_BUCKETS,
  BC_BUDGET_PAGES,
  BC_CACHED_PAGES,
  BC_ALL_SLOTS,
  BC_COUNTERS,
  BC_PUTS,
  BC_USED,
  BCE_BUCKET_NEXT,
  BCE_PAGE,
  BCE_PAGES,
  BCE_STAMP,
  BIGCACHE_ENTRIES,
  PAGE_SHIFT,
  PK_RUN_BODY,
  PK_RUN_FREE,
  WORD_BYTES,
  WORD_SHIFT,
  bcEntryIndex,
  PK_KIND_MASK,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { HeapError } from '@hakmem/contracts';
import { scannerOf, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';
import { popCount } from './bigcache-table.js';
import { poisonBreach, poisonMessage } from './run-guard.js';

export { bucketOf };

/**
 * BigCache's validators, read from memory: `cacheViolation` is what
 * `validate()` (and so `check()`) runs over the whole table; the others are
 * the parts the debug build runs on the records one operation is about to
 * act on, and `runViolation` is the per-run part of `walk`.
 */

export function countsError(lm: LinearMemory, pages: PageLayer, op: string): HeapError | null {
  const v = countsViolation(lm.u32, pages.bigcacheArea >>> 2);
  return v === null ? null : corruption(v, 0, op);
}

export function entryError(lm: LinearMemory, pages: PageLayer, id: number, op: string): HeapError | null {
  const v = entryViolation(lm, pages, id);
  return v === null ? null : corruption(v.message, v.page, op);
}

export function bodyError(pages: PageLayer, page: number, n: number, op: string): HeapError | null {
  const p = firstNotBody(pages, page, n, -1);
  return p < 0 ? null : corruption(`run at page ${page} of ${n} pages: page ${p} is not part of it`, page, op);
}

/**
 * The first page after the head of the run of `n` pages at `page` whose
 * word, under `mask` (-1: the whole word, PK_KIND_MASK: its kind), is not
 * PK_RUN_BODY, or -1. The debug build runs this on every run it hands out,
 * takes in or evicts (up to 128 pages each on W6), so the body words, which
 * are exactly PK_RUN_BODY in a sound heap, are first compared at once by the
 * heap's block scanner (wasm, 64 bytes a step: a JavaScript loop over them
 * was 35% of a debug W6 iteration); the loop below then only runs from the
 * first word that differs.
 */
function firstNotBody(pages: PageLayer, page: number, n: number, mask: number): number {
  const u32 = pages.lm.u32;
  const t = pages.pt0;
  let p = page + 1;
  if (n > SCAN_MIN_PAGES) {
    const at = scannerOf(pages.lm).find((t + p) * WORD_BYTES, (t + page + n) * WORD_BYTES, PK_RUN_BODY);
    if (at < 0) return -1;
    p += (at - (t + p) * WORD_BYTES) >>> WORD_SHIFT;
  }
  for (; p < page + n; p++) if ((u32[t + p] & mask) !== PK_RUN_BODY) return p;
  return -1;
}
/** Runs of more body pages than this are compared by the block scanner; a wasm call costs more than a short loop. */
const SCAN_MIN_PAGES = 16;

/**
 * The run of `n` pages at `page` about to be cached is a whole run (its body
 * words), and every run `put` would evict to make room for it is sound: the
 * first finding, or null. Goes through the slots oldest first (by stamp, as
 * `put` evicts) only as far as `put` would.
 */
export function putError(lm: LinearMemory, pages: PageLayer, page: number, n: number, op: string): HeapError | null {
  const body = bodyError(pages, page, n, op);
  if (body !== null) return body;
  const u32 = lm.u32;
  const area = pages.bigcacheArea;
  const a = area >>> 2;
  const budget = u32[a + BC_BUDGET_PAGES / WORD_BYTES];
  if (n > budget) return null;
  let count = popCount(u32[a + BC_USED / WORD_BYTES]);
  let cached = u32[a + BC_CACHED_PAGES / WORD_BYTES];
  if (count < BIGCACHE_ENTRIES && cached + n <= budget) return null;
  const order = slotsOldestFirst(u32, area);
  for (let k = 0; count >= BIGCACHE_ENTRIES || cached + n > budget; k++) {
    if (k >= order.length) return corruption(`the slots hold ${order.length} runs, fewer than ${cached} pages the total says`, 0, op);
    const id = order[k];
    const err = entryError(lm, pages, id, op);
    if (err !== null) return err;
    count--;
    cached -= u32[bcEntryIndex(area, id) + BCE_PAGES];
  }
  return null;
}

/** The slots in use, the run cached longest first (the order in which `put` evicts). */
function slotsOldestFirst(u32: Uint32Array, area: number): number[] {
  const a = area >>> 2;
  const now = u32[a + BC_COUNTERS / WORD_BYTES + BC_PUTS];
  const ids: number[] = [];
  for (let id = 1; id <= BIGCACHE_ENTRIES; id++) if ((u32[a + BC_USED / WORD_BYTES] >>> (id - 1)) & 1) ids.push(id);
  const age = (id: number): number => (now - u32[bcEntryIndex(area, id) + BCE_STAMP]) >>> 0;
  // Equal ages (only in a damaged table) go lowest slot first, as `oldest` takes them.
  return ids.sort((x, y) => age(y) - age(x) || x - y);
}

function corruption(message: string, page: number, op: string): HeapError {
  return new HeapError('CORRUPTION', `${message} (found by ${op}, before touching the cache)`, page === 0 ? undefined : (page << PAGE_SHIFT) >>> 0, 'bigcache');
}

/** The table's counts: what any operation may trust before it reads a list. `a`: u32 index of the BigCache area. */
export function countsViolation(u32: Uint32Array, a: number): string | null {
  const used = u32[a + BC_USED / WORD_BYTES];
  if ((used & ~BC_ALL_SLOTS) !== 0) return `slot mask ${used} marks slots beyond the ${BIGCACHE_ENTRIES} of the table`;
  const cached = u32[a + BC_CACHED_PAGES / WORD_BYTES];
  const budget = u32[a + BC_BUDGET_PAGES / WORD_BYTES];
  if (cached > budget) return `cache holds ${cached} pages, over its budget of ${budget}`;
  return null;
}

/** The cached run in slot `id`: inside the heap, head word FREE of its size, body words, and its end. */
export function entryViolation(lm: LinearMemory, pages: PageLayer, id: number): { message: string; page: number } | null {
  const u32 = lm.u32;
  if (id < 1 || id > BIGCACHE_ENTRIES) return { message: `slot ${id} is outside the table of ${BIGCACHE_ENTRIES}`, page: 0 };
  const e = bcEntryIndex(pages.bigcacheArea, id);
  const page = u32[e + BCE_PAGE];
  const n = u32[e + BCE_PAGES];
  const end = pages.endPage();
  if (n === 0) return { message: `slot ${id} is on a list but holds no run`, page: 0 };
  if (page < pages.firstDataPage || page + n > end) return { message: `cached run at page ${page} of ${n} pages is not inside the heap's pages`, page };
  if (pages.word(page) !== runHeadWord(PK_RUN_FREE, n)) return { message: `cached run at page ${page} has head word ${pages.word(page)}, not a free run of ${n} pages`, page };
  const stray = firstNotBody(pages, page, n, PK_KIND_MASK);
  if (stray >= 0) return { message: `cached run at page ${page}: page ${stray} is not part of it`, page };
  if (page + n < end && pages.word(page + n) === PK_RUN_BODY) return { message: `cached run at page ${page}: its pages go on past the ${n} its entry and head word say`, page };
  return null;
}

/**
 * The cache's invariants, read from memory (see `BigCache.validate`): the
 * first broken one and the run it concerns (page 0: the table as a whole).
 */
export function cacheViolation(lm: LinearMemory, pages: PageLayer): { message: string; page: number } | null {
  const u32 = lm.u32;
  const area = pages.bigcacheArea;
  const a = area >>> 2;
  const counts = countsViolation(u32, a);
  if (counts !== null) return { message: counts, page: 0 };
  const mask = u32[a + BC_USED / WORD_BYTES];
  const count = popCount(mask);
  const used = new Set<number>();
  const runs = new Set<number>();
  let total = 0;
  for (let id = 1; id <= BIGCACHE_ENTRIES; id++) {
    const e = bcEntryIndex(area, id);
    const inUse = ((mask >>> (id - 1)) & 1) === 1;
    if (!inUse) {
      if (u32[e + BCE_PAGES] !== 0) return { message: `slot ${id} holds a run at page ${u32[e + BCE_PAGE]} but the slot mask says it is unused`, page: u32[e + BCE_PAGE] };
      continue;
    }
    const v = entryViolation(lm, pages, id);
    if (v !== null) return v;
    const page = u32[e + BCE_PAGE];
    if (runs.has(page)) return { message: `run at page ${page} is cached twice`, page };
    used.add(id);
    runs.add(page);
    total += u32[e + BCE_PAGES];
  }
  let listed = 0;
  const bucketMask = u32[a + BC_BUCKET_MASK / WORD_BYTES];
  for (let b = 0; b < BC_BUCKET_COUNT; b++) {
    const head = u32[a + BC_BUCKETS / WORD_BYTES + b];
    if ((head !== 0) !== ((bucketMask >>> b) & 1) > 0) return { message: `bucket ${b} ${head !== 0 ? 'holds runs' : 'is empty'} but the bucket mask says otherwise`, page: 0 };
    for (let id = head; id !== 0; id = u32[bcEntryIndex(area, id) + BCE_BUCKET_NEXT]) {
      if (!used.has(id) || listed >= count) return { message: `bucket ${b} lists slot ${id}, which is not a cached run (or is listed twice)`, page: 0 };
      const e = bcEntryIndex(area, id);
      const n = u32[e + BCE_PAGES];
      if (bucketOf(n) !== b) return { message: `cached run at page ${u32[e + BCE_PAGE]} of ${n} pages is in bucket ${b}, not ${bucketOf(n)}`, page: u32[e + BCE_PAGE] };
      listed++;
    }
  }
  if (listed !== count) return { message: `the buckets list ${listed} runs, the slot mask says ${count}`, page: 0 };
  const cached = u32[a + BC_CACHED_PAGES / WORD_BYTES];
  if (total !== cached) return { message: `cached pages ${cached} but entries add to ${total}`, page: 0 };
  return null;
}

/**
 * Debug build, `check()`: every cached run still holds the poison its free
 * left (run after `cacheViolation` found the table sound). The first changed
 * byte, or null.
 */
export function poisonViolation(lm: LinearMemory, pages: PageLayer): { message: string; page: number } | null {
  const area = pages.bigcacheArea;
  const mask = lm.u32[(area >>> 2) + BC_USED / WORD_BYTES];
  for (let id = 1; id <= BIGCACHE_ENTRIES; id++) {
    if (((mask >>> (id - 1)) & 1) === 0) continue;
    const e = bcEntryIndex(area, id);
    const page = lm.u32[e + BCE_PAGE];
    const n = lm.u32[e + BCE_PAGES];
    const at = poisonBreach(lm, page, n);
    if (at >= 0) return { message: poisonMessage(page, n, at), page };
  }
  return null;
}

/** Debug build: the whole cache must be sound before `op` acts on all of it (under the lock, nothing changed yet). */
export function assertCacheValid(lm: LinearMemory, pages: PageLayer, op: string): void {
  const v = cacheViolation(lm, pages);
  if (v !== null) throw corruption(v.message, v.page, op);
}

/**
 * The page words of the large run whose head (page `p`) has `n` pages, as
 * `walk` checks them (the facade's texts before the walk moved here): it
 * ends inside the heap, and every page after the head is a body page.
 */
export function runViolation(pages: PageLayer, p: number, n: number): string | null {
  if (n === 0 || p + n > pages.endPage()) return `run at page ${p} has ${n} pages, past the heap end`;
  for (let q = p + 1; q < p + n; q++) if (pages.word(q) !== PK_RUN_BODY) return `run at page ${p}: page ${q} has word ${pages.word(q)}`;
  return null;
}
