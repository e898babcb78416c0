import { lintConfig } from './eslint.js';
export default lintConfig();
