// @ts-check
/**
 * Shared vitest preset. Tests that import a package's source get
 * `__HAKMEM_DEBUG__` from the HAKMEM_DEBUG environment variable, so the same
 * unit tests run against both builds of a box.
 */
import { defineConfig } from 'vitest/config';

/** @param {import('vitest/config').UserConfig['test']} [test] */
export function testConfig(test = {}) {
  return defineConfig({
    define: { __HAKMEM_DEBUG__: process.env.HAKMEM_DEBUG === '1' ? 'true' : 'false' },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      pool: 'forks',
      ...test,
    },
  });
}
