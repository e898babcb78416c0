import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compareToBaseline, readBaseline } from '../src/baseline.js';
import type { Cell } from '../src/summary.js';
import type { BenchResults } from '../src/results.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The cells of one workload: floor, hakmem and hakmem debug, each with its fastest repetition `max`. */
function cells(workload: string, floor: number, hakmem: number | null, debug: number | null): Cell[] {
  const cell = (alloc: Cell['alloc'], max: number): Cell =>
    ({ workload, alloc, n: 5, median: max / 2, min: max / 4, max, reps: [], repNumbers: [], vsBaseline: null, overhead: null, overheadReps: [], overheadMin: null, overheadMax: null, truncated: false, truncatedRuns: 0, iterations: 1, mallocFailures: 0, traceOk: true, errors: [], unsupported: null }) as Cell;
  return [cell('floor', floor), ...(hakmem === null ? [] : [cell('hakmem', hakmem)]), ...(debug === null ? [] : [cell('hakmem-debug', debug)])];
}

describe('--baseline comparison', () => {
  // Fastest repetitions: hakmem at half the floor, debug at a tenth (W1), ...
  const base = { startedAt: '2026-01-01T00:00:00.000Z', summary: [...cells('W1', 100, 50, 10), ...cells('W2-64', 100, 50, 10), ...cells('W3', 100, 40, 2), ...cells('W6', 100, 10, 5)] };

  it('flags a workload whose hakmem or hakmem debug ÷ floor (fastest repetitions) fell beyond the tolerance, and only those', () => {
    const now = [
      ...cells('W1', 200, 200 * 0.5 * 0.8, 200 * 0.1), // release -20%: flagged; the floor's own speed does not matter
      ...cells('W2-64', 100, 50, 10 * 0.8), // debug -20%: flagged
      ...cells('W3', 100, 60, 2 * 1.5), // both faster
      ...cells('W6', 100, 10 * 0.86, 5 * 0.86), // -14%: noise at 15%
      ...cells('W7', 100, 30, 3), // not in the baseline
    ];
    const c = compareToBaseline('old.json', base, now, 0.15);
    expect(c.rows.map((r) => r.workload)).toEqual(['W1', 'W2-64', 'W3', 'W6']);
    const by = Object.fromEntries(c.rows.map((r) => [r.workload, r]));
    expect(by.W1).toMatchObject({ slower: true, debugSlower: false });
    expect(by.W1.before).toBeCloseTo(0.5, 10);
    expect(by.W1.after).toBeCloseTo(0.4, 10);
    expect(by.W1.change).toBeCloseTo(0.8, 10);
    expect(by['W2-64']).toMatchObject({ slower: false, debugSlower: true });
    expect(by['W2-64'].debugChange).toBeCloseTo(0.8, 10);
    expect(by.W3).toMatchObject({ slower: false, debugSlower: false });
    expect(by.W6).toMatchObject({ slower: false, debugSlower: false });
    expect(c.regressions).toEqual(['W1', 'W2-64']);
    expect(compareToBaseline('old.json', base, now, 0.25).regressions).toEqual([]);
  });

  it('compares nothing where either run lacks a cell', () => {
    const c = compareToBaseline('old.json', { startedAt: 'x', summary: cells('W1', 100, null, null) }, cells('W1', 100, 10, 1), 0.1);
    expect(c.rows[0]).toMatchObject({ before: null, change: null, debugChange: null, slower: false, debugSlower: false });
    expect(c.regressions).toEqual([]);
  });

  it('refuses a file that is missing, not JSON, or not a results file, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hakmem-baseline-'));
    try {
      expect(() => readBaseline(join(dir, 'none.json'))).toThrow(/--baseline: cannot read '.*none\.json'/);
      writeFileSync(join(dir, 'bad.json'), '{ nope');
      expect(() => readBaseline(join(dir, 'bad.json'))).toThrow(/is not JSON/);
      writeFileSync(join(dir, 'other.json'), '{"startedAt": "x", "summary": 3}');
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
    const faster = { ...results, summary: results.summary.map((c) => (c.alloc === 'hakmem' ? { ...c, max: c.max * 100 } : c)) };
    writeFileSync(join(out, 'faster.json'), JSON.stringify(faster));
    const slower = run(['--baseline', join(out, 'faster.json')]);
    expect(slower.status).toBe(3);
    expect(slower.stdout).toMatch(/Against the baseline .*faster\.json/);
    expect(slower.stdout).toMatch(/W2-64 .*REGRESSION \(release\)/);
    expect(slower.stderr).toMatch(/slower than the baseline on W2-64/);
    // Against a baseline where hakmem was 100 times further from the floor, nothing regressed.
    const behind = { ...results, summary: results.summary.map((c) => (c.alloc === 'hakmem' ? { ...c, max: c.max / 100 } : c)) };
    writeFileSync(join(out, 'behind.json'), JSON.stringify(behind));
    const fine = run(['--baseline', join(out, 'behind.json')]);
    expect(fine.status, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(/no workload lost more than 15% against the floor \(fastest repetitions\)/);
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
