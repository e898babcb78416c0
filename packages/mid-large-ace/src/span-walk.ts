import {
  MID_CLASS_SIZES,
  MID_SPAN_PAGES,
  PAGE_SHIFT,
  SP_CAPACITY,
  SP_CARVED,
  SP_CLASS,
  SP_FREE_HEAD,
  SP_MAGIC,
  SP_PAGES,
  SP_REMOTE_HEAD,
  SP_USED,
  SPAN_BITMAP_WORDS,
  SPAN_MAGIC_VALUE,
  isMidRunClass,
  midSpanCapacity,
  midSpanPageWord,
  spanBlock,
  spanBlockOffset,
  spanLiveBit,
  spanLiveWordIndex,
  spanWord,
} from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import { BLOCK_GUARD } from './block-guard.js';
import { checkGuard, checkPoison, LINK_BYTES } from './block-checks.js';

/**
 * The span validator: every invariant of one span's header, page words,
 * lists and live bitmap (`walk` with `validate`), and the count-only pass
 * (`walk` for `stats()`).
 */

/** What a span walk adds its live blocks to (a HeapWalk is one). */
export interface LiveCount {
  liveBlocks: number;
  liveBytes: number;
}

/**
 * What `validateSpan` adds its findings to (the package's tests; `walk` uses a HeapWalk).
 */
export interface SpanWalk extends LiveCount {
  spans: number;
}

// SWAR popcount (a span's live count in a few operations per bitmap word): masks of
// 2-, 4- and 8-bit fields, the nibble shift, the multiplier that sums the bytes into the top one.
const M1 = 0x55555555;
const M2 = 0x33333333;
const M4 = 0x0f0f0f0f;
const NIBBLE = 4;
const BYTE_SUM = 0x01010101;
const TOP_BYTE = 24;

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & M1);
  v = (v & M2) + ((v >>> 2) & M2);
  return Math.imul((v + (v >>> NIBBLE)) & M4, BYTE_SUM) >>> TOP_BYTE;
}

/** Live blocks of the span at `span`: the popcount of its live bitmap (no check). */
export function countSpanLive(u32: Uint32Array, span: number): number {
  let live = 0;
  const first = spanLiveWordIndex(span, 0);
  for (let i = 0; i < SPAN_BITMAP_WORDS; i++) live += popcount32(u32[first + i]);
  return live;
}

/**
 * Validates the span at `span` (`cached` of its blocks sit in this worker's
 * caches) and, when it holds, adds its live blocks to `out`. Checks the
 * header (magic, class, capacity, pages), every page word of the span, the
 * free and remote lists (inside the span, on block boundaries, not live, no
 * cycle), that used + free = carved and live + remote + cached ≤ used; the
 * debug build also checks every live block's guard (it throws) and the
 * poison of every listed block. Returns the first violation, or null.
 */
export function spanProblem(lm: LinearMemory, pages: PageLayer, span: number, cached: number, out: LiveCount): string | null {
  const u32 = lm.u32;
  if (u32[spanWord(span, SP_MAGIC)] !== SPAN_MAGIC_VALUE) return `span ${span} has a bad magic word`;
  const cls = u32[spanWord(span, SP_CLASS)];
  if (isMidRunClass(cls)) return `span ${span}: class ${cls} is not a span class`;
  const n = u32[spanWord(span, SP_PAGES)];
  if (n !== MID_SPAN_PAGES[cls]) return `span ${span}: ${n} pages, class ${cls} spans have ${MID_SPAN_PAGES[cls]}`;
  const head = span >>> PAGE_SHIFT;
  for (let d = 0; d < n; d++) if (pages.word(head + d) !== midSpanPageWord(cls, d)) return `span ${span}: page ${head + d} has word ${pages.word(head + d)}`;
  const capacity = u32[spanWord(span, SP_CAPACITY)];
  const carved = u32[spanWord(span, SP_CARVED)];
  const used = u32[spanWord(span, SP_USED)];
  if (capacity !== midSpanCapacity(cls)) return `span ${span}: capacity ${capacity} wrong for class ${cls}`;
  if (carved > capacity || used > carved) return `span ${span}: used ${used}, carved ${carved}, capacity ${capacity} out of order`;
  const size = MID_CLASS_SIZES[cls];
  const live = (q: number) => (u32[spanLiveWordIndex(span, q)] & spanLiveBit(q)) !== 0;
  let liveCount = 0;
  for (let q = 0; q < capacity; q++) {
    if (live(q)) {
      if (q >= carved) return `span ${span}: block ${q} is live but was never carved`;
      liveCount++;
      if (__HAKMEM_DEBUG__) checkGuard(lm.u8, spanBlock(span, q, size), size);
    }
  }
  const listLen = (first: number, what: string): number | string => {
    let k = 0;
    for (let p = first; p !== 0; p = u32[p >>> 2]) {
      const rel = spanBlockOffset(p, span);
      if (rel < 0 || rel % size !== 0 || rel / size >= carved) return `span ${span}: ${what} node ${p} is not a carved block`;
      if (live(rel / size)) return `span ${span}: ${what} node ${p} is live`;
      if (++k > carved) return `span ${span}: ${what} has a cycle`;
      if (__HAKMEM_DEBUG__) checkPoison(lm, p, LINK_BYTES, size, `on the ${what} of span ${span}`);
    }
    return k;
  };
  const free = listLen(u32[spanWord(span, SP_FREE_HEAD)], 'free list');
  if (typeof free === 'string') return free;
  const remote = listLen(u32[spanWord(span, SP_REMOTE_HEAD)], 'remote list');
  if (typeof remote === 'string') return remote;
  if (used + free !== carved) return `span ${span}: used ${used} + free ${free} != carved ${carved}`;
  if (liveCount + remote + cached > used) return `span ${span}: live ${liveCount} + remote ${remote} + cached ${cached} > used ${used}`;
  out.liveBlocks += liveCount;
  out.liveBytes += liveCount * (size - BLOCK_GUARD);
  return null;
}

/**
 * Validates the span at `span` and adds its live blocks to `walk` (see spanProblem).
 */
export function validateSpan(lm: LinearMemory, pages: PageLayer, span: number, walk: SpanWalk, cached: number): string | null {
  const problem = spanProblem(lm, pages, span, cached, walk);
  if (problem === null) walk.spans++;
  return problem;
}
