import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The repository root (this file is tooling/pack-check/test/workspace.ts). */
export const ROOT = join(__dirname, '..', '..', '..');

export interface PublishablePackage {
  name: string;
  version: string;
  /** Folder relative to ROOT, e.g. `packages/bigcache`. */
  dir: string;
  /** The file name `pnpm pack` gives its tarball. */
  tarball: string;
}

/** Every workspace package that is not `private`: what changesets publishes. */
export function publishablePackages(): PublishablePackage[] {
  const found: PublishablePackage[] = [];
  for (const group of ['packages', 'apps', 'tooling']) {
    for (const entry of readdirSync(join(ROOT, group))) {
      const file = join(ROOT, group, entry, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.private) continue;
      found.push({ name: pkg.name, version: pkg.version, dir: `${group}/${entry}`, tarball: `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz` });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The file of a devDependency's `bin` (pinned in this package's
 * package.json, linked by pnpm into its node_modules), run with this Node:
 * nothing is fetched, and no shell or PATH decides which copy runs.
 */
export function binOf(pkg: string, bin = pkg.split('/').pop()!): string {
  const dir = join(__dirname, '..', 'node_modules', pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[bin];
  if (typeof file !== 'string') throw new Error(`${pkg} has no bin ${bin}`);
  return join(dir, file);
}

/**
 * The environment for package-manager children: this one without the
 * `npm_config_*` / `npm_package_*` / `npm_lifecycle_*` variables pnpm sets for
 * the running script, which would otherwise configure the child (its store,
 * its user agent, its workspace) instead of its own defaults.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_config_|npm_package_|npm_lifecycle_|pnpm_)/i.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> ...args` with this process's Node; never throws on a non-zero exit. */
export function runNode(script: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, ...args], { cwd: opts.cwd, env: opts.env ?? cleanEnv(), maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** The file names in a `.tgz`, without the `package/` prefix npm and pnpm put first. */
export function tarballFiles(tgz: string): Map<string, Buffer> {
  const tar = gunzipSync(readFileSync(tgz));
  const files = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, to: number) => header.subarray(from, to).toString('utf8').replace(/\0.*$/s, '');
    const name = [field(345, 500), field(0, 100)].filter(Boolean).join('/');
    const size = parseInt(field(124, 136).trim() || '0', 8);
    const type = field(156, 157);
    if (type === '0' || type === '') files.set(name.replace(/^[^/]+\//, ''), tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
