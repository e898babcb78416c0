import { testConfig } from '@hakmem/tooling/vitest';
export default testConfig();
