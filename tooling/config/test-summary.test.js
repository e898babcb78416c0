import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closingLine, summarize } from './test-summary.js';

mkdirSync(join(__dirname, '.scratch'), { recursive: true });
const scratch = mkdtempSync(join(__dirname, '.scratch', 'summary-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const VITEST = join(__dirname, 'node_modules', 'vitest', 'vitest.mjs');

/** Runs `node <script> ...args` in `cwd`; resolves with the exit code and output. */
function run(script, args, cwd, env = {}) {
  return new Promise((resolve) =>
    execFile(process.execPath, [script, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }),
    ),
  );
}

describe('.ci/run closing line from vitest JSON reports', () => {
  it('the preset writes one report per run; a package run twice (release, HAKMEM_DEBUG=1) counts twice; failures fail', async () => {
    const pkg = join(scratch, 'pkg');
    const reports = join(scratch, 'reports');
    mkdirSync(join(pkg, 'src'), { recursive: true });
    mkdirSync(reports);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@scratch/pkg', private: true, type: 'module' }));
    writeFileSync(join(pkg, 'vitest.config.js'), `import { testConfig } from ${JSON.stringify(join(__dirname, 'vitest.js'))};\nexport default testConfig();\n`);
    writeFileSync(
      join(pkg, 'src', 'a.test.ts'),
      "import { it, expect } from 'vitest';\nit('passes', () => expect(1).toBe(1));\nit('passes in release only', () => expect(__HAKMEM_DEBUG__).toBe(false));\nit.skip('skipped', () => {});\n",
    );
    writeFileSync(join(pkg, 'src', 'broken.test.ts'), "import './does-not-exist.js';\n");
    const env = { HAKMEM_TEST_REPORTS: reports };
    const release = await run(VITEST, ['run'], pkg, { ...env, HAKMEM_DEBUG: '' });
    const debug = await run(VITEST, ['run'], pkg, { ...env, HAKMEM_DEBUG: '1' });
    expect(release.code).not.toBe(0);
    expect(debug.code).not.toBe(0);

    const s = summarize(reports);
    expect(s.runs).toBe(2);
    // release: 2 passed; debug: 1 passed, 1 failed; each run: the broken file is a failure and one test skipped.
    expect(s).toMatchObject({ passed: 3, failed: 3, skipped: 2 });
    expect(closingLine(s)).toBe('hakmem: 3 passed, 3 failed, 2 skipped');
    const cli = await run(join(__dirname, 'test-summary.js'), [reports], scratch);
    expect(cli.code).toBe(1);
    expect(cli.stdout.trim().split('\n').at(-1)).toBe('hakmem: 3 passed, 3 failed, 2 skipped');
  });

  it('an empty folder is a failure, not "0 passed, 0 failed"', async () => {
    const empty = mkdtempSync(join(scratch, 'empty-'));
    const cli = await run(join(__dirname, 'test-summary.js'), [empty], scratch);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('no vitest report');
  });

  it('all passing exits 0', async () => {
    const dir = mkdtempSync(join(scratch, 'ok-'));
    const report = { numPassedTests: 4, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, success: true, testResults: [{ status: 'passed', assertionResults: [] }] };
    writeFileSync(join(dir, 'a.release.json'), JSON.stringify(report));
    writeFileSync(join(dir, 'a.debug.json'), JSON.stringify(report));
    const cli = await run(join(__dirname, 'test-summary.js'), [dir], scratch);
    expect(cli.code).toBe(0);
    expect(cli.stdout.trim().split('\n').at(-1)).toBe('hakmem: 8 passed, 0 failed');
  });
});
