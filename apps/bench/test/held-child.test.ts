import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MEASURED_LINE, RELEASE_LINE, type RunRecord } from '../src/child-protocol.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** A held child's side of the CLI's protocol (child-protocol.ts, ChildRequest.hold), on the built child. */
describe('a held child', () => {
  it('measures only once released, and says so before its record', async () => {
    const req = { mode: 'run', workload: 'W2-64', alloc: 'floor', rep: 1, scale: 0.01, budgetMs: 80, check: true, hold: true };
    const child = spawn(process.execPath, ['dist/child.js', JSON.stringify(req)], { cwd: packageDir, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Long enough for a floor child to load, check and (were it not held) finish.
    await new Promise((r) => setTimeout(r, 1500));
    expect(out).toBe('');
    expect(child.exitCode).toBeNull();
    child.stdin.end(`${RELEASE_LINE}\n`);
    expect(await exited).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe(MEASURED_LINE);
    const rec = JSON.parse(lines[1]) as RunRecord;
    expect(rec.ok).toBe(true);
    expect(rec.traceOk).toBe(true);
    expect(rec.phases?.held).toBeGreaterThan(500);
  });

  it('fails, without measuring, when stdin closes unreleased', async () => {
    const req = { mode: 'run', workload: 'W2-64', alloc: 'floor', rep: 2, scale: 0.01, budgetMs: 80, check: false, hold: true };
    const child = spawn(process.execPath, ['dist/child.js', JSON.stringify(req)], { cwd: packageDir, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.end();
    expect(await exited).toBe(1);
    expect(out).not.toContain(MEASURED_LINE);
    expect(JSON.parse(out.trim())).toMatchObject({ ok: false, message: expect.stringContaining('before the CLI released') });
  });
});
