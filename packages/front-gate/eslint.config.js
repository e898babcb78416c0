import { lintConfig } from '@hakmem/tooling/eslint';
// magicNumbers is 'warn' only until the issue-11 box rewrites merge; then it is 'error' (drop the option).
export default lintConfig({ box: true, magicNumbers: 'warn' });
