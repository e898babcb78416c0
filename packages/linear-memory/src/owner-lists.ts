import { SLAB_LIST_DRY, SLAB_LIST_NONE, SLAB_LIST_PARTIAL } from '@hakmem/contracts/layout';
import type { LinearMemory } from './linear-memory.js';

/**
 * One worker's lists of the slabs (superslab box) or spans (mid box) it owns
 * besides the current one of each class:
 *   - partial: they have free blocks to give;
 *   - dry: they ran out, and only other workers' frees (which land on their
 *     remote list without telling the owner) can refill them.
 * Which list a record is on is also written in one word of the record
 * (`listWord`: SLAB_LIST_NONE / _PARTIAL / _DRY), which the validators read.
 * Owner only, so plain writes; in a shared heap the remote head is read
 * with an atomic load.
 */
export class OwnerLists {
  readonly partial: number[][];
  readonly dry: number[][];
  /** Dry records handed back out because their remote list had blocks. */
  revived = 0;
  private readonly lm: LinearMemory;
  private readonly listWord: number;
  private readonly remoteWord: number;
  private readonly shared: boolean;

  /** `listWord`, `remoteWord`: byte offsets, in a record, of its list word and its remote-free head. */
  constructor(lm: LinearMemory, classes: number, listWord: number, remoteWord: number) {
    this.lm = lm;
    this.listWord = listWord >>> 2;
    this.remoteWord = remoteWord >>> 2;
    this.shared = lm.shared;
    this.partial = Array.from({ length: classes }, () => []);
    this.dry = Array.from({ length: classes }, () => []);
  }

  /** Puts record `rec` of class `cls` on list `where` (or none), taking it off the one it is on. */
  moveTo(cls: number, rec: number, where: number): void {
    const i = (rec >>> 2) + this.listWord;
    const u32 = this.lm.u32;
    const from = u32[i];
    if (from === where) return;
    if (from !== SLAB_LIST_NONE) {
      const list = from === SLAB_LIST_PARTIAL ? this.partial[cls] : this.dry[cls];
      // Swap with the last and pop: order within a list does not matter, and
      // splice cost a builtin call and an array copy on every move (a burst
      // of frees moves each of its slabs from dry to partial).
      const at = list.indexOf(rec);
      if (at >= 0) {
        list[at] = list[list.length - 1];
        list.pop();
      }
    }
    u32[i] = where;
    if (where === SLAB_LIST_PARTIAL) this.partial[cls].push(rec);
    else if (where === SLAB_LIST_DRY) this.dry[cls].push(rec);
  }

  /** A dry record of `cls` whose remote list has blocks, taken off the dry list (its word still says dry); 0 if none. */
  reviveDry(cls: number): number {
    const list = this.dry[cls];
    const u32 = this.lm.u32;
    for (let i = list.length - 1; i >= 0; i--) {
      const rec = list[i];
      // A private heap has no other thread to race with, so it reads the
      // word plainly: Atomics.load is a builtin call TurboFan does not inline,
      // and a refill with no partial record scans the whole dry list.
      const remote = this.shared ? Atomics.load(u32, (rec >>> 2) + this.remoteWord) : u32[(rec >>> 2) + this.remoteWord];
      if (remote === 0) continue;
      list[i] = list[list.length - 1];
      list.pop();
      this.revived++;
      return rec;
    }
    return 0;
  }

  /** Every record of `cls` on either list (a copy: the caller may move them). */
  all(cls: number): number[] {
    return [...this.partial[cls], ...this.dry[cls]];
  }
}
