import {
  PAGE_SHIFT,
} from '@hakmem/contracts/layout';

/**
 * The memory under a heap, and the typed-array views every box reads it
 * through.
 *
 * What it promises:
 * - `u8`, `u32` and `i32` cover the whole `memory.buffer` as of the last
 *   `refresh()`. Growing a non-shared memory detaches the old buffer; growing a
 *   shared one from another worker leaves this worker's buffer short. Either
 *   way the views are only refreshed on a slow path: after `grow`, or when a
 *   box finds an address past the end of its view (a detached view has
 *   length 0, so that test catches both cases).
 * - `ensurePages(n)` makes the memory at least `n` pages long, growing it if
 *   needed, and returns false (never throws) when the memory cannot grow.
 */
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

  /** Current length of the memory in pages (refreshes the views first). */
  pages(): number {
    this.refresh();
    return this.u8.length >>> PAGE_SHIFT;
  }

  /**
   * `limit` caps the growth: the memory is grown by an eighth of its size
   * (at least 1 MiB) past `pages` when that stays under `limit`, so a heap
   * that grows page by page does not pay for a `grow` (and a view rebuild)
   * every time.
   */
  ensurePages(pages: number, limit = pages): boolean {
    const have = this.pages();
    if (have >= pages) return true;
    const generous = Math.min(limit, Math.max(pages, have + Math.max(16, have >>> 3)));
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
