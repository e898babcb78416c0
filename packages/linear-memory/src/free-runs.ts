import type { LinearMemory } from './linear-memory.js';
import { bucketFirstPages, HIGH_BIT, HIGH_LINK_MASK, LINK_MASK, LINK_SHIFT, MASK_WORDS, RUN_BUCKETS, RUN_INDEX_BYTES, runBucket, SAME_BUCKET_PROBES } from './run-buckets.js';
import { WORD_BIT_MASK, WORD_BIT_SHIFT, WORD_BITS } from './words.js';

export { bucketFirstPages, RUN_BUCKETS, RUN_INDEX_BYTES, runBucket };

/**
 * The page layer's index of free runs: every maximal run of free pages
 * below the heap's end sits on the list of its size's bucket, so a request
 * for `n` pages is a few probes of its own bucket or the head of the next
 * non-empty one, and a run given back merges with its free neighbours in a
 * constant number of steps, whatever the heap's size (the page layer's
 * first-fit bitmap search took 400-650 ns on W6's heap).
 *
 * The free bitmap stays the truth of which pages are free; the index only
 * adds where runs start and end. Its words (all under the page lock, like the
 * bitmap):
 *
 *   index area   mask words (bit b set ⇔ bucket b's list is not empty), then
 *                one head page per bucket (0: empty)
 *   run table    one u32 per page of the region, meaningful only at these
 *                pages of a free run [h, h + n):
 *                  h          links: next head | previous head << 16
 *                             (absolute pages; 0 ends a list: page 0 is
 *                             never free, it is metadata or below the heap)
 *                  h + 1      n, when n > 1
 *                  h + n - 1  n, when n > 1 (the tail, so a run freed right
 *                             after it finds this run's head)
 *
 * A run of one page has no length word: its length is read off the bitmap
 * (the next page is not free). Since runs are maximal, the page before a head
 * and the page after a tail are never free; that is what lets a neighbour's
 * head and length be read in O(1) from the bitmap and these words.
 *
 * Buckets (run-buckets.ts): runs of 1..3 pages have a bucket each, then four
 * per power of two (the two bits below the highest set bit), up to MAX_PAGES
 * (65536): 60.
 */
export class FreeRuns {
  private readonly lm: LinearMemory;
  /** u32 index of the index area (mask words, then heads). */
  readonly ix: number;
  /** u32 index of the first bucket head. */
  private readonly heads: number;
  /** `u32[rt0 + page]` is the run-table word of absolute page `page`. */
  readonly rt0: number;
  /** u32 index of the free bitmap's first word, and its first page. */
  private readonly bm: number;
  private readonly basePage: number;

  constructor(lm: LinearMemory, indexByte: number, tableByte: number, bm: number, basePage: number) {
    this.lm = lm;
    this.ix = indexByte >>> 2;
    this.heads = this.ix + MASK_WORDS;
    this.rt0 = (tableByte >>> 2) - basePage;
    this.bm = bm;
    this.basePage = basePage;
  }

  /** The bitmap bit of page `p` (≥ basePage, below the region's limit). */
  private free(p: number): boolean {
    const rel = p - this.basePage;
    return ((this.lm.u32[this.bm + (rel >>> WORD_BIT_SHIFT)] >>> (rel & WORD_BIT_MASK)) & 1) === 1;
  }

  /** By the bitmap: the end of the free run that starts at free page `p` (the first page after it that is not free, or `end`). */
  private runEnd(p: number, end: number): number {
    let q = p + 1;
    while (q < end && this.free(q)) q++;
    return q;
  }

  /** Pages of the free run whose head is `h` (the heap ends at `end`). */
  lengthAt(h: number, end: number): number {
    return h + 1 < end && this.free(h + 1) ? this.lm.u32[this.rt0 + h + 1] : 1;
  }

  /** The head of the free run whose last page is `t`. */
  headOfTail(t: number): number {
    return this.free(t - 1) ? t - this.lm.u32[this.rt0 + t] + 1 : t;
  }

  /** The first bucket head of `b`'s list, 0 when it is empty. */
  head(b: number): number {
    return this.lm.u32[this.heads + b];
  }

  /** The run after head `h` on its bucket's list, or 0. */
  next(h: number): number {
    return this.lm.u32[this.rt0 + h] & LINK_MASK;
  }

  /** The run before head `h` on its bucket's list, or 0 at the list's head. */
  prev(h: number): number {
    return this.lm.u32[this.rt0 + h] >>> LINK_SHIFT;
  }

  /** Whether the mask says bucket `b` is not empty. */
  maskBit(b: number): boolean {
    return ((this.lm.u32[this.ix + (b >>> WORD_BIT_SHIFT)] >>> (b & WORD_BIT_MASK)) & 1) === 1;
  }

  /**
   * The head of a free run of at least `n` pages, or 0: a few runs of `n`'s
   * own bucket, then the head of the lowest non-empty bucket above it (all
   * of whose runs are long enough). A fit deeper in `n`'s bucket is missed;
   * the page layer then grows the heap, and looks for it exhaustively only
   * when it cannot.
   */
  find(n: number, end: number): number {
    const u32 = this.lm.u32;
    const b = runBucket(n);
    let h = u32[this.heads + b];
    for (let k = 0; h !== 0 && k < SAME_BUCKET_PROBES; k++) {
      if (this.lengthAt(h, end) >= n) return h;
      h = u32[this.rt0 + h] & LINK_MASK;
    }
    const from = b + 1;
    // `-1 << s` keeps bits s..31; a shift count of 32 would wrap to 0, hence the tests.
    let above = from < WORD_BITS ? u32[this.ix] & (-1 << from) : 0;
    if (above !== 0) return u32[this.heads + HIGH_BIT - Math.clz32(above & -above)];
    above = u32[this.ix + 1] & (from > WORD_BITS ? -1 << (from - WORD_BITS) : -1);
    return above === 0 ? 0 : u32[this.heads + WORD_BITS + HIGH_BIT - Math.clz32(above & -above)];
  }

  /** Puts the free run [h, h + n) on its bucket's list and writes its length words. */
  link(h: number, n: number): void {
    const u32 = this.lm.u32;
    const b = runBucket(n);
    const first = u32[this.heads + b];
    u32[this.rt0 + h] = first;
    if (first !== 0) u32[this.rt0 + first] = (u32[this.rt0 + first] & LINK_MASK) | (h << LINK_SHIFT);
    u32[this.heads + b] = h;
    u32[this.ix + (b >>> WORD_BIT_SHIFT)] |= 1 << (b & WORD_BIT_MASK);
    if (n > 1) {
      u32[this.rt0 + h + 1] = n;
      u32[this.rt0 + h + n - 1] = n;
    }
  }

  /** Takes the free run [h, h + n) off its bucket's list. */
  unlink(h: number, n: number): void {
    const u32 = this.lm.u32;
    const links = u32[this.rt0 + h];
    const next = links & LINK_MASK;
    const prev = links >>> LINK_SHIFT;
    if (next !== 0) u32[this.rt0 + next] = (u32[this.rt0 + next] & LINK_MASK) | (prev << LINK_SHIFT);
    if (prev !== 0) u32[this.rt0 + prev] = (u32[this.rt0 + prev] & HIGH_LINK_MASK) | next;
    else {
      const b = runBucket(n);
      u32[this.heads + b] = next;
      if (next === 0) u32[this.ix + (b >>> WORD_BIT_SHIFT)] &= ~(1 << (b & WORD_BIT_MASK));
    }
  }

  /**
   * Pages [p, p + n), just made free in the bitmap (or about to be), join
   * the index, merged with the free runs right before and after them (the
   * heap ends at `end`). Returns the merged run's head.
   */
  add(p: number, n: number, end: number): number {
    let h = p;
    let m = n;
    // The page before p is at or above basePage: p is a data page, and metadata pages are never free.
    if (this.free(p - 1)) {
      const left = this.headOfTail(p - 1);
      this.unlink(left, p - left);
      m += p - left;
      h = left;
    }
    const q = p + n;
    if (q < end && this.free(q)) {
      const k = this.lengthAt(q, end);
      this.unlink(q, k);
      m += k;
    }
    this.link(h, m);
    return h;
  }

  /**
   * Takes pages [p, p + n) out of the free run [h, h + m) that holds them:
   * what is left before and after them stays indexed as runs of their own.
   */
  carve(p: number, n: number, h: number, m: number): void {
    this.unlink(h, m);
    if (p > h) this.link(h, p - h);
    const after = h + m - (p + n);
    if (after > 0) this.link(p + n, after);
  }

  /** Empties the index and indexes every maximal free run of [first, end) from the bitmap (a survivor's repair). */
  rebuild(first: number, end: number): void {
    const u32 = this.lm.u32;
    u32.fill(0, this.ix, this.heads + RUN_BUCKETS);
    for (let p = first; p < end; ) {
      if (!this.free(p)) {
        p++;
        continue;
      }
      const q = this.runEnd(p, end);
      this.link(p, q - p);
      p = q;
    }
  }

  /**
   * The index's invariants against the bitmap over [first, end): every list
   * node heads a maximal free run of its bucket's sizes, with the right
   * length words and back links; the mask matches the lists; and every
   * maximal free run is on a list. Returns the first violation, or null.
   */
  validate(first: number, end: number): string | null {
    let runs = 0;
    for (let p = first; p < end; ) {
      if (!this.free(p)) {
        p++;
        continue;
      }
      const q = this.runEnd(p, end);
      const n = q - p;
      if (n > 1 && (this.lm.u32[this.rt0 + p + 1] !== n || this.lm.u32[this.rt0 + q - 1] !== n)) return `free run at page ${p} of ${n} pages has length words ${this.lm.u32[this.rt0 + p + 1]} and ${this.lm.u32[this.rt0 + q - 1]}`;
      runs++;
      p = q;
    }
    let listed = 0;
    for (let b = 0; b < RUN_BUCKETS; b++) {
      let h = this.head(b);
      if ((h !== 0) !== this.maskBit(b)) return `free-run bucket ${b}: mask bit ${this.maskBit(b) ? 1 : 0} but head ${h}`;
      let before = 0;
      while (h !== 0) {
        if (++listed > runs) return `the free-run lists hold more entries than the ${runs} free runs (a run listed twice, or a cycle)`;
        if (h < first || h >= end || !this.free(h) || this.free(h - 1)) return `free-run bucket ${b} lists page ${h}, which heads no free run`;
        const n = this.lengthAt(h, end);
        if (runBucket(n) !== b) return `free run at page ${h} of ${n} pages is on the list of bucket ${b}`;
        if (this.prev(h) !== before) return `free run at page ${h} links back to ${this.prev(h)}, not ${before}`;
        before = h;
        h = this.next(h);
      }
    }
    if (listed !== runs) return `${runs} free runs but ${listed} on the free-run lists`;
    return null;
  }
}
