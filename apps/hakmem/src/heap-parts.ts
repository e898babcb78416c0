import { BOX_NAMES, type BoxName, type Variant } from '@hakmem/contracts';
import { TINY_CLASSES } from '@hakmem/contracts/layout';
import type { LinearMemory, PageLayer } from '@hakmem/linear-memory';
import type {
  BigCacheBox,
  BoxImplementations,
  BoxVariant,
  FrontGateBox,
  MidAceBox,
  SharedPoolBox,
  SuperslabBox,
  TlsCacheBox,
} from './box-contracts.js';
import { checkInstance } from './box-shape.js';

/** Blocks moved per batch between boxes on slow paths (refill, drain, flush). */
const SCRATCH = 512;

/**
 * One heap attachment's boxes, wired: an instance of every box's build over
 * the same memory and page layer, for this worker. The facade's API and
 * fast paths (heap.ts), its walk (heap-walk.ts) and its lifecycle
 * (heap-lifecycle.ts) all work through this one object; none of them reads
 * a box's records.
 */
export class HeapParts {
  readonly lm: LinearMemory;
  readonly pages: PageLayer;
  /** The implementation each box runs (a built-in build or the user's). */
  readonly boxes: BoxImplementations;
  readonly variants: Record<BoxName, BoxVariant>;
  /** 'debug' when any box runs its debug build, or a user implementation says it validates. */
  readonly variant: Variant;
  readonly shared: boolean;
  readonly worker: number;
  readonly tls: TlsCacheBox;
  readonly ss: SuperslabBox;
  readonly pool: SharedPoolBox;
  readonly big: BigCacheBox;
  readonly gate: FrontGateBox;
  readonly mid: MidAceBox;
  /**
   * Guard bytes the superslab and mid builds keep at the end of each block
   * (0 in release): usable size = class size − guard.
   */
  readonly tinyGuard: number;
  readonly midGuard: number;
  /** The BigCache build's guard at the end of each live run (0 in release). */
  readonly largeGuard: number;
  readonly scratch = new Uint32Array(SCRATCH);

  constructor(lm: LinearMemory, pages: PageLayer, boxes: BoxImplementations, variants: Record<BoxName, BoxVariant>) {
    this.lm = lm;
    this.pages = pages;
    this.boxes = boxes;
    this.variants = variants;
    this.shared = lm.shared;
    // A user implementation counts as debug when it says so (its `variant` member).
    this.variant = BOX_NAMES.some((b) => variants[b] === 'debug' || (variants[b] === 'custom' && boxes[b].variant === 'debug')) ? 'debug' : 'release';
    this.worker = pages.nextWorkerId();
    lm.holder = this.worker;
    this.tls = new boxes.tlsSll.TlsCache();
    if (this.tls.bindMemory !== undefined) this.tls.bindMemory(lm, pages.pt0);
    this.ss = new boxes.superslab.Superslab(lm, this.worker, pages);
    this.pool = new boxes.sharedPool.SharedPool(lm, pages);
    this.big = new boxes.bigcache.BigCache(lm, pages);
    this.gate = new boxes.frontGate.FrontGate(lm, pages);
    this.mid = new boxes.midLargeAce.MidAce(lm, pages, this.worker);
    if (variants.tlsSll === 'custom') checkInstance('tlsSll', this.tls);
    if (variants.superslab === 'custom') checkInstance('superslab', this.ss);
    if (variants.sharedPool === 'custom') checkInstance('sharedPool', this.pool);
    if (variants.bigcache === 'custom') checkInstance('bigcache', this.big);
    if (variants.frontGate === 'custom') checkInstance('frontGate', this.gate);
    if (variants.midLargeAce === 'custom') checkInstance('midLargeAce', this.mid);
    // A user implementation that keeps no guard bytes leaves these out.
    this.tinyGuard = boxes.superslab.BLOCK_GUARD ?? 0;
    this.midGuard = boxes.midLargeAce.BLOCK_GUARD ?? 0;
    this.largeGuard = boxes.bigcache.BLOCK_GUARD ?? 0;
  }

  /** Slabs whose last block came back go to the shared pool. */
  releaseEmptiedSlabs(): void {
    const emptied = this.ss.emptied;
    for (let i = 0; i < emptied.length; i++) this.pool.release(emptied[i]);
    emptied.length = 0;
  }

  /**
   * Gives every block cached by this worker, every empty slab and span and
   * every cached large run back. The caller refreshes the views before and
   * after (the facade's one refresh, Heap.refreshViews).
   */
  flushCaches(): void {
    for (let c = 0; c < TINY_CLASSES; c++) {
      const n = this.tls.drainAll(c, this.scratch);
      this.ss.returnBlocks(this.scratch, n);
      // Slabs detached workers left: this worker takes them over, so those
      // whose blocks all came back go to the pool below instead of staying reserved.
      for (let slab = this.pool.adoptAbandoned(c, this.worker); slab !== 0; slab = this.pool.adoptAbandoned(c, this.worker)) this.ss.adopt(c, slab);
    }
    this.ss.releaseCurrent();
    this.releaseEmptiedSlabs();
    this.mid.flush();
    this.big.flush();
  }
}
