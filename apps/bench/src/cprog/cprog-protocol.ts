/** What the C-program bench's parent asks a child (`dist/cprog-child.js`) and what it answers. */

/** hakmem release or debug through @hakmem/wasm, or the same program built with wasi-libc's malloc. */
export const C_ALLOCS = ['hakmem', 'hakmem-debug', 'libc'] as const;
export type CAlloc = (typeof C_ALLOCS)[number];

export interface CRunRequest {
  mode: 'run' | 'count' | 'callcost';
  /** The .wasm to run: the shim build for hakmem*, the libc build for libc. */
  wasm: string;
  args: string[];
  alloc: CAlloc;
}

export interface CRunRecord {
  ok: true;
  /** Wall time of wasi.start (the whole program; instantiation excluded). */
  ms: number;
  /** The module's memory at exit: a wasm memory never shrinks, so this is its peak. */
  memoryBytes: number;
  /** The child process's peak resident set (Node itself included). */
  maxRssBytes: number;
  exitCode: number;
  /** FNV-1a of stdout, so the parent can check every build printed the same. */
  stdoutHash: string;
  /** mode 'count': calls into each hakmem import. */
  calls?: Record<string, number>;
  /** mode 'callcost': ns per wasm→JS import call, and per iteration of the same loop without the call. */
  nsPerCall?: number;
  nsPerLoop?: number;
}

export interface CFailure {
  ok: false;
  message: string;
}
