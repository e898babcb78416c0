import { boxConfig } from '@hakmem/tooling/tsup';
export default boxConfig({ debugBuild: false, entry: { index: 'src/index.ts', layout: 'src/layout-entry.ts' } });
