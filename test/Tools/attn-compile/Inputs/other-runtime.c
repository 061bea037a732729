/* Another mgpu* runtime (as test/Integration/GPU/mgpu_runtime.cpp or
   upstream's libmlir_cuda_runtime), without attnReportInvalidArgument: the
   generated code declares that extern_weak, so it still links, and a bad
   call still launches nothing (without a message). */
#include "invalid-args.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static int object;
void *mgpuModuleLoad(void *data, size_t size) { return &object; }
void mgpuModuleUnload(void *module) {}
void *mgpuModuleGetFunction(void *module, const char *name) { return &object; }
void *mgpuStreamCreate(void) { return &object; }
void mgpuStreamDestroy(void *stream) {}
void mgpuStreamSynchronize(void *stream) {}
void mgpuMemcpy(void *dst, void *src, size_t size, void *stream) {}
void mgpuLaunchKernel(void *f, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      void *stream, void **params, void **extra,
                      size_t paramsCount) {
  printf("launch %ld x %ld\n", (long)gx, (long)gy);
}

static _Alignas(16) uint16_t q[4 * 16 * 64], k[2 * 16 * 64], v[2 * 16 * 64],
    o[4 * 16 * 64];

static void init(attn_memref_4d_f16 *m, uint16_t *data, int64_t h) {
  int64_t sizes[4] = {1, h, 16, 64};
  m->allocated = m->aligned = data;
  m->offset = 0;
  for (int i = 0; i < 4; ++i)
    m->sizes[i] = sizes[i];
  m->strides[3] = 1;
  for (int i = 2; i >= 0; --i)
    m->strides[i] = m->strides[i + 1] * sizes[i + 1];
}

int main(void) {
  attn_memref_4d_f16 mq, mk, mv, mo;
  init(&mq, q, 4);
  init(&mk, k, 2);
  init(&mv, v, 2);
  init(&mo, o, 4);
  printf("good\n");
  _mlir_ciface_attn(&mq, &mk, &mv, &mo, &mo);
  mv.sizes[2] = 15;
  printf("bad\n");
  _mlir_ciface_attn(&mq, &mk, &mv, &mo, &mo);
  printf("done\n");
  return 0;
}
