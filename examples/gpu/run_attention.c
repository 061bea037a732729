/* Runs the kernel that attn-compile built from attention-f16.mlir on a GPU:
   random f16 inputs, an output poisoned with NaN, one call of the generated
   C entry point, then a float64 check of sampled rows and a timing.
   Needs only the CUDA driver (libcuda.so.1) and libattn_runtime at run time.

     run_attention [batch heads seq]        (default 2 8 1024) */
#include "attention-f16.h"
#include "attn/Runtime.h"

#include <cuda.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { D = 64 };

#define CHECK_CU(call)                                                         \
  do {                                                                         \
    CUresult r_ = (call);                                                      \
    if (r_ != CUDA_SUCCESS) {                                                  \
      const char *name_ = "unknown";                                           \
      cuGetErrorName(r_, &name_);                                              \
      fprintf(stderr, "error: %s failed: %s\n", #call, name_);                 \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

static uint16_t toHalf(float f) {
  /* Round to nearest even; inputs are small normals, so no inf/NaN cases. */
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (exp <= 0)
    return (uint16_t)sign; /* flush tiny values to zero */
  uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
    ++h;
  return (uint16_t)h;
}

static double fromHalf(uint16_t h) {
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v = exp ? ldexp(1.0 + mant / 1024.0, exp - 15) : ldexp(mant, -24);
  return (h & 0x8000) ? -v : v;
}

/* Dense row-major sizes and strides of a 4-D memref descriptor. */
static void denseLayout(int64_t *sizes, int64_t *strides, const int64_t *s) {
  for (int i = 0; i < 4; ++i)
    sizes[i] = s[i];
  strides[3] = 1;
  for (int i = 2; i >= 0; --i)
    strides[i] = strides[i + 1] * s[i + 1];
}

static void describe(attn_memref_4d_f16 *m, CUdeviceptr p, const int64_t *s) {
  m->allocated = m->aligned = (uint16_t *)(uintptr_t)p;
  m->offset = 0;
  denseLayout(m->sizes, m->strides, s);
}

static void describeF32(attn_memref_4d_f32 *m, CUdeviceptr p,
                        const int64_t *s) {
  m->allocated = m->aligned = (float *)(uintptr_t)p;
  m->offset = 0;
  denseLayout(m->sizes, m->strides, s);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmpDouble(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int64_t B = argc > 3 ? atoll(argv[1]) : 2, H = argc > 3 ? atoll(argv[2]) : 8,
          S = argc > 3 ? atoll(argv[3]) : 1024;
  int64_t shape[4] = {B, H, S, D}, n = B * H * S * D;

  CHECK_CU(cuInit(0));
  CUdevice dev;
  CUcontext ctx;
  char name[128];
  CHECK_CU(cuDeviceGet(&dev, 0));
  CHECK_CU(cuDeviceGetName(name, sizeof(name), dev));
  CHECK_CU(cuDevicePrimaryCtxRetain(&ctx, dev));
  CHECK_CU(cuCtxSetCurrent(ctx));

  uint16_t *hq = malloc(n * 2), *hk = malloc(n * 2), *hv = malloc(n * 2);
  float *ho = malloc(n * 4);
  srand(1234);
  for (int64_t i = 0; i < n; ++i) {
    hq[i] = toHalf(4.0f * rand() / RAND_MAX - 2.0f);
    hk[i] = toHalf(4.0f * rand() / RAND_MAX - 2.0f);
    hv[i] = toHalf(2.0f * rand() / RAND_MAX - 1.0f);
  }
  CUdeviceptr dq, dk, dv, dout;
  CHECK_CU(cuMemAlloc(&dq, n * 2));
  CHECK_CU(cuMemAlloc(&dk, n * 2));
  CHECK_CU(cuMemAlloc(&dv, n * 2));
  CHECK_CU(cuMemAlloc(&dout, n * 4));
  CHECK_CU(cuMemcpyHtoD(dq, hq, n * 2));
  CHECK_CU(cuMemcpyHtoD(dk, hk, n * 2));
  CHECK_CU(cuMemcpyHtoD(dv, hv, n * 2));
  CHECK_CU(cuMemsetD32(dout, 0x7fc00000u, n)); /* NaN: unwritten shows up */

  attn_memref_4d_f16 q, k, v;
  attn_memref_4d_f32 o;
  describe(&q, dq, shape);
  describe(&k, dk, shape);
  describe(&v, dv, shape);
  describeF32(&o, dout, shape);

  /* The result comes back in the buffer passed last: `o` itself, where the
     kernel writes in place. The call enqueues the kernel on the runtime's
     stream; wait for it (and learn whether it failed) before reading. */
  _mlir_ciface_attention(&q, &k, &v, &o, &o);
  if (attnSynchronize() != ATTN_STATUS_SUCCESS) {
    fprintf(stderr, "error: %s\n", attnGetLastError());
    return 1;
  }
  CHECK_CU(cuMemcpyDtoH(ho, dout, n * 4));

  /* float64 reference (causal, scale 1/8) on 64 sampled rows. */
  double err2 = 0, ref2 = 0;
  double *p = malloc(S * sizeof(double));
  for (int sample = 0; sample < 64; ++sample) {
    int64_t bh = (sample * 7919) % (B * H), i = (sample * 104729) % S;
    const uint16_t *qr = hq + (bh * S + i) * D;
    double m = -INFINITY, l = 0;
    for (int64_t j = 0; j <= i; ++j) {
      double s = 0;
      for (int d = 0; d < D; ++d)
        s += fromHalf(qr[d]) * fromHalf(hk[(bh * S + j) * D + d]);
      p[j] = s * 0.125;
      if (p[j] > m)
        m = p[j];
    }
    for (int64_t j = 0; j <= i; ++j)
      l += (p[j] = exp(p[j] - m));
    for (int d = 0; d < D; ++d) {
      double ref = 0;
      for (int64_t j = 0; j <= i; ++j)
        ref += p[j] * fromHalf(hv[(bh * S + j) * D + d]);
      ref /= l;
      double got = ho[(bh * S + i) * D + d];
      err2 += (got - ref) * (got - ref);
      ref2 += ref * ref;
    }
  }
  double rel = sqrt(err2 / ref2);
  printf("device: %s\n", name);
  printf("shape: B=%lld H=%lld S=%lld D=%d causal, f16 in, f32 out\n",
         (long long)B, (long long)H, (long long)S, D);
  printf("O[0, 0, 0, 0:4] = %.6f %.6f %.6f %.6f\n", ho[0], ho[1], ho[2],
         ho[3]);
  int ok = isfinite(rel) && rel < 1e-2;
  printf("float64 check of 64 rows: rel L2 error %.3e: %s\n", rel,
         ok ? "PASS" : "FAIL");

  /* Wall time of whole calls (launch + synchronize), median of 20. */
  double t[20];
  for (int r = 0; r < 23; ++r) {
    double t0 = now();
    _mlir_ciface_attention(&q, &k, &v, &o, &o);
    attnSynchronize();
    if (r >= 3)
      t[r - 3] = now() - t0;
  }
  qsort(t, 20, sizeof(double), cmpDouble);
  double flops = 4.0 * B * H * S * S * D / 2; /* causal: half the work */
  printf("median call time %.3f ms, %.1f TFLOPS (causal work only)\n",
         t[10] * 1e3, flops / t[10] / 1e12);
  if (attnGetStatus() != ATTN_STATUS_SUCCESS) {
    fprintf(stderr, "error: %s\n", attnGetLastError());
    return 1;
  }
  return ok ? 0 : 1;
}
