#!/usr/bin/env node
// @ts-check
/**
 * The closing line of `.ci/run`: sums the vitest JSON reports the shared
 * preset wrote into a folder (HAKMEM_TEST_REPORTS), one per vitest run, and
 * prints `hakmem: N passed, N failed` (`, N skipped` when some were).
 *
 * A test file that failed without a failing test (it did not load, or a hook
 * threw) counts as one failure, so it cannot pass unseen. Exits 1 when
 * anything failed or when the folder holds no report at all (the reporter
 * did not run, so the count would be meaningless).
 *
 * Usage: node test-summary.js <reports folder>
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {{ passed: number, failed: number, skipped: number, runs: number, failedRuns: string[] }} Summary
 */

/**
 * @param {string} dir
 * @returns {Summary}
 */
export function summarize(dir) {
  /** @type {Summary} */
  const sum = { passed: 0, failed: 0, skipped: 0, runs: 0, failedRuns: [] };
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const report = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    sum.runs++;
    sum.passed += report.numPassedTests;
    sum.skipped += report.numPendingTests + report.numTodoTests;
    const failedFilesWithoutFailedTest = (report.testResults ?? []).filter(
      (/** @type {{ status: string, assertionResults?: { status: string }[] }} */ file) =>
        file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed'),
    ).length;
    const failed = report.numFailedTests + failedFilesWithoutFailedTest;
    sum.failed += failed;
    if (failed > 0 || report.success === false) sum.failedRuns.push(name);
  }
  return sum;
}

/** @param {Summary} s */
export function closingLine(s) {
  return `hakmem: ${s.passed} passed, ${s.failed} failed` + (s.skipped ? `, ${s.skipped} skipped` : '');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: test-summary.js <reports folder>');
    process.exit(2);
  }
  const s = summarize(dir);
  if (s.runs === 0) {
    console.log(`hakmem: no vitest report in ${dir}; the test command did not get to run vitest`);
    process.exit(1);
  }
  for (const run of s.failedRuns) console.log(`failed run: ${run}`);
  console.log(`(${s.runs} vitest runs)`);
  console.log(closingLine(s));
  process.exit(s.failed > 0 || s.failedRuns.length > 0 ? 1 : 0);
}
