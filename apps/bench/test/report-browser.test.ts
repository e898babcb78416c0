import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../src/results.js';

/**
 * The report as a user sees it: a real (short) bench run writes it, headless
 * Chromium opens it, and the charts must have rendered — SVG elements with
 * real size and bars, a dot per repetition, the summary table at the top and
 * hakmem's heap maps for W1, W3 and W6 — and screenshots are taken (set
 * HAKMEM_REPORT_SHOTS=dir to keep them and look). Needs Chromium at
 * CHROMIUM_PATH or /usr/bin/chromium (`.ci/run` installs Debian's).
 */
const REPS = 2;
const KEEP_SHOTS = process.env.HAKMEM_REPORT_SHOTS;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('HTML report in headless Chromium', () => {
  let out: string;
  let report: string;
  let browser: Browser;
  let results: BenchResults;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH`);
    out = mkdtempSync(join(tmpdir(), 'hakmem-report-'));
    // A real run, small: W1, W3, W6 with a chart and a heap map each, W5 and
    // W7 with an overhead chart too, W4 with 1, 2 and 4 workers, three
    // allocators, two repetitions.
    try {
      execFileSync(process.execPath, ['dist/cli.js', '--workloads', 'W1,W3,W5,W6,W7,W4', '--alloc', 'floor,hakmem,dlmalloc', '--reps', String(REPS), '--scale', '0.02', '--out', out], {
        cwd: packageDir,
        stdio: 'pipe',
      });
    } catch (e) {
      // The CLI names a failed measurement in its notes, on stdout: say which one failed and why.
      const stdout = String((e as { stdout?: unknown }).stdout ?? '');
      const notes = stdout.split('\n').filter((l) => /fail|error|crash|timed out|exited|✗|!/i.test(l));
      throw new Error(`the bench run failed: ${(e as Error).message}\nits notes:\n${notes.join('\n')}`);
    }
    const json = readdirSync(out).find((f) => f.endsWith('.json'));
    if (json === undefined) throw new Error('the bench wrote no JSON');
    results = JSON.parse(readFileSync(join(out, json), 'utf8')) as BenchResults;
    const html = readdirSync(out).find((f) => f.endsWith('.html'));
    if (html === undefined) throw new Error('the bench wrote no HTML report');
    report = join(out, html);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('renders every chart with bars for every allocator, and screenshots', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`file://${report}`);
    const charts = await page.$$eval('svg:not(.heap-map)', (svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect();
        return {
          title: s.getAttribute('aria-label') ?? '',
          width: box.width,
          height: box.height,
          bars: s.querySelectorAll('rect').length,
          dots: s.querySelectorAll('circle.rep').length,
          labels: Array.from(s.querySelectorAll('text')).map((t) => t.textContent ?? ''),
        };
      }),
    );
    // W1, W3, W6 rate charts, W5 and W7 rate and overhead charts, one W4 chart per worker count.
    expect(charts.length).toBeGreaterThanOrEqual(10);
    for (const c of charts) {
      // Every repetition of every allocator shown is a dot.
      expect(c.dots, c.title).toBe(REPS * c.bars);
      // W4 counts replacements, not iterations; overhead is a ratio.
      const axis = c.labels.join(' ');
      if (/^W4-/.test(c.title)) expect(axis).toMatch(/replacements\/s/);
      else if (/overhead/.test(c.title)) expect(axis).toMatch(/ratio: peak bytes taken/);
      else expect(axis).toMatch(/iterations\/s/);
      if (/^W4-/.test(c.title)) expect(axis).not.toMatch(/iterations\/s/);
      expect(c.width).toBeGreaterThan(200);
      expect(c.height).toBeGreaterThan(50);
      expect(c.labels.join(' ')).toMatch(/hakmem/);
      // W4 with workers: only the shared heap and the ceiling run; floor and dlmalloc cannot share a heap.
      const multiWorker = /^W4-[24] /.test(c.title);
      expect(c.bars).toBeGreaterThanOrEqual(multiWorker ? 2 : 3);
      if (multiWorker) expect(c.labels.join(' ')).not.toMatch(/floor|dlmalloc/);
      else expect(c.labels.join(' ')).toMatch(/floor/);
    }
    const text = await page.textContent('body');
    expect(text).toMatch(/single heap only/);
    expect(text).toMatch(/W4 scaling/);
    const shot = join(out, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    // A blank page compresses to almost nothing; a page of charts and tables does not.
    expect(statSync(shot).size).toBeGreaterThan(30_000);
    const tables = await page.$$eval('table', (t) => t.length);
    expect(tables).toBeGreaterThanOrEqual(3);
    if (KEEP_SHOTS) {
      mkdirSync(KEEP_SHOTS, { recursive: true });
      copyFileSync(shot, join(KEEP_SHOTS, 'report.png'));
    }
  }, 60_000);

  it('puts the summary first: every workload against the fastest wasm peer and the floor', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${report}`);
    const firstSection = await page.$eval('h2', (h) => h.textContent);
    // The Allocators table comes after the summary.
    expect(firstSection).toBe('Summary');
    const rows = await page.$$eval('table.summary tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent ?? '')));
    expect(rows[0]).toEqual(expect.arrayContaining(['hakmem ÷ peer', 'hakmem ÷ floor', 'hakmem overhead']));
    const byWorkload = new Map(rows.slice(1).map((r) => [r[0].split(' ')[0], r]));
    expect([...byWorkload.keys()]).toEqual(results.config.workloads);
    for (const w of ['W1', 'W3', 'W6', 'W7']) {
      const r = byWorkload.get(w) as string[];
      expect(r[2]).toMatch(/^dlmalloc /);
      expect(r[3]).toMatch(/×$/);
      expect(r[5]).toMatch(/×$/);
    }
    expect(byWorkload.get('W4-1')?.[1]).toMatch(/replacements\/s/);
    expect(byWorkload.get('W7')?.[7]).toMatch(/×$/);
    await page.close();
  });

  it('draws hakmem\'s heap map after the loop of W1, W3 and W6, readable at full size', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`file://${report}`);
    const maps = await page.$$eval('figure.heap-map', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg') as SVGSVGElement;
        const box = svg.getBoundingClientRect();
        return {
          workload: f.getAttribute('data-workload'),
          alloc: f.getAttribute('data-alloc'),
          width: box.width,
          height: box.height,
          regions: svg.querySelectorAll('g.region').length,
          filled: Array.from(svg.querySelectorAll('rect.fill')).filter((r) => r.getBoundingClientRect().height > 0).length,
          boxes: Array.from(new Set(Array.from(svg.querySelectorAll('g.region')).map((g) => g.getAttribute('data-box')))),
          legend: Array.from(svg.querySelectorAll('text')).map((t) => t.textContent ?? '').join(' '),
        };
      }),
    );
    expect(maps.map((m) => `${m.workload} ${m.alloc}`)).toEqual(['W1 hakmem', 'W3 hakmem', 'W6 hakmem']);
    // Each workload's blocks are in the box that serves their sizes.
    const mainBox: Record<string, string> = { W1: 'superslab', W3: 'midLargeAce', W6: 'bigcache' };
    for (const m of maps) {
      expect(m.width).toBeGreaterThan(300);
      expect(m.height).toBeGreaterThan(80);
      expect(m.regions).toBeGreaterThan(1);
      expect(m.filled).toBeGreaterThan(0);
      expect(m.boxes).toContain(mainBox[m.workload as string]);
      expect(m.legend).toMatch(/SuperSlab slab/);
      expect(m.legend).toMatch(/fill height = live blocks ÷ capacity/);
    }
    // The JSON holds each map, and its live blocks are the loop's (W6: 64 slots, all full after the loop).
    const w6 = results.runs.find((r) => r.workload === 'W6' && r.alloc === 'hakmem' && r.rep === 1);
    expect((w6?.heapMap as { totals: { liveBlocks: number } }).totals.liveBlocks).toBe((w6?.statsAfterLoop as { liveBlocks: number }).liveBlocks);
    const figures = await page.$$('figure.heap-map svg');
    for (const [i, f] of figures.entries()) {
      const shot = join(out, `heap-map-${maps[i].workload}.png`);
      await f.screenshot({ path: shot });
      // A map of coloured strips compresses to well above a blank image's size.
      expect(statSync(shot).size).toBeGreaterThan(5_000);
      if (KEEP_SHOTS) copyFileSync(shot, join(KEEP_SHOTS, `heap-map-${maps[i].workload}.png`));
    }
    await page.close();
  }, 60_000);

  it('keeps every repetition in the JSON, and measures W7 like W5', () => {
    for (const c of results.summary.filter((x) => x.n > 0)) {
      expect(c.reps).toHaveLength(c.n);
      expect(c.repNumbers).toEqual(Array.from({ length: c.n }, (_, i) => i + 1));
      expect(Math.min(...c.reps)).toBe(c.min);
      expect(Math.max(...c.reps)).toBe(c.max);
    }
    for (const alloc of ['floor', 'hakmem', 'dlmalloc'] as const) {
      const runs = results.runs.filter((r) => r.workload === 'W7' && r.alloc === alloc);
      expect(runs).toHaveLength(REPS);
      for (const r of runs) {
        expect(r.peakLiveBytes).toBeGreaterThan(0);
        expect(r.peakBytesTaken).toBeGreaterThanOrEqual(r.peakLiveBytes as number);
        expect(r.overhead).toBeCloseTo((r.peakBytesTaken as number) / (r.peakLiveBytes as number), 10);
      }
      const cell = results.summary.find((c) => c.workload === 'W7' && c.alloc === alloc);
      expect(cell?.overheadReps).toHaveLength(REPS);
    }
    // About 0.5 MB live at most: 1,000 slots of 16..1040 B.
    const live = results.runs.find((r) => r.workload === 'W7')?.peakLiveBytes as number;
    expect(live).toBeLessThan(1000 * 1040);
    expect(live).toBeGreaterThan(1000 * 16);
  });

  it('ran W4 on one shared hakmem heap with remote frees, and reports its scaling', () => {
    for (const workers of [1, 2, 4]) {
      const run = results.runs.find((r) => r.workload === `W4-${workers}` && r.alloc === 'hakmem');
      expect(run, `W4-${workers} hakmem`).toBeDefined();
      expect(run?.workers).toBe(workers);
      expect(run?.replacementsPerWorker).toHaveLength(workers);
      for (const n of run?.replacementsPerWorker ?? []) expect(n).toBeGreaterThan(0);
      expect((run?.statsAfterFreeAll as { liveBlocks: number }).liveBlocks).toBe(0);
      // Slot groups rotate between rounds: with workers, some frees land on another worker's slabs.
      if (workers > 1) expect(run?.remoteFrees).toBeGreaterThan(0);
    }
    // Peers that cannot share a heap run one worker only.
    expect(results.runs.some((r) => r.workload === 'W4-2' && r.alloc === 'floor')).toBe(false);
    expect(results.runs.some((r) => r.workload === 'W4-1' && r.alloc === 'floor')).toBe(true);
    const scaling = results.scaling.filter((s) => s.alloc === 'hakmem').map((s) => s.workers);
    expect(scaling).toEqual([2, 4]);
    for (const s of results.scaling) expect(s.ratio).toBeGreaterThan(0);
    expect(results.failures).toEqual([]);
  });
});
