import type { BoxName } from './boxes.js';

/** Why a heap operation was refused or why `check()` failed. */
export type HeapErrorCode =
  | 'INVALID_POINTER'
  | 'DOUBLE_FREE'
  | 'CORRUPTION'
  | 'DETACHED'
  | 'INVALID_STATE';

/**
 * The one error type every box throws. It names the box that found the
 * problem, the pointer involved and, in `message`, the broken invariant.
 *
 * @example
 * ```ts
 * try { heap.free(12345) } catch (e) {
 *   if (e instanceof HeapError && e.code === 'INVALID_POINTER') console.log(e.box, e.ptr)
 * }
 * ```
 */
export class HeapError extends Error {
  readonly code: HeapErrorCode;
  readonly ptr?: number;
  readonly box?: BoxName;

  constructor(code: HeapErrorCode, message: string, ptr?: number, box?: BoxName) {
    super(`${code}${box ? ` [${box}]` : ''}${ptr !== undefined ? ` at ${ptr}` : ''}: ${message}`);
    this.name = 'HeapError';
    this.code = code;
    if (ptr !== undefined) this.ptr = ptr;
    if (box !== undefined) this.box = box;
  }
}
