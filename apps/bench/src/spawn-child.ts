import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cue, EXIT_UNAVAILABLE, Mark, type ChildRecord, type ChildRequest, type FailureRecord, type MarkName } from './child-protocol.js';

/** The child entry, built beside this bundle. */
const CHILD_PATH = fileURLToPath(new URL('./child.js', import.meta.url));
/** The marks a held child prints (child-protocol.ts). */
const MARK_NAMES = Object.keys(Mark) as MarkName[];
/**
 * Node flags for every child, from HAKMEM_BENCH_NODE_FLAGS (split on
 * spaces): how a measured child is profiled, e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` or `--trace-deopt`. Node refuses those in
 * NODE_OPTIONS. Empty when unset.
 */
export function childNodeFlags(): string[] {
  return (process.env.HAKMEM_BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

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

/**
 * Setup, the correctness check and the reference trace on top of the loop's
 * own budget; a held child gets it again from its `go`, so waiting for its
 * turn does not count.
 */
const CHILD_OVERHEAD_MS = 120_000;

/**
 * A child started with `hold: true` (ChildRequest.hold). Each promise
 * settles when the child prints that mark, or ends; none rejects.
 */
export interface HeldChild {
  /** Node has booted; the child waits for `load()`. */
  readonly booted: Promise<void>;
  /** Lets it load its adapter and run its check. Sent once; later calls do nothing. */
  load(): void;
  /** Adapter loaded and checked; the child waits for `go()`. */
  readonly loaded: Promise<void>;
  /** Lets it warm up and time. Call it only when no other child does anything. */
  go(): void;
  /** The timed part is over: from here it only tidies up and exits. */
  readonly measured: Promise<void>;
  /** The child's record, once it has exited. */
  readonly done: Promise<ChildRecord>;
}

/**
 * Starts one child. Without `hold` in the request it runs straight
 * through and `load()`/`go()` do nothing. The record never throws: a
 * crash, a timeout or unparsable output becomes a FailureRecord carrying
 * the child's stderr.
 */
export function startChild(req: ChildRequest, budgetMs: number): HeldChild {
  const held = req.mode === 'run' && req.hold === true;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...childNodeFlags(), CHILD_PATH, JSON.stringify(req)], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv() });
  // A child that died before its cue closed the pipe: nothing to tell it then.
  child.stdin.on('error', () => {});
  if (!held) child.stdin.end();
  let out = '';
  let err = '';
  let timedOut = false;
  const settle: Partial<Record<MarkName, () => void>> = {};
  const marks = {} as Record<MarkName, Promise<void>>;
  for (const m of MARK_NAMES) marks[m] = new Promise<void>((resolve) => (settle[m] = resolve));
  const settleAll = (): void => {
    for (const m of MARK_NAMES) settle[m]?.();
  };
  let scanned = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    // Whole lines only: a mark is a line of its own, the record a JSON line.
    const end = out.lastIndexOf('\n');
    if (end < scanned) return;
    for (const line of out.slice(scanned, end).split('\n')) {
      for (const m of MARK_NAMES) if (line === Mark[m]) settle[m]?.();
    }
    scanned = end + 1;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, budgetMs + CHILD_OVERHEAD_MS);
  };
  arm();
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
      settleAll();
      resolve(fail(`could not start child: ${e.message}`, null));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      settleAll();
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
  let loadSent = false;
  const load = (): void => {
    if (!held || loadSent) return;
    loadSent = true;
    child.stdin.write(`${Cue.load}\n`);
  };
  return {
    booted: marks.booted,
    load,
    loaded: marks.loaded,
    go: () => {
      if (!held) return;
      load();
      arm();
      child.stdin.end(`${Cue.go}\n`);
    },
    measured: marks.measured,
    done,
  };
}

/** Runs one child straight through and returns its record (see startChild). */
export function runChild(req: ChildRequest, budgetMs: number): Promise<ChildRecord> {
  return startChild(req, budgetMs).done;
}
