/*
 * hakmem_malloc.h - hakmem as the malloc of a WebAssembly module.
 *
 * Compile hakmem_malloc.c into the module and link it before libc: it defines
 * every symbol of wasi-libc's malloc object (malloc, free, calloc, realloc,
 * posix_memalign, aligned_alloc, malloc_usable_size and the __libc_* aliases)
 * plus memalign, so the linker never pulls libc's own malloc in. Each of them
 * calls a function the module imports from the module "hakmem"; the
 * JavaScript side (`instantiate` from @hakmem/wasm) provides those imports
 * from one hakmem heap over the module's memory, above __heap_base.
 *
 * Link with -Wl,--export=__heap_base so the JavaScript side knows where the
 * module's data and stack end.
 *
 * Errors of the caller (double free, a pointer the heap never returned, in
 * the debug build a corrupted block) are not returned: the heap throws a
 * HeapError, which unwinds the module to the JavaScript caller. The module
 * must not be called again after that (its stack pointer and any state the
 * unwound C code was changing are left as they were).
 */
#ifndef HAKMEM_MALLOC_H
#define HAKMEM_MALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
int posix_memalign(void **out, size_t alignment, size_t size);
void *aligned_alloc(size_t alignment, size_t size);
void *memalign(size_t alignment, size_t size);
size_t malloc_usable_size(void *ptr);

#ifdef __cplusplus
}
#endif

#endif
