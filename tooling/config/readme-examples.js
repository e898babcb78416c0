// @ts-check
/**
 * README usage examples that run as tests. A box consumed on its own is
 * learnt from its README, so the README's example must keep working: each
 * package's `src/readme.test.ts` hands its README to `runReadmeExamples`,
 * which runs every ```ts block under the "Usage" heading.
 *
 * A block is written to a temporary `.ts` file inside the package
 * (`<package>/.readme-examples/`, git-ignored) and imported from there. That
 * is what makes its imports resolve exactly as a user's would: the
 * package's own name through its `exports` (Node's and Vite's self-reference)
 * and its dependencies through the package's `node_modules`, against the
 * built `dist`. The import goes through Vitest's module runner, which
 * compiles the TypeScript. An example states its results with `node:assert`,
 * so a box that misbehaves makes the import, and the test, fail.
 */
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {object} ReadmeExample
 * @property {string} code the block's text, without its fences
 * @property {number} line the 1-based line of its opening fence
 * @property {string} heading the text of the nearest heading above it
 */

const FENCE_OPEN = /^```(ts|typescript)\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const HEADING = /^#{1,6}\s+(.*?)\s*#*\s*$/;

/**
 * The fenced ```ts blocks of a Markdown text, each with the heading it sits
 * under. Headings inside any fenced block (```sh comments, say) are not
 * headings, so every fence is tracked, whatever its language.
 * @param {string} markdown
 * @returns {ReadmeExample[]}
 */
export function extractExamples(markdown) {
  /** @type {ReadmeExample[]} */
  const out = [];
  const lines = markdown.split(/\r?\n/);
  let heading = '';
  /** @type {{ ts: boolean, line: number, body: string[] } | null} */
  let open = null;
  lines.forEach((text, i) => {
    if (open === null) {
      if (text.startsWith('```')) open = { ts: FENCE_OPEN.test(text), line: i + 1, body: [] };
      else {
        const h = HEADING.exec(text);
        if (h) heading = h[1];
      }
    } else if (FENCE_CLOSE.test(text)) {
      if (open.ts) out.push({ code: open.body.join('\n') + '\n', line: open.line, heading });
      open = null;
    } else open.body.push(text);
  });
  if (open !== null) throw new Error(`unclosed code fence opened at line ${/** @type {{ line: number }} */ (open).line}`);
  return out;
}

/**
 * Points the imports of `pkg` (exactly that specifier) at its `./debug`
 * build, so the package's debug test pass runs the same example against the
 * checked build, as a user who picks that build would write it.
 * @param {string} code
 * @param {string} pkg
 */
export function useDebugBuild(code, pkg) {
  const quoted = pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return code.replace(new RegExp(`(from\\s+|import\\s*\\(\\s*)(['"])${quoted}\\2`, 'g'), `$1$2${pkg}/debug$2`);
}

let runs = 0;

/**
 * Runs every ```ts block under the `heading` heading (default "Usage") of
 * the README at `readmePath`, one after the other, each as its own module.
 * Resolves to how many ran; rejects with the README line of the first block
 * that threw (the original error as `cause`), or when there is no such block
 * (a README that lost its example fails rather than passes vacuously).
 * @param {string} readmePath absolute path of a package's README.md
 * @param {{ heading?: string, debugBuildOf?: string }} [options]
 *   debugBuildOf: a package name whose imports are switched to its `/debug` build
 * @returns {Promise<number>}
 */
export async function runReadmeExamples(readmePath, options = {}) {
  const heading = options.heading ?? 'Usage';
  const examples = extractExamples(readFileSync(readmePath, 'utf8')).filter((e) => e.heading === heading);
  if (examples.length === 0) throw new Error(`${readmePath}: no \`\`\`ts example under a "${heading}" heading`);
  const dir = join(dirname(readmePath), '.readme-examples');
  mkdirSync(dir, { recursive: true });
  try {
    for (const example of examples) {
      const code = options.debugBuildOf ? useDebugBuild(example.code, options.debugBuildOf) : example.code;
      // A fresh name each time: a module imported once is cached by its URL.
      const file = join(dir, `readme-line-${example.line}-${process.pid}-${++runs}.ts`);
      writeFileSync(file, code);
      try {
        await import(pathToFileURL(file).href);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        // The failing statement's line in the README, from the stack frame in the temporary file.
        const at = e instanceof Error ? new RegExp(`${basename(file).replace(/\./g, '\\.')}:(\\d+)`).exec(e.stack ?? '') : null;
        const line = at ? example.line + Number(at[1]) : example.line;
        throw new Error(`${readmePath}:${line}: the "${heading}" example failed: ${why}`, { cause: e });
      } finally {
        rmSync(file, { force: true });
      }
    }
  } finally {
    try {
      rmdirSync(dir);
    } catch {
      // Not empty: another run is using it.
    }
  }
  return examples.length;
}
