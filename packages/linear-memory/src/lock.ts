/**
 * A mutex in one i32 word of the linear memory: 0 free, 1 held, 2 held with
 * waiters. Contended lockers sleep in `Atomics.wait` instead of spinning, so a
 * waiting worker does not burn the other core. In a non-shared heap there is
 * only one thread, so the word is still set (for `check()` and debugging) but
 * no atomic instruction is paid.
 */
export function lockWord(i32: Int32Array, index: number, shared: boolean): void {
  if (!shared) {
    i32[index] = 1;
    return;
  }
  if (Atomics.compareExchange(i32, index, 0, 1) === 0) return;
  while (Atomics.exchange(i32, index, 2) !== 0) Atomics.wait(i32, index, 2, 50);
}

export function unlockWord(i32: Int32Array, index: number, shared: boolean): void {
  if (!shared) {
    i32[index] = 0;
    return;
  }
  if (Atomics.exchange(i32, index, 0) === 2) Atomics.notify(i32, index, 1);
}
