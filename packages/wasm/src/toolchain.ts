/**
 * Building C for @hakmem/wasm with clang (Node only): finding the toolchain,
 * installing Debian's when this machine can, compiling with or without the
 * shim, and the build check that libc's own malloc was not linked.
 *
 * The toolchain is clang with lld (wasm-ld), a wasi-libc sysroot and the
 * wasm32 compiler-rt builtins. `HAKMEM_CLANG` names the clang to use
 * (default `clang` on the PATH) and `HAKMEM_WASI_SYSROOT` the sysroot
 * (default `/usr`, where Debian's wasi-libc puts lib/wasm32-wasi and
 * include/wasm32-wasi). On Debian, as root, `ensureToolchain` installs the
 * packages `clang lld wasi-libc libclang-rt-dev-wasm32` (the last one is the
 * builtins of Debian's default clang: libclang-rt-14-dev-wasm32 on bookworm).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionNames } from './wasm-binary.js';

export interface Toolchain {
  clang: string;
  sysroot: string;
  version: string;
}

/** Debian's packages for the toolchain. */
export const DEBIAN_PACKAGES = ['clang', 'lld', 'wasi-libc', 'libclang-rt-dev-wasm32'] as const;

/**
 * Every symbol wasi-libc's malloc object (dlmalloc.o) defines. The shim
 * defines them all (and memalign), so the linker never needs that object.
 */
export const MALLOC_SYMBOLS = ['malloc', 'free', 'calloc', 'realloc', 'posix_memalign', 'aligned_alloc', 'malloc_usable_size', '__libc_malloc', '__libc_free', '__libc_calloc'] as const;

/** The folder holding hakmem_malloc.c, hakmem_malloc.h and the example programs. */
export const C_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'c');
export const SHIM_SOURCE = join(C_DIR, 'hakmem_malloc.c');

/** The toolchain named by the environment (or the defaults), or null with the reason it is not usable. */
export function findToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain | { missing: string } {
  const clang = env.HAKMEM_CLANG ?? 'clang';
  const sysroot = env.HAKMEM_WASI_SYSROOT ?? '/usr';
  const v = spawnSync(clang, ['--version'], { encoding: 'utf8' });
  if (v.error !== undefined || v.status !== 0) return { missing: `no clang at '${clang}' (set HAKMEM_CLANG)` };
  if (!existsSync(join(sysroot, 'lib', 'wasm32-wasi', 'libc.a'))) return { missing: `no wasi-libc in sysroot '${sysroot}' (set HAKMEM_WASI_SYSROOT)` };
  // The linker and the builtins show only when linking: link the smallest program.
  const dir = mkdtempSync(join(tmpdir(), 'hakmem-wasm-probe-'));
  const probe = spawnSync(clang, ['--target=wasm32-wasi', `--sysroot=${sysroot}`, '-x', 'c', '-', '-o', join(dir, 'probe.wasm')], {
    input: 'int main(void) { return 0; }\n',
    encoding: 'utf8',
  });
  if (probe.status !== 0) return { missing: `clang '${clang}' cannot link for wasm32-wasi (needs lld and the wasm32 compiler-rt builtins): ${probe.stderr.trim().split('\n').slice(-1)[0]}` };
  return { clang, sysroot, version: v.stdout.split('\n')[0] };
}

/** Whether `apt-get install` can run here: root on Debian (or a derivative) with apt-get. */
export function canInstallDebianPackages(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/apt-get') && existsSync('/etc/debian_version');
}

/**
 * The toolchain, installing Debian's packages first when it is missing and
 * this machine can install them (root on Debian). Throws with the reason and
 * the fix otherwise.
 */
export function ensureToolchain(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Toolchain {
  const found = findToolchain();
  if (!('missing' in found)) return found;
  const usingDefaults = process.env.HAKMEM_CLANG === undefined && process.env.HAKMEM_WASI_SYSROOT === undefined;
  if (!usingDefaults || !canInstallDebianPackages())
    throw new Error(`@hakmem/wasm: ${found.missing}. Install them (Debian: sudo apt-get install ${DEBIAN_PACKAGES.join(' ')}) or set HAKMEM_CLANG and HAKMEM_WASI_SYSROOT.`);
  log(`Installing Debian ${DEBIAN_PACKAGES.join(' ')} for the C builds (${found.missing})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=300', ...DEBIAN_PACKAGES], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const again = findToolchain();
  if ('missing' in again) throw new Error(`@hakmem/wasm: installed ${DEBIAN_PACKAGES.join(' ')} but ${again.missing}`);
  return again;
}

export interface CompileOptions {
  /** C files to compile and link, besides the shim. */
  sources: string[];
  /** The .wasm file to write. */
  out: string;
  /** 'hakmem' (default) links c/hakmem_malloc.c; 'libc' leaves malloc to wasi-libc. */
  malloc?: 'hakmem' | 'libc';
  /**
   * 'wasi' (default): a wasi-libc program. 'freestanding': no libc, no
   * entry point (`--target=wasm32 -nostdlib -Wl,--no-entry`); export its
   * functions with `exports`.
   */
  kind?: 'wasi' | 'freestanding';
  /** Functions to export (-Wl,--export=name). `__heap_base` and `__data_end` are always exported. */
  exports?: string[];
  /** Further clang arguments, e.g. ['-O2'] (default ['-O2']) or ['-Wl,--import-memory']. */
  flags?: string[];
}

export interface CompileResult {
  out: string;
  /** The link's `--trace-symbol` lines for the malloc symbols (which input defined each). */
  trace: string[];
}

/**
 * Compiles and links a module for @hakmem/wasm. With the shim it then runs
 * the build check (`checkLinkedMalloc`) and throws when libc's malloc was
 * linked after all.
 */
export function compileC(tc: Toolchain, o: CompileOptions): CompileResult {
  const kind = o.kind ?? 'wasi';
  const malloc = o.malloc ?? 'hakmem';
  const args = kind === 'wasi' ? ['--target=wasm32-wasi', `--sysroot=${tc.sysroot}`] : ['--target=wasm32', '-nostdlib', '-Wl,--no-entry'];
  args.push(...(o.flags ?? ['-O2']), `-I${C_DIR}`, ...o.sources);
  if (malloc === 'hakmem') args.push(SHIM_SOURCE);
  for (const name of ['__heap_base', '__data_end', ...(o.exports ?? [])]) args.push(`-Wl,--export=${name}`);
  // Debug info of libc.a would be most of the file; the name section stays (the check reads it).
  args.push('-Wl,--strip-debug', ...MALLOC_SYMBOLS.map((s) => `-Wl,--trace-symbol=${s}`), '-o', o.out);
  const r = spawnSync(tc.clang, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`@hakmem/wasm: ${tc.clang} ${args.join(' ')} failed:\n${r.stderr}`);
  const trace = r.stdout.split('\n').filter((l) => l.includes(': definition of ') || l.includes(': reference to '));
  const result = { out: o.out, trace };
  if (malloc === 'hakmem') {
    const verdict = checkLinkedMalloc(result);
    if (!verdict.ok) throw new Error(`@hakmem/wasm: build check failed for ${o.out}: ${verdict.problems.join('; ')}`);
  }
  return result;
}

export interface MallocCheck {
  ok: boolean;
  problems: string[];
}

/**
 * The build check: the linked module gets its malloc from hakmem only.
 * - In the link trace, no malloc symbol is defined by a member of libc.a
 *   (libc's malloc object was not pulled in), and malloc and free are defined.
 * - The module imports malloc and free from "hakmem".
 * - Its name section (when present) holds no `sbrk`: wasi-libc's only user
 *   of sbrk is its malloc, and sbrk is how that malloc claims the memory
 *   above __heap_base.
 */
export function checkLinkedMalloc(build: CompileResult): MallocCheck {
  const problems: string[] = [];
  const defined = new Set<string>();
  for (const line of build.trace) {
    const m = /^(.*): definition of (\S+)$/.exec(line);
    if (m === null) continue;
    defined.add(m[2]);
    if (/libc\.a\(/.test(m[1])) problems.push(`${m[2]} is defined by ${m[1]}`);
  }
  for (const s of ['malloc', 'free']) if (!defined.has(s)) problems.push(`nothing defines ${s}`);
  const bytes = readFileSync(build.out);
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes as BufferSource));
  for (const s of ['malloc', 'free']) if (!imports.some((i) => i.module === 'hakmem' && i.name === s)) problems.push(`the module does not import hakmem.${s}`);
  if (functionNames(bytes).includes('sbrk')) problems.push('the module contains sbrk (libc malloc claims memory through it)');
  return { ok: problems.length === 0, problems };
}
