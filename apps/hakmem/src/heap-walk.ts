import { HeapError, type BoxName } from '@hakmem/contracts';
import {
  MID_CLASS_SIZES,
  PAGE_SHIFT,
  PAGE_SIZE,
  PK_KIND_MASK,
  PK_MID_SPAN,
  PK_RUN_BODY,
  PK_RUN_FREE,
  PK_RUN_LIVE,
  PK_SS_SPARE,
  PK_TINY,
  SLAB_ACTIVE,
  SLAB_EMPTY,
  SLAB_META_BYTES,
  SLABS_PER_SS,
  SM_CARVED,
  SM_CLASS,
  SM_STATE,
  SP_BITMAP,
  SP_PAGES,
  SPAN_MAX_BLOCKS,
  SPAN_MAX_PAGES,
  SS_BITMAP,
  SS_BITMAP_BYTES,
  SS_MAGIC_VALUE,
  SS_MASK,
  SS_PAGES,
  SS_SLAB_META,
  TINY_CLASS_SIZES,
  TINY_CLASSES,
  TLS_SLL_STRIDE,
} from '@hakmem/contracts/layout';
import { slabRecordOf } from '@hakmem/superslab';
import type { AllocatorStats } from './stats.js';
import type { HeapParts } from './heap-parts.js';

/**
 * The facade's whole-heap walks: `check()` and `stats()` (and the counters
 * `stats()` gathers from every box).
 */

/**
 * Walks the page table once: counts live blocks and, with `validate`, runs
 * every box's validator over every SuperSlab, span and run.
 */
export function walkHeap(parts: HeapParts, validate: boolean): { liveBlocks: number; liveBytes: number } {
  const u8 = parts.lm.u8;
  const u32 = parts.lm.u32;
  const pages = parts.pages;
  const end = pages.endPage();
  const out = { liveBlocks: 0, liveBytes: 0, activeSlabs: 0, emptySlabs: 0, unusedSlabs: 0, spans: 0 };
  const superslabs: number[] = [];
  const fail = (box: BoxName, msg: string | null, at: number) => {
    if (msg !== null) throw new HeapError('CORRUPTION', msg, at, box);
  };
  const cachedTiny = validate ? cachedTinyBySlab(parts) : null;
  const ssValidate = parts.boxes.superslab.validateSuperslab;
  const validateLiveRun = parts.boxes.midLargeAce.validateLiveRun ?? noLiveRunCheck;
  const spanValidate = parts.boxes.midLargeAce.validateSpan;
  for (let p = pages.firstDataPage; p < end; ) {
    const w = pages.word(p);
    const kind = w & PK_KIND_MASK;
    if (kind === PK_TINY || kind === PK_SS_SPARE) {
      const ss = p << PAGE_SHIFT >>> 0;
      if ((ss & SS_MASK) !== 0 || u32[ss >>> 2] !== SS_MAGIC_VALUE) {
        fail('superslab', `page ${p} is a SuperSlab page but no SuperSlab header is at ${ss - (ss & SS_MASK)}`, ss);
        p++;
        continue;
      }
      superslabs.push(ss);
      if (validate) {
        for (let s = 0; s < SLABS_PER_SS; s++) {
          const slab = ss + SS_SLAB_META + s * SLAB_META_BYTES;
          const state = u32[(slab >>> 2) + SM_STATE / 4];
          const pw = pages.word(p + s);
          const want = state === SLAB_ACTIVE || state === SLAB_EMPTY ? PK_TINY : PK_SS_SPARE;
          if ((pw & PK_KIND_MASK) !== want) fail('superslab', `slab ${slab} in state ${state} has page word ${pw}`, slab);
          if (want === PK_TINY && ((pw >>> 8) & 0xff) !== u32[(slab >>> 2) + SM_CLASS / 4]) fail('superslab', `slab ${slab}: page word class differs from its record`, slab);
        }
        fail('superslab', ssValidate(parts.lm, ss, out, (slab) => cachedTiny!.get(slab) ?? 0), ss);
      } else {
        for (let s = 0; s < SLABS_PER_SS; s++) {
          const slab = ss + SS_SLAB_META + s * SLAB_META_BYTES;
          const m = slab >>> 2;
          const state = u32[m + SM_STATE / 4];
          if (state !== SLAB_ACTIVE && state !== SLAB_EMPTY) continue;
          const size = TINY_CLASS_SIZES[u32[m + SM_CLASS / 4]];
          // Live bits of this slab's granules: its share of the SuperSlab bitmap.
          let live = 0;
          const from = ss + SS_BITMAP + s * SLAB_BITMAP_BYTES;
          if (u32[m + SM_CARVED / 4] > 0) for (let i = from; i < from + SLAB_BITMAP_BYTES; i++) live += POPCOUNT8[u8[i]];
          out.liveBlocks += live;
          out.liveBytes += live * (size - parts.tinyGuard);
        }
      }
      p += SS_PAGES;
    } else if (kind === PK_MID_SPAN) {
      const span = p << PAGE_SHIFT >>> 0;
      if (((w >>> 4) & 15) !== 0) fail('midLargeAce', `page ${p} is a mid span page with no span head before it`, span);
      const n = u32[(span + SP_PAGES) >>> 2];
      const walk = { liveBlocks: 0, liveBytes: 0, spans: 0 };
      if (validate) fail('midLargeAce', spanValidate(parts.lm, pages, span, walk, parts.mid.cachedIn(span)), span);
      else {
        let live = 0;
        for (let i = 0; i < SPAN_MAX_BLOCKS / 32; i++) live += popcount32(u32[((span + SP_BITMAP) >>> 2) + i]);
        walk.liveBlocks = live;
        walk.liveBytes = live * (MID_CLASS_SIZES[(w >>> 8) & 0xff] - parts.midGuard);
      }
      out.liveBlocks += walk.liveBlocks;
      out.liveBytes += walk.liveBytes;
      p += Math.max(1, n);
    } else if (kind === PK_RUN_LIVE || kind === PK_RUN_FREE) {
      const n = w >>> 8;
      if (validate) {
        if (n === 0 || p + n > end) fail('bigcache', `run at page ${p} has ${n} pages, past the heap end`, p * PAGE_SIZE);
        for (let q = p + 1; q < p + n; q++) if (pages.word(q) !== PK_RUN_BODY) fail(n > SPAN_MAX_PAGES ? 'bigcache' : 'midLargeAce', `run at page ${p}: page ${q} has word ${pages.word(q)}`, p * PAGE_SIZE);
        if (kind === PK_RUN_FREE) {
          const held = n > SPAN_MAX_PAGES ? parts.big.holds(p) : parts.mid.cachesRun((p << PAGE_SHIFT) >>> 0) || parts.shared;
          if (!held) fail(n > SPAN_MAX_PAGES ? 'bigcache' : 'midLargeAce', `free run at page ${p} is held by no cache (lost memory)`, p * PAGE_SIZE);
        }
      }
      if (kind === PK_RUN_LIVE) {
        const midRun = n <= SPAN_MAX_PAGES;
        if (validate && midRun) fail('midLargeAce', validateLiveRun(parts.lm, p * PAGE_SIZE, n), p * PAGE_SIZE);
        out.liveBlocks++;
        out.liveBytes += n * PAGE_SIZE - (midRun ? parts.midGuard : 0);
      }
      p += Math.max(1, n);
    } else {
      if (validate && kind === PK_RUN_BODY) fail('bigcache', `page ${p} is a run body with no run head`, p * PAGE_SIZE);
      p++;
    }
  }
  if (validate) fail('sharedPool', parts.pool.validate(superslabs), 0);
  return out;
}

function cachedTinyBySlab(parts: HeapParts): Map<number, number> {
  const m = new Map<number, number>();
  const slots = parts.tls.slots;
  for (let c = 0; c < TINY_CLASSES; c++)
    for (let i = 0; i < parts.tls.count[c]; i++) {
      const p = slots[c * TLS_SLL_STRIDE + i];
      const slab = slabRecordOf(p);
      if (parts.ss.isLive(p)) throw new HeapError('CORRUPTION', 'a cached block is marked live', p, 'tlsSll');
      m.set(slab, (m.get(slab) ?? 0) + 1);
    }
  return m;
}

/** `check()`: every box's validator, then one walk of the page table validating every region. */
export function checkHeap(parts: HeapParts): void {
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

/** Bytes of the SuperSlab live bitmap that cover one slab. */
const SLAB_BITMAP_BYTES = SS_BITMAP_BYTES / SLABS_PER_SS;

const POPCOUNT8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >>> 1];
  return t;
})();

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** For a mid implementation without `validateLiveRun`: live runs have nothing beyond their page words to check. */
function noLiveRunCheck(): string | null {
  return null;
}
