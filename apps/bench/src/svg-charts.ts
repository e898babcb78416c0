import { rate, ratio } from './format.js';
import type { AdapterName } from './registry.js';
import type { Cell } from './summary.js';

/** One colour per allocator, the same in every chart; references in greys. */
export const ALLOC_COLORS: Record<AdapterName, string> = {
  ceiling: '#9e9e9e',
  floor: '#616161',
  thing: '#8e6c8a',
  'as-tlsf': '#3f7fbf',
  dlmalloc: '#c9822b',
  gc: '#5a9e6f',
  hakmem: '#c62828',
  'hakmem-debug': '#ef9a9a',
  'hakmem-private': '#8e1b1b',
};

const WIDTH = 760;
const LABEL_W = 110;
const VALUE_W = 90;
const BAR_H = 16;
const BAR_GAP = 6;
const AXIS_H = 22;
const PLOT_W = WIDTH - LABEL_W - VALUE_W;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** 1e4 -> "10 k": axis labels at powers of ten. */
function decade(d: number): string {
  const units: [number, string][] = [[1e9, ' G'], [1e6, ' M'], [1e3, ' k']];
  for (const [u, suffix] of units) if (d >= u) return `${Math.round(d / u)}${suffix}`;
  return `${d}`;
}

/** Decades that cover every finite value, so all rate charts can share one axis. */
export function logDomain(values: readonly number[]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length === 0) return [1, 10];
  const lo = 10 ** Math.floor(Math.log10(Math.min(...finite)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...finite)));
  return [lo, hi === lo ? lo * 10 : hi];
}

/** One small circle per repetition on a bar's centre line, so a bimodal cell shows as two clusters. */
function repDots(values: readonly (number | null)[], x: (v: number) => number, mid: number, what: (v: number) => string): string {
  return values
    .map((v, i) =>
      v === null || !Number.isFinite(v) || v <= 0
        ? ''
        : `<circle class="rep" cx="${x(v).toFixed(1)}" cy="${mid}" r="3" fill="#fff" stroke="#222" stroke-width="1.2"><title>${escapeXml(`repetition ${i + 1}: ${what(v)}`)}</title></circle>`,
    )
    .join('');
}

/**
 * Horizontal bars of the median rate on a log axis, one per allocator,
 * with a min–max whisker and a dot per repetition. Log because the rows
 * span four or five decades (GC and MemPool against the ceiling); the
 * shared domain keeps workloads comparable by eye. `unit` is what the rate
 * counts: iterations/s, or W4's replacements/s.
 */
export function rateChart(title: string, cells: readonly Cell[], domain: [number, number], unit: string): string {
  const rows = cells.filter((c) => c.n > 0);
  const [lo, hi] = domain;
  const x = (v: number): number => LABEL_W + (PLOT_W * (Math.log10(v) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const height = AXIS_H + rows.length * (BAR_H + BAR_GAP) + AXIS_H;
  const parts: string[] = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    const gx = x(d).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${AXIS_H - 4}" x2="${gx}" y2="${height - AXIS_H}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx}" y="${AXIS_H - 8}" text-anchor="middle" class="axis">${decade(d)}</text>`);
  }
  rows.forEach((c, i) => {
    const y = AXIS_H + i * (BAR_H + BAR_GAP);
    const mid = y + BAR_H / 2;
    const w = Math.max(1, x(c.median) - LABEL_W);
    const color = ALLOC_COLORS[c.alloc];
    parts.push(`<text x="${LABEL_W - 6}" y="${mid + 4}" text-anchor="end" class="label">${escapeXml(c.alloc)}</text>`);
    parts.push(
      `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"><title>${escapeXml(
        `${c.alloc}: ${rate(c.median)} ${unit} (min ${rate(c.min)}, max ${rate(c.max)}, ${c.n} runs)`,
      )}</title></rect>`,
    );
    parts.push(
      `<line x1="${x(c.min).toFixed(1)}" y1="${mid}" x2="${x(c.max).toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`,
    );
    parts.push(repDots(c.reps, x, mid, (v) => `${rate(v)} ${unit}`));
    const note = `${rate(c.median)}${c.truncated ? ' †' : ''}`;
    parts.push(`<text x="${WIDTH - VALUE_W + 6}" y="${mid + 4}" class="value">${escapeXml(note)}</text>`);
  });
  parts.push(
    `<text x="${LABEL_W}" y="${height - 6}" class="axis">${escapeXml(unit)}, log scale; bar = median, line = min–max, dot = one repetition</text>`,
  );
  return svg(title, height, parts);
}

/**
 * W5, W7: peak bytes taken ÷ peak live bytes (a ratio, no unit), linear,
 * with the ideal 1× marked and a dot per repetition.
 * Allocators without a meaningful number (the ceiling takes nothing) are
 * left out.
 */
export function overheadChart(title: string, cells: readonly Cell[]): string {
  const rows = cells.filter((c) => c.overhead !== null && c.overhead > 0);
  const top = Math.max(2, ...rows.map((c) => c.overheadMax ?? c.overhead ?? 0)) * 1.05;
  // A W7 heap can take tens of times what it holds: then gridlines every 1× would be a wall.
  const step = top > 40 ? 10 : top > 16 ? 5 : top > 8 ? 2 : top > 4 ? 1 : 0.5;
  const x = (v: number): number => LABEL_W + (PLOT_W * v) / top;
  const height = AXIS_H + rows.length * (BAR_H + BAR_GAP) + AXIS_H;
  const parts: string[] = [];
  for (let t = 0; t <= top; t += step) {
    const gx = x(t).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${AXIS_H - 4}" x2="${gx}" y2="${height - AXIS_H}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx}" y="${AXIS_H - 8}" text-anchor="middle" class="axis">${t}×</text>`);
  }
  rows.forEach((c, i) => {
    const y = AXIS_H + i * (BAR_H + BAR_GAP);
    const mid = y + BAR_H / 2;
    const o = c.overhead as number;
    parts.push(`<text x="${LABEL_W - 6}" y="${mid + 4}" text-anchor="end" class="label">${escapeXml(c.alloc)}</text>`);
    parts.push(
      `<rect x="${LABEL_W}" y="${y}" width="${Math.max(1, x(o) - LABEL_W).toFixed(1)}" height="${BAR_H}" fill="${ALLOC_COLORS[c.alloc]}"><title>${escapeXml(`${c.alloc}: ${ratio(o)}`)}</title></rect>`,
    );
    if (c.overheadMin !== null && c.overheadMax !== null) {
      parts.push(`<line x1="${x(c.overheadMin).toFixed(1)}" y1="${mid}" x2="${x(c.overheadMax).toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`);
    }
    parts.push(repDots(c.overheadReps, x, mid, (v) => `${ratio(v)} of peak live bytes`));
    parts.push(`<text x="${WIDTH - VALUE_W + 6}" y="${mid + 4}" class="value">${escapeXml(ratio(o))}</text>`);
  });
  // Drawn last so the bars do not hide it.
  parts.push(`<line x1="${x(1).toFixed(1)}" y1="${AXIS_H - 4}" x2="${x(1).toFixed(1)}" y2="${height - AXIS_H}" stroke="#222" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${LABEL_W}" y="${height - 6}" class="axis">ratio: peak bytes taken ÷ peak live bytes requested; dashed line = 1× (no overhead), dot = one repetition</text>`);
  return svg(title, height, parts);
}

function svg(title: string, height: number, parts: readonly string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title>${parts.join('')}</svg>`;
}
