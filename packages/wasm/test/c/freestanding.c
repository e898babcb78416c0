/*
 * A freestanding module (no libc): the shim's functions called directly, for
 * their C semantics, and the heap errors the debug build must report. Each
 * provocation first hands the pointer it is about to misuse to the import
 * test.note, so the test knows which pointer the HeapError must name.
 */
#include <stddef.h>
#include <stdint.h>
#include "hakmem_malloc.h"

__attribute__((import_module("test"), import_name("note"))) void note(void *p);

#define FAIL(n) return (n)

/* 0 when every answer is what C expects, else the number of the first wrong one. */
int exercise(void) {
  char *p = malloc(100);
  if (p == NULL || ((uintptr_t)p & 15) != 0) FAIL(1);
  for (int i = 0; i < 100; i++) p[i] = (char)i;
  if (malloc_usable_size(p) < 100) FAIL(2);
  p = realloc(p, 5000);
  if (p == NULL) FAIL(3);
  for (int i = 0; i < 100; i++)
    if (p[i] != (char)i) FAIL(4);
  p = realloc(p, 10);
  if (p == NULL || p[9] != 9) FAIL(5);
  free(p);
  if (realloc(malloc(8), 0) != NULL) FAIL(6);
  unsigned *z = calloc(300, sizeof *z);
  if (z == NULL) FAIL(7);
  for (int i = 0; i < 300; i++)
    if (z[i] != 0) FAIL(8);
  free(z);
  if (calloc((size_t)1 << 16, ((size_t)1 << 16) + 1) != NULL) FAIL(9); /* wraps in 32 bits */
  if (malloc((size_t)-1) != NULL) FAIL(10);
  void *a = NULL;
  if (posix_memalign(&a, 3, 64) == 0) FAIL(11);
  if (posix_memalign(&a, 2, 64) == 0) FAIL(12); /* below sizeof(void *) */
  if (posix_memalign(&a, 4096, 64) != 0 || ((uintptr_t)a & 4095) != 0) FAIL(13);
  free(a);
  void *b = aligned_alloc(128, 300);
  if (b == NULL || ((uintptr_t)b & 127) != 0) FAIL(14);
  free(b);
  void *c = memalign(1 << 16, 10);
  if (c == NULL || ((uintptr_t)c & 0xffff) != 0) FAIL(15);
  free(c);
  if (aligned_alloc(1 << 17, 10) != NULL) FAIL(16); /* above what the heap aligns to */
  volatile size_t not_power = 24; /* volatile: clang warns about a constant */
  if (aligned_alloc(not_power, 10) != NULL) FAIL(17);
  void *d = aligned_alloc(2, 3);
  if (d == NULL) FAIL(18);
  free(d);
  free(NULL);
  if (malloc_usable_size(NULL) != 0) FAIL(19);
  return 0;
}

/* Leaves `n` blocks of mixed sizes allocated, for the JS side to count and free. */
void *keep(int n) {
  void **list = malloc((size_t)n * sizeof *list);
  for (int i = 0; i < n; i++) list[i] = malloc((size_t)(i * 97 % 3000));
  return list;
}

void overflow_by_one(void) {
  unsigned char *p = malloc(24);
  note(p);
  p[malloc_usable_size(p)] = 0x41;
}

void write_after_free(void) {
  unsigned char *p = malloc(40);
  note(p);
  free(p);
  p[3] = 7;
}

void double_free(void) {
  void *p = malloc(32);
  note(p);
  free(p);
  free(p);
}

void free_stack(void) {
  char local[16];
  char *volatile q = local; /* volatile: clang warns about a known stack object */
  note(q);
  free(q);
}

void free_interior(void) {
  char *p = malloc(64);
  note(p + 16);
  free(p + 16);
}
