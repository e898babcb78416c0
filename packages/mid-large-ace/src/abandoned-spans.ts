import {
  H_MID_LOCK,
  MID_FIRST_RUN_CLASS,
  SLAB_LIST_NONE,
  SP_CLASS,
  SP_LIST,
  SP_MAGIC,
  SP_NEXT,
  SP_OWNER,
  SPAN_MAGIC_VALUE,
  isSpanHead,
  midAbandonedHead,
  pageStart,
  spanWord,
} from '@hakmem/contracts/layout';
import { breakLockOf, lockWord, unlockWord, type LinearMemory, type PageLayer } from '@hakmem/linear-memory';

/**
 * Abandoned spans and the mid lock. A span whose owner detached (or died)
 * with blocks still out is abandoned: SP_OWNER becomes 0 and it goes on its
 * class's abandoned list in the mid area (`midAbandonedHead`), a stack
 * linked through SP_NEXT. The mid lock (H_MID_LOCK, in the heap header)
 * guards those lists and SP_OWNER / SP_NEXT of the spans on them. A worker
 * that needs a span adopts an abandoned one before it makes a new one.
 *
 * lock order: see @hakmem/linear-memory lock.ts
 */
export class AbandonedSpans {
  private readonly lm: LinearMemory;
  private readonly pages: PageLayer;
  private readonly worker: number;
  private readonly shared: boolean;
  /** i32 index of the mid lock word. */
  private readonly lock: number;
  spansAdopted = 0;
  spansAbandoned = 0;

  constructor(lm: LinearMemory, pages: PageLayer, worker: number) {
    this.lm = lm;
    this.pages = pages;
    this.worker = worker;
    this.shared = lm.shared;
    this.lock = (pages.base + H_MID_LOCK) >>> 2;
  }

  private lockMid(): void {
    lockWord(this.lm.i32, this.lock, this.shared, this.lm.holder);
  }

  private unlockMid(): void {
    unlockWord(this.lm.i32, this.lock, this.shared);
  }

  /** An abandoned span of `cls`, now owned by this worker; 0 if none. */
  adopt(cls: number): number {
    const head = midAbandonedHead(this.pages.midArea, cls);
    if (Atomics.load(this.lm.u32, head) === 0) return 0;
    this.lockMid();
    try {
      this.lm.fresh();
      const u32 = this.lm.u32;
      const span = u32[head];
      if (span === 0) return 0;
      u32[head] = u32[spanWord(span, SP_NEXT)];
      u32[spanWord(span, SP_NEXT)] = 0;
      u32[spanWord(span, SP_LIST)] = SLAB_LIST_NONE;
      Atomics.store(u32, spanWord(span, SP_OWNER), this.worker);
      this.spansAdopted++;
      return span;
    } finally {
      this.unlockMid();
    }
  }

  /** Puts spans that still have blocks out on their class's abandoned list, for another worker to adopt. */
  abandon(spans: number[]): void {
    if (spans.length === 0) return;
    this.lockMid();
    try {
      const u32 = this.lm.u32;
      for (const span of spans) {
        const head = midAbandonedHead(this.pages.midArea, u32[spanWord(span, SP_CLASS)]);
        u32[spanWord(span, SP_LIST)] = SLAB_LIST_NONE;
        u32[spanWord(span, SP_NEXT)] = u32[head];
        Atomics.store(u32, spanWord(span, SP_OWNER), 0);
        u32[head] = span;
        this.spansAbandoned++;
      }
    } finally {
      this.unlockMid();
    }
  }

  /**
   * A survivor's call for worker `dead`: frees the mid lock if the dead
   * worker held it, and abandons every span the dead worker owned so that
   * others adopt them. Returns how many spans it abandoned.
   *
   * A worker that died holding the mid lock may have left an abandoned list
   * half-linked (a span unlinked but not yet owned, or owned-0 but not yet
   * pushed). Under the lock, a span with owner 0 is exactly one that belongs
   * on its class's abandoned list, so the lists are rebuilt from the span
   * headers before the lock is let go.
   */
  reclaimWorker(dead: number): number {
    this.lm.fresh();
    if (breakLockOf(this.lm.i32, this.lock, dead, this.lm.holder)) {
      try {
        this.relink();
      } finally {
        this.unlockMid();
      }
    }
    const spans = this.spanHeads((span) => this.lm.u32[spanWord(span, SP_OWNER)] === dead);
    this.abandon(spans);
    return spans.length;
  }

  /** Every span (its start) that passes `keep`, in page order. */
  private spanHeads(keep: (span: number) => boolean): number[] {
    const u32 = this.lm.u32;
    const spans: number[] = [];
    const end = this.pages.endPage();
    for (let p = this.pages.firstDataPage; p < end; p++) {
      if (!isSpanHead(this.pages.word(p))) continue;
      const span = pageStart(p);
      if (u32[spanWord(span, SP_MAGIC)] === SPAN_MAGIC_VALUE && keep(span)) spans.push(span);
    }
    return spans;
  }

  /** Under the mid lock: rebuilds every class's abandoned list from the spans whose owner is 0. */
  private relink(): void {
    const u32 = this.lm.u32;
    const midArea = this.pages.midArea;
    for (let c = 0; c < MID_FIRST_RUN_CLASS; c++) u32[midAbandonedHead(midArea, c)] = 0;
    for (const span of this.spanHeads((s) => u32[spanWord(s, SP_OWNER)] === 0)) {
      const head = midAbandonedHead(midArea, u32[spanWord(span, SP_CLASS)]);
      u32[spanWord(span, SP_LIST)] = SLAB_LIST_NONE;
      u32[spanWord(span, SP_NEXT)] = u32[head];
      u32[head] = span;
    }
  }
}
