import { boxConfig } from '@hakmem/tooling/tsup';
export default boxConfig();
