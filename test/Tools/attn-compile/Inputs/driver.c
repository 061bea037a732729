/* Calls _mlir_ciface_attention from a library built by attn-compile on
   pseudo-random inputs and prints Q, K, V and O the way printMemrefF32 does,
   for attn_check.py. */
#include "attention.h"

#include <stdio.h>
#include <stdlib.h>

enum { B = 4, S = 64, D = 32, N = B * S * D };

static void init(attn_memref_3d_f32 *m, float *data) {
  m->allocated = m->aligned = data;
  m->offset = 0;
  m->sizes[0] = B;
  m->sizes[1] = S;
  m->sizes[2] = D;
  m->strides[0] = S * D;
  m->strides[1] = D;
  m->strides[2] = 1;
}

static void print(const attn_memref_3d_f32 *m) {
  printf("Unranked Memref base@ = %p rank = 3 offset = %lld sizes = "
         "[%lld, %lld, %lld] strides = [%lld, %lld, %lld] data =\n",
         (void *)m->aligned, (long long)m->offset, (long long)m->sizes[0],
         (long long)m->sizes[1], (long long)m->sizes[2],
         (long long)m->strides[0], (long long)m->strides[1],
         (long long)m->strides[2]);
  const float *p = m->aligned + m->offset;
  for (int64_t i = 0; i < m->sizes[0] * m->sizes[1] * m->sizes[2]; ++i)
    printf("%.9g%s", p[i], (i + 1) % D ? ", " : "\n");
}

int main(void) {
  static float q[N], k[N], v[N];
  srand(42);
  for (int i = 0; i < N; ++i) {
    q[i] = 2.0f * rand() / RAND_MAX - 1.0f;
    k[i] = 2.0f * rand() / RAND_MAX - 1.0f;
    v[i] = 2.0f * rand() / RAND_MAX - 1.0f;
  }
  attn_memref_3d_f32 mq, mk, mv, out;
  init(&mq, q);
  init(&mk, k);
  init(&mv, v);
  _mlir_ciface_attention(&out, &mq, &mk, &mv);
  if (out.sizes[0] != B || out.sizes[1] != S || out.sizes[2] != D) {
    fprintf(stderr, "unexpected result shape\n");
    return 1;
  }
  print(&mq);
  print(&mk);
  print(&mv);
  print(&out);
  /* The result buffer is the library's malloc: the caller owns it. */
  free(out.allocated);
  return 0;
}
