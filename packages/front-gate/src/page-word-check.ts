import { HeapError } from '@hakmem/contracts';
import {
  PAGE_SHIFT,
  PK_KIND_MASK,
  PK_MID_SPAN,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  PK_TINY,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_META_BYTES,
  SLABS_PER_SS,
  SM_CLASS,
  SM_STATE,
  SP_CLASS,
  SP_MAGIC,
  SP_PAGES,
  SPAN_MAGIC_VALUE,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_MASK,
  SS_SLAB_META,
  WORD_BYTES,
  midSpanPageWord,
  pageClass,
  pageDistance,
  pageSlab,
  runPages,
} from '@hakmem/contracts/layout';

/**
 * Debug build only (`pageWordOf` calls it behind `__HAKMEM_DEBUG__`): the
 * page-table word of a pointer's page, cross-checked with the records of the
 * box that owns the page. The gate may not import another box, so it reads
 * those records straight from the memory layout in @hakmem/contracts:
 *
 *   | word        | must agree with                                              |
 *   |-------------|--------------------------------------------------------------|
 *   | PK_TINY     | a SuperSlab header (magic) at the 1 MiB boundary below; the  |
 *   |             | word's slab index is the pointer's slab; that slab's record  |
 *   |             | is ACTIVE or EMPTY and has the word's class                  |
 *   | PK_MID_SPAN | the span head `distance` pages back has the head word of the |
 *   |             | same class and a span header (magic, class, page count past  |
 *   |             | the distance)                                                |
 *   | PK_RUN_*    | a non-zero page count; the page after the head is a body     |
 *   |             | page when the run has more than one, and the page after the  |
 *   |             | run is not                                                   |
 *
 * `index` is the word's u32 index and `pg` the page's number in the region
 * (of `regionPages`). Records the view does not reach yet (the memory grew)
 * are not checked: the caller refreshes its view before trusting a 0.
 */
export function checkedPageWord(u32: Uint32Array, index: number, pg: number, regionPages: number, ptr: number): number {
  const word = u32[index] | 0;
  if ((word & PK_KIND_MASK) === PK_TINY && tinyWordAgrees(u32, ptr, word)) return word;
  const why = mismatch(u32, index, pg, regionPages, ptr, word);
  if (why === null) return word;
  // A word that changed while we read the records is another worker's update
  // in flight (a slab or span changing hands), not damage.
  const again = u32[index] | 0;
  if (again !== word) return again;
  throw new HeapError('CORRUPTION', `the page word ${word >>> 0} of the pointer's page disagrees with ${why}`, ptr, 'frontGate');
}

/**
 * The check of a tiny page word, the one every debug tiny free makes, in a
 * few loads small enough to inline into the facade's free: the SuperSlab
 * header, the slab index, the record's class and state. False on any
 * disagreement, or when the view does not reach the record: `mismatch`
 * then says which (or that the record cannot be read yet).
 */
function tinyWordAgrees(u32: Uint32Array, ptr: number, word: number): boolean {
  const ss = ptr - (ptr & SS_MASK);
  const slab = (ptr & SS_MASK) >>> PAGE_SHIFT;
  const record = (ss + SS_SLAB_META + slab * SLAB_META_BYTES) >>> 2;
  if (record + SM_STATE / WORD_BYTES >= u32.length || u32[(ss + SS_MAGIC) >>> 2] !== SS_MAGIC_VALUE || pageSlab(word) !== slab) return false;
  const state = u32[record + SM_STATE / WORD_BYTES];
  return (state === SLAB_ACTIVE || state === SLAB_EMPTY) && u32[record + SM_CLASS / WORD_BYTES] === pageClass(word);
}

function mismatch(u32: Uint32Array, index: number, pg: number, regionPages: number, ptr: number, word: number): string | null {
  const kind = word & PK_KIND_MASK;
  const cls = pageClass(word);
  if (kind === PK_TINY) {
    const ss = ptr - (ptr & SS_MASK);
    const slab = (ptr & SS_MASK) >>> PAGE_SHIFT;
    const record = (ss + SS_SLAB_META + slab * SLAB_META_BYTES) >>> 2;
    if ((ss + SS_SLAB_META + SLABS_PER_SS * SLAB_META_BYTES) >>> 2 > u32.length) return null;
    if (u32[(ss + SS_MAGIC) >>> 2] !== SS_MAGIC_VALUE) return `the SuperSlab layout: no SuperSlab header at ${ss}`;
    if (pageSlab(word) !== slab) return `the SuperSlab layout: it names slab ${pageSlab(word)}, the pointer is in slab ${slab}`;
    const state = u32[record + SM_STATE / WORD_BYTES];
    if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) return `the record of slab ${slab} of SuperSlab ${ss}: its state ${state} is neither ACTIVE nor EMPTY`;
    if (u32[record + SM_CLASS / WORD_BYTES] !== cls) return `the record of slab ${slab} of SuperSlab ${ss}: the word says class ${cls}, the record class ${u32[record + SM_CLASS / WORD_BYTES]}`;
    return null;
  }
  if (kind === PK_MID_SPAN) {
    const dist = pageDistance(word);
    if (dist > pg) return `the span layout: its head would be ${dist} pages back, before the region`;
    if ((u32[index - dist] | 0) !== midSpanPageWord(cls, 0)) return `its span head ${dist} pages back, whose word is ${u32[index - dist] >>> 0}`;
    const head = ((((ptr >>> PAGE_SHIFT) - dist) << PAGE_SHIFT) >>> 0) >>> 2;
    if (head + SP_MAGIC / WORD_BYTES >= u32.length) return null;
    if (u32[head + SP_MAGIC / WORD_BYTES] !== SPAN_MAGIC_VALUE) return `its span header at ${head * WORD_BYTES}: no span magic`;
    if (u32[head + SP_CLASS / WORD_BYTES] !== cls) return `its span header at ${head * WORD_BYTES}: the word says class ${cls}, the header class ${u32[head + SP_CLASS / WORD_BYTES]}`;
    if (u32[head + SP_PAGES / WORD_BYTES] <= dist) return `its span header at ${head * WORD_BYTES}: the span has ${u32[head + SP_PAGES / WORD_BYTES]} pages, the word a distance of ${dist}`;
    return null;
  }
  if (kind === PK_RUN_LIVE || kind === PK_RUN_FREE) {
    const n = runPages(word);
    if (n === 0 || pg + n > regionPages) return `the run layout: a run of ${n} pages at page ${pg} of a ${regionPages}-page region`;
    if (n > 1 && u32[index + 1] !== PK_RUN_BODY) return `the run layout: the run has ${n} pages but its second page's word is ${u32[index + 1]}`;
    if (pg + n < regionPages && u32[index + n] === PK_RUN_BODY) return `the run layout: the run goes on past its ${n} pages`;
  }
  return null;
}
