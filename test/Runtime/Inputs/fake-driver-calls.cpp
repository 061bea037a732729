// Drives the runtime over tests/Runtime/Inputs/fake-driver.c.
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
void mgpuStreamDestroy(CUstream stream);
void *mgpuMemAlloc(uint64_t size, CUstream stream, bool isHostShared);
}

int main() {
  char good[] = "good", bad[] = "bad";
  for (int i = 0; i < 2; ++i) {
    std::printf("call %d\n", i);
    CUmodule module = mgpuModuleLoad(good, sizeof(good));
    CUfunction fn = mgpuModuleGetFunction(module, "kernel");
    CUstream stream = mgpuStreamCreate();
    mgpuLaunchKernel(fn, 1, 1, 1, 128, 1, 1, 64 * 1024, stream, nullptr,
                     nullptr, 0);
    mgpuStreamDestroy(stream);
  }
  std::printf("status: %d\n", attnGetStatus());
  mgpuModuleLoad(bad, sizeof(bad));
  std::printf("status: %d\nerror: %s\n", attnGetStatus(), attnGetLastError());
  attnClearError();
  void *p = mgpuMemAlloc(uint64_t(1) << 40, mgpuStreamCreate(), false);
  std::printf("pointer: %p\nstatus: %d\nerror: %s\n", p, attnGetStatus(),
              attnGetLastError());
  return attnGetStatus() != ATTN_STATUS_SUCCESS;
}
