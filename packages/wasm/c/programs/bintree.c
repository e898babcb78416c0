/*
 * bintree: builds, walks and frees binary trees whose nodes carry payloads
 * of mixed sizes, around one long-lived tree.
 *
 * Usage: bintree [max-depth] (default 14). Every node is one block of
 * header + payload, the payload size drawn per node from 0 B to 6 KiB
 * (mostly small, some mid-size, a few above 16 KiB), and filled with a
 * pattern the walk checks. For each depth d from 4 to max-depth in steps of
 * 2, 2^(max-depth - d + 4) trees of depth d are built and freed; the
 * long-lived tree of depth max-depth - 1 lives from start to end and is
 * still allocated at exit, which the program reports as "left".
 */
#include "prog_util.h"

typedef struct node {
  struct node *left, *right;
  uint32_t payload;
  uint32_t seed;
} node_t;

static uint32_t payload_size(rng_t *r) {
  uint32_t x = rng_below(r, 1000);
  if (x < 600) return rng_below(r, 48);          /* small records */
  if (x < 900) return 48 + rng_below(r, 464);    /* up to 512 B */
  if (x < 990) return 512 + rng_below(r, 5632);  /* mid: up to 6 KiB */
  return 16384 + rng_below(r, 49152);            /* a few up to 64 KiB */
}

static node_t *build(rng_t *r, int depth) {
  uint32_t size = payload_size(r);
  node_t *n = xmalloc(sizeof *n + size);
  n->payload = size;
  n->seed = rng_next(r);
  unsigned char *p = (unsigned char *)(n + 1);
  for (uint32_t i = 0; i < size; i++) p[i] = (unsigned char)(n->seed + i);
  if (depth > 0) {
    n->left = build(r, depth - 1);
    n->right = build(r, depth - 1);
  } else {
    n->left = n->right = NULL;
  }
  return n;
}

/* Checks every payload, so a block that overlaps another shows up. */
static uint64_t walk(const node_t *n, uint32_t *nodes) {
  if (n == NULL) return 0;
  const unsigned char *p = (const unsigned char *)(n + 1);
  for (uint32_t i = 0; i < n->payload; i++)
    if (p[i] != (unsigned char)(n->seed + i)) exit(5);
  ++*nodes;
  return n->payload + walk(n->left, nodes) + walk(n->right, nodes);
}

static void release(node_t *n) {
  if (n == NULL) return;
  release(n->left);
  release(n->right);
  free(n);
}

int main(int argc, char **argv) {
  int max_depth = (int)arg_u32(argc, argv, 1, 14);
  if (max_depth < 6) max_depth = 6;
  rng_t rng = {12345u};
  out_t out;
  out.len = 0;

  node_t *long_lived = build(&rng, max_depth - 1);
  for (int d = 4; d <= max_depth; d += 2) {
    uint32_t iterations = 1u << (max_depth - d + 4);
    uint64_t bytes = 0;
    uint32_t nodes = 0;
    for (uint32_t i = 0; i < iterations; i++) {
      node_t *t = build(&rng, d);
      bytes += walk(t, &nodes);
      release(t);
    }
    out_u64(&out, iterations);
    out_str(&out, " trees of depth ");
    out_u64(&out, (uint64_t)d);
    out_str(&out, ": nodes ");
    out_u64(&out, nodes);
    out_str(&out, " payload bytes ");
    out_u64(&out, bytes);
    out_str(&out, "\n");
  }
  uint32_t kept = 0;
  uint64_t bytes = walk(long_lived, &kept);
  out_str(&out, "long-lived tree of depth ");
  out_u64(&out, (uint64_t)(max_depth - 1));
  out_str(&out, ": payload bytes ");
  out_u64(&out, bytes);
  out_str(&out, "\nleft ");
  out_u64(&out, kept);
  out_str(&out, "\n");
  out_flush(&out);
  return 0;
}
