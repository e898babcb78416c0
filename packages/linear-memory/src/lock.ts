/**
 * A mutex in one i32 word of the linear memory. The word holds 0 when the
 * lock is free and the holder's worker id while it is held, so a surviving
 * worker can tell that a dead worker holds it and take it back
 * (`breakLockOf`). Contended lockers sleep in `Atomics.wait` on the holder's
 * id instead of spinning, so a waiting worker does not burn the other core;
 * the wait has a short timeout, so a notify lost to a race costs at most
 * that timeout, never a deadlock.
 *
 * In a heap that is not shared there is only one thread: the word is still
 * written (for `check()` and debugging) but no atomic instruction is paid.
 */
const WAIT_MS = 20;

export function lockWord(i32: Int32Array, index: number, shared: boolean, holder: number): void {
  if (!shared) {
    i32[index] = holder;
    return;
  }
  for (;;) {
    const cur = Atomics.compareExchange(i32, index, 0, holder);
    if (cur === 0) return;
    Atomics.wait(i32, index, cur, WAIT_MS);
  }
}

export function unlockWord(i32: Int32Array, index: number, shared: boolean): void {
  if (!shared) {
    i32[index] = 0;
    return;
  }
  Atomics.store(i32, index, 0);
  Atomics.notify(i32, index, 1);
}

/**
 * Frees the lock if `holder` holds it (that worker died holding it). Returns
 * whether it did. Whatever the lock guards may be half-updated: the caller
 * repairs it before anyone else takes the lock, so it must take the lock
 * itself first (see the callers' `recover` methods).
 */
export function breakLockOf(i32: Int32Array, index: number, holder: number, by: number): boolean {
  return Atomics.compareExchange(i32, index, holder, by) === holder;
}
