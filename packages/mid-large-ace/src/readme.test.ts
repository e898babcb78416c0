import { join } from 'node:path';
import { runReadmeExamples } from '@hakmem/tooling/readme-examples';
import { expect, it } from 'vitest';

// The README's Usage example, run the way a user runs it: through the package name, against the built
// package; the debug pass points it at the package's ./debug build.
it(`the README Usage example runs and its assertions hold (${__HAKMEM_DEBUG__ ? 'debug' : 'release'} build)`, async () => {
  const options = __HAKMEM_DEBUG__ ? { debugBuildOf: '@hakmem/mid-large-ace' } : {};
  expect(await runReadmeExamples(join(__dirname, '..', 'README.md'), options)).toBe(1);
});
