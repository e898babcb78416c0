/*
 * strbuild: builds many small JSON-like records with a growing string
 * builder, then joins them into one document; almost every step is a
 * realloc.
 *
 * Usage: strbuild [records] (default 20000). A record's builder starts at 8
 * bytes and grows by half (every seventh record: by exactly what each append
 * needs, one realloc per append), and is shrunk to fit when done. The record
 * list grows by realloc too. The document is built by appending each record
 * with an exact-fit realloc, so one block walks through the tiny, mid and
 * large sizes. Prints the record count, the document's length, a checksum
 * and its first and last lines; frees everything but the document, which is
 * "left".
 */
#include "prog_util.h"

typedef struct {
  char *s;
  size_t len, cap;
  int exact;
} builder_t;

static void put(builder_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t c = b->exact ? b->len + n + 1 : b->cap + b->cap / 2 + 1;
    if (c < b->len + n + 1) c = b->len + n + 1;
    b->s = xrealloc(b->s, c);
    b->cap = c;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
}

static void put_str(builder_t *b, const char *s) { put(b, s, strlen(s)); }

static void put_u32(builder_t *b, uint32_t v) {
  char tmp[24];
  int i = dec_u64(tmp, v);
  put(b, tmp + i, sizeof tmp - (size_t)i);
}

static const char *const TAGS[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};

int main(int argc, char **argv) {
  uint32_t records = arg_u32(argc, argv, 1, 20000);
  rng_t rng = {0xdeadbeefu};
  out_t out;
  out.len = 0;

  char **list = NULL;
  size_t list_cap = 0;
  for (uint32_t i = 0; i < records; i++) {
    builder_t b = {xmalloc(8), 0, 8, i % 7 == 0};
    b.s[0] = 0;
    put_str(&b, "{\"id\":");
    put_u32(&b, i);
    put_str(&b, ",\"tags\":[");
    uint32_t tags = 1 + rng_below(&rng, 6);
    for (uint32_t t = 0; t < tags; t++) {
      if (t > 0) put_str(&b, ",");
      put_str(&b, "\"");
      put_str(&b, TAGS[rng_below(&rng, 8)]);
      put_str(&b, "\"");
    }
    put_str(&b, "],\"note\":\"");
    uint32_t words = rng_below(&rng, 40);
    for (uint32_t w = 0; w < words; w++) {
      char word[8];
      uint32_t n = 1 + rng_below(&rng, 7);
      for (uint32_t c = 0; c < n; c++) word[c] = (char)('a' + rng_below(&rng, 26));
      put(&b, word, n);
      put_str(&b, w + 1 < words ? " " : "");
    }
    put_str(&b, "\"}\n");
    b.s = xrealloc(b.s, b.len + 1); /* shrink to fit */
    if (i == list_cap) {
      list_cap = list_cap == 0 ? 16 : list_cap * 2;
      list = xrealloc(list, list_cap * sizeof *list);
    }
    list[i] = b.s;
  }

  builder_t doc = {NULL, 0, 0, 1};
  for (uint32_t i = 0; i < records; i++) {
    put_str(&doc, list[i]);
    free(list[i]);
  }
  free(list);

  size_t first_end = 0;
  while (first_end < doc.len && doc.s[first_end] != '\n') first_end++;
  size_t last_start = doc.len - 1;
  while (last_start > 0 && doc.s[last_start - 1] != '\n') last_start--;
  out_str(&out, "records ");
  out_u64(&out, records);
  out_str(&out, " length ");
  out_u64(&out, doc.len);
  out_str(&out, " checksum ");
  out_hex32(&out, fnv1a(2166136261u, doc.s, doc.len));
  out_str(&out, "\nfirst ");
  out_bytes(&out, doc.s, first_end + 1);
  out_str(&out, "last ");
  out_bytes(&out, doc.s + last_start, doc.len - last_start);
  out_str(&out, "left 1\n");
  out_flush(&out);
  return 0;
}
