import { bytes, count, pct, rate, ratio } from './format.js';
import { SINGLE_HEAP } from './registry.js';
import type { BaselineComparison } from './baseline.js';
import type { HeadlineRow } from './headline.js';
import type { Cell, Scaling } from './summary.js';
import { rateUnit, type Workload } from './workloads.js';

/** Pads columns: first left-aligned, the rest right-aligned. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: readonly string[]): string =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Marks on a rate: † stopped at the time budget, ! malloc failed, ✗ trace mismatch. */
function marks(c: Cell): string {
  return `${c.truncated ? '†' : ''}${c.mallocFailures > 0 ? '!' : ''}${c.traceOk ? '' : '✗'}`;
}

/** A workload's one-line description, under its id and name. */
export function workloadShape(w: Workload, iterations: number, roundMs: number): string {
  const sizes = w.minSize === w.maxSize ? `${bytes(w.minSize)}` : `${bytes(w.minSize)}..${bytes(w.maxSize)}`;
  if (w.workers !== undefined) {
    return `${w.workers} worker${w.workers > 1 ? 's' : ''} × ${count(w.slots)} slots, ${sizes}, rounds of ${roundMs} ms, slot groups rotate between rounds; replacements/s over all workers`;
  }
  return `WS ${count(w.slots)}, ${sizes}, ${count(iterations)} iterations`;
}

/** One workload's table, as the CLI prints it. */
export function workloadTable(w: Workload, cells: readonly Cell[], iterations: number, roundMs: number): string {
  const title = `${w.id} ${w.name} — ${workloadShape(w, iterations, roundMs)}`;
  const header = ['allocator', rateUnit(w), 'min – max', 'vs hakmem'];
  if (w.overhead) header.push('overhead', 'min – max');
  header.push('each repetition');
  const rows = cells.map((c) => {
    if (c.n === 0) {
      const row = [c.alloc, c.errors.length > 0 ? 'error' : c.unsupported !== null ? SINGLE_HEAP : '—', '', ''];
      if (w.overhead) row.push('', '');
      row.push('');
      return row;
    }
    const row = [c.alloc, `${rate(c.median)}${marks(c)}`, `${rate(c.min)} – ${rate(c.max)}`, ratio(c.vsBaseline)];
    if (w.overhead) {
      row.push(ratio(c.overhead), c.overheadMin === null ? '' : `${ratio(c.overheadMin)} – ${ratio(c.overheadMax)}`);
    }
    row.push(repsText(c, w.overhead));
    return row;
  });
  return `${title}\n${table(header, rows)}`;
}

/** Every repetition's rate (and overhead), in repetition order: a bimodal cell shows as two clusters. */
export function repsText(c: Cell, overhead: boolean): string {
  return c.reps
    .map((r, i) => {
      const o = c.overheadReps[i];
      return overhead && o !== null && o !== undefined ? `${rate(r)} (${ratio(o)})` : rate(r);
    })
    .join(', ');
}

/**
 * The summary printed before the per-workload tables: one line per
 * workload, hakmem's median and its ratios to the fastest wasm peer and to
 * the floor, the debug build's slowdown, and W5/W7's overheads.
 */
export function headlineTable(rows: readonly HeadlineRow[]): string {
  const header = ['workload', 'hakmem', 'fastest wasm peer', 'hakmem ÷ peer', 'floor', 'hakmem ÷ floor', 'debug slower', 'hakmem overhead', 'leanest peer (overhead)', 'floor overhead'];
  const body = rows.map((r) => [
    `${r.workload} ${r.name}`,
    r.hakmem === null ? '—' : `${rate(r.hakmem)} ${r.unit === 'replacements/s' ? 'repl/s' : 'it/s'}`,
    r.peer === null ? (r.workload.startsWith('W4-') && r.workload !== 'W4-1' ? 'none (single heap only)' : '—') : `${r.peer} ${rate(r.peerRate as number)}`,
    ratio(r.vsPeer),
    r.floor === null ? '—' : rate(r.floor),
    ratio(r.vsFloor),
    ratio(r.debugSlowdown),
    r.overhead === null ? '' : ratio(r.overhead.hakmem),
    r.overhead === null || r.overhead.peer === null ? '' : `${r.overhead.peer} ${ratio(r.overhead.peerOverhead)}`,
    r.overhead === null ? '' : ratio(r.overhead.floor),
  ]);
  // Without W5 or W7 in the run, the overhead columns would only be empty.
  const width = rows.some((r) => r.overhead !== null) ? header.length : header.length - 3;
  const cut = (r: readonly string[]): string[] => r.slice(0, width);
  return `Summary: hakmem release, medians of this run (ratio above 1× = hakmem faster; overhead = peak bytes taken ÷ peak live bytes, lower is better)\n${table(cut(header), body.map(cut))}`;
}

/**
 * W4's scaling lines: T workers over one, per allocator that ran both.
 * On a machine with fewer cores than workers the rows are oversubscribed,
 * and the line says so.
 */
export function scalingLines(scaling: readonly Scaling[], cores: number): string {
  const lines = ['W4 scaling (replacements/s with T workers ÷ with 1 worker):'];
  for (const s of scaling) {
    const over = s.workers > cores ? ` (${s.workers} workers on ${cores} cores: oversubscribed)` : '';
    lines.push(`  ${s.alloc.padEnd(12)} 1→${s.workers}: ${ratio(s.ratio)}${over}`);
  }
  return lines.join('\n');
}

/** The line under the W4 scaling: what a shared heap costs hakmem's one worker (`sharedOverPrivate`). */
export function sharedCostLine(r: number): string {
  return `W4-1, one worker: hakmem on a shared heap runs at ${ratio(r)} of hakmem on a private heap (hakmem ÷ hakmem-private)`;
}

/** The notes under all tables, only for marks that occurred. */
export function footnotes(cells: readonly Cell[]): string {
  const notes: string[] = [];
  const truncated = cells.filter((c) => c.truncated);
  if (truncated.length > 0) {
    notes.push(
      `† stopped at the time budget (rate over the iterations run; W5/W7 peaks then cover only part of the trace): ${truncated
        .map((c) => `${c.workload}/${c.alloc} (${c.truncatedRuns} of ${c.n} runs, median ${count(c.iterations)} it.)`)
        .join(', ')}`,
    );
  }
  if (cells.some((c) => c.mallocFailures > 0)) notes.push('! some mallocs returned 0 (out of memory)');
  if (cells.some((c) => !c.traceOk)) notes.push('✗ the loop did not draw the reference trace: that measurement is invalid');
  for (const c of cells) {
    const seen = new Map<string, number>();
    for (const e of c.errors) seen.set(e, (seen.get(e) ?? 0) + 1);
    for (const [e, n] of seen) notes.push(`error ${c.workload}/${c.alloc}${n > 1 ? ` (${n} runs)` : ''}: ${e}`);
  }
  notes.push('overhead = peak bytes taken from the memory ÷ peak live bytes requested, a ratio (W5, W7)');
  if (cells.some((c) => c.workload.startsWith('W4-'))) {
    notes.push(
      'W4: hakmem runs every worker on one shared heap (createAllocator({ shared: true }), attachAllocator in each worker); the ceiling gives each worker its own do-nothing allocator (it has no state to share); the other allocators cannot share one heap across workers and run 1 worker only',
    );
    if (cells.some((c) => c.alloc === 'hakmem-private')) notes.push('W4 hakmem-private: hakmem release on a private heap, run on W4-1 only, to show what the shared heap costs one worker');
    const why = new Set(cells.flatMap((c) => (c.unsupported === null ? [] : [`${c.alloc}: ${c.unsupported}`])));
    for (const w of why) notes.push(`W4 ${w}`);
  }
  return notes.join('\n');
}

/** `--baseline`: hakmem ÷ floor and the debug slowdown, then and now, one line per workload both runs have. */
export function baselineTable(c: BaselineComparison): string {
  const header = ['workload', 'hakmem ÷ floor then', 'now', 'change', 'debug ÷ floor then', 'now', 'change', ''];
  const body = c.rows.map((r) => [
    r.workload,
    ratio(r.before),
    ratio(r.after),
    pct(r.change),
    ratio(r.debugBefore),
    ratio(r.debugAfter),
    pct(r.debugChange),
    [r.slower ? 'REGRESSION (release)' : '', r.debugSlower ? 'REGRESSION (debug)' : ''].filter((s) => s !== '').join(', '),
  ]);
  const verdict =
    c.regressions.length === 0
      ? `no workload lost more than ${(c.tolerance * 100).toFixed(0)}% against the floor (fastest repetitions)`
      : `regressions beyond ${(c.tolerance * 100).toFixed(0)}%: ${c.regressions.join(', ')}`;
  return `Against the baseline ${c.file} (run of ${c.startedAt}); hakmem's and the floor's fastest repetitions, the floor run beside hakmem in both\n${table(header, body)}\n${verdict}`;
}
