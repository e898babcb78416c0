import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Where and with what a run was measured, for the JSON and the report. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly availableParallelism: number;
  readonly totalMemoryBytes: number;
  readonly loadAverage: readonly number[];
  readonly platform: string;
  readonly osRelease: string;
  readonly arch: string;
  readonly node: string;
  readonly v8: string;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    platform: os.platform(),
    osRelease: os.release(),
    arch: os.arch(),
    node: process.version,
    v8: process.versions.v8,
  };
}

/**
 * The installed version of a package, or null when it is not installed.
 * Not every package exports its package.json, so this walks up from the
 * resolved entry to the package.json that names it.
 */
export function packageVersion(name: string): string | null {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    try {
      entry = require.resolve(`${name}/package.json`);
    } catch {
      return null;
    }
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? null;
    } catch {
      // no package.json at this level
    }
  }
  return null;
}
