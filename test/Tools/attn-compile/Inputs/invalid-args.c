/* Calls the target=cuda entry points of invalid-args.mlir with bad memref
   descriptors over the stand-in driver (test/Runtime/Inputs/fake-driver.c,
   which logs "fake: cuLaunchKernel"): each bad call must record
   ATTN_STATUS_INVALID_ARGUMENT with a message and launch nothing. Pointers
   are never dereferenced: the stand-in driver launches nothing. */
#include "invalid-args.h"
#include "attn/Runtime.h"

#include <stdio.h>
#include <string.h>

static _Alignas(16) uint16_t q[4 * 128 * 64], k[4 * 128 * 64],
    v[4 * 128 * 64], o[4 * 128 * 64];
static _Alignas(16) float mask[4 * 128 * 128], lse[4 * 128];

/* Dense row-major, offset 0: the ABI. */
#define INIT(m, data, n, ...)                                                  \
  do {                                                                         \
    int64_t sizes_[n] = {__VA_ARGS__};                                         \
    (m).allocated = (m).aligned = (data);                                      \
    (m).offset = 0;                                                            \
    for (int i_ = 0; i_ < (n); ++i_)                                           \
      (m).sizes[i_] = sizes_[i_];                                              \
    (m).strides[(n)-1] = 1;                                                    \
    for (int i_ = (n)-2; i_ >= 0; --i_)                                        \
      (m).strides[i_] = (m).strides[i_ + 1] * sizes_[i_ + 1];                  \
  } while (0)

static attn_memref_4d_f16 mq, mk, mv, mo;
static attn_memref_4d_f32 mm;
static attn_memref_3d_f32 ml;

/* batch 1, Hq 4, Hkv 2, Sq = Sk = 16, D 64. */
static void reset(void) {
  INIT(mq, q, 4, 1, 4, 16, 64);
  INIT(mk, k, 4, 1, 2, 16, 64);
  INIT(mv, v, 4, 1, 2, 16, 64);
  INIT(mo, o, 4, 1, 4, 16, 64);
  INIT(mm, mask, 4, 1, 1, 16, 16);
  INIT(ml, lse, 3, 1, 4, 16);
}

static void report(void) {
  fflush(stdout);
  printf("status: %d\nerror: %s\n", attnGetStatus(), attnGetLastError());
  attnClearError();
  reset();
}

/* target=cuda entry points take their results as trailing buffers; the
   result written in place into `o` comes back in `o` itself (the runtime
   skips a copy onto the same buffer). */
static void callAttn(const char *name) {
  printf("case %s\n", name);
  fflush(stdout);
  _mlir_ciface_attn(&mq, &mk, &mv, &mo, &mo);
  report();
}

static void callMasked(const char *name) {
  printf("case %s\n", name);
  fflush(stdout);
  _mlir_ciface_masked(&mq, &mk, &mv, &mm, &mo, &ml, &mo, &ml);
  report();
}

int main(void) {
  reset();
  printf("invalid argument status: %d\n", ATTN_STATUS_INVALID_ARGUMENT);
  callAttn("good");

  mk.sizes[2] = 77;
  mv.sizes[2] = 80;
  callAttn("sk");

  mo.sizes[2] = 15;
  callAttn("output");

  INIT(mo, o, 4, 1, 16, 4, 64); /* (batch, Sq, Hq, D): wrong order */
  callAttn("output-order");

  INIT(mk, k, 4, 2, 2, 16, 64);
  INIT(mv, v, 4, 2, 2, 16, 64);
  callAttn("batch");

  INIT(mk, k, 4, 1, 3, 16, 64);
  INIT(mv, v, 4, 1, 3, 16, 64);
  callAttn("gqa");

  mk.sizes[1] = mv.sizes[1] = 0;
  callAttn("hkv-zero");

  mv.sizes[1] = 1;
  callAttn("heads");

  mq.aligned = mq.allocated = NULL;
  callAttn("null");

  mk.aligned = (uint16_t *)((char *)k + 2);
  callAttn("misaligned");

  mv.offset = 8;
  callAttn("offset");

  mq.strides[1] = 64;
  mq.strides[2] = 4 * 64; /* (batch, Sq, Hq, D) strides, BHSD sizes */
  callAttn("strides");

  mk.sizes[3] = 32;
  callAttn("head-dim");

  callAttn("good-again");

  callMasked("masked-good");

  mm.sizes[2] = 5;
  callMasked("mask-broadcast");

  mm.sizes[1] = 4;
  callMasked("mask-static");

  ml.sizes[2] = 8;
  callMasked("lse");

  mm.aligned = (float *)((char *)mask + 2);
  callMasked("mask-misaligned");
  return 0;
}
