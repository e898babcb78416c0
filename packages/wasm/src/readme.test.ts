import { join } from 'node:path';
import { runReadmeExamples } from '@hakmem/tooling/readme-examples';
import { expect, it } from 'vitest';

// The README's example, run the way a user runs it: through the package names, against the built package,
// compiling its C with the toolchain the test setup installed.
it("the README example \"Use hakmem as a C module's malloc\" runs and its assertions hold", async () => {
  expect(await runReadmeExamples(join(__dirname, '..', 'README.md'), { heading: "Use hakmem as a C module's malloc" })).toBe(1);
});
