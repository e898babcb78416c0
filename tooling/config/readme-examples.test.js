import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractExamples, runReadmeExamples, useDebugBuild } from './readme-examples.js';

// A scratch package folder beside this file, so examples resolve modules the way a package's would.
mkdirSync(join(__dirname, '.scratch'), { recursive: true });
const scratch = mkdtempSync(join(__dirname, '.scratch', 'readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
/** Writes a README holding `body` and returns its path. */
function readme(body) {
  const path = join(scratch, `README-${++n}.md`);
  writeFileSync(path, body);
  return path;
}

const ts = (code) => '```ts\n' + code + '\n```\n';

describe('README examples as tests', () => {
  it('extracts the ts blocks with their heading and line, ignoring other languages and fenced headings', () => {
    const md = ['# pkg', '', '```sh', '# not a heading', '```', '## Usage', '', '```ts', 'const a = 1;', '```', '', '```typescript', 'const b = 2;', '```', '## Other', '```js', 'x', '```'].join('\n');
    expect(extractExamples(md)).toEqual([
      { code: 'const a = 1;\n', line: 8, heading: 'Usage' },
      { code: 'const b = 2;\n', line: 12, heading: 'Usage' },
    ]);
    expect(() => extractExamples('## Usage\n```ts\nconst a = 1;\n')).toThrow(/unclosed code fence opened at line 2/);
  });

  it('runs a passing example: TypeScript compiled, node:assert satisfied', async () => {
    const path = readme('# x\n\n## Usage\n\n' + ts("import assert from 'node:assert/strict';\nconst sum: number = [1, 2, 3].reduce((a, b) => a + b, 0);\nassert.equal(sum, 6);"));
    await expect(runReadmeExamples(path)).resolves.toBe(1);
  });

  it('a deliberately broken example makes the run fail, naming the README line of the failing statement', async () => {
    // Fence on line 5, the failing assertion on line 7.
    const path = readme('# x\n\n## Usage\n\n' + ts("import assert from 'node:assert/strict';\nassert.equal(1 + 1, 3, 'the box misbehaved');"));
    const run = runReadmeExamples(path);
    await expect(run).rejects.toThrow(/README-\d+\.md:7: the "Usage" example failed: the box misbehaved/);
    await run.catch((e) => expect(e.cause).toMatchObject({ code: 'ERR_ASSERTION' }));
  });

  it('an example importing something that does not resolve fails too', async () => {
    const path = readme('## Usage\n' + ts("import { nothing } from '@hakmem/no-such-box';\nnothing();"));
    await expect(runReadmeExamples(path)).rejects.toThrow(/example failed/);
  });

  it('a README without a ts block under its Usage heading fails rather than passing vacuously', async () => {
    await expect(runReadmeExamples(readme('# x\n\n## Usage\n\nNone yet.\n\n## API\n' + ts('const a = 1;')))).rejects.toThrow(/no ```ts example under a "Usage" heading/);
  });

  it('only blocks under the Usage heading run, and every one of them does', async () => {
    const path = readme('## API\n' + ts("throw new Error('not an example')") + '## Usage\n' + ts('globalThis.__readmeRuns = 1;') + ts('globalThis.__readmeRuns += 1;'));
    await expect(runReadmeExamples(path)).resolves.toBe(2);
    expect(globalThis.__readmeRuns).toBe(2);
  });

  it('cleans up its temporary files, also after a failure', async () => {
    await runReadmeExamples(readme('## Usage\n' + ts('export {};'))).catch(() => {});
    await runReadmeExamples(readme('## Usage\n' + ts("throw new Error('x')"))).catch(() => {});
    expect(existsSync(join(scratch, '.readme-examples'))).toBe(false);
  });

  it("the debug pass points the package's own imports at its ./debug build and nothing else", () => {
    const code = "import { A } from '@hakmem/bigcache';\nimport { B } from \"@hakmem/bigcache\";\nimport { C } from '@hakmem/bigcache/debug';\nimport { D } from '@hakmem/bigcache-x';\nimport { E } from '@hakmem/contracts';\nconst m = await import('@hakmem/bigcache');";
    expect(useDebugBuild(code, '@hakmem/bigcache')).toBe(
      "import { A } from '@hakmem/bigcache/debug';\nimport { B } from \"@hakmem/bigcache/debug\";\nimport { C } from '@hakmem/bigcache/debug';\nimport { D } from '@hakmem/bigcache-x';\nimport { E } from '@hakmem/contracts';\nconst m = await import('@hakmem/bigcache/debug');",
    );
  });
});
