#!/usr/bin/env node
// @ts-check
/**
 * `prepack` of every published package: copies the repository's one LICENSE
 * into the package folder, so each tarball carries it without a hand-kept
 * copy per package that could drift. The copy is git-ignored; pack and
 * publish (changesets runs `pnpm publish`) both run `prepack` first.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'LICENSE');
if (!existsSync(source)) {
  console.error(`hakmem-copy-license: ${source} is missing; the repository root must hold the LICENSE every package ships`);
  process.exit(1);
}
if (!existsSync(join(process.cwd(), 'package.json'))) {
  console.error(`hakmem-copy-license: run it from a package folder (as its prepack script); ${process.cwd()} has no package.json`);
  process.exit(1);
}
copyFileSync(source, join(process.cwd(), 'LICENSE'));
