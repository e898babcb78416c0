// @ts-check
/**
 * The one ESLint preset (flat config) every package uses, from a two-line
 * `eslint.config.js`:
 *
 *   import { lintConfig } from '@hakmem/tooling/eslint';
 *   export default lintConfig({ box: true });
 *
 * Every rule past the recommended base is here because the architecture
 * review (issue 11) found the defect it catches:
 *
 * - unused variables and imports (`@typescript-eslint/no-unused-vars`):
 *   imports left behind when code moves between boxes;
 * - magic numbers in box source (`@typescript-eslint/no-magic-numbers`):
 *   layout spelled out at the use site (`(word >>> 8) & 0xff`, `>>> 7`,
 *   `u32[e + 3]`) instead of a named constant or accessor next to the layout
 *   it reads. A number counts as named when it is the whole initializer of a
 *   `const` (module-level or local), an enum member, a readonly class field or
 *   a default value; -1, 0, 1 and 2 are free, so are literal array indexes;
 * - cross-box imports (`no-restricted-imports`): a box depends only on
 *   `@hakmem/contracts` (and `/layout`) and `@hakmem/linear-memory`, never on
 *   another box, the facade, or another package's files by relative path.
 *
 * Tests, benches, scripts and the facade get the base rules only. Linting is
 * syntactic (no type information), so a package lints in about a second.
 */
import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** What a box's source may import from the workspace. */
export const BOX_ALLOWED_IMPORTS = ['@hakmem/contracts', '@hakmem/contracts/layout', '@hakmem/linear-memory'];

/** Test files and test-only folders: every rule but the box rules. */
const TEST_FILES = ['**/*.test.ts', '**/*.test.js', 'test/**'];

/** The numbers a box may write inline: index steps and halves/doubles. */
const FREE_NUMBERS = [-1, 0, 1, 2];

/** Rules for every file of every package. */
const baseRules = {
  // `a && b()` and `c ? d() : e()` as statements are idioms the code uses on purpose.
  '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
  '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': 'allow-with-description', 'ts-expect-error': 'allow-with-description' }],
  '@typescript-eslint/no-unused-vars': [
    'error',
    { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
  ],
};

/**
 * @param {{
 *   box?: boolean,
 *   magicNumbers?: 'error' | 'warn' | 'off',
 *   constantFiles?: string[],
 *   ignores?: string[],
 * }} [opts]
 *   `box`: the package is a box, or a foundation package under the boxes:
 *   its `src/` (tests aside) gets the cross-box import rule, and the
 *   magic-number rule at `error` unless `magicNumbers` says otherwise.
 *   `magicNumbers`: the magic-number rule's severity over `src/` (tests
 *   aside); `off` by default for a package that is not a box.
 *   `constantFiles`: files under `src/` that define the layout constants
 *   themselves, exempt from the magic-number rule.
 *   `ignores`: more paths to skip (build output is always skipped).
 * @returns {import('eslint').Linter.Config[]}
 */
export function lintConfig(opts = {}) {
  const { box = false, constantFiles = [], ignores = [] } = opts;
  const magicNumbers = opts.magicNumbers ?? (box ? 'error' : 'off');
  const configs = defineConfig(
    { ignores: ['dist/**', 'node_modules/**', '.readme-examples/**', '.scratch/**', ...ignores] },
    js.configs.recommended,
    tseslint.configs.recommended,
    {
      languageOptions: {
        ecmaVersion: 2022,
        sourceType: 'module',
        globals: { ...globals.node, ...globals.browser },
        // Set, not inferred: typescript-eslint guesses it from the calling config file and refuses
        // when one process loads several packages' configs (the preset's own test does).
        parserOptions: { tsconfigRootDir: process.cwd() },
      },
      linterOptions: { reportUnusedDisableDirectives: 'error' },
      rules: baseRules,
    },
  );
  const src = ['src/**/*.ts'];
  if (box)
    configs.push({
      files: src,
      ignores: TEST_FILES,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [{ name: 'hakmem', message: 'A box must not import the facade.' }],
            patterns: [
              {
                group: ['@hakmem/*', ...BOX_ALLOWED_IMPORTS.map((p) => `!${p}`)],
                message: `A box imports only ${BOX_ALLOWED_IMPORTS.join(', ')} from the workspace (no cross-box imports).`,
              },
              { group: ['hakmem/*'], message: 'A box must not import the facade.' },
              {
                // A relative path out of the package into another one's files.
                regex: '^(\\.\\./)+((packages|apps)/|[^./][^/]*/(src|dist)(/|$))',
                message: "A box must not reach into another package's files.",
              },
            ],
          },
        ],
      },
    });
  if (magicNumbers !== 'off')
    configs.push({
      files: src,
      ignores: [...TEST_FILES, ...constantFiles],
      rules: {
        '@typescript-eslint/no-magic-numbers': [
          magicNumbers,
          {
            ignore: FREE_NUMBERS,
            ignoreArrayIndexes: true,
            ignoreDefaultValues: true,
            ignoreEnums: true,
            ignoreNumericLiteralTypes: true,
            ignoreReadonlyClassProperties: true,
            ignoreTypeIndexes: true,
            enforceConst: true,
            detectObjects: false,
          },
        ],
      },
    });
  return configs;
}
