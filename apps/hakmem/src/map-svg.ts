import type { HeapMap, HeapMapRegion } from './heap-map.js';

/**
 * Draws a `heap.map()` snapshot as one self-contained SVG: the heap's pages
 * left to right in address order, wrapped into rows; each region (slab,
 * span, run, free range) is a strip of its pages, coloured by the box that
 * owns it and filled from the bottom to its occupancy (live blocks ÷
 * capacity), with a legend. A pure function of the map (no DOM, no clock),
 * so the same snapshot always gives the same picture.
 */

export interface HeapMapSvgOptions {
  /** Heading inside the picture; default: a line of totals. */
  readonly title?: string;
  /** Total width in CSS pixels (default 760); the page cells are sized to fit. */
  readonly width?: number;
}

/** One colour per box, and the greys for what no box owns. */
const BOX_COLOURS = {
  superslab: '#1f6fb4',
  midLargeAce: '#2e8b3e',
  bigcache: '#d9781a',
} as const;
const META_COLOUR = '#5c5c5c';
const UNKNOWN_COLOUR = '#8a5cb8';

const LABEL_W = 64;
const ROW_H = 18;
const ROW_GAP = 3;
const LEGEND_H = 64;
const FOOT_H = 18;
/** A free range this many rows long is drawn as one short row with its size written in it. */
const COLLAPSE_ROWS = 2;

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function size(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 === 0 ? 0 : 1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(bytes % 2 ** 20 === 0 ? 0 : 1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(bytes % 2 ** 10 === 0 ? 0 : 1)} KiB`;
  return `${bytes} B`;
}

/** Pages per row: 64 (4 MiB) for a small heap, more for a big one so the picture stays a screen or two tall. */
function columnsFor(pages: number): number {
  if (pages > 8192) return 512;
  if (pages > 2048) return 256;
  if (pages > 512) return 128;
  return 64;
}

function colourOf(r: HeapMapRegion): string {
  if (r.kind === 'metadata') return META_COLOUR;
  if (r.box === null) return r.kind === 'free' ? '#ffffff' : UNKNOWN_COLOUR;
  return BOX_COLOURS[r.box];
}

/** Live ÷ capacity in [0, 1], or null when the box did not say. */
function occupancy(r: HeapMapRegion): number | null {
  if (r.kind === 'metadata') return 1;
  if (r.kind === 'free') return 0;
  if (r.blocksLive === null || r.blocksCapacity === null) return null;
  return r.blocksCapacity === 0 ? 0 : Math.min(1, r.blocksLive / r.blocksCapacity);
}

function describe(r: HeapMapRegion): string {
  const where = `pages ${r.firstPage}–${r.firstPage + r.pages - 1} (${size(r.bytes)} at ${r.address})`;
  const box = r.box === null ? '' : `${r.box} `;
  const cls = r.sizeClass === null || r.sizeClass < 0 ? '' : `, class ${r.sizeClass}`;
  const block = r.blockBytes === null ? '' : ` (${size(r.blockBytes)} blocks)`;
  const blocks = r.blocksLive === null ? ', occupancy unknown' : `, ${r.blocksLive} of ${r.blocksCapacity} blocks live, ${size(r.bytesLive ?? 0)} in use`;
  const owner = r.owner === null ? '' : `, owner ${r.owner}`;
  return `${box}${r.kind} ${r.state}${cls}${block}${blocks}${owner}; ${where}`;
}

/** The SVG for one heap map. Throws TypeError when `map` is not a heap map. */
export function renderHeapMapSvg(map: HeapMap, options: HeapMapSvgOptions = {}): string {
  if (typeof map !== 'object' || map === null || (map as { format?: unknown }).format !== 'hakmem-heap-map' || !Array.isArray(map.regions))
    throw new TypeError("hakmem: renderHeapMapSvg needs the object heap.map() returns (format 'hakmem-heap-map')");
  const width = Math.max(320, Math.floor(options.width ?? 760));
  const totalPages = map.regions.reduce((n, r) => n + r.pages, 0);
  const columns = columnsFor(totalPages);
  const cell = (width - LABEL_W - 8) / columns;

  // Lay the regions out in rows of `columns` pages; long free ranges shrink to one labelled row.
  const body: string[] = [];
  const rowLabels: { row: number; page: number }[] = [];
  let row = 0;
  let col = 0;
  const newRow = (page: number): void => {
    if (col !== 0) {
      row++;
      col = 0;
    }
    rowLabels.push({ row, page });
  };
  rowLabels.push({ row: 0, page: map.regions.length > 0 ? map.regions[0].firstPage : 0 });
  const y = (r: number): number => LEGEND_H + r * (ROW_H + ROW_GAP);
  const x = (c: number): number => LABEL_W + c * cell;
  for (const r of map.regions) {
    const tip = `<title>${escapeXml(describe(r))}</title>`;
    if (r.kind === 'free' && r.pages >= COLLAPSE_ROWS * columns) {
      newRow(r.firstPage);
      body.push(
        `<g class="region free collapsed">${tip}<rect x="${x(0).toFixed(1)}" y="${y(row)}" width="${(columns * cell).toFixed(1)}" height="${ROW_H}" fill="#fff" stroke="#bbb" stroke-dasharray="3 2"/>` +
          `<text x="${(x(0) + (columns * cell) / 2).toFixed(1)}" y="${y(row) + ROW_H - 5}" text-anchor="middle" class="hm-note">… ${r.pages} free pages (${size(r.bytes)}) …</text></g>`,
      );
      row++;
      col = 0;
      rowLabels.push({ row, page: r.firstPage + r.pages });
      continue;
    }
    const colour = colourOf(r);
    const occ = occupancy(r);
    const parts: string[] = [];
    for (let left = r.pages; left > 0; ) {
      if (col === columns) {
        row++;
        col = 0;
        rowLabels.push({ row, page: r.firstPage + (r.pages - left) });
      }
      const take = Math.min(left, columns - col);
      const sx = x(col);
      // A pixel of gap after each region, so two neighbouring slabs of one box read as two.
      const sw = Math.max(0.5, take * cell - (cell >= 4 && take === left ? 1 : 0));
      const sy = y(row);
      const cached = r.state === 'cached';
      // The region's outline and a pale tint of its box: the empty part.
      parts.push(
        `<rect x="${sx.toFixed(1)}" y="${sy}" width="${sw.toFixed(1)}" height="${ROW_H}" fill="${r.kind === 'free' ? '#fff' : colour}" fill-opacity="${r.kind === 'free' ? 1 : 0.18}" stroke="${r.kind === 'free' ? '#ccc' : colour}" stroke-width="1"${cached ? ' stroke-dasharray="3 2"' : ''}/>`,
      );
      if (occ === null) parts.push(`<rect x="${sx.toFixed(1)}" y="${sy}" width="${sw.toFixed(1)}" height="${ROW_H}" fill="url(#hm-unknown)"/>`);
      else if (occ > 0) {
        const h = Math.max(1, ROW_H * occ);
        parts.push(`<rect class="fill" x="${sx.toFixed(1)}" y="${(sy + ROW_H - h).toFixed(1)}" width="${sw.toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"/>`);
      }
      col += take;
      left -= take;
    }
    body.push(`<g class="region ${r.kind}" data-box="${r.box ?? ''}">${tip}${parts.join('')}</g>`);
  }
  const rows = col === 0 ? row : row + 1;
  const height = y(Math.max(rows, 1)) + FOOT_H;

  const labels: string[] = [];
  const seen = new Set<number>();
  for (const l of rowLabels) {
    if (l.row >= Math.max(rows, 1) || seen.has(l.row)) continue;
    seen.add(l.row);
    labels.push(`<text x="${LABEL_W - 6}" y="${y(l.row) + ROW_H - 5}" text-anchor="end" class="hm-axis">${escapeXml(size(l.page * map.pageSize))}</text>`);
  }

  const t = map.totals;
  const title =
    options.title ??
    `heap map: ${size(t.bytesReserved)} reserved, ${t.liveBlocks} live blocks (${size(t.bytesInUse)}); ${map.variant} build${t.unknownRegions > 0 ? `; ${t.unknownRegions} regions of unknown occupancy` : ''}`;
  const legendItems: [string, string][] = [
    [BOX_COLOURS.superslab, 'SuperSlab slab (tiny, ≤ 1 KiB)'],
    [BOX_COLOURS.midLargeAce, 'mid span or run (1 KiB..1 MiB)'],
    [BOX_COLOURS.bigcache, 'BigCache run (> 1 MiB)'],
    [META_COLOUR, 'heap metadata'],
  ];
  const legend: string[] = [`<text x="4" y="15" class="hm-title">${escapeXml(title)}</text>`];
  let lx = 4;
  for (const [c, label] of legendItems) {
    legend.push(`<rect x="${lx}" y="24" width="12" height="12" fill="${c}"/><text x="${lx + 16}" y="34" class="hm-legend">${escapeXml(label)}</text>`);
    lx += 24 + label.length * 6.2;
  }
  legend.push(
    `<rect x="4" y="42" width="12" height="12" fill="#fff" stroke="#ccc"/><text x="20" y="52" class="hm-legend">free pages</text>` +
      `<rect x="92" y="42" width="12" height="12" fill="${BOX_COLOURS.bigcache}" fill-opacity="0.18" stroke="${BOX_COLOURS.bigcache}" stroke-dasharray="3 2"/><text x="108" y="52" class="hm-legend">cached for reuse</text>` +
      `<rect x="214" y="42" width="12" height="12" fill="url(#hm-unknown)" stroke="#999"/><text x="230" y="52" class="hm-legend">occupancy unknown</text>` +
      `<text x="350" y="52" class="hm-legend">fill height = live blocks ÷ capacity; one row = ${columns} pages (${size(columns * map.pageSize)})</text>`,
  );
  const style =
    '<style>.hm-title{font:600 13px system-ui,sans-serif;fill:#222}.hm-legend{font:11px system-ui,sans-serif;fill:#333}.hm-axis{font:10px system-ui,sans-serif;fill:#666;font-variant-numeric:tabular-nums}.hm-note{font:11px system-ui,sans-serif;fill:#666}</style>';
  const defs = `<defs><pattern id="hm-unknown" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="${UNKNOWN_COLOUR}" fill-opacity="0.55"/></pattern></defs>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="heap-map" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">${style}${defs}<title>${escapeXml(title)}</title>${legend.join('')}${labels.join('')}${body.join('')}<text x="${LABEL_W}" y="${height - 4}" class="hm-axis">address →  (hover a region for its box, class, blocks and pages)</text></svg>`;
}
