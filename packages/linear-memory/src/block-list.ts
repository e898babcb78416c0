/**
 * Intrusive lists of free blocks inside the linear memory: a list is one u32
 * head word (0 = empty) and each block's first word holds the next block.
 *
 * Two kinds share this code. A free list belongs to one owner and is changed
 * with plain reads and writes. A remote-free list may be pushed by any worker
 * at once: `pushRemote` is a CAS loop on the head word, and only the owner
 * takes the list, all of it, with one exchange (`takeRemote`), so there is no
 * ABA problem (nobody pops single blocks concurrently). In a heap that is not
 * shared the same functions use plain operations.
 */

/** Pushes `block` on the remote list whose head is `u32[head]`. Any worker may call it. */
export function pushRemote(u32: Uint32Array, head: number, block: number, shared: boolean): void {
  if (!shared) {
    u32[block >>> 2] = u32[head];
    u32[head] = block;
    return;
  }
  for (;;) {
    const first = Atomics.load(u32, head);
    u32[block >>> 2] = first;
    if (Atomics.compareExchange(u32, head, first, block) === first) return;
  }
}

/**
 * Owner only: moves the whole remote list at `u32[remoteHead]` onto the free
 * list at `u32[freeHead]` and returns how many blocks moved.
 */
export function drainRemoteInto(u32: Uint32Array, remoteHead: number, freeHead: number, shared: boolean): number {
  let chain: number;
  if (shared) chain = Atomics.exchange(u32, remoteHead, 0);
  else {
    chain = u32[remoteHead];
    u32[remoteHead] = 0;
  }
  let head = u32[freeHead];
  let n = 0;
  while (chain !== 0) {
    const next = u32[chain >>> 2];
    u32[chain >>> 2] = head;
    head = chain;
    chain = next;
    n++;
  }
  u32[freeHead] = head;
  return n;
}
