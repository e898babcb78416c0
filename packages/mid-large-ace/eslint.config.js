import { lintConfig } from '@hakmem/tooling/eslint';
export default [
  ...lintConfig({ box: true }),
  // Imported only by this package's *.test.ts files, never by its entry: its block sizes are test data, as in a test.
  { files: ['src/test-heap.ts'], rules: { '@typescript-eslint/no-magic-numbers': 'off' } },
];
