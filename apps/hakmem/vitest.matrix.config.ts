import { testConfig } from '@hakmem/tooling/vitest';

/**
 * The build matrix (`pnpm test:matrix`): the conformance and property suites,
 * quick pass, over all 64 combinations of per-box builds, plus the test that
 * the matrix is whole. The test files are the ordinary ones; HAKMEM_MATRIX
 * makes them enumerate the combinations (test/suites.ts).
 */
export default testConfig({
  include: ['test/conformance.test.ts', 'test/property.test.ts', 'test/build-matrix.test.ts'],
  env: { HAKMEM_MATRIX: '1' },
  setupFiles: ['test/yield-between-tests.ts'],
});
