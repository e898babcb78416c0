// @ts-check
/**
 * Shared vitest preset. Tests that import a package's source get
 * `__HAKMEM_DEBUG__` from the HAKMEM_DEBUG environment variable, so the same
 * unit tests run against both builds of a box.
 *
 * With HAKMEM_TEST_REPORTS set to a folder (`.ci/run` sets it), every vitest
 * run also writes vitest's JSON report there, beside the default reporter:
 * one file per run, so a box's release and debug runs are two files and
 * `test-summary.js` counts both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** The JSON report file of this run: package name, build, and what makes it unique. */
function reportFile(dir) {
  const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).name;
  const build = process.env.HAKMEM_DEBUG === '1' ? 'debug' : 'release';
  return join(dir, `${String(pkg).replace(/[@/]/g, '_')}.${build}.${Date.now()}-${process.pid}.json`);
}

/** @param {import('vitest/config').UserConfig['test']} [test] */
export function testConfig(test = {}) {
  const reports = process.env.HAKMEM_TEST_REPORTS;
  return defineConfig({
    define: { __HAKMEM_DEBUG__: process.env.HAKMEM_DEBUG === '1' ? 'true' : 'false' },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      pool: 'forks',
      ...(reports ? { reporters: ['default', ['json', { outputFile: reportFile(reports) }]] } : {}),
      ...test,
    },
  });
}
