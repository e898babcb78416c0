/**
 * One measurement of the C-program bench, in a fresh process: instantiate
 * the module (untimed), then time wasi.start, the whole program. stdout goes
 * to a temporary file and is hashed; the JSON record is this process's last
 * stdout line.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import { createAllocator } from 'hakmem';
import { instantiate, wasiImports } from '@hakmem/wasm';
import type { CFailure, CRunRecord, CRunRequest } from './cprog-protocol.js';

function fnv(bytes: Uint8Array): string {
  let h = 2166136261;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * The shim's imports over a plain hakmem heap, each counting its calls: the
 * count run only (its timing is not used), to know how many wasm→JS calls a
 * program makes.
 */
function countingImports(calls: Record<string, number>, heapRef: { heap: ReturnType<typeof createAllocator> | null }) {
  const h = () => heapRef.heap!;
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  return {
    malloc: (n: number) => (count('malloc'), h().malloc(n >>> 0)),
    free: (p: number) => (count('free'), h().free(p >>> 0)),
    calloc: (n: number) => (count('calloc'), h().calloc(1, n >>> 0)),
    realloc: (p: number, n: number) => (count('realloc'), h().realloc(p >>> 0, n >>> 0)),
    aligned_alloc: (a: number, n: number) => (count('aligned_alloc'), h().alignedAlloc(Math.max(8, a >>> 0), n >>> 0)),
    usable_size: (p: number) => (count('usable_size'), h().usableSize(p >>> 0)),
  };
}

/** A loop in wasm calling an identity import `n` times, against the same loop with an add instead. */
async function callCost(wasm: string): Promise<{ nsPerCall: number; nsPerLoop: number }> {
  const { instance } = await WebAssembly.instantiate(readFileSync(wasm), { m: { f: (x: number) => x } });
  const withCall = instance.exports.with_call as (n: number) => number;
  const noCall = instance.exports.no_call as (n: number) => number;
  const n = 2_000_000;
  for (let i = 0; i < 3; i++) {
    // warm up: both tiers compiled
    withCall(n);
    noCall(n);
  }
  const time = (f: (n: number) => number) => {
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      f(n);
      samples.push(((performance.now() - t0) * 1e6) / n);
    }
    return samples.sort((a, b) => a - b)[3];
  };
  const nsPerLoop = time(noCall);
  return { nsPerCall: time(withCall) - nsPerLoop, nsPerLoop };
}

async function main(req: CRunRequest): Promise<CRunRecord> {
  if (req.mode === 'callcost') {
    const c = await callCost(req.wasm);
    return { ok: true, ms: 0, memoryBytes: 0, maxRssBytes: process.resourceUsage().maxRSS * 1024, exitCode: 0, stdoutHash: '', ...c };
  }
  const dir = mkdtempSync(join(tmpdir(), 'hakmem-cprog-'));
  const outFile = join(dir, 'stdout');
  const fd = openSync(outFile, 'w');
  try {
    const wasi = new WASI({ version: 'preview1', args: ['prog', ...req.args], stdout: fd, returnOnExit: true });
    const bytes = readFileSync(req.wasm);
    let instance: WebAssembly.Instance;
    const calls: Record<string, number> = {};
    if (req.alloc === 'libc') {
      instance = (await WebAssembly.instantiate(bytes, wasiImports(wasi))).instance;
    } else if (req.mode === 'count') {
      const ref: { heap: ReturnType<typeof createAllocator> | null } = { heap: null };
      instance = (await WebAssembly.instantiate(bytes, { ...wasiImports(wasi), hakmem: countingImports(calls, ref) })).instance;
      ref.heap = createAllocator({ memory: instance.exports.memory as WebAssembly.Memory, heapBase: Number((instance.exports.__heap_base as WebAssembly.Global).value) });
    } else {
      instance = (await instantiate(bytes, { wasi, heap: { variant: req.alloc === 'hakmem-debug' ? 'debug' : 'release' } })).instance;
    }
    const t0 = performance.now();
    const exitCode = wasi.start(instance);
    const ms = performance.now() - t0;
    closeSync(fd);
    const memoryBytes = (instance.exports.memory as WebAssembly.Memory).buffer.byteLength;
    const rec: CRunRecord = { ok: true, ms, memoryBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024, exitCode, stdoutHash: fnv(readFileSync(outFile)) };
    if (req.mode === 'count') rec.calls = calls;
    return rec;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const req = JSON.parse(process.argv[2] ?? '{}') as CRunRequest;
main(req).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (e: unknown) => {
    const f: CFailure = { ok: false, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    process.stdout.write(`${JSON.stringify(f)}\n`);
    process.exitCode = 1;
  },
);
