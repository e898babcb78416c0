import {
  H_PAGE_LOCK,
  PAGE_SIZE,
  PK_FREE,
  PK_RESERVED,
  PK_META,
  PK_RUN_BODY,
  PK_KIND_MASK,
  formerWord,
  POISON_WORD,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  freePageWord,
  runHeadWord,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { LinearMemory } from './linear-memory.js';
import { PageLayer, planGeometry } from './page-layer.js';

function layer(pages: number, maxPages = pages, shared = false, heapBase = 0) {
  const memory = new WebAssembly.Memory(shared ? { initial: 1, maximum: maxPages + 2, shared: true } : { initial: 1, maximum: maxPages + 2 });
  const lm = new LinearMemory(memory, shared);
  const geo = planGeometry(heapBase, pages * PAGE_SIZE);
  lm.ensurePages(geo.basePage + geo.metaPages);
  return { lm, pl: PageLayer.format(lm, geo, shared) };
}

describe('page layer', () => {
  it('sizes the metadata zone for the region and marks it META', () => {
    const { pl } = layer(64);
    expect(pl.metaPages).toBe(1);
    expect(pl.word(0)).toBe(PK_META);
    expect(pl.bytesReserved()).toBe(PAGE_SIZE);
    expect(planGeometry(0, 4 * 2 ** 30).metaPages).toBeGreaterThan(1);
    expect(pl.validate()).toBeNull();
  });

  it('hands out aligned runs, grows the memory, and takes runs back', () => {
    const { lm, pl } = layer(64);
    const a = pl.allocRun(3, 1);
    const b = pl.allocRun(16, 16);
    expect(a).toBe(pl.firstDataPage);
    expect(b % 16).toBe(0);
    expect(lm.u8.length).toBeGreaterThanOrEqual((b + 16) * PAGE_SIZE);
    pl.setWords(a, 3, PK_RUN_BODY);
    pl.setWords(b, 16, PK_RUN_BODY);
    expect(pl.pagesInUse()).toBe(19);
    expect(pl.validate()).toBeNull();
    pl.freeRun(a, 3);
    // Free, and remembering what the page held (a second free there is still a double free).
    expect(pl.word(a) & PK_KIND_MASK).toBe(PK_FREE);
    expect(formerWord(pl.word(a))).toBe(PK_RUN_BODY);
    // The freed pages are found again before the heap's end moves.
    const end = pl.endPage();
    expect(pl.allocRun(2, 1)).toBe(a);
    expect(pl.endPage()).toBe(end);
  });

  it('allocRunHead reserves an aligned range but takes its first page only; takePage takes the others while they are free', () => {
    const { lm, pl } = layer(64);
    const a = pl.allocRun(2, 1); // used pages below the first 16-page boundary
    pl.setWords(a, 2, PK_RUN_BODY);
    const head = pl.allocRunHead(16, 16);
    expect(head % 16).toBe(0);
    expect(lm.u8.length).toBeGreaterThanOrEqual((head + 16) * PAGE_SIZE);
    expect(pl.endPage()).toBe(head + 16);
    expect(pl.word(head)).toBe(PK_RESERVED | (lm.holder << 8));
    expect(pl.pagesInUse()).toBe(3);
    expect(pl.counters().peakPagesInUse).toBe(3);
    for (let p = head + 1; p < head + 16; p++) expect(pl.isFree(p)).toBe(true);
    pl.setWord(head, PK_RUN_BODY);
    expect(pl.validate()).toBeNull();
    // The range's other pages are anyone's: a run may take one, and then takePage cannot.
    const run = pl.allocRun(1, 1);
    expect(run).toBe(pl.firstDataPage + 2);
    pl.setWord(run, PK_RUN_BODY);
    expect(pl.takePage(head + 3)).toBe(true);
    expect(pl.word(head + 3) & PK_KIND_MASK).toBe(PK_RESERVED);
    expect(pl.takePage(head + 3)).toBe(false); // held now
    expect(pl.takePage(head + 16)).toBe(false); // past the heap's end
    expect(pl.takePage(0)).toBe(false); // metadata
    expect(pl.pagesInUse()).toBe(5);
    pl.setWord(head + 3, PK_RUN_BODY);
    expect(pl.validate()).toBeNull();
    // A second range is never placed over one whose first page is held.
    const next = pl.allocRunHead(16, 16);
    expect(next).toBe(head + 16);
    pl.setWord(next, PK_RUN_BODY);
    pl.freeRun(head + 3, 1, true);
    lm.u8[(head + 3) * PAGE_SIZE + 5] = 1; // a write after free
    expect(() => pl.takePage(head + 3)).toThrow(/written after it was freed/);
  });

  it('returns 0 at the region limit and leaves its state intact', () => {
    const { pl } = layer(8);
    const a = pl.allocRun(7, 1);
    expect(a).not.toBe(0);
    pl.setWords(a, 7, PK_RUN_BODY);
    expect(pl.allocRun(1, 1)).toBe(0);
    expect(pl.pagesInUse()).toBe(7);
    expect(pl.validate()).toBeNull();
  });

  it('returns 0 when the memory itself cannot grow', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const lm = new LinearMemory(memory, false);
    const pl = PageLayer.format(lm, planGeometry(0, 64 * PAGE_SIZE), false);
    expect(pl.allocRun(3, 1)).not.toBe(0);
    expect(pl.allocRun(1, 1)).toBe(0);
  });

  it('attaches to a header another instance formatted, and refuses garbage', () => {
    const { lm, pl } = layer(32, 32, true);
    const other = PageLayer.attach(new LinearMemory(lm.memory, true), pl.base);
    expect(other.firstDataPage).toBe(pl.firstDataPage);
    const page = pl.allocRun(2, 1);
    expect(other.isFree(page)).toBe(false);
    expect(() => PageLayer.attach(new LinearMemory(lm.memory, true), pl.base + PAGE_SIZE)).toThrow(/no hakmem heap header/);
  });

  it('validate() notices a page word that disagrees with the free bitmap', () => {
    const { pl } = layer(16);
    const a = pl.allocRun(1, 1);
    expect(pl.validate()).toBeNull();
    pl.setWord(a, PK_FREE);
    expect(pl.validate()).toMatch(/owned by no box/);
    pl.setWord(a, PK_RUN_BODY);
    expect(pl.validate()).toBeNull();
  });

  it('allocStampedRun hands a run out with the words its taker gave, counted as allocRun counts it', () => {
    const { pl } = layer(64);
    const head = runHeadWord(PK_RUN_LIVE, 20);
    const a = pl.allocStampedRun(20, head, PK_RUN_BODY);
    expect(pl.word(a)).toBe(head);
    for (let p = a + 1; p < a + 20; p++) expect(pl.word(p)).toBe(PK_RUN_BODY);
    expect(pl.pagesInUse()).toBe(20);
    expect(pl.counters().runsAllocated).toBe(1);
    expect(pl.validate()).toBeNull();
    const one = pl.allocStampedRun(1, runHeadWord(PK_RUN_LIVE, 1), PK_RUN_BODY);
    expect(pl.word(one)).toBe(runHeadWord(PK_RUN_LIVE, 1));
    expect(pl.word(one + 1) & PK_KIND_MASK).toBe(PK_FREE);
    expect(pl.allocStampedRun(64, head, PK_RUN_BODY)).toBe(0);
    expect(pl.validate()).toBeNull();
  });

  it('a run handed out is stamped reserved with the taker\'s id until the caller stamps it', () => {
    const { lm, pl } = layer(16, 16, true);
    lm.holder = 7;
    const a = pl.allocRun(2, 1);
    expect(pl.word(a)).toBe(PK_RESERVED | (7 << 8));
    expect(pl.word(a + 1)).toBe(PK_RESERVED | (7 << 8));
  });

  it('reclaimWorker takes the page lock back from a dead holder and frees the pages it had reserved', () => {
    const { lm, pl } = layer(16, 16, true);
    lm.holder = 3;
    const mine = pl.allocRun(1, 1);
    pl.setWord(mine, PK_RUN_BODY);
    const lost = pl.allocRun(2, 1); // worker 3 dies before stamping these
    const inUse = pl.pagesInUse();
    lm.i32[(pl.base + H_PAGE_LOCK) >>> 2] = 3; // ... and while holding the page lock
    lm.holder = 4;
    expect(pl.reclaimWorker(3)).toBe(true);
    expect(lm.i32[(pl.base + H_PAGE_LOCK) >>> 2]).toBe(0);
    expect(pl.isFree(lost) && pl.isFree(lost + 1)).toBe(true);
    expect(pl.isFree(mine)).toBe(false);
    expect(pl.pagesInUse()).toBe(inUse - 2);
    expect(pl.validate()).toBeNull();
    expect(pl.reclaimWorker(3)).toBe(false); // nothing held any more
  });

  it('poisoned pages given back are checked when taken again and by validate()', () => {
    const { lm, pl } = layer(64);
    const a = pl.allocRun(2, 1);
    pl.setWords(a, 2, PK_RUN_BODY);
    pl.freeRun(a, 2, true);
    expect(new Int32Array(lm.memory.buffer, a * PAGE_SIZE, 4)[1]).toBe(POISON_WORD | 0);
    expect(pl.validate()).toBeNull();
    lm.u8[a * PAGE_SIZE + PAGE_SIZE + 100] = 1; // a write after free into the second page
    expect(pl.validate()).toMatch(/written after it was freed/);
    expect(() => pl.allocRun(2, 1)).toThrow(/written after it was freed/);
    // The refusal took nothing: with the byte put back, the same pages are handed out.
    expect(pl.validate()).toMatch(/written after it was freed/);
    lm.u8[a * PAGE_SIZE + PAGE_SIZE + 100] = POISON_WORD & 0xff;
    expect(pl.validate()).toBeNull();
    expect(pl.allocRun(2, 1)).toBe(a);
    // A body run a debug box filled itself (a large run it held free) keeps the mark, unfilled again.
    pl.setWords(a, 2, PK_RUN_BODY);
    new Int32Array(lm.memory.buffer, a * PAGE_SIZE, (2 * PAGE_SIZE) >>> 2).fill(POISON_WORD | 0);
    pl.freeBodyRun(a, 2, true);
    expect(pl.word(a + 1)).toBe(freePageWord(PK_RUN_BODY, true));
    lm.u8[a * PAGE_SIZE + 8] = 2;
    expect(pl.validate()).toMatch(new RegExp(`free page ${a} was written after it was freed, at ${a * PAGE_SIZE + 8}`));
    expect(() => pl.allocRun(1, 1)).toThrow(/written after it was freed/);
    lm.u8[a * PAGE_SIZE + 8] = POISON_WORD & 0xff;
    expect(pl.allocRun(2, 1)).toBe(a);
    // Unpoisoned pages are not checked: the release builds give pages back as they are.
    const { lm: lm2, pl: pl2 } = layer(64);
    const b = pl2.allocRun(1, 1);
    pl2.freeRun(b, 1);
    lm2.u8[b * PAGE_SIZE] = 1;
    expect(pl2.validate()).toBeNull();
    expect(pl2.allocRun(1, 1)).toBe(b);
  });

  it('allocRun hands out free pages only, aligned ones first fit, over any pattern of used pages (against a page-by-page model)', () => {
    const { pl } = layer(600);
    // The model: which pages are handed out. Pages from the end up are free to take too (the heap may grow).
    const used = new Uint8Array(pl.limitPage);
    const firstFit = (n: number, align: number): number => {
      const end = pl.endPage();
      for (let p = Math.ceil(pl.firstDataPage / align) * align; p + n <= end; p += align) {
        let q = p;
        while (q < p + n && used[q] === 0) q++;
        if (q === p + n) return p;
      }
      return -1;
    };
    let x = 12345;
    const rand = (k: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x >>> 8) % k;
    };
    const live: [number, number][] = [];
    let refused = 0;
    for (let step = 0; step < 1500; step++) {
      if (live.length > 0 && rand(5) < 2) {
        const [page, n] = live.splice(rand(live.length), 1)[0];
        pl.freeRun(page, n);
        used.fill(0, page, page + n);
      } else {
        const n = 1 + rand(rand(4) === 0 ? 70 : 9);
        const align = [1, 1, 1, 1, 2, 3, 16, 33][rand(8)];
        const want = firstFit(n, align);
        const end = pl.endPage();
        const got = pl.allocRun(n, align);
        if (align > 1 && want >= 0) expect(got).toBe(want);
        if (got === 0) {
          // Refused only when no fit is left in the region, grown or not.
          expect(want).toBe(-1);
          refused++;
        } else {
          expect(got % align).toBe(0);
          expect(got).toBeGreaterThanOrEqual(pl.firstDataPage);
          expect(used.subarray(got, got + n).every((u) => u === 0)).toBe(true);
          // Growth only when nothing below the old end fitted, or the index's probes passed a fit by (align 1).
          if (got + n > end && align > 1) expect(want).toBe(-1);
          used.fill(1, got, got + n);
          pl.setWords(got, n, PK_RUN_BODY);
          live.push([got, n]);
        }
      }
      let wrong = -1;
      for (let p = pl.firstDataPage; p < pl.endPage() && wrong < 0; p++) if (pl.isFree(p) !== (used[p] === 0)) wrong = p;
      expect(wrong).toBe(-1);
      const v = pl.validate();
      if (v !== null) expect(v).toBeNull();
    }
    expect(live.length).toBeGreaterThan(0);
    expect(refused).toBeLessThan(1500);
  });

  it('freeBodyRun gives a run back as freeRun does, its body words remembered as body', () => {
    const { pl } = layer(64);
    const a = pl.allocRun(20, 1);
    pl.setWord(a, runHeadWord(PK_RUN_FREE, 20));
    pl.setWords(a + 1, 19, PK_RUN_BODY);
    const used = pl.pagesInUse();
    pl.freeBodyRun(a, 20);
    expect(pl.word(a)).toBe(freePageWord(runHeadWord(PK_RUN_FREE, 20), false));
    for (let p = a + 1; p < a + 20; p++) expect(pl.word(p)).toBe(freePageWord(PK_RUN_BODY, false));
    for (let p = a; p < a + 20; p++) expect(pl.isFree(p)).toBe(true);
    expect(pl.pagesInUse()).toBe(used - 20);
    expect(pl.counters().runsFreed).toBe(1);
    expect(pl.validate()).toBeNull();
    expect(pl.allocRun(20, 1)).toBe(a);
  });

  it('fresh() notices a detached view and a shared view the heap grew past; cover() a short one', () => {
    const { lm, pl } = layer(64, 64);
    lm.memory.grow(1); // by someone else: the views are detached
    expect(lm.u8.length).toBe(0);
    expect(lm.fresh()).toBe(true);
    expect(lm.u8.length).toBe(lm.memory.buffer.byteLength);
    expect(lm.fresh()).toBe(false);
    const s = layer(64, 64, true);
    const other = new LinearMemory(s.lm.memory, true);
    const otherLayer = PageLayer.attach(other, s.pl.base);
    const before = other.u8.length;
    const run = s.pl.allocRun(32, 1); // grows the memory through the first attachment
    expect(other.u8.length).toBe(before);
    expect(other.fresh()).toBe(true);
    expect(other.u8.length).toBeGreaterThanOrEqual((run + 32) * PAGE_SIZE);
    expect(otherLayer.endPage()).toBe(s.pl.endPage());
    s.lm.memory.grow(1);
    expect(other.cover(other.u8.length + 1)).toBe(true);
    expect(pl.validate()).toBeNull();
  });

  it('headerProblem() refuses what is not a shared heap header, reading only', () => {
    const s = layer(64, 64, true);
    const snapshot = s.lm.u8.slice();
    for (const base of [NaN, Infinity, -1, 1.5, '0', s.pl.base + 1, s.pl.base + PAGE_SIZE, 1 << 30])
      expect(PageLayer.headerProblem(s.lm, base)).not.toBeNull();
    expect(PageLayer.headerProblem(s.lm, s.pl.base)).toBeNull();
    expect(PageLayer.headerProblem(layer(64).lm, 0)).toMatch(/not created with shared: true/);
    expect(s.lm.u8).toEqual(snapshot);
  });
});
