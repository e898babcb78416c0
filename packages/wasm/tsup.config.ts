import { boxConfig } from '@hakmem/tooling/tsup';
// One build (not a box): the heap's own variant is chosen at run time.
export default boxConfig({ debugBuild: false, entry: { index: 'src/index.ts', toolchain: 'src/toolchain.ts' } });
