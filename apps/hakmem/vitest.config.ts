import { testConfig } from '@hakmem/tooling/vitest';

// A macrotask turn after each test (see the setup file): files such as
// user-boxes run a minute of synchronous tests back to back on a loaded machine.
export default testConfig({ setupFiles: ['test/yield-between-tests.ts'] });
