// Case 6 of issue 10: small and odd maxBytes / heapBase. Either createAllocator
// refuses the options with a RangeError that states the minimum (and that
// minimum really works), or the heap serves every size class: malloc(16),
// malloc(1024) and malloc(2000) on an empty heap. Then it is filled until
// malloc returns 0, the contents are checked, everything is freed and it
// serves again.
import { createAllocator } from '../../dist/index.js';
import { BUILDS, eq, expectBlock, expectFilled, fill, ok, thrown } from './lib.mjs';

const FILL_SIZES = [2000, 1024, 16];
const MAX_BLOCKS = 400_000;

/** The heap serves 16, 1024 and 2000 B on an empty heap, fills up, empties, and serves again. */
function exercise(h, what) {
  for (const s of [16, 1024, 2000]) {
    const p = h.malloc(s);
    ok(p !== 0, `${what}: malloc(${s}) on an empty heap returned 0 (the heap was created, so it must serve every size class)`);
    expectBlock(h, p, s, `${what}: malloc(${s})`);
    h.free(p);
  }
  const held = [];
  for (const s of FILL_SIZES)
    for (;;) {
      ok(held.length < MAX_BLOCKS, `${what}: more than ${MAX_BLOCKS} blocks from a small heap`);
      const p = h.malloc(s);
      if (p === 0) break;
      expectBlock(h, p, s, `${what}: malloc(${s}) #${held.length}`);
      const b = (held.length % 251) + 1;
      fill(h, p, s, b);
      held.push([p, s, b]);
    }
  const st = h.stats();
  ok(st.bytesReserved <= st.maxBytes, `${what}: bytesReserved ${st.bytesReserved} above maxBytes ${st.maxBytes}`);
  for (const [p, s, b] of held) expectFilled(h, p, s, b, `${what}: block of a full heap`);
  h.check();
  for (const [p] of held) h.free(p);
  h.check();
  eq(h.stats().liveBlocks, 0, `${what}: live blocks after freeing all`);
  for (const s of [16, 2000]) {
    const p = h.malloc(s);
    ok(p !== 0, `${what}: malloc(${s}) after the heap was filled and emptied returned 0`);
    h.free(p);
  }
  h.check();
  return held.length;
}

export function smallHeap({ build, heapBase, maxBytes }) {
  const what = `{ heapBase: ${heapBase}, maxBytes: ${maxBytes} }`;
  const t = thrown(() => createAllocator({ ...BUILDS[build], heapBase, maxBytes }));
  if (t.threw) {
    ok(t.error instanceof RangeError, `${what}: createAllocator threw ${t.text}, want a heap or a RangeError`);
    // The message states the minimum: one of its numbers, above maxBytes, is a maxBytes that works (or one more, for "more than N").
    const numbers = [...t.error.message.matchAll(/\d+/g)].map((m) => Number(m[0])).filter((n) => n > maxBytes);
    ok(numbers.length > 0, `${what}: the RangeError does not state a minimum above ${maxBytes}: ${t.error.message}`);
    const works = numbers.flatMap((n) => [n, n + 1]).find((n) => !thrown(() => createAllocator({ ...BUILDS[build], heapBase, maxBytes: n })).threw);
    ok(works !== undefined, `${what}: the minimum the RangeError states (${numbers.join(', ')}) is refused too: ${t.error.message}`);
    // And the smallest heap it allows serves every size.
    exercise(createAllocator({ ...BUILDS[build], heapBase, maxBytes: works }), `the stated minimum ${works}`);
    return `refused: ${t.error.message}`;
  }
  return `served, ${exercise(t.value, what)} blocks when full`;
}
