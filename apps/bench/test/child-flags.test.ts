import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { childNodeFlags } from '../src/spawn-child.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const saved = process.env.HAKMEM_BENCH_NODE_FLAGS;
afterEach(() => {
  if (saved === undefined) delete process.env.HAKMEM_BENCH_NODE_FLAGS;
  else process.env.HAKMEM_BENCH_NODE_FLAGS = saved;
});

/** HAKMEM_BENCH_NODE_FLAGS: node flags for every measured child, which node refuses in NODE_OPTIONS (spawn-child.ts). */
describe('node flags for the children', () => {
  it('splits the variable on spaces, and is empty when it is unset or blank', () => {
    delete process.env.HAKMEM_BENCH_NODE_FLAGS;
    expect(childNodeFlags()).toEqual([]);
    process.env.HAKMEM_BENCH_NODE_FLAGS = '   ';
    expect(childNodeFlags()).toEqual([]);
    process.env.HAKMEM_BENCH_NODE_FLAGS = ' --cpu-prof  --cpu-prof-dir=/tmp/x ';
    expect(childNodeFlags()).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/x']);
  });

  it('reach the children: --cpu-prof leaves one profile per child of a run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hakmem-child-flags-'));
    const out = mkdtempSync(join(tmpdir(), 'hakmem-child-flags-out-'));
    try {
      const r = spawnSync(process.execPath, ['dist/cli.js', '--workloads', 'W2-16', '--alloc', 'floor', '--reps', '1', '--out', out], {
        cwd: packageDir,
        env: { ...process.env, HAKMEM_BENCH_NODE_FLAGS: `--cpu-prof --cpu-prof-dir=${dir}` },
        encoding: 'utf8',
      });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      // The probe child and one measuring child per allocator the run needs (floor, and the ceiling beside it).
      expect(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).length).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });
});
