import { lintConfig } from '@hakmem/tooling/eslint';
export default lintConfig({ box: true, constantFiles: ['src/layout.ts', 'src/size-classes.ts'] });
