import type { AdapterName } from './registry.js';

/** What the child posts to each W4 worker. */
export interface LarsonWorkerData {
  readonly alloc: AdapterName;
  /** hakmem's share() handle, or null when the worker makes its own adapter. */
  readonly handle: unknown;
  readonly workers: number;
  readonly index: number;
  /** Int32Array of workers x LARSON_SLOTS pointers. */
  readonly slots: SharedArrayBuffer;
  /** Uint8Array of the byte each block was tagged with (check session only). */
  readonly tags: SharedArrayBuffer;
  /** Int32Array of CTL_LENGTH: the barrier and the failure flag. */
  readonly control: SharedArrayBuffer;
  readonly mode: 'check' | 'time';
  readonly seed: number;
  /** Wall time of one round, ms (time session). */
  readonly roundMs: number;
  readonly warmRounds: number;
  readonly rounds: number;
  /** Replacements per worker per round (check session). */
  readonly checkCount: number;
}

export type LarsonWorkerResult =
  | {
      readonly ok: true;
      /** Replacements this worker made in the timed rounds (check session: all rounds). */
      readonly replacements: number;
      readonly warmReplacements: number;
      readonly failures: number;
      /** Worker 0 only: wall time from the start of the first timed round to the end of the last, ms. */
      readonly wallMs: number;
      /** Worker 0 only: wall time of each timed round, barrier included. */
      readonly roundWallMs: readonly number[];
      /** Worker 0 only: the allocator's stats after the timed rounds, before the final frees. */
      readonly statsAfterLoop: unknown;
      /**
       * Frees this worker pushed onto another worker's slab or span (hakmem's
       * own counters, which are per attachment), null for other allocators.
       */
      readonly remoteFrees: number | null;
    }
  | { readonly ok: false; readonly correctness: boolean; readonly message: string };
