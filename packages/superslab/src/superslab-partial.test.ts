import {
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_SS_SPARE,
  SLAB_ACTIVE,
  SLAB_META_BYTES,
  SM_CAPACITY,
  SM_CLASS,
  SM_OWNER,
  SM_STATE,
  SS_BITMAP,
  SS_BITMAP_BYTES,
  SS_MAGIC,
  SS_MAGIC_VALUE,
  SS_PAGES,
  SS_SLAB_META,
  tinyClassOf,
  tinyPageWord,
  tinySlabCapacity,
} from '@hakmem/contracts/layout';
import { LinearMemory, PageLayer, planGeometry } from '@hakmem/linear-memory';
import { expect, it } from 'vitest';
import { Superslab } from './superslab.js';

it('never writes into a slab it has handed back (stale partial entry)', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 66 });
  const lm = new LinearMemory(memory, false);
  const geo = planGeometry(0, 64 * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  const pl = PageLayer.format(lm, geo, false);
  const page = pl.allocRun(SS_PAGES, SS_PAGES);
  const ss = page << PAGE_SHIFT;
  lm.u8.fill(0, ss, ss + SS_BITMAP + SS_BITMAP_BYTES);
  lm.u32[(ss + SS_MAGIC) >>> 2] = SS_MAGIC_VALUE;
  pl.setWords(page, SS_PAGES, PK_SS_SPARE);
  const cls = tinyClassOf(1024);
  const slab = ss + SS_SLAB_META + 1 * SLAB_META_BYTES;
  lm.u32[(slab + SM_CLASS) >>> 2] = cls;
  lm.u32[(slab + SM_STATE) >>> 2] = SLAB_ACTIVE;
  lm.u32[(slab + SM_CAPACITY) >>> 2] = tinySlabCapacity(cls, 1);
  lm.u32[(slab + SM_OWNER) >>> 2] = 1;
  pl.setWord(page + 1, tinyPageWord(cls, 1));

  const box = new Superslab(lm, 1);
  box.adopt(cls, slab);
  const dest = new Uint32Array(1000);
  const n = box.refill(cls, dest, 1000); // runs dry, stops being current
  box.returnBlocks(dest, n); // first return → partial list; last → emptied
  expect(box.emptied).toEqual([slab]);
  box.emptied.length = 0; // the facade hands it to the pool ...
  pl.freeRun(page, SS_PAGES); // ... which gives the SuperSlab back ...
  lm.u8.fill(0xab, ss, ss + PAGE_SIZE); // ... and the pages become someone's block
  expect(box.refill(cls, dest, 1)).toBe(0);
  expect(lm.u8.subarray(ss, ss + PAGE_SIZE).every((b) => b === 0xab)).toBe(true);
});
