// Calls the runtime the way generated host code does, then reports the
// recorded status the way a caller of an entry point should.
#include "attn/Runtime.h"

#include <cstdint>
#include <cstdio>

extern "C" {
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
CUmodule mgpuModuleLoad(void *data, size_t size);
CUfunction mgpuModuleGetFunction(CUmodule module, const char *name);
void mgpuLaunchKernel(CUfunction, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, intptr_t, int32_t, CUstream, void **, void **,
                      size_t);
CUstream mgpuStreamCreate();
void *mgpuMemAlloc(uint64_t size, CUstream stream, bool isHostShared);
void mgpuMemcpy(void *dst, void *src, size_t size, CUstream stream);
void mgpuStreamSynchronize(CUstream stream);
}

int main() {
  char blob[16] = {0};
  CUmodule module = mgpuModuleLoad(blob, sizeof(blob));
  CUfunction function = mgpuModuleGetFunction(module, "kernel");
  CUstream stream = mgpuStreamCreate();
  void *buffer = mgpuMemAlloc(1024, stream, false);
  mgpuMemcpy(buffer, blob, sizeof(blob), stream);
  mgpuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, stream, nullptr, nullptr,
                   0);
  mgpuStreamSynchronize(stream);
  std::fflush(stderr);
  std::printf("handles: %d %d %d %d\n", module != nullptr,
              function != nullptr, stream != nullptr, buffer != nullptr);
  std::printf("init: %d\n", attnInit());
  std::printf("status: %d\n", attnGetStatus());
  std::printf("error: %s\n", attnGetLastError());
  attnClearError();
  std::printf("cleared: %d '%s'\n", attnGetStatus(), attnGetLastError());
  return attnInit() == ATTN_STATUS_SUCCESS ? 0 : 1;
}
