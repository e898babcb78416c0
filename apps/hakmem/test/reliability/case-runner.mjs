// Runs a batch of named test cases of one cases module in this worker thread and
// reports each result to the parent (see harness.ts). A case that never returns
// (a hang) is the parent's to detect: it terminates this worker and starts a new
// one at the next case, so one hang costs one case, not the suite.
import { parentPort, workerData } from 'node:worker_threads';

const { module, cases } = workerData;
const mod = await import(module);

for (const c of cases) {
  parentPort.postMessage({ started: c.name });
  const t0 = performance.now();
  try {
    const fn = mod[c.fn];
    if (typeof fn !== 'function') throw new Error(`cases module has no function ${c.fn}`);
    const data = await fn(c.args);
    parentPort.postMessage({ name: c.name, status: 'pass', data: data ?? null, ms: performance.now() - t0 });
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}` : String(e);
    parentPort.postMessage({ name: c.name, status: 'fail', message: msg, ms: performance.now() - t0 });
  }
}
parentPort.postMessage({ finished: true });
