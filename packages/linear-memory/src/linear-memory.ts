import { PAGE_SHIFT, PAGE_SIZE } from '@hakmem/contracts/layout';

/**
 * The memory under a heap, and the typed-array views every box reads it
 * through.
 *
 * What it promises:
 * - `u8`, `u32` and `i32` cover the whole `memory.buffer` as of the last
 *   `refresh()`. Anyone may grow the memory at any time: the heap, the user,
 *   a WebAssembly module, another worker. Growing a non-shared memory
 *   detaches the old buffer (every view over it has length 0 from then on);
 *   growing a shared one from another worker leaves this worker's buffer
 *   short.
 * - The view rule (docs/ARCHITECTURE.md, "Views and growth"), which every box
 *   and the facade follow:
 *   1. No view is kept across a call that may grow the memory: read
 *      `lm.u8`/`lm.u32`/`lm.i32` after it (only the facade keeps hot copies,
 *      and it re-reads them after every slow path).
 *   2. Every slow path starts with `fresh()`, and so does every operation
 *      that takes a lock guarding memory another worker may have grown the
 *      heap into. Cheap: one length test, or in a shared heap one atomic
 *      load of the heap's end page.
 *   3. Fast paths test their index against the view's length (a detached
 *      view has length 0) and fall to their slow path when it is past it.
 *   4. Before touching bytes [a, end) that another worker may have handed
 *      over (a cached block, an adopted slab), `cover(end)`.
 *   Nothing outside this file calls `refresh()` except the facade's one
 *   stale-view suspicion path (a test checks it).
 * - `ensurePages(n)` makes the memory at least `n` pages long, growing it if
 *   needed, and returns false (never throws) when the memory cannot grow.
 */
/** `ensurePages` grows by at least this many pages (1 MiB)... */
const GROW_MIN_PAGES = 16;
/** ...or by an eighth of the memory (`pages >>> 3`), whichever is more... */
const GROW_SHIFT = 3;
/**
 * ...and from 64 MiB of memory on, by half (`pages >>> 1`): every `grow` of a
 * big memory costs about a millisecond (the new buffer's bookkeeping, and
 * the garbage collections V8 starts as the external memory grows), and a
 * heap of large blocks grew 34 times on its way to 700 MiB (W6's first
 * pass). Pages grown into but not used are only address space: the heap
 * reserves (and `bytesReserved` counts) only the pages it hands out.
 */
const BIG_MEMORY_PAGES = 1024;
const BIG_GROW_SHIFT = 1;

export class LinearMemory {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  u8: Uint8Array;
  u32: Uint32Array;
  i32: Int32Array;
  /** Times the views were rebuilt; boxes may compare it to notice a refresh. */
  epoch = 0;
  /**
   * The id this attachment writes into the lock words it holds: the worker
   * id the facade drew for it (1 until then). Lets a survivor recognise a
   * lock held by a dead worker.
   */
  holder = 1;
  /**
   * u32 index of the heap header's end-page word (set by the page layer); in
   * a shared heap `fresh()` compares it with the view, since every page the
   * heap uses lies below it.
   */
  endWord = 0;

  constructor(memory: WebAssembly.Memory, shared: boolean) {
    this.memory = memory;
    this.shared = shared;
    const buf = memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
  }

  /** Rebuilds the views if the memory's buffer changed; returns whether it did. */
  refresh(): boolean {
    // A shared memory grown by another worker keeps handing this worker its
    // old, shorter buffer until this worker calls grow itself; grow(0) is
    // the way to ask for the current length.
    // grow(0) also hands out a new buffer object each time, over the same
    // memory; a shared buffer is never detached, so only its length counts.
    if (this.shared) this.memory.grow(0);
    const buf = this.memory.buffer;
    if (buf.byteLength === this.u8.length && (this.shared || this.u8.buffer === buf)) return false;
    this.u8 = new Uint8Array(buf);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
    this.epoch++;
    return true;
  }

  /**
   * Rule 2: makes the views usable for every page the heap uses. A
   * non-shared view is stale exactly when it was detached (length 0); a
   * shared one when the heap's end page lies past it. Returns whether the
   * views were rebuilt.
   */
  fresh(): boolean {
    if (!this.shared) return this.u8.length === 0 ? this.refresh() : false;
    if (this.endWord === 0 || Atomics.load(this.u32, this.endWord) * PAGE_SIZE > this.u8.length) return this.refresh();
    return false;
  }

  /** Rule 4: makes the views reach byte `end` (exclusive) if the memory does; returns whether they were rebuilt. */
  cover(end: number): boolean {
    return end > this.u8.length ? this.refresh() : false;
  }

  /** Current length of the memory in pages (refreshes the views first). */
  pages(): number {
    this.refresh();
    return this.u8.length >>> PAGE_SHIFT;
  }

  /**
   * `limit` caps the growth: the memory is grown by an eighth of its size
   * (at least 1 MiB; half of it from 64 MiB on) when that reaches past
   * `pages` and stays under `limit`, so a heap
   * that grows page by page does not pay for a `grow` (and a view rebuild)
   * every time.
   */
  ensurePages(pages: number, limit = pages): boolean {
    const have = this.pages();
    if (have >= pages) return true;
    const step = Math.max(GROW_MIN_PAGES, have >>> (have >= BIG_MEMORY_PAGES ? BIG_GROW_SHIFT : GROW_SHIFT));
    const generous = Math.min(limit, Math.max(pages, have + step));
    if (generous > pages && this.tryGrow(generous - have)) return true;
    if (this.tryGrow(pages - have)) return true;
    // Another worker may have grown it meanwhile.
    return this.pages() >= pages;
  }

  private tryGrow(delta: number): boolean {
    try {
      this.memory.grow(delta);
    } catch {
      // RangeError: the memory is at its maximum (or the engine refused the size).
      return false;
    }
    this.refresh();
    return true;
  }
}
