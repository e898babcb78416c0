/*
 * hakmem_malloc.c - the C allocation functions of a WebAssembly module,
 * served by a hakmem heap in JavaScript. See hakmem_malloc.h.
 *
 * The symbol list is wasi-libc's malloc object (dlmalloc.o): malloc, free,
 * calloc, realloc, posix_memalign, aligned_alloc, malloc_usable_size, and
 * __libc_malloc / __libc_free / __libc_calloc, which atexit and the locale
 * code call. Leaving any of them out makes the linker pull dlmalloc.o in for
 * it, and then both allocators claim the memory above __heap_base; the build
 * check in @hakmem/wasm/toolchain (`checkLinkedMalloc`) catches that.
 * memalign is not in that object but is in glibc's, so programs ported from
 * Linux find it.
 *
 * The JavaScript side answers 0 for a request the heap cannot meet (too
 * large, an alignment above 64 KiB, out of memory); errno is set here, where
 * the C library's errno lives. Sizes are size_t, which is 32 bits on wasm32;
 * the JavaScript side reads them unsigned.
 *
 * Builds: any wasm32 target. With wasi-libc (__wasi__) errno is set; a
 * freestanding module (no libc) has no errno, so failure is only the NULL.
 */
#include "hakmem_malloc.h"

#ifdef __wasi__
#include <errno.h>
#define HAKMEM_SET_ERRNO(e) (errno = (e))
#define HAKMEM_EINVAL EINVAL
#define HAKMEM_ENOMEM ENOMEM
#else
#define HAKMEM_SET_ERRNO(e) ((void)0)
/* The values wasi-libc uses, so posix_memalign answers the same everywhere. */
#define HAKMEM_EINVAL 28
#define HAKMEM_ENOMEM 48
#endif

#define HAKMEM_IMPORT(name) __attribute__((import_module("hakmem"), import_name(name)))

HAKMEM_IMPORT("malloc") void *hakmem_import_malloc(size_t size);
HAKMEM_IMPORT("free") void hakmem_import_free(void *ptr);
HAKMEM_IMPORT("calloc") void *hakmem_import_calloc(size_t bytes);
HAKMEM_IMPORT("realloc") void *hakmem_import_realloc(void *ptr, size_t size);
HAKMEM_IMPORT("aligned_alloc") void *hakmem_import_aligned_alloc(size_t alignment, size_t size);
HAKMEM_IMPORT("usable_size") size_t hakmem_import_usable_size(void *ptr);

static int is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

void *malloc(size_t size) {
  void *p = hakmem_import_malloc(size);
  if (p == NULL) HAKMEM_SET_ERRNO(HAKMEM_ENOMEM);
  return p;
}

void free(void *ptr) { hakmem_import_free(ptr); }

void *calloc(size_t count, size_t size) {
  /* The product must not wrap: calloc(2^16, 2^16 + 1) is a request for more
     than 4 GiB, not for a small block. */
  if (size != 0 && count > (size_t)-1 / size) {
    HAKMEM_SET_ERRNO(HAKMEM_ENOMEM);
    return NULL;
  }
  void *p = hakmem_import_calloc(count * size);
  if (p == NULL) HAKMEM_SET_ERRNO(HAKMEM_ENOMEM);
  return p;
}

void *realloc(void *ptr, size_t size) {
  void *p = hakmem_import_realloc(ptr, size);
  /* realloc(p, 0) frees p and answers NULL: that is not a failure. */
  if (p == NULL && size != 0) HAKMEM_SET_ERRNO(HAKMEM_ENOMEM);
  return p;
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (alignment < sizeof(void *) || !is_power_of_two(alignment)) return HAKMEM_EINVAL;
  void *p = hakmem_import_aligned_alloc(alignment, size);
  if (p == NULL) return HAKMEM_ENOMEM;
  *out = p;
  return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
  if (!is_power_of_two(alignment)) {
    HAKMEM_SET_ERRNO(HAKMEM_EINVAL);
    return NULL;
  }
  void *p = hakmem_import_aligned_alloc(alignment, size);
  if (p == NULL) HAKMEM_SET_ERRNO(HAKMEM_ENOMEM);
  return p;
}

void *memalign(size_t alignment, size_t size) { return aligned_alloc(alignment, size); }

size_t malloc_usable_size(void *ptr) { return hakmem_import_usable_size(ptr); }

/* wasi-libc's own code (atexit, locales) calls these names. */
void *__libc_malloc(size_t size) { return malloc(size); }
void __libc_free(void *ptr) { free(ptr); }
void *__libc_calloc(size_t count, size_t size) { return calloc(count, size); }
