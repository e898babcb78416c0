import { join } from 'node:path';
import { runReadmeExamples } from '@hakmem/tooling/readme-examples';
import { expect, it } from 'vitest';

// The package README's Usage example, run the way a user runs it: through the package name, against
// the built package (dist).
it('the README Usage example runs and its assertions hold', async () => {
  expect(await runReadmeExamples(join(__dirname, '..', 'README.md'))).toBe(1);
});
