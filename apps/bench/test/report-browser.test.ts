import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../src/results.js';

/**
 * The report as a user sees it: a real (short) bench run writes it, headless
 * Chromium opens it, and the charts must have rendered — SVG elements with
 * real size and bars — and a screenshot is taken. Needs Chromium at
 * CHROMIUM_PATH or /usr/bin/chromium (`.ci/run` installs Debian's).
 */
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
    // A real run, small: W1 and W5 with a chart each (W5 adds the overhead
    // chart), W4 with 1, 2 and 4 workers, three allocators.
    execFileSync(process.execPath, ['dist/cli.js', '--workloads', 'W1,W5,W4', '--alloc', 'floor,hakmem,dlmalloc', '--reps', '1', '--scale', '0.02', '--out', out], {
      cwd: packageDir,
      stdio: 'pipe',
    });
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
    const charts = await page.$$eval('svg', (svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect();
        return {
          title: s.getAttribute('aria-label') ?? '',
          width: box.width,
          height: box.height,
          bars: s.querySelectorAll('rect').length,
          labels: Array.from(s.querySelectorAll('text')).map((t) => t.textContent ?? ''),
        };
      }),
    );
    // W1 rate chart, W5 rate and overhead charts, one W4 chart per worker count.
    expect(charts.length).toBeGreaterThanOrEqual(6);
    for (const c of charts) {
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
  }, 60_000);

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
