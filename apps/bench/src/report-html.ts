import { bytes, pct, rate, ratio } from './format.js';
import type { BaselineComparison } from './baseline.js';
import type { BenchResults } from './results.js';
import { escapeXml, logDomain, overheadChart, rateChart } from './svg-charts.js';
import type { Cell } from './summary.js';
import { larsonRoundMs } from './larson-loop.js';
import { repsText, sharedCostLine, workloadShape } from './report-text.js';
import { SINGLE_HEAP } from './registry.js';
import { rateUnit, workloadById } from './workloads.js';
import type { HeadlineRow } from './headline.js';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}th{font-weight:600}
.meta td{text-align:left}.note{color:#555;font-size:.9em}td.reps{font-size:.85em;color:#444;text-align:left;font-variant-numeric:tabular-nums}
table.summary td:nth-child(4),table.summary td:nth-child(6){font-weight:600}
tr.regression td{background:#fde2e2}
svg text{font:12px system-ui,sans-serif;fill:#222}svg .axis{fill:#666;font-size:11px}svg .value{font-variant-numeric:tabular-nums}
code{font-size:.92em}h3{font-size:1rem;margin-top:1.4rem}figure.heap-map{margin:.8rem 0}`;

function cellRow(c: Cell, overhead: boolean): string {
  const cols =
    c.n === 0
      ? [c.alloc, c.errors.length > 0 ? 'error' : c.unsupported !== null ? SINGLE_HEAP : '—', '', '']
      : [c.alloc, `${rate(c.median)}${c.truncated ? ' †' : ''}`, `${rate(c.min)} – ${rate(c.max)}`, ratio(c.vsBaseline)];
  if (overhead) cols.push(ratio(c.overhead));
  cols.push(c.n === 0 ? '' : repsText(c, overhead));
  return `<tr>${cols.map((v, i) => `<td${i === cols.length - 1 ? ' class="reps"' : ''}>${escapeXml(v)}</td>`).join('')}</tr>`;
}

/** `--baseline`: hakmem ÷ floor then and now per workload, regressions named. */
function baselineSection(c: BaselineComparison | undefined): string {
  if (c === undefined) return '';
  const body = c.rows
    .map((r) => {
      const change = pct(r.change);
      const flag = [r.slower ? 'regression (release)' : '', r.debugSlower ? 'regression (debug)' : ''].filter((x) => x !== '').join(', ');
      const cols = [r.workload, ratio(r.before), ratio(r.after), change, ratio(r.debugBefore), ratio(r.debugAfter), pct(r.debugChange), flag];
      return `<tr${flag === '' ? '' : ' class="regression"'}>${cols.map((v) => `<td>${escapeXml(v)}</td>`).join('')}</tr>`;
    })
    .join('');
  const verdict = c.regressions.length === 0 ? `No workload lost more than ${(c.tolerance * 100).toFixed(0)}% against the floor.` : `Regressions beyond ${(c.tolerance * 100).toFixed(0)}%: ${c.regressions.join(', ')}.`;
  return `<h2 id="baseline">Against the baseline</h2>
<p class="note">${escapeXml(`${c.file} (run of ${c.startedAt}). hakmem (and hakmem debug) ÷ floor is compared, the fastest repetition of each cell, because the floor ran beside hakmem in both runs: the change is hakmem's. ${verdict}`)}</p>
<table class="summary"><tr>${['workload', 'hakmem ÷ floor then', 'now', 'change', 'debug ÷ floor then', 'now', 'change', ''].map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>${body}</table>`;
}

/** The summary at the top: every workload's hakmem ratio to the fastest wasm peer and to the floor. */
function headlineSection(rows: readonly HeadlineRow[]): string {
  if (rows.length === 0) return '';
  const anyOverhead = rows.some((r) => r.overhead !== null);
  const head = ['workload', 'hakmem', 'fastest wasm peer', 'hakmem ÷ peer', 'floor', 'hakmem ÷ floor', 'debug slower', ...(anyOverhead ? ['hakmem overhead', 'leanest wasm peer (overhead)', 'floor overhead'] : [])];
  const body = rows
    .map((r) => {
      const cols = [
        `${r.workload} ${r.name}`,
        r.hakmem === null ? '—' : `${rate(r.hakmem)} ${r.unit}`,
        r.peer === null ? '—' : `${r.peer} ${rate(r.peerRate as number)}`,
        ratio(r.vsPeer),
        r.floor === null ? '—' : rate(r.floor),
        ratio(r.vsFloor),
        ratio(r.debugSlowdown),
      ];
      if (anyOverhead)
        cols.push(
          r.overhead === null ? '' : ratio(r.overhead.hakmem),
          r.overhead === null || r.overhead.peer === null ? '' : `${r.overhead.peer} ${ratio(r.overhead.peerOverhead)}`,
          r.overhead === null ? '' : ratio(r.overhead.floor),
        );
      return `<tr>${cols.map((v) => `<td>${escapeXml(v)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<h2 id="summary">Summary</h2>
<p class="note">hakmem release, medians of this run. hakmem ÷ peer above 1× means hakmem is faster than the fastest WebAssembly allocator called from JS on that workload; hakmem ÷ floor is against the typed-array free-list floor (1× is the goal); debug slower is release ÷ debug. Overhead is a ratio: peak bytes taken from the memory ÷ peak live bytes requested (lower is better). W4 with workers has no wasm peer: they cannot share one heap.</p>
<table class="summary"><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>${body}</table>`;
}

/** A heap map drawn for the report: hakmem's `renderHeapMapSvg` of a `heap.map()` a child took after its loop. */
export interface HeapMapFigure {
  readonly workload: string;
  readonly alloc: string;
  readonly svg: string;
}

function mapSection(figures: readonly HeapMapFigure[]): string {
  if (figures.length === 0) return '';
  return `<h3>Heap after the loop</h3>
<p class="note">hakmem's <code>heap.map()</code> at the end of the timed loop (outside the timing), drawn by <code>renderHeapMapSvg</code>: the heap's 64 KiB pages in address order, a strip per slab, span or run, coloured by the box that owns it and filled to its occupancy (live blocks ÷ capacity). Hover a region for its class, blocks and pages; the JSON holds the map itself (<code>runs[].heapMap</code>).</p>
${figures.map((f) => `<figure class="heap-map" data-workload="${escapeXml(f.workload)}" data-alloc="${escapeXml(f.alloc)}">${f.svg}</figure>`).join('\n')}`;
}

/** The self-contained HTML report: inline SVG drawn here, no scripts, no external files. */
export function renderHtml(res: BenchResults, heapMaps: readonly HeapMapFigure[] = []): string {
  const domain = logDomain(res.summary.flatMap((c) => (c.n > 0 ? [c.min, c.max] : [])));
  const m = res.machine;
  const sections: string[] = [];
  for (const id of res.config.workloads) {
    const w = workloadById(id);
    if (w === undefined) continue;
    const cells = res.summary.filter((c) => c.workload === id);
    const iterations = Math.max(1, Math.round(w.iterations * res.config.scale));
    const unit = rateUnit(w);
    const head = ['allocator', unit, 'min – max', 'vs hakmem', ...(w.overhead ? ['overhead (ratio)'] : []), w.overhead ? 'each repetition (overhead)' : 'each repetition'];
    sections.push(`<h2 id="${escapeXml(w.id)}">${escapeXml(`${w.id} ${w.name}`)}</h2>
<p class="note">${escapeXml(workloadShape(w, iterations, larsonRoundMs(res.config.scale)))}; median of ${res.config.reps} runs.</p>
${rateChart(`${w.id} ${unit}`, cells, domain, unit)}
${w.overhead ? overheadChart(`${w.id} overhead (peak bytes taken ÷ peak live bytes)`, cells) : ''}
<table><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>${cells.map((c) => cellRow(c, w.overhead)).join('')}</table>
${mapSection(heapMaps.filter((f) => f.workload === id))}`);
  }
  const peers = Object.entries(res.adapters)
    .map(([name, a]) => `<tr><td>${escapeXml(name)}</td><td>${escapeXml(a.peer === null ? '—' : `${a.peer}@${a.version ?? '?'}`)}</td><td>${escapeXml(a.options)}</td></tr>`)
    .join('');
  const scaling =
    res.scaling.length === 0
      ? ''
      : `<h2>W4 scaling</h2>
<p class="note">Replacements/s with T workers ÷ with 1 worker, same allocator; ${m.cores} cores, so more workers than that are oversubscribed.</p>
<table><tr><th>allocator</th><th>workers</th><th>1 → T</th></tr>${res.scaling
          .map((s) => `<tr><td>${escapeXml(s.alloc)}</td><td>${s.workers}${s.workers > m.cores ? ' (oversubscribed)' : ''}</td><td>${escapeXml(ratio(s.ratio))}</td></tr>`)
          .join('')}</table>${
          typeof res.sharedOverPrivate === 'number'
            ? `\n<p class="note">${escapeXml(`${sharedCostLine(res.sharedOverPrivate)}.`)}</p>`
            : ''
        }`;
  const notes = res.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hakmem bench ${escapeXml(res.startedAt)}</title><style>${STYLE}</style></head>
<body>
<h1>hakmem benchmark — ${escapeXml(res.startedAt)}</h1>
<table class="meta">
<tr><td>mode</td><td>${escapeXml(res.config.mode)} (scale ${res.config.scale}, ${res.config.reps} repetitions, budget ${res.config.budgetMs / 1000} s per loop, runs interleaved by allocator)</td></tr>
<tr><td>CPU</td><td>${escapeXml(m.cpuModel)}, ${m.cores} cores, ${escapeXml(bytes(m.totalMemoryBytes))} RAM, load average ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')} at the start, ${res.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')} at the end</td></tr>
<tr><td>runtime</td><td>Node ${escapeXml(m.node)} (V8 ${escapeXml(m.v8)}), ${escapeXml(`${m.platform} ${m.osRelease} ${m.arch}`)}</td></tr>
<tr><td>data</td><td><code>${escapeXml(res.jsonFile)}</code></td></tr>
</table>
${headlineSection(res.headline)}
${baselineSection(res.baseline)}
<h2>Allocators</h2>
<table class="meta"><tr><th>name</th><th>package</th><th>set up as</th></tr>${peers}</table>
${sections.join('\n')}
${scaling}
<h2>Notes</h2><ul class="note">${notes}</ul>
</body></html>
`;
}
