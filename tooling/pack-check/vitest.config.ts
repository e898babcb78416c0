import { testConfig } from '@hakmem/tooling/vitest';

/**
 * `test/pack.ts` packs every publishable package once (`pnpm pack`, as
 * `pnpm publish` would) before the test files run; they lint and install
 * those tarballs. Installing and typechecking take seconds, not the default
 * five.
 */
export default testConfig({
  include: ['test/**/*.test.ts'],
  globalSetup: ['test/pack.ts'],
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // Each check starts a Node process; two at a time is what two cores run well.
  maxConcurrency: 2,
});
