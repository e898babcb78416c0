import { defineConfig } from 'tsup';

// The bench is an app, not a box: one release build, run by Node only.
// Peers stay external (tsup's default for dependencies) so `hakmem` is
// loaded at run time and a missing build fails one adapter, not the bundle.
export default defineConfig({
  entry: ['src/cli.ts', 'src/child.ts', 'src/larson-worker.ts', 'src/cprog/cprog-child.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  splitting: true,
  sourcemap: false,
  dts: false,
});
