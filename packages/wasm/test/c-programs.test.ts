/**
 * The three C programs, each built twice (wasi-libc's malloc, and the shim)
 * and run under node:wasi. With the shim, in both heap builds:
 * - stdout is byte-identical to the libc build's;
 * - the module's static data, [0, __data_end), is byte-identical to its
 *   state right after instantiation. The programs own no writable static
 *   data (c/programs/prog_util.h), so a changed byte there is someone
 *   else's write. The rest of the region below __heap_base,
 *   [__data_end, __heap_base), is the C stack (wasm-ld places it after the
 *   data by default; the test checks that layout) and is not compared: the
 *   program writes its frames there;
 * - heap.check() is clean at exit and stats().liveBlocks is what the program
 *   says it left allocated plus what wasi-libc's start-up left (its argv
 *   blocks, counted by running a program that does nothing).
 * The libc build, run the same way, does change its static data (dlmalloc's
 * state lives there): that is the proof the comparison can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLinkedMalloc, type CompileResult } from '../src/toolchain.js';
import { build, cleanup, differences, leftBlocks, PROGRAMS, programSource, runWasi, setup, TEST_ARGS, TEST_C_DIR, type Program } from './helpers.js';
import { join } from 'node:path';

type Built = CompileResult & { bytes: Uint8Array };
const builds = new Map<string, Built>();
let startupBlocks = -1;

beforeAll(async () => {
  setup();
  for (const p of PROGRAMS) {
    builds.set(`${p}-libc`, build(`${p}-libc`, { sources: [programSource(p)], malloc: 'libc' }));
    builds.set(`${p}-hakmem`, build(`${p}-hakmem`, { sources: [programSource(p)] }));
  }
  const empty = build('empty', { sources: [join(TEST_C_DIR, 'empty.c')] });
  const run = await runWasi(empty.bytes, ['x'], {});
  startupBlocks = run.hk!.heap.stats().liveBlocks;
});
afterAll(cleanup);

describe('the build check', () => {
  it('passes for every shim build: malloc comes from hakmem, libc.a defines none of its symbols', () => {
    for (const p of PROGRAMS) expect(checkLinkedMalloc(builds.get(`${p}-hakmem`)!)).toEqual({ ok: true, problems: [] });
  });
  it('fails for a build that links libc malloc, naming the libc object', () => {
    const verdict = checkLinkedMalloc(builds.get('wordfreq-libc')!);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join('\n')).toMatch(/malloc is defined by .*libc\.a\(dlmalloc\.o\)/);
    expect(verdict.problems.join('\n')).toMatch(/does not import hakmem\.malloc/);
    expect(verdict.problems.join('\n')).toMatch(/sbrk/);
  });
});

describe.each(PROGRAMS)('%s', (program: Program) => {
  const args = [TEST_ARGS[program]];
  let reference: Awaited<ReturnType<typeof runWasi>>;
  beforeAll(async () => {
    reference = await runWasi(builds.get(`${program}-libc`)!.bytes, args);
    expect(reference.exitCode).toBe(0);
  });

  it('with libc malloc the static data changes (the comparison below has teeth)', () => {
    expect(reference.dataEnd).toBeLessThan(reference.heapBase);
    expect(differences(reference.before, reference.after, reference.dataEnd).length).toBeGreaterThan(0);
  });

  it.each(['release', 'debug'] as const)('on hakmem %s: same output, data below __heap_base untouched, check clean, live blocks counted', async (variant) => {
    const run = await runWasi(builds.get(`${program}-hakmem`)!.bytes, args, { variant });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.toString()).toBe(reference.stdout.toString());
    expect(Buffer.compare(run.stdout, reference.stdout)).toBe(0);
    // Layout: data, then the stack, then __heap_base (wasm-ld's default, no --stack-first).
    expect(run.dataEnd).toBeLessThan(run.heapBase);
    expect(run.heapBase - run.dataEnd).toBeLessThanOrEqual(65536 + 16);
    expect(differences(run.before, run.after, run.dataEnd)).toEqual([]);
    const heap = run.hk!.heap;
    expect(heap.variant).toBe(variant);
    expect(() => heap.check()).not.toThrow();
    expect(heap.stats().liveBlocks).toBe(leftBlocks(run.stdout) + startupBlocks);
  });
});
