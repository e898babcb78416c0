import { boxConfig } from '@hakmem/tooling/tsup';
// One build: these implementations carry no debug-only checks.
export default boxConfig({ debugBuild: false });
