// AssemblyScript's own TLSF (std/assembly/rt/tlsf.ts), exposed unchanged so
// the benchmark calls exactly what an AssemblyScript program's `heap.alloc`
// and `heap.free` run. Compiled by `asc` in the build script, never by tsc.

/** Allocates `size` bytes from the module's TLSF heap; 16-byte aligned. */
export function alloc(size: usize): usize {
  return heap.alloc(size);
}

/** Returns a block from `alloc` to the TLSF heap. */
export function free(ptr: usize): void {
  heap.free(ptr);
}

/** First byte after the module's static data: everything above it belongs to TLSF. */
export function heapBase(): usize {
  return __heap_base;
}
