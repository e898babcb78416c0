import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXIT_UNAVAILABLE, MEASURED_LINE, RELEASE_LINE, type ChildRecord, type ChildRequest, type FailureRecord } from './child-protocol.js';

/** The child entry, built beside this bundle. */
const CHILD_PATH = fileURLToPath(new URL('./child.js', import.meta.url));
/**
 * The children's environment: the CLI's, without NODE_EXTRA_CA_CERTS.
 * Node reads and parses that bundle of certificates when it starts, before
 * any script (about 45 ms of an 80 ms `node -e 0` on this machine, where it
 * is set globally); a child never opens a TLS connection, and a quick run
 * starts about 510 of them. Nothing else in the environment changes.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Setup, the correctness check and the reference trace on top of the loop's own budget. */
const CHILD_OVERHEAD_MS = 120_000;

/** A child started with `hold: true`: it loads its adapter and runs its check, then waits for `release()`. */
export interface HeldChild {
  /** Lets the child warm up and time. Call it only when no other child is running. */
  release(): void;
  /** Settles when the child has finished its timed part (or ended): from then on it only tidies up and exits. */
  readonly measured: Promise<void>;
  /** The child's record, once it has exited. Never rejects. */
  readonly done: Promise<ChildRecord>;
}

/**
 * Starts one child. Without `hold` in the request it runs straight
 * through and `release()` does nothing. The record never throws: a crash,
 * a timeout or unparsable output becomes a FailureRecord carrying the
 * child's stderr.
 */
export function startChild(req: ChildRequest, budgetMs: number): HeldChild {
  const held = req.mode === 'run' && req.hold === true;
  const t0 = performance.now();
  const child = spawn(process.execPath, [CHILD_PATH, JSON.stringify(req)], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv() });
  // A child that died before its release closes the pipe: nothing to tell it then.
  child.stdin.on('error', () => {});
  if (!held) child.stdin.end();
  let out = '';
  let err = '';
  let timedOut = false;
  let markMeasured: () => void = () => {};
  const measured = new Promise<void>((resolve) => (markMeasured = resolve));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.split('\n').slice(0, -1).includes(MEASURED_LINE)) markMeasured();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, budgetMs + CHILD_OVERHEAD_MS);
  const fail = (message: string, code: number | null): FailureRecord => ({
    ok: false,
    workload: req.mode === 'run' ? req.workload : null,
    alloc: req.alloc,
    rep: req.mode === 'run' ? req.rep : null,
    kind: code === EXIT_UNAVAILABLE ? 'unavailable' : 'error',
    message,
  });
  const done = new Promise<ChildRecord>((resolve) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      markMeasured();
      resolve(fail(`could not start child: ${e.message}`, null));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      markMeasured();
      const line = out.trim().split('\n').pop() ?? '';
      if (line.startsWith('{')) {
        try {
          const rec = JSON.parse(line) as ChildRecord;
          const wallMs = performance.now() - t0;
          resolve(rec.ok && 'phases' in rec && rec.phases !== undefined ? { ...rec, phases: { ...rec.phases, wallMs } } : rec);
          return;
        } catch {
          // fall through: report the raw output
        }
      }
      const why = timedOut ? 'timed out' : signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
      const tail = err.trim().split('\n').slice(-6).join('\n');
      resolve(fail(`child ${why}${tail ? `: ${tail}` : ''}`, code));
    });
  });
  return {
    release: () => {
      if (held) child.stdin.end(`${RELEASE_LINE}\n`);
    },
    measured,
    done,
  };
}

/** Runs one child straight through and returns its record (see startChild). */
export function runChild(req: ChildRequest, budgetMs: number): Promise<ChildRecord> {
  return startChild(req, budgetMs).done;
}
