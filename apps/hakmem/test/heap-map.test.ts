import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ssRelease from '@hakmem/superslab';
import * as midRelease from '@hakmem/mid-large-ace';
import { HeapError, renderHeapMapSvg, type Allocator, type HeapMap, type HeapMapRegion } from '../src/index.js';
import { heapOf, VARIANTS } from './helpers.js';
import { describe, expect, it } from 'vitest';

const MiB = 1 << 20;

/** A heap with known contents: 500 blocks of 100 B, 40 of 20 KiB, 3 of 3 MiB; then every other 100 B block and one large block freed. */
function knownHeap(heap: Allocator): { tiny: number[]; mid: number[]; large: number[] } {
  const tiny = Array.from({ length: 500 }, () => heap.malloc(100));
  const mid = Array.from({ length: 40 }, () => heap.malloc(20 * 1024));
  const large = Array.from({ length: 3 }, () => heap.malloc(3 * MiB));
  for (let i = 0; i < tiny.length; i += 2) heap.free(tiny[i]);
  heap.free(large[1]);
  return { tiny: tiny.filter((_, i) => i % 2 === 1), mid, large: [large[0], large[2]] };
}

const sum = (rs: readonly HeapMapRegion[], f: (r: HeapMapRegion) => number | null): number => rs.reduce((n, r) => n + (f(r) ?? 0), 0);

describe.each(VARIANTS)('heap.map() (%s)', (variant) => {
  it('counts what stats() counts, region by region, in address order', () => {
    const heap = heapOf(variant);
    const live = knownHeap(heap);
    const map = heap.map();
    const stats = heap.stats();
    expect(map.format).toBe('hakmem-heap-map');
    expect(map.totals.unknownRegions).toBe(0);
    expect(map.totals.liveBlocks).toBe(stats.liveBlocks);
    expect(map.totals.bytesInUse).toBe(stats.bytesInUse);
    expect(map.totals.bytesReserved).toBe(stats.bytesReserved);
    expect(stats.liveBlocks).toBe(live.tiny.length + live.mid.length + live.large.length);
    // Regions tile the heap from the metadata zone to the end page, without gaps or overlaps.
    let page = map.basePage;
    for (const r of map.regions) {
      expect(r.firstPage).toBe(page);
      expect(r.address).toBe(r.firstPage * map.pageSize);
      expect(r.bytes).toBe(r.pages * map.pageSize);
      page += r.pages;
    }
    expect(page).toBe(map.endPage);
    expect(map.regions[0].kind).toBe('metadata');

    // Each live block lies in a region of the box that owns it, and that region counts it.
    const regionOf = (p: number) => map.regions.find((r) => p >= r.address && p < r.address + r.bytes) as HeapMapRegion;
    const tinySlabs = new Set(live.tiny.map(regionOf));
    for (const r of tinySlabs) expect([r.kind, r.box, r.state]).toEqual(['slab', 'superslab', 'active']);
    expect(sum([...tinySlabs], (r) => r.blocksLive)).toBe(live.tiny.length);
    for (const r of tinySlabs) {
      expect(r.blockBytes).toBeGreaterThanOrEqual(100);
      expect(r.blocksLive as number).toBeLessThanOrEqual(r.blocksCapacity as number);
    }
    const spans = new Set(live.mid.map(regionOf));
    for (const r of spans) expect([r.kind, r.box, r.state]).toEqual(['span', 'midLargeAce', 'owned']);
    expect(sum([...spans], (r) => r.blocksLive)).toBe(live.mid.length);
    const runs = map.regions.filter((r) => r.box === 'bigcache');
    expect(runs.filter((r) => r.state === 'live').map((r) => r.address)).toEqual(live.large);
    // 3 MiB, and in the debug build its 16-byte guard, which takes a page more.
    for (const r of runs.filter((x) => x.state === 'live')) expect(r.pages).toBe((3 * MiB) / map.pageSize + (variant === 'debug' ? 1 : 0));
    // The freed large run is kept by BigCache for reuse.
    expect(runs.filter((r) => r.state === 'cached')).toHaveLength(1);
    // Plain JSON: it survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(map))).toEqual(map);
  });

  it('follows frees: an emptied heap maps no live block', () => {
    const heap = heapOf(variant);
    const live = knownHeap(heap);
    for (const p of [...live.tiny, ...live.mid, ...live.large]) heap.free(p);
    heap.trim();
    const map = heap.map();
    expect(map.totals.liveBlocks).toBe(0);
    expect(map.totals.bytesInUse).toBe(0);
    expect(map.regions.every((r) => (r.blocksLive ?? 0) === 0)).toBe(true);
  });
});

describe('heap.map() with boxes that do not report occupancy', () => {
  it('still maps every page, and marks those regions unknown', () => {
    const { slabOccupancy: _s, ...superslab } = ssRelease;
    const { spanOccupancy: _m, ...midLargeAce } = midRelease;
    const heap = heapOf('release', { boxes: { superslab, midLargeAce } });
    const live = knownHeap(heap);
    const map = heap.map();
    const unknown = map.regions.filter((r) => r.state === 'unknown');
    expect(unknown.length).toBe(map.totals.unknownRegions);
    expect(new Set(unknown.map((r) => r.kind))).toEqual(new Set(['slab', 'span']));
    for (const r of unknown) expect(r.blocksLive).toBeNull();
    // Runs need no box word: their page words say it all.
    expect(map.totals.liveBlocks).toBe(live.large.length);
    // The span lengths come from the page table alone, so the regions still tile the heap.
    expect(map.regions.reduce((n, r) => n + r.pages, 0)).toBe(map.endPage - map.basePage);
    expect(renderHeapMapSvg(map)).toContain('hm-unknown');
  });

  it('is gone after detach', () => {
    const heap = heapOf('release', { shared: true, maxBytes: 16 << 20 });
    heap.detach();
    expect(() => heap.map()).toThrow(HeapError);
  });
});

describe('renderHeapMapSvg', () => {
  it('draws a group per region, coloured by box, with a legend', () => {
    const heap = heapOf('release');
    knownHeap(heap);
    const map = heap.map();
    const svg = renderHeapMapSvg(map, { title: 'known heap' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<g class="region /g)).toHaveLength(map.regions.length);
    expect(svg).toContain('data-box="superslab"');
    expect(svg).toContain('data-box="midLargeAce"');
    expect(svg).toContain('data-box="bigcache"');
    expect(svg).toContain('known heap');
    expect(svg).toMatch(/fill height = live blocks ÷ capacity/);
    // Pure: the same map gives the same picture.
    expect(renderHeapMapSvg(map, { title: 'known heap' })).toBe(svg);
  });

  it('rejects what is not a heap map', () => {
    expect(() => renderHeapMapSvg({} as HeapMap)).toThrow(TypeError);
    expect(() => renderHeapMapSvg(null as unknown as HeapMap)).toThrow(/heap\.map\(\)/);
  });
});

describe('the hakmem-map command', () => {
  const bin = fileURLToPath(new URL('../bin/hakmem-map.mjs', import.meta.url));

  it('renders a snapshot file to an SVG file, and refuses bad input with exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hakmem-map-'));
    try {
      const heap = heapOf('release');
      knownHeap(heap);
      const map = heap.map();
      writeFileSync(join(dir, 'heap.json'), JSON.stringify(map));
      const out = execFileSync(process.execPath, [bin, join(dir, 'heap.json'), join(dir, 'heap.svg')], { encoding: 'utf8' });
      expect(out).toContain(`${map.regions.length} regions`);
      expect(readFileSync(join(dir, 'heap.svg'), 'utf8')).toBe(renderHeapMapSvg(map));
      writeFileSync(join(dir, 'bad.json'), '{"format":"something else"}');
      const bad = spawnSync(process.execPath, [bin, join(dir, 'bad.json'), join(dir, 'bad.svg')], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/heap\.map\(\)/);
      const usage = spawnSync(process.execPath, [bin, join(dir, 'heap.json')], { encoding: 'utf8' });
      expect(usage.status).toBe(2);
      expect(usage.stderr).toMatch(/usage: hakmem-map/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
