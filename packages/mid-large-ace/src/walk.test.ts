import { newHeapWalk, type HeapWalk } from '@hakmem/contracts';
import {
  MID_CLASS_SIZES,
  MID_SPAN_PAGES,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_MID_SPAN,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  SP_MAGIC,
  SP_USED,
  SPAN_MAGIC_VALUE,
  SPAN_MAX_PAGES,
  midClassOf,
  midSpanPageWord,
  pageClass,
  pageKind,
  runHeadWord,
  runPages,
  spanStartOf,
  spanWord,
} from '@hakmem/contracts/layout';
import { describe, expect, it } from 'vitest';
import { type MidAce } from './index.js';
import { validateSpan } from './span-walk.js';
import { G, newWalk, setup } from './test-heap.js';
import type { PageLayer } from '@hakmem/linear-memory';

/** A page the facade hands the mid box: a span page, or a run head of at most SPAN_MAX_PAGES pages. */
const routesToMid = (word: number): boolean =>
  pageKind(word) === PK_MID_SPAN || ((pageKind(word) === PK_RUN_LIVE || pageKind(word) === PK_RUN_FREE) && runPages(word) <= SPAN_MAX_PAGES);

interface Visit {
  page: number;
  word: number;
  nextPage: number;
}

/** The facade's walk loop over the mid box's pages (other pages are stepped over); stops at the first problem. */
function walkHeap(mid: MidAce, pl: PageLayer, validate: boolean): { w: HeapWalk; problem: string | null; visits: Visit[] } {
  const w = newHeapWalk(validate);
  const visits: Visit[] = [];
  for (let p = pl.firstDataPage; p < pl.endPage(); ) {
    const word = pl.word(p);
    if (!routesToMid(word)) {
      p++;
      continue;
    }
    const problem = mid.walk(p, w);
    expect(w.nextPage).toBeGreaterThan(p);
    visits.push({ page: p, word, nextPage: w.nextPage });
    if (problem !== null) return { w, problem, visits };
    p = w.nextPage;
  }
  return { w, problem: null, visits };
}

/**
 * A heap with spans of three classes and live and cached mid runs: some
 * blocks live, some freed into the cache, some on their span's free list.
 * Returns the blocks the test knows are live.
 */
function populated(shared = false) {
  const s = setup(256, undefined, shared);
  const live: number[] = [];
  for (const size of [1500, 5000, 30_000]) {
    const ptrs = Array.from({ length: 12 }, () => s.mid.malloc(size));
    ptrs.forEach((p, i) => (i % 3 === 0 ? s.free(p) : live.push(p)));
  }
  for (const pages of [1, 3, 16]) {
    const a = s.mid.mallocPages(pages);
    const b = s.mid.mallocPages(pages);
    live.push(a);
    s.free(b); // a free run, held by this worker's cache
  }
  // Some span blocks go back to their span's free list (an overflow of a small cache).
  const many = Array.from({ length: 40 }, () => s.mid.malloc(2500));
  many.forEach((p) => s.free(p));
  return { ...s, live };
}

describe(`mid-large ACE: walk (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, () => {
  it.each([false, true])('counts exactly the live blocks and their usable bytes (validate: %s)', (validate) => {
    const { mid, pl, live, usable } = populated();
    const { w, problem } = walkHeap(mid, pl, validate);
    expect(problem).toBeNull();
    expect(w.liveBlocks).toBe(live.length);
    expect(w.liveBytes).toBe(live.reduce((sum, p) => sum + usable(p), 0));
    // Usable size is class size − this build's guard, as the facade computes it today.
    const classBytes = live.reduce((sum, p) => {
      const word = pl.word(p >>> PAGE_SHIFT);
      return sum + (pageKind(word) === PK_MID_SPAN ? MID_CLASS_SIZES[pageClass(word)] : runPages(word) * PAGE_SIZE) - G;
    }, 0);
    expect(w.liveBytes).toBe(classBytes);
  });

  it('agrees with the span validator it replaces (validateSpan) span by span', () => {
    const { mid, pl } = populated();
    const { visits } = walkHeap(mid, pl, true);
    const spans = visits.filter((v) => pageKind(v.word) === PK_MID_SPAN);
    expect(spans.length).toBeGreaterThanOrEqual(3);
    for (const v of spans) {
      const span = v.page * PAGE_SIZE;
      const old = newWalk();
      expect(validateSpan(mid.lm, pl, span, old, mid.cachedIn(span))).toBeNull();
      const w = newHeapWalk(true);
      expect(mid.walk(v.page, w)).toBeNull();
      expect({ liveBlocks: w.liveBlocks, liveBytes: w.liveBytes }).toEqual({ liveBlocks: old.liveBlocks, liveBytes: old.liveBytes });
    }
  });

  it('sets nextPage past each span and each run, and visits every span and run once', () => {
    const { mid, pl } = populated();
    const { visits } = walkHeap(mid, pl, false);
    for (const v of visits) {
      if (pageKind(v.word) === PK_MID_SPAN) expect(v.nextPage - v.page).toBe(MID_SPAN_PAGES[pageClass(v.word)]);
      else expect(v.nextPage - v.page).toBe(runPages(v.word));
    }
    const runs = visits.filter((v) => pageKind(v.word) !== PK_MID_SPAN);
    expect(runs.map((v) => [pageKind(v.word), runPages(v.word)]).sort()).toEqual(
      [[PK_RUN_LIVE, 1], [PK_RUN_LIVE, 3], [PK_RUN_LIVE, 16], [PK_RUN_FREE, 1], [PK_RUN_FREE, 3], [PK_RUN_FREE, 16]].sort(),
    );
  });

  it('reports a broken span with the span validator\'s message and its address', () => {
    const { mid, pl, lm, live, word } = populated();
    const span = spanStartOf(live[0], word(live[0]));
    lm.u32[spanWord(span, SP_MAGIC)] = 0;
    const { w, problem } = walkHeap(mid, pl, true);
    expect(problem).toBe(`span ${span} has a bad magic word`);
    expect(w.problemAt).toBe(span);
    lm.u32[spanWord(span, SP_MAGIC)] = SPAN_MAGIC_VALUE;
    const used = lm.u32[spanWord(span, SP_USED)];
    lm.u32[spanWord(span, SP_USED)] = 0;
    expect(walkHeap(mid, pl, true).problem).toMatch(new RegExp(`^span ${span}: `));
    lm.u32[spanWord(span, SP_USED)] = used;
    expect(walkHeap(mid, pl, true).problem).toBeNull();
  });

  it('reports a span page with no head before it, and steps one page past it, in both modes', () => {
    const { mid, pl } = setup(64);
    const cls = midClassOf(40_000 + G);
    expect(MID_SPAN_PAGES[cls]).toBeGreaterThan(1);
    const p = mid.malloc(40_000) >>> PAGE_SHIFT;
    const head = spanStartOf(p << PAGE_SHIFT, pl.word(p)) >>> PAGE_SHIFT;
    pl.setWord(head, 0); // the head page's word is gone: page head+1 says distance 1
    for (const validate of [false, true]) {
      const w = newHeapWalk(validate);
      expect(mid.walk(head + 1, w)).toBe(`page ${head + 1} is a mid span page with no span head before it`);
      expect(w.nextPage).toBe(head + 2);
      expect(w.problemAt).toBe((head + 1) * PAGE_SIZE);
    }
    pl.setWord(head, midSpanPageWord(cls, 0));
  });

  it('reports a run body page with another word, and a run past the heap end (validate only)', () => {
    const { mid, pl } = setup(64);
    const run = mid.mallocPages(3);
    const p = run >>> PAGE_SHIFT;
    pl.setWord(p + 2, PK_RUN_LIVE);
    let w = newHeapWalk(true);
    expect(mid.walk(p, w)).toBe(`run at page ${p}: page ${p + 2} has word ${PK_RUN_LIVE}`);
    expect(w.problemAt).toBe(run);
    expect(w.nextPage).toBe(p + 3);
    w = newHeapWalk(false);
    expect(mid.walk(p, w)).toBeNull();
    expect(w.liveBlocks).toBe(1);
    pl.setWord(p + 2, PK_RUN_BODY);
    const end = pl.endPage();
    pl.setWord(p, runHeadWord(PK_RUN_LIVE, end - p + 1));
    w = newHeapWalk(true);
    expect(mid.walk(p, w)).toBe(`run at page ${p} has ${end - p + 1} pages, past the heap end`);
    pl.setWord(p, runHeadWord(PK_RUN_LIVE, 0));
    w = newHeapWalk(true);
    expect(mid.walk(p, w)).toBe(`run at page ${p} has 0 pages, past the heap end`);
    expect(w.nextPage).toBe(p + 1);
  });

  it.each([false, true])('a free run no cache holds is lost memory, except in a shared heap (shared: %s)', (shared) => {
    const { mid, pl, free } = setup(64, undefined, shared);
    const run = mid.mallocPages(2);
    expect(free(run)).toBe(0);
    const p = run >>> PAGE_SHIFT;
    expect(mid.walk(p, newHeapWalk(true))).toBeNull(); // in this worker's cache
    mid.mallocPages(2); // out of the cache again ...
    pl.setWord(p, runHeadWord(PK_RUN_FREE, 2)); // ... but its head word says free
    const w = newHeapWalk(true);
    expect(mid.walk(p, w)).toBe(shared ? null : `free run at page ${p} is held by no cache (lost memory)`);
    expect(w.liveBlocks).toBe(0);
  });

  it('checks a live run\'s guard (debug), not in release', () => {
    const { mid, lm } = setup(64);
    const run = mid.mallocPages(2);
    lm.u8[run + 2 * PAGE_SIZE - G] ^= 0x5a; // the first guard byte (in release: the block's last byte)
    const walk = () => mid.walk(run >>> PAGE_SHIFT, newHeapWalk(true));
    if (__HAKMEM_DEBUG__) expect(walk).toThrow(/write past the usable end/);
    else expect(walk()).toBeNull();
  });
});
