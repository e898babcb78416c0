import {
  PAGE_SHIFT,
  PK_RUN_BODY,
  PK_SS_SPARE,
  SLAB_ACTIVE,
  SLAB_META_BYTES,
  SM_CLASS,
  SM_STATE,
  SP_CLASS,
  SP_MAGIC,
  SP_PAGES,
  SPAN_MAGIC_VALUE,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_PAGES,
  SS_SLAB_META,
  WORD_BYTES,
  midSpanPageWord,
  runHeadWord,
  tinyPageWord,
} from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';

/**
 * Test fixtures: the records other boxes keep, laid out by hand through the
 * layout constants (a box test may not import another box). Just enough for
 * the gate's debug cross-check to find each page word's owner.
 */

/** A SuperSlab with its header; returns its first page. */
export function laySuperslab(lm: LinearMemory, pl: PageLayer): number {
  const page = pl.allocRun(SS_PAGES, SS_PAGES);
  if (page === 0) throw new Error('fixture: no room for a SuperSlab');
  lm.u32[((page << PAGE_SHIFT) + SS_MAGIC) >>> 2] = SS_MAGIC_VALUE;
  pl.setWords(page, SS_PAGES, PK_SS_SPARE);
  return page;
}

/** Makes slab `slab` of the SuperSlab at `page` ACTIVE for class `cls`; returns the slab record's address. */
export function layTinySlab(lm: LinearMemory, pl: PageLayer, page: number, slab: number, cls: number): number {
  const record = (page << PAGE_SHIFT) + SS_SLAB_META + slab * SLAB_META_BYTES;
  lm.u32[(record + SM_CLASS) >>> 2] = cls;
  lm.u32[(record + SM_STATE) >>> 2] = SLAB_ACTIVE;
  pl.setWord(page + slab, tinyPageWord(cls, slab));
  return record;
}

/** A span of class `cls` over `pages` pages, with its header; returns its first page. */
export function laySpan(lm: LinearMemory, pl: PageLayer, cls: number, pages: number): number {
  const page = pl.allocRun(pages, 1);
  const head = (page << PAGE_SHIFT) >>> 2;
  lm.u32[head + SP_MAGIC / WORD_BYTES] = SPAN_MAGIC_VALUE;
  lm.u32[head + SP_CLASS / WORD_BYTES] = cls;
  lm.u32[head + SP_PAGES / WORD_BYTES] = pages;
  for (let d = 0; d < pages; d++) pl.setWord(page + d, midSpanPageWord(cls, d));
  return page;
}

/** A run of `pages` pages whose head has `kind` (PK_RUN_LIVE or PK_RUN_FREE); returns its first page. */
export function layRun(pl: PageLayer, kind: number, pages: number): number {
  const page = pl.allocRun(pages, 1);
  pl.setWord(page, runHeadWord(kind, pages));
  if (pages > 1) pl.setWords(page + 1, pages - 1, PK_RUN_BODY);
  return page;
}
