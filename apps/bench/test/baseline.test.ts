import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compareToBaseline, readBaseline } from '../src/baseline.js';
import type { HeadlineRow } from '../src/headline.js';
import type { BenchResults } from '../src/results.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function row(workload: string, vsFloor: number | null, debugSlowdown: number | null): HeadlineRow {
  return { workload, name: workload, unit: 'iterations/s', hakmem: 1, peer: null, peerRate: null, vsPeer: null, floor: 1, vsFloor, debugSlowdown, overhead: null };
}

describe('--baseline comparison', () => {
  const base = { startedAt: '2026-01-01T00:00:00.000Z', headline: [row('W1', 0.5, 8), row('W2-64', 0.5, 5), row('W3', 0.4, 30), row('W6', 0.1, 2)] };

  it('flags a workload whose hakmem ÷ floor fell, or whose debug slowdown grew, beyond the tolerance, and only those', () => {
    const now = [row('W1', 0.5 * 0.8, 8), row('W2-64', 0.5 * 0.9, 5 * 1.3), row('W3', 0.4 * 1.5, 30 * 0.5), row('W6', 0.1 * 0.86, 2 * 1.14), row('W7', 0.3, 3)];
    const c = compareToBaseline('old.json', base, now, 0.15);
    expect(c.rows.map((r) => r.workload)).toEqual(['W1', 'W2-64', 'W3', 'W6']); // W7 is not in the baseline
    const by = Object.fromEntries(c.rows.map((r) => [r.workload, r]));
    expect(by.W1).toMatchObject({ slower: true, debugSlower: false });
    expect(by.W1.change).toBeCloseTo(0.8, 10);
    expect(by['W2-64']).toMatchObject({ slower: false, debugSlower: true });
    expect(by.W3).toMatchObject({ slower: false, debugSlower: false });
    expect(by.W6).toMatchObject({ slower: false, debugSlower: false }); // -14% and +14%: noise at 15%
    expect(c.regressions).toEqual(['W1', 'W2-64']);
    expect(compareToBaseline('old.json', base, now, 0.25).regressions).toEqual(['W2-64']);
  });

  it('compares nothing where either run has no ratio', () => {
    const c = compareToBaseline('old.json', { startedAt: 'x', headline: [row('W1', null, null)] }, [row('W1', 0.1, 100)], 0.1);
    expect(c.rows[0]).toMatchObject({ change: null, slower: false, debugSlower: false });
    expect(c.regressions).toEqual([]);
  });

  it('refuses a file that is missing, not JSON, or not a results file, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hakmem-baseline-'));
    try {
      expect(() => readBaseline(join(dir, 'none.json'))).toThrow(/--baseline: cannot read '.*none\.json'/);
      writeFileSync(join(dir, 'bad.json'), '{ nope');
      expect(() => readBaseline(join(dir, 'bad.json'))).toThrow(/is not JSON/);
      writeFileSync(join(dir, 'other.json'), '{"headline": 3}');
      expect(() => readBaseline(join(dir, 'other.json'))).toThrow(/is not a bench results file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench --baseline, end to end', () => {
  const out = mkdtempSync(join(tmpdir(), 'hakmem-baseline-run-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const run = (args: string[]) => spawnSync(process.execPath, ['dist/cli.js', '--workloads', 'W2-64', '--alloc', 'hakmem', '--reps', '1', '--scale', '0.02', '--out', out, ...args], { cwd: packageDir, encoding: 'utf8' });

  it('exits 3 and names the workload when hakmem lost ground against the floor, 0 against itself', () => {
    const first = run([]);
    expect(first.status, first.stderr).toBe(0);
    const json = readdirSync(out).find((f) => f.endsWith('.json')) as string;
    const results = JSON.parse(readFileSync(join(out, json), 'utf8')) as BenchResults;
    // A baseline where hakmem was 100 times closer to the floor than anything can be: every run is slower than it.
    const faster = { ...results, headline: results.headline.map((r) => ({ ...r, vsFloor: (r.vsFloor as number) * 100 })) };
    writeFileSync(join(out, 'faster.json'), JSON.stringify(faster));
    const slower = run(['--baseline', join(out, 'faster.json')]);
    expect(slower.status).toBe(3);
    expect(slower.stdout).toMatch(/Against the baseline .*faster\.json/);
    expect(slower.stdout).toMatch(/W2-64 .*REGRESSION \(release\)/);
    expect(slower.stderr).toMatch(/slower than the baseline on W2-64/);
    // Against a baseline where hakmem was 100 times further from the floor, nothing regressed.
    const behind = { ...results, headline: results.headline.map((r) => ({ ...r, vsFloor: (r.vsFloor as number) / 100 })) };
    writeFileSync(join(out, 'behind.json'), JSON.stringify(behind));
    const fine = run(['--baseline', join(out, 'behind.json')]);
    expect(fine.status, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(/no workload lost more than 15% against the floor/);
    const last = readdirSync(out)
      .filter((f) => f.startsWith('bench-'))
      .sort()
      .at(-1) as string;
    const saved = JSON.parse(readFileSync(join(out, last), 'utf8')) as BenchResults;
    expect(saved.baseline?.regressions).toEqual([]);
    expect(saved.baseline?.rows[0].workload).toBe('W2-64');
    // A bad baseline stops the run before anything is measured.
    const bad = spawnSync(process.execPath, ['dist/cli.js', '--baseline', join(out, 'nope.json')], { cwd: packageDir, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--baseline: cannot read/);
  }, 120_000);
});
