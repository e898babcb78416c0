/**
 * Byte access to a WebAssembly.Memory that its allocator may grow. Growing a
 * non-shared memory detaches the old buffer (a view of it reads as length 0),
 * so the view is re-made only when an address is past its end: in the timed
 * loop a write stays one compare and one store.
 *
 * A shared memory grown by another worker may still show this worker its
 * old, shorter buffer; `grow(0)` refreshes it (only on that miss, and only
 * for a shared memory: on a non-shared one it would detach the buffer).
 */
export class MemoryBytes {
  private readonly memory: WebAssembly.Memory;
  private view: Uint8Array;

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    this.view = new Uint8Array(memory.buffer);
  }

  write(ptr: number, offset: number, value: number): void {
    const at = (ptr >>> 0) + offset;
    if (at >= this.view.length) this.refresh(at);
    this.view[at] = value;
  }

  read(ptr: number, offset: number): number {
    const at = (ptr >>> 0) + offset;
    if (at >= this.view.length) this.refresh(at);
    return this.view[at];
  }

  private refresh(at: number): void {
    let buffer = this.memory.buffer;
    if (at >= buffer.byteLength && buffer instanceof SharedArrayBuffer) {
      this.memory.grow(0);
      buffer = this.memory.buffer;
    }
    this.view = new Uint8Array(buffer);
  }
}
