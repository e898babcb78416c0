import { PAGE_SHIFT, PAGE_SIZE } from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { BLOCK_GUARD as G } from './block-guard.js';
import { MidAce } from './index.js';
import { type SpanWalk } from './span-walk.js';

// Shared by the package's tests (not part of the package's entry).

export { G };

export function setup(pages: number, budgetBytes?: number, shared = false) {
  const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: pages + 2, shared: true } : { initial: 1, maximum: pages + 2 });
  const lm = new LinearMemory(memory, shared);
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, shared);
  const mid = new MidAce(lm, pl, 1, budgetBytes);
  /** The page word the front gate would pass to free/usableSize. */
  const word = (ptr: number): number => pl.word(ptr >>> PAGE_SHIFT);
  const free = (ptr: number, box = mid): number => box.free(ptr, word(ptr));
  const usable = (ptr: number): number => mid.usableSize(ptr, word(ptr));
  return { lm, pl, mid, word, free, usable };
}

export const newWalk = (): SpanWalk => ({ liveBlocks: 0, liveBytes: 0, spans: 0 });
// The debug build keeps a guard of G bytes at each block's end: a block of
// class size S has S - G usable bytes, and `malloc(n)` takes the class of n + G.
export const SPAN_CLASS_SIZES = [1025, 2000, 6000, 15_000, 40_000, 60 * 1024 - G];
export const RUN_SIZES = [60 * 1024 + 1, 3 * PAGE_SIZE - G, 3 * PAGE_SIZE - G - 5, (1 << 20) - G];

