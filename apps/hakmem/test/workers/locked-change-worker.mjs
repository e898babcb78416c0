// A worker in the middle of a change made under a lock (workers.test.ts,
// "check() and a change made under a lock"): it takes the page lock and
// puts the page layer's pages-in-use counter one off, as a worker put off
// the CPU between taking pages and counting them would leave them. It
// holds both for `holdMs`, or, with holdMs 0, until the main thread says to
// finish (ctl[0] = 1); then it mends the counter and lets the lock go.
// ctl[1]: 1 once it holds the lock, 2 once it has let it go.
import { workerData } from 'node:worker_threads';

const { memory, lockIndex, counterIndex, control, holdMs } = workerData;
const i32 = new Int32Array(memory.buffer);
const ctl = new Int32Array(control);
/** Not a worker id the heap hands out (they count up from 1). */
const HOLDER = 0x3fff0001;

while (Atomics.compareExchange(i32, lockIndex, 0, HOLDER) !== 0) Atomics.wait(i32, lockIndex, Atomics.load(i32, lockIndex), 5);
i32[counterIndex] += 1;
Atomics.store(ctl, 1, 1);
if (holdMs > 0) Atomics.wait(ctl, 0, 0, holdMs);
else while (Atomics.load(ctl, 0) === 0) Atomics.wait(ctl, 0, 0, 50);
i32[counterIndex] -= 1;
Atomics.store(i32, lockIndex, 0);
Atomics.notify(i32, lockIndex);
Atomics.store(ctl, 1, 2);
