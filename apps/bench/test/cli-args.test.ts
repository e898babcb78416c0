import { describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCE } from '../src/baseline.js';
import { DEFAULT_REPS, FULL_BUDGET_MS, QUICK_BUDGET_MS, QUICK_SCALE, parseArgs, type RunConfig } from '../src/cli-args.js';
import { ADAPTER_NAMES } from '../src/registry.js';

function config(argv: string[]): RunConfig {
  const c = parseArgs(argv);
  if (c === 'help') throw new Error('got help');
  return c;
}

describe('bench command line', () => {
  it('defaults to a quick run of everything', () => {
    expect(config([])).toEqual({
      mode: 'quick',
      scale: QUICK_SCALE,
      reps: DEFAULT_REPS,
      budgetMs: QUICK_BUDGET_MS,
      workloads: undefined,
      allocs: [...ADAPTER_NAMES],
      outDir: undefined,
      baseline: undefined,
      tolerance: DEFAULT_TOLERANCE,
    });
    // The rule: medians of at least five fresh processes per cell, from the plain command.
    expect(DEFAULT_REPS).toBeGreaterThanOrEqual(5);
  });

  it('keeps every flag and its meaning, in both --flag value and --flag=value forms', () => {
    const c = config(['--full', '--workloads', 'W1, W2-64', '--alloc=floor,hakmem', '--reps', '5', '--scale=0.5', '--budget', '2', '--out', '/tmp/x']);
    expect(c).toEqual({ mode: 'full', scale: 0.5, reps: 5, budgetMs: 2000, workloads: ['W1', 'W2-64'], allocs: ['floor', 'hakmem'], outDir: '/tmp/x', baseline: undefined, tolerance: DEFAULT_TOLERANCE });
    expect(config(['--baseline', 'old.json', '--tolerance=0.2'])).toMatchObject({ baseline: 'old.json', tolerance: 0.2 });
    expect(config(['--full'])).toMatchObject({ mode: 'full', scale: 1, budgetMs: FULL_BUDGET_MS });
    // The last of --full / --quick wins.
    expect(config(['--full', '--quick']).mode).toBe('quick');
    expect(config(['--quick', '--full']).mode).toBe('full');
    expect(parseArgs(['--help'])).toBe('help');
    expect(parseArgs(['-h'])).toBe('help');
  });

  it('names an unknown option, and the close one that was meant', () => {
    expect(() => parseArgs(['--rep', '3'])).toThrow(/unknown option '--rep' \(did you mean --reps\?\)/);
    expect(() => parseArgs(['--frobnicate'])).toThrow(/unknown option '--frobnicate'; known: --full/);
    expect(() => parseArgs(['-x'])).toThrow(/unknown option '-x'/);
    expect(() => parseArgs(['W1'])).toThrow(/unexpected argument 'W1'/);
  });

  it('says what a bad value should have been', () => {
    expect(() => parseArgs(['--reps'])).toThrow(/--reps needs a value/);
    expect(() => parseArgs(['--reps', '--full'])).toThrow(/--reps needs a value/);
    expect(() => parseArgs(['--reps', '2.5'])).toThrow(/--reps needs a whole number, got '2.5'/);
    expect(() => parseArgs(['--reps', '0'])).toThrow(/--reps needs a positive number/);
    expect(() => parseArgs(['--scale', 'abc'])).toThrow(/--scale needs a positive number, got 'abc'/);
    expect(() => parseArgs(['--budget=-1'])).toThrow(/--budget needs a positive number/);
    expect(() => parseArgs(['--full=yes'])).toThrow(/--full takes no value/);
    expect(() => parseArgs(['--alloc', 'floor,jemalloc'])).toThrow(/unknown allocator 'jemalloc'/);
    expect(() => parseArgs(['--workloads', ','])).toThrow(/--workloads needs a comma-separated list/);
    expect(() => parseArgs(['--out='])).toThrow(/--out needs a directory/);
    expect(() => parseArgs(['--baseline='])).toThrow(/--baseline needs a results file/);
    expect(() => parseArgs(['--baseline', 'a.json', '--tolerance', '1'])).toThrow(/--tolerance needs a fraction below 1/);
    expect(() => parseArgs(['--baseline', 'a.json', '--tolerance=-0.1'])).toThrow(/--tolerance needs a positive number/);
    expect(() => parseArgs(['--tolerance', '0.1'])).toThrow(/--tolerance only applies with --baseline/);
  });
});
