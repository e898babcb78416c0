import { afterEach } from 'vitest';

/**
 * Setup file of the facade tests and the build matrix. Their files run many synchronous
 * tests back to back, and vitest's runner only awaits promises between them,
 * so the worker never reads the main process's replies to its task updates;
 * after 60 s the RPC timer fires first and the run ends with "Timeout calling
 * onTaskUpdate". A macrotask turn after each test lets the replies in.
 */
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
