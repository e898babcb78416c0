import { HeapError, newHeapWalk, ROUTE_LARGE, ROUTE_MID, ROUTE_RUN_BODY, ROUTE_TINY, type BoxName } from '@hakmem/contracts';
import { PAGE_SIZE } from '@hakmem/contracts/layout';
import type { AllocatorStats } from './stats.js';
import type { HeapParts } from './heap-parts.js';

/**
 * The facade's whole-heap walks, `check()` and `stats()`: one pass over the
 * page table in which the front gate says which box owns each page and that
 * box walks its own records from there (HeapWalk in @hakmem/contracts).
 * Nothing here knows how a slab, span or run is laid out.
 */

/** Live blocks and bytes of the whole heap; with `validate`, every box's invariants of every region on the way. */
export function walkHeap(parts: HeapParts, validate: boolean): { liveBlocks: number; liveBytes: number } {
  const { pages, ss, mid, big } = parts;
  const routeOfWord = parts.boxes.frontGate.routeOfWord;
  const w = newHeapWalk(validate);
  // A private heap's count subtracts the cached blocks from each slab's
  // used count; a shared heap's counts live bits (other workers' caches
  // are out of sight) and needs none.
  const cached = validate ? cachedTinyBlocks(parts) : parts.lm.shared ? EMPTY : parts.tls.listCached();
  const end = pages.endPage();
  for (let p = pages.firstDataPage; p < end; ) {
    const word = pages.word(p);
    const route = routeOfWord(word);
    let problem: string | null = null;
    let box: BoxName = 'frontGate';
    w.nextPage = p + 1;
    w.problemAt = p * PAGE_SIZE;
    if (route === ROUTE_TINY) {
      box = 'superslab';
      problem = ss.walk(p, w, cached, cached.length);
    } else if (route === ROUTE_MID) {
      box = 'midLargeAce';
      problem = mid.walk(p, w);
    } else if (route === ROUTE_LARGE) {
      box = 'bigcache';
      problem = big.walk(p, w);
    } else if (route === ROUTE_RUN_BODY && validate) {
      box = 'bigcache';
      problem = `page ${p} is a run body with no run head`;
    }
    // stats() in a shared heap reads the records without locks while other
    // workers change them: a region caught half made or half given back (a
    // SuperSlab's pages stamped before its header is written, say) is a
    // moment of the snapshot, not damage, and is counted as nothing. Only
    // check() and a private heap's count report it.
    if (problem !== null && (validate || !parts.lm.shared)) throw new HeapError('CORRUPTION', problem, w.problemAt, box);
    p = Math.max(p + 1, w.nextPage);
  }
  if (validate) {
    const problem = parts.pool.validate(w.superslabs);
    if (problem !== null) throw new HeapError('CORRUPTION', problem, 0, 'sharedPool');
  }
  return { liveBlocks: w.liveBlocks, liveBytes: w.liveBytes };
}

const EMPTY = new Uint32Array(0);

/** This worker's cached tiny blocks, sorted (for the superslab's used-count check); none of them may be live. */
function cachedTinyBlocks(parts: HeapParts): Uint32Array {
  const cached = parts.tls.listCached();
  for (let i = 0; i < cached.length; i++)
    if (parts.ss.isLive(cached[i])) throw new HeapError('CORRUPTION', 'a cached block is marked live', cached[i], 'tlsSll');
  return cached;
}

/**
 * In a shared heap, check() reports a problem only once the same one has
 * been found by this many walks in a row, over at least this long; it gives
 * up waiting for a clean walk after the last bound and reports what it found.
 * Each walk first waits at most SHARED_CHECK_LOCK_WAIT_MS for each of the
 * heap's locks; after a walk that found something, check() lets them go for
 * SHARED_CHECK_PAUSE_MS before the next.
 */
const SHARED_CHECK_CONFIRMATIONS = 3;
const SHARED_CHECK_CONFIRM_MS = 50;
const SHARED_CHECK_GIVE_UP_MS = 5000;
const SHARED_CHECK_LOCK_WAIT_MS = 1000;
const SHARED_CHECK_PAUSE_MS = 2;

/**
 * `check()`: every box's validator, then one walk of the page table
 * validating every region.
 *
 * A shared heap's records change under the walk while other workers run.
 * Two kinds of change, two answers:
 * - Changes made under a lock (the page words and counters, BigCache's
 *   table, the pool's and the mid box's lists): each walk holds every lock
 *   of the heap (PageLayer.lockAll, in the lock order of linear-memory's
 *   lock.ts), so it sees none of them half made. Without the locks, a worker
 *   put off the CPU in the middle of one (taking pages it had not yet
 *   stamped, say) left it half made for its whole time slice, and on a
 *   loaded machine (three workers on two cores) three walks 50 ms apart all
 *   found it. Other workers' slow paths wait for the walk; fast paths do not.
 * - Changes an owner makes without a lock, to its own slabs and spans
 *   (refills, carving): a walk may still catch one in the middle. So check()
 *   returns as soon as one walk finds nothing, and reports a problem only
 *   when that same problem (box, address and message) has been found by
 *   SHARED_CHECK_CONFIRMATIONS walks in a row spanning
 *   SHARED_CHECK_CONFIRM_MS. Damage stays where it is; a shared heap's
 *   takes about that long to report.
 * A lock still held after SHARED_CHECK_LOCK_WAIT_MS (a worker died holding
 * it) leaves that walk without locks.
 */
export function checkHeap(parts: HeapParts, refreshViews: () => void): void {
  if (!parts.lm.shared) {
    checkOnce(parts);
    return;
  }
  const start = performance.now();
  let last = '';
  let streak = 0;
  let since = start;
  for (;;) {
    const locked = parts.pages.lockAll(SHARED_CHECK_LOCK_WAIT_MS);
    try {
      // Another worker may have grown the memory before the locks were taken (the facade's one refresh, the view rule).
      refreshViews();
      checkOnce(parts);
      return;
    } catch (e) {
      if (!(e instanceof HeapError) || e.code !== 'CORRUPTION') throw e;
      const now = performance.now();
      const finding = `${e.box ?? ''} ${e.ptr ?? ''} ${e.message}`;
      if (finding === last) streak++;
      else {
        last = finding;
        streak = 1;
        since = now;
      }
      if ((streak >= SHARED_CHECK_CONFIRMATIONS && now - since >= SHARED_CHECK_CONFIRM_MS) || now - start >= SHARED_CHECK_GIVE_UP_MS) throw e;
    } finally {
      if (locked) parts.pages.unlockAll();
    }
    // Let the workers waiting for a lock have it before the next walk takes them all again.
    Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, SHARED_CHECK_PAUSE_MS);
  }
}

/**
 * A word nobody changes, to sleep on between two walks; made on first use,
 * so that importing the facade needs no SharedArrayBuffer (a page that is
 * not cross-origin isolated has none, and a private heap needs none).
 */
let pause: Int32Array | undefined;

function checkOnce(parts: HeapParts): void {
  const fail = (box: BoxName | undefined, msg: string | null, at?: number) => {
    if (msg !== null) throw new HeapError('CORRUPTION', msg, at, box);
  };
  fail(undefined, parts.pages.validate());
  fail('tlsSll', parts.tls.validate());
  fail('midLargeAce', parts.mid.validate());
  fail('bigcache', parts.big.validate());
  walkHeap(parts, true);
}

/** What `stats()` adds to the walk that the facade itself counts. */
export interface FacadeCounters {
  readonly maxBytes: number;
  readonly staleRetries: number;
  readonly oomReclaims: number;
}

/** `stats()`: one counting walk, and every box's counters. */
export function heapStats(parts: HeapParts, facade: FacadeCounters): AllocatorStats {
  const walk = walkHeap(parts, false);
  const tls = parts.tls.counters();
  const mid = parts.mid.counters();
  const big = parts.big.counters();
  const pool = parts.pool.counters();
  const ss = parts.ss.counters();
  const gate = parts.gate.counters();
  const pages = parts.pages;
  const pageCounters = pages.counters();
  return {
    variant: parts.variant,
    boxVariants: { ...parts.variants },
    bytesReserved: pages.bytesReserved(),
    peakBytesReserved: (pages.metaPages + pageCounters.peakPagesInUse) * PAGE_SIZE,
    bytesInUse: walk.liveBytes,
    liveBlocks: walk.liveBlocks,
    memoryBytes: parts.lm.memory.buffer.byteLength,
    heapBase: pages.heapBase,
    maxBytes: facade.maxBytes,
    pages: pageCounters,
    boxes: {
      tlsSll: { fastPathHits: tls.pops + tls.pushes, slowPathHits: tls.refills + tls.drains, ...tls },
      superslab: { fastPathHits: ss.reusedBlocks + ss.carvedBlocks, slowPathHits: ss.refills, ...ss },
      sharedPool: { fastPathHits: pool.stage1Hits, slowPathHits: pool.stage2Hits + pool.stage3Hits, ...pool },
      bigcache: { fastPathHits: big.hits, slowPathHits: big.misses, ...big },
      frontGate: {
        fastPathHits: tls.pushes + (mid.frees as number) + big.puts,
        slowPathHits: tls.drains + gate.rejected + facade.staleRetries,
        ...gate,
        staleViewRetries: facade.staleRetries,
        oomReclaims: facade.oomReclaims,
      },
      midLargeAce: { fastPathHits: mid.hits as number, slowPathHits: mid.misses as number, ...mid },
    },
  };
}
