import { PAGE_SIZE } from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { BigCache } from './bigcache.js';

/** The tests' heap: a private page layer of `pages` pages and a BigCache over it (budget in pages, or the default). */
export function setup(pages: number, budgetPages?: number) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: pages + 2 });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, false);
  const bc = new BigCache(lm, pl, budgetPages === undefined ? undefined : budgetPages * PAGE_SIZE);
  return { lm, pl, bc };
}
