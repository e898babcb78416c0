/*
 * Shared helpers of the test programs: a PRNG, an output buffer and number
 * parsing, all kept on the caller's stack.
 *
 * The programs deliberately own no writable static data and print with
 * write(2) rather than stdio (whose FILE and buffer are static): then the
 * only bytes below __heap_base that change while a program runs are its
 * stack, and the test can demand that every other byte below __heap_base is
 * unchanged when the program exits. Built with libc's malloc, the same
 * program changes dlmalloc's static state there, which is what shows that
 * the comparison can fail.
 */
#ifndef PROG_UTIL_H
#define PROG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  uint32_t s;
} rng_t;

static inline uint32_t rng_next(rng_t *r) {
  /* xorshift32: deterministic, so both builds see the same requests. */
  uint32_t x = r->s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  r->s = x;
  return x;
}

static inline uint32_t rng_below(rng_t *r, uint32_t n) { return rng_next(r) % n; }

typedef struct {
  char buf[4096];
  size_t len;
} out_t;

static inline void out_flush(out_t *o) {
  size_t done = 0;
  while (done < o->len) {
    ssize_t w = write(1, o->buf + done, o->len - done);
    if (w <= 0) exit(3);
    done += (size_t)w;
  }
  o->len = 0;
}

static inline void out_bytes(out_t *o, const char *s, size_t n) {
  while (n > 0) {
    if (o->len == sizeof o->buf) out_flush(o);
    size_t room = sizeof o->buf - o->len;
    size_t k = n < room ? n : room;
    memcpy(o->buf + o->len, s, k);
    o->len += k;
    s += k;
    n -= k;
  }
}

static inline void out_str(out_t *o, const char *s) { out_bytes(o, s, strlen(s)); }

/* Writes v in decimal at the end of buf; returns the index of its first digit. */
static inline int dec_u64(char buf[24], uint64_t v) {
  int i = 24;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return i;
}

static inline void out_u64(out_t *o, uint64_t v) {
  char tmp[24];
  int i = dec_u64(tmp, v);
  out_bytes(o, tmp + i, sizeof tmp - (size_t)i);
}

static inline void out_hex32(out_t *o, uint32_t v) {
  char tmp[8];
  for (int i = 7; i >= 0; i--) {
    tmp[i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  }
  out_bytes(o, tmp, 8);
}

/* A positive decimal argument, or `fallback` when absent or malformed. */
static inline uint32_t arg_u32(int argc, char **argv, int i, uint32_t fallback) {
  if (i >= argc) return fallback;
  uint32_t v = 0;
  for (const char *p = argv[i]; *p; p++) {
    if (*p < '0' || *p > '9') return fallback;
    v = v * 10 + (uint32_t)(*p - '0');
  }
  return v == 0 ? fallback : v;
}

static inline uint32_t fnv1a(uint32_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static inline void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (p == NULL) exit(4);
  return p;
}

static inline void *xrealloc(void *q, size_t n) {
  void *p = realloc(q, n);
  if (p == NULL) exit(4);
  return p;
}

#endif
