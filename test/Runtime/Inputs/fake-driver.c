/* A stand-in libcuda.so.1: logs each call, fails module loads and large
   allocations, so that the runtime's error path and caching can be checked
   without a GPU. Signatures are simplified: only pointer-sized or smaller
   arguments, which is all the x86-64 ABI needs to match. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int CUresult;
static int fakeObject;
#define LOG(name) (printf("fake: %s\n", name), fflush(stdout))
#define OK(name, ...)                                                          \
  CUresult name(__VA_ARGS__) {                                                 \
    LOG(#name);                                                                \
    return 0;                                                                  \
  }

CUresult cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
  case 2: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
  case 200: *name = "CUDA_ERROR_INVALID_IMAGE"; return 0;
  default: return 1;
  }
}
CUresult cuDeviceGetCount(int *count) { *count = 1; return 0; }
CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) {
  *ctx = &fakeObject;
  return 0;
}
static void *current;
CUresult cuCtxGetCurrent(void **ctx) { *ctx = current; return 0; }
CUresult cuCtxSetCurrent(void *ctx) { LOG("cuCtxSetCurrent"); current = ctx; return 0; }
CUresult cuModuleLoadData(void **module, const void *image) {
  LOG("cuModuleLoadData");
  if (strcmp((const char *)image, "bad") == 0)
    return 200;
  *module = &fakeObject;
  return 0;
}
CUresult cuModuleGetFunction(void **fn, void *module, const char *name) {
  LOG("cuModuleGetFunction");
  *fn = &fakeObject;
  return 0;
}
CUresult cuStreamCreate(void **stream, unsigned flags) {
  LOG("cuStreamCreate");
  *stream = &fakeObject;
  return 0;
}
CUresult cuFuncSetAttribute(void *fn, int attr, int value) {
  printf("fake: cuFuncSetAttribute %d\n", value);
  return 0;
}
CUresult cuMemAlloc_v2(uint64_t *ptr, size_t size) {
  LOG("cuMemAlloc_v2");
  if (size > (1u << 30))
    return 2;
  *ptr = 4096;
  return 0;
}
OK(cuInit, unsigned flags)
OK(cuDeviceGet, int *dev, int ordinal)
OK(cuModuleLoadDataEx, void **m, const void *i, unsigned n, void *o, void **v)
OK(cuModuleUnload, void *module)
OK(cuLaunchKernel, void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
   unsigned by, unsigned bz, unsigned smem, void *s, void **p, void **e)
OK(cuStreamDestroy_v2, void *stream)
OK(cuStreamSynchronize, void *stream)
OK(cuStreamWaitEvent, void *stream, void *event, unsigned flags)
OK(cuEventCreate, void **event, unsigned flags)
OK(cuEventDestroy_v2, void *event)
OK(cuEventRecord, void *event, void *stream)
OK(cuEventSynchronize, void *event)
OK(cuMemAllocManaged, uint64_t *ptr, size_t size, unsigned flags)
OK(cuMemFree_v2, uint64_t ptr)
OK(cuMemcpyAsync, uint64_t dst, uint64_t src, size_t size, void *stream)
OK(cuMemsetD32Async, uint64_t dst, unsigned v, size_t n, void *stream)
OK(cuMemsetD16Async, uint64_t dst, unsigned short v, size_t n, void *stream)
