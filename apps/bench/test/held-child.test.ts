import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Cue, Mark, type RunRecord } from '../src/child-protocol.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Starts the built child with `req`; `lines()` is what it printed so far, line by line. */
function start(req: object) {
  const child = spawn(process.execPath, ['dist/child.js', JSON.stringify(req)], { cwd: packageDir, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, exited, lines: () => out.split('\n').filter((l) => l !== '') };
}

/** Long enough for a floor child to boot, load and check, and (were it not held) finish. */
const SETTLE_MS = 1200;
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

/** A held child's side of the CLI's protocol (child-protocol.ts, ChildRequest.hold). */
describe('a held child', () => {
  it('loads only on its load cue and measures only on its go cue', async () => {
    const c = start({ mode: 'run', workload: 'W2-64', alloc: 'floor', rep: 1, scale: 0.01, budgetMs: 80, check: true, hold: true });
    await settle();
    expect(c.lines()).toEqual([Mark.booted]);
    c.child.stdin.write(`${Cue.load}\n`);
    await settle();
    expect(c.lines()).toEqual([Mark.booted, Mark.loaded]);
    expect(c.child.exitCode).toBeNull();
    c.child.stdin.end(`${Cue.go}\n`);
    expect(await c.exited).toBe(0);
    const lines = c.lines();
    expect(lines.slice(0, 3)).toEqual([Mark.booted, Mark.loaded, Mark.measured]);
    const rec = JSON.parse(lines[3]) as RunRecord;
    expect(rec.ok).toBe(true);
    expect(rec.traceOk).toBe(true);
    expect(rec.checkMs).not.toBeNull();
    // Both waits, and neither counted as boot or load.
    expect(rec.phases?.held).toBeGreaterThan(2 * SETTLE_MS - 400);
    expect(rec.phases?.boot).toBeLessThan(SETTLE_MS);
  });

  it('fails without measuring when stdin closes before its go', async () => {
    const c = start({ mode: 'run', workload: 'W2-64', alloc: 'floor', rep: 2, scale: 0.01, budgetMs: 80, check: false, hold: true });
    c.child.stdin.end(`${Cue.load}\n`);
    expect(await c.exited).toBe(1);
    const lines = c.lines();
    expect(lines).not.toContain(Mark.measured);
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ ok: false, message: expect.stringContaining(`before the CLI said '${Cue.go}'`) });
  });

  it('runs straight through when not held', async () => {
    const c = start({ mode: 'run', workload: 'W2-64', alloc: 'floor', rep: 2, scale: 0.01, budgetMs: 80, check: false });
    c.child.stdin.end();
    expect(await c.exited).toBe(0);
    const lines = c.lines();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ ok: true, workload: 'W2-64' });
  });
});
