/**
 * Workload C: the C programs of @hakmem/wasm (c/programs: wordfreq,
 * bintree, strbuild) run whole under node:wasi, each with hakmem release
 * and hakmem debug as its malloc (the shim) and with its own wasi-libc
 * malloc (dlmalloc, inside wasm). Every (program, allocator, repetition) is
 * a fresh process; allocators interleave within a program, repetitions
 * outermost; at least 5 repetitions. The table gives the median time of
 * wasi.start (instantiation excluded), min–max, the ratio to libc, and peak
 * memory: the module's memory at exit (a wasm memory never shrinks) and the
 * process's peak RSS. Then the cost of one wasm→JS import call, measured on
 * a loop in wasm, and per program the number of calls into hakmem times
 * that cost, as a share of the program's hakmem time.
 *
 * Selected with `--workloads C` (alone, or beside others); not part of the
 * default run, since it needs clang. Without a toolchain it prints why the
 * table was skipped, after installing Debian's when it can.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { C_DIR, compileC, ensureToolchain, type Toolchain } from '@hakmem/wasm/toolchain';
import { C_ALLOCS, type CAlloc, type CFailure, type CRunRecord, type CRunRequest } from './cprog-protocol.js';

export const C_WORKLOAD_ID = 'C';
const PROGRAMS = ['wordfreq', 'bintree', 'strbuild'] as const;
/** Arguments: quick runs each take a few hundred ms with libc malloc on this kind of machine; full ones about 4× that. */
const ARGS: Record<'quick' | 'full', Record<(typeof PROGRAMS)[number], string>> = {
  quick: { wordfreq: '400000', bintree: '12', strbuild: '30000' },
  full: { wordfreq: '1600000', bintree: '14', strbuild: '100000' },
};
const MIN_REPS = 5;
/** The child entry: tsup writes src/cprog/cprog-child.ts to dist/cprog/, beside the bundle holding this code. */
const CHILD_PATH = fileURLToPath(new URL('./cprog/cprog-child.js', import.meta.url));

const CALLCOST_C = `
__attribute__((import_module("m"), import_name("f"))) int f(int);
int with_call(int n) { int s = 0; for (int i = 0; i < n; i++) s += f(i); return s; }
int no_call(int n) { int s = 0; for (int i = 0; i < n; i++) s += i ^ (s >> 3); return s; }
`;

/**
 * Splits `C` out of the requested workloads: `wanted` when it was asked
 * for, `only` when nothing else was, `rest` the other ids (for
 * selectWorkloads).
 */
export function takeCWorkload(ids: readonly string[] | undefined): { wanted: boolean; only: boolean; rest: string[] | undefined } {
  if (ids === undefined) return { wanted: false, only: false, rest: undefined };
  const rest = ids.filter((id) => id.trim().toUpperCase() !== C_WORKLOAD_ID);
  const wanted = rest.length !== ids.length;
  return { wanted, only: wanted && rest.length === 0, rest };
}

function runChild(req: CRunRequest): Promise<CRunRecord | CFailure> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD_PATH, JSON.stringify(req)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as CRunRecord | CFailure);
      } catch {
        const tail = err.split('\n').filter((l) => !/ExperimentalWarning|--trace-warnings/.test(l)).slice(-4).join(' ');
        resolve({ ok: false, message: `child ${signal !== null ? `killed by ${signal}` : `exited with ${code}`}: ${tail}` });
      }
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);

/** Runs workload C and prints its table. Resolves to the exit code: 0, or 1 when a run failed or outputs differed. */
export async function runCPrograms(cfg: { mode: 'quick' | 'full'; reps: number }, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let tc: Toolchain;
  try {
    tc = ensureToolchain((l) => write(`${l}\n`));
  } catch (e) {
    write(`\nC programs (workload C): skipped: ${(e as Error).message}\n`);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hakmem-cprog-'));
  try {
    const wasm = (p: string, alloc: CAlloc) => join(dir, `${p}-${alloc === 'libc' ? 'libc' : 'hakmem'}.wasm`);
    for (const p of PROGRAMS) {
      const sources = [join(C_DIR, 'programs', `${p}.c`)];
      compileC(tc, { sources, out: wasm(p, 'libc'), malloc: 'libc' });
      compileC(tc, { sources, out: wasm(p, 'hakmem') });
    }
    writeFileSync(join(dir, 'callcost.c'), CALLCOST_C);
    compileC(tc, { sources: [join(dir, 'callcost.c')], out: join(dir, 'callcost.wasm'), malloc: 'libc', kind: 'freestanding', exports: ['with_call', 'no_call'], flags: ['-O2'] });

    const reps = Math.max(MIN_REPS, cfg.reps);
    const args = ARGS[cfg.mode];
    const results = new Map<string, CRunRecord[]>();
    const failures: string[] = [];
    const total = reps * PROGRAMS.length * C_ALLOCS.length;
    let k = 0;
    for (let rep = 1; rep <= reps; rep++)
      for (const p of PROGRAMS)
        for (const alloc of C_ALLOCS) {
          process.stderr.write(`\r[${++k}/${total}] C ${p}: ${alloc}, rep ${rep}/${reps}   `);
          const r = await runChild({ mode: 'run', wasm: wasm(p, alloc), args: [args[p]], alloc });
          if (!r.ok) failures.push(`${p} ${alloc} rep ${rep}: ${r.message}`);
          else if (r.exitCode !== 0) failures.push(`${p} ${alloc} rep ${rep}: exit code ${r.exitCode}`);
          else results.set(`${p}/${alloc}`, [...(results.get(`${p}/${alloc}`) ?? []), r]);
        }
    process.stderr.write('\r\x1b[K');
    const cost = await runChild({ mode: 'callcost', wasm: join(dir, 'callcost.wasm'), args: [], alloc: 'libc' });
    const counts = new Map<string, Record<string, number>>();
    for (const p of PROGRAMS) {
      const c = await runChild({ mode: 'count', wasm: wasm(p, 'hakmem'), args: [args[p]], alloc: 'hakmem' });
      if (c.ok && c.calls !== undefined) counts.set(p, c.calls);
      else failures.push(`${p} count: ${c.ok ? 'no counts' : c.message}`);
    }

    const lines: string[] = [];
    lines.push(`C programs under node:wasi (workload C, ${cfg.mode}: medians of ${reps} fresh processes, interleaved; time of wasi.start, instantiation excluded)`);
    lines.push('program   args     malloc        time ms (min–max)       × libc   wasm memory MiB  × libc   peak RSS MiB   same output');
    for (const p of PROGRAMS) {
      const libc = results.get(`${p}/libc`) ?? [];
      const libcMs = libc.length > 0 ? median(libc.map((r) => r.ms)) : NaN;
      const libcMem = libc.length > 0 ? median(libc.map((r) => r.memoryBytes)) : NaN;
      for (const alloc of C_ALLOCS) {
        const rs = results.get(`${p}/${alloc}`) ?? [];
        if (rs.length === 0) {
          lines.push(`${p.padEnd(9)} ${args[p].padEnd(8)} ${alloc.padEnd(13)} (no successful run)`);
          continue;
        }
        const ms = rs.map((r) => r.ms);
        const t = median(ms);
        const mem = median(rs.map((r) => r.memoryBytes));
        const same = libc.length > 0 && rs.every((r) => r.stdoutHash === libc[0].stdoutHash);
        if (!same) failures.push(`${p} ${alloc}: output differs from the libc build's`);
        lines.push(
          `${p.padEnd(9)} ${args[p].padEnd(8)} ${alloc.padEnd(13)} ${`${t.toFixed(1)} (${Math.min(...ms).toFixed(1)}–${Math.max(...ms).toFixed(1)})`.padEnd(23)} ${(t / libcMs).toFixed(2).padStart(6)}   ${mib(mem).padStart(15)}  ${(mem / libcMem).toFixed(2).padStart(6)}   ${mib(median(rs.map((r) => r.maxRssBytes))).padStart(12)}   ${same ? 'yes' : 'NO'}`,
        );
      }
    }
    if (cost.ok && cost.nsPerCall !== undefined) {
      lines.push('');
      lines.push(`one wasm→JS import call (identity function, median of 7 × 2M calls): ${cost.nsPerCall.toFixed(1)} ns above the same loop without the call (${cost.nsPerLoop!.toFixed(2)} ns per iteration)`);
      for (const p of PROGRAMS) {
        const c = counts.get(p);
        const rs = results.get(`${p}/hakmem`);
        if (c === undefined || rs === undefined) continue;
        const n = Object.values(c).reduce((a, b) => a + b, 0);
        const share = (n * cost.nsPerCall) / 1e6 / median(rs.map((r) => r.ms));
        const detail = Object.entries(c).map(([k2, v]) => `${k2} ${v}`).join(', ');
        lines.push(`  ${p}: ${n} calls into hakmem (${detail}) ≈ ${((n * cost.nsPerCall) / 1e6).toFixed(1)} ms of boundary crossing = ${(share * 100).toFixed(1)}% of its hakmem release time`);
      }
    } else if (!cost.ok) failures.push(`call cost: ${cost.message}`);
    lines.push(`toolchain: ${tc.version}`);
    write(`\n${lines.join('\n')}\n`);
    for (const f of failures) write(`error: ${f}\n`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
