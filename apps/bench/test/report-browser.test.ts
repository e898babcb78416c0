import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH`);
    out = mkdtempSync(join(tmpdir(), 'hakmem-report-'));
    // A real run, small: two workloads with a chart each (W5 adds the overhead chart), three allocators.
    execFileSync(process.execPath, ['dist/cli.js', '--workloads', 'W1,W5', '--alloc', 'floor,hakmem,dlmalloc', '--reps', '1', '--scale', '0.02', '--out', out], {
      cwd: packageDir,
      stdio: 'pipe',
    });
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
        return { width: box.width, height: box.height, bars: s.querySelectorAll('rect').length, labels: Array.from(s.querySelectorAll('text')).map((t) => t.textContent ?? '') };
      }),
    );
    // W1 rate chart, W5 rate chart, W5 overhead chart.
    expect(charts.length).toBeGreaterThanOrEqual(3);
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(200);
      expect(c.height).toBeGreaterThan(50);
      expect(c.bars).toBeGreaterThanOrEqual(3);
      expect(c.labels.join(' ')).toMatch(/hakmem/);
      expect(c.labels.join(' ')).toMatch(/floor/);
    }
    const shot = join(out, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    // A blank page compresses to almost nothing; a page of charts and tables does not.
    expect(statSync(shot).size).toBeGreaterThan(30_000);
    const tables = await page.$$eval('table', (t) => t.length);
    expect(tables).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
