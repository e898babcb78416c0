import { lintConfig } from '@hakmem/tooling/eslint';
export default lintConfig({ box: true });
