import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT, cleanEnv, publishablePackages, binOf, runNode } from './workspace.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder holding one `pnpm pack` tarball per publishable package. */
    packDir: string;
  }
}

/**
 * Global setup: `pnpm pack` every publishable package into a temporary
 * folder, as `pnpm publish` would pack it (prepack copies the LICENSE in,
 * `workspace:^` becomes `^<version>`, `publishConfig` applies).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const packDir = mkdtempSync(join(tmpdir(), 'hakmem-packs-'));
  const pnpm = binOf('pnpm');
  const packages = publishablePackages();
  for (const p of packages)
    if (!existsSync(join(ROOT, p.dir, 'dist')))
      throw new Error(`${p.name} has no dist/: build the workspace first (pnpm build; pnpm test does it)`);
  await Promise.all(
    packages.map(async (p) => {
      const r = await runNode(pnpm, ['pack', '--pack-destination', packDir], { cwd: join(ROOT, p.dir), env: cleanEnv() });
      if (r.code !== 0 || !existsSync(join(packDir, p.tarball))) throw new Error(`pnpm pack of ${p.name} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }),
  );
  project.provide('packDir', packDir);
  return () => rmSync(packDir, { recursive: true, force: true });
}
