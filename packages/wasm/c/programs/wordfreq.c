/*
 * wordfreq: counts the words of a generated text in a chained hash table.
 *
 * Usage: wordfreq [words] (default 200000). The text (a skewed choice from a
 * vocabulary of generated words) grows by realloc; every distinct word gets
 * a node and its own copy of the word; the table doubles and rehashes as it
 * fills. Prints the number of words and distinct words, the 15 most frequent
 * with their counts, and a checksum over all (word, count) pairs. Frees
 * everything except the copies of the 15 top words, which it keeps (as a
 * caller would keep a result) and reports as "left".
 */
#include "prog_util.h"

typedef struct entry {
  struct entry *next;
  char *word;
  uint32_t len;
  uint32_t hash;
  uint32_t count;
} entry_t;

typedef struct {
  entry_t **buckets;
  uint32_t mask;
  uint32_t size;
} table_t;

static const char *const SYLLABLES[] = {"ka", "lo", "mi", "ne", "ru", "sha", "to", "vi", "zen", "qua",
                                        "bel", "dor", "fi", "gu", "ho", "jax", "pri", "ste", "u", "wy"};
#define N_SYLLABLES (sizeof SYLLABLES / sizeof SYLLABLES[0])
#define TOP 15

static void append(char **text, size_t *len, size_t *cap, const char *s, size_t n) {
  if (*len + n + 1 > *cap) {
    size_t c = *cap == 0 ? 256 : *cap;
    while (*len + n + 1 > c) c *= 2;
    *text = xrealloc(*text, c);
    *cap = c;
  }
  memcpy(*text + *len, s, n);
  *len += n;
}

static void grow(table_t *t) {
  uint32_t mask = t->mask * 2 + 1;
  entry_t **b = calloc(mask + 1, sizeof *b);
  if (b == NULL) exit(4);
  for (uint32_t i = 0; i <= t->mask; i++) {
    entry_t *e = t->buckets[i];
    while (e != NULL) {
      entry_t *next = e->next;
      e->next = b[e->hash & mask];
      b[e->hash & mask] = e;
      e = next;
    }
  }
  free(t->buckets);
  t->buckets = b;
  t->mask = mask;
}

static void count_word(table_t *t, const char *w, uint32_t len) {
  uint32_t h = fnv1a(2166136261u, w, len);
  for (entry_t *e = t->buckets[h & t->mask]; e != NULL; e = e->next)
    if (e->hash == h && e->len == len && memcmp(e->word, w, len) == 0) {
      e->count++;
      return;
    }
  entry_t *e = xmalloc(sizeof *e);
  e->word = xmalloc(len + 1);
  memcpy(e->word, w, len);
  e->word[len] = 0;
  e->len = len;
  e->hash = h;
  e->count = 1;
  e->next = t->buckets[h & t->mask];
  t->buckets[h & t->mask] = e;
  if (++t->size > t->mask + 1) grow(t);
}

static int by_count_then_word(const void *a, const void *b) {
  const entry_t *x = *(entry_t *const *)a, *y = *(entry_t *const *)b;
  if (x->count != y->count) return x->count < y->count ? 1 : -1;
  return strcmp(x->word, y->word);
}

int main(int argc, char **argv) {
  uint32_t words = arg_u32(argc, argv, 1, 200000);
  uint32_t vocabulary = words / 8 + 16;
  rng_t rng = {0x9e3779b9u};
  out_t out;
  out.len = 0;

  char *text = NULL;
  size_t len = 0, cap = 0;
  for (uint32_t i = 0; i < words; i++) {
    /* Skewed: small ids are far more frequent, like words of a language. */
    uint32_t id = rng_below(&rng, rng_below(&rng, vocabulary) + 1);
    char word[64];
    size_t n = 0;
    do {
      const char *s = SYLLABLES[id % N_SYLLABLES];
      size_t k = strlen(s);
      memcpy(word + n, s, k);
      n += k;
      id /= N_SYLLABLES;
    } while (id != 0);
    word[n++] = (i % 11 == 10) ? '\n' : ' ';
    append(&text, &len, &cap, word, n);
  }
  text[len] = 0;

  table_t t = {NULL, 63, 0};
  t.buckets = calloc(t.mask + 1, sizeof *t.buckets);
  if (t.buckets == NULL) exit(4);
  for (size_t i = 0; i < len;) {
    while (i < len && (text[i] == ' ' || text[i] == '\n')) i++;
    size_t start = i;
    while (i < len && text[i] != ' ' && text[i] != '\n') i++;
    if (i > start) count_word(&t, text + start, (uint32_t)(i - start));
  }
  free(text);

  entry_t **all = xmalloc(t.size * sizeof *all);
  uint32_t k = 0;
  for (uint32_t i = 0; i <= t.mask; i++)
    for (entry_t *e = t.buckets[i]; e != NULL; e = e->next) all[k++] = e;
  qsort(all, k, sizeof *all, by_count_then_word);

  uint32_t sum = 2166136261u;
  for (uint32_t i = 0; i < k; i++) {
    sum = fnv1a(sum, all[i]->word, all[i]->len);
    sum = fnv1a(sum, &all[i]->count, sizeof all[i]->count);
  }
  out_str(&out, "words ");
  out_u64(&out, words);
  out_str(&out, " distinct ");
  out_u64(&out, k);
  out_str(&out, " buckets ");
  out_u64(&out, t.mask + 1);
  out_str(&out, "\n");
  uint32_t top = k < TOP ? k : TOP;
  char **kept = xmalloc(top * sizeof *kept);
  for (uint32_t i = 0; i < top; i++) {
    out_str(&out, all[i]->word);
    out_str(&out, " ");
    out_u64(&out, all[i]->count);
    out_str(&out, "\n");
    kept[i] = all[i]->word;
    all[i]->word = NULL;
  }
  out_str(&out, "checksum ");
  out_hex32(&out, sum);
  out_str(&out, "\n");

  for (uint32_t i = 0; i < k; i++) {
    free(all[i]->word);
    free(all[i]);
  }
  free(all);
  free(t.buckets);
  /* The kept words stay allocated; only the array naming them goes. */
  free(kept);
  out_str(&out, "left ");
  out_u64(&out, top);
  out_str(&out, "\n");
  out_flush(&out);
  return 0;
}
