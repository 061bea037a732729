// The asynchronous side of the runtime over the stand-in driver (see
// async.test): stream-ordered memory, copies, what a steady-state call does
// while a graph is being captured, asynchronous errors, tensor maps.
//   async-calls [maps]   maps: also encode tensor maps (needs a driver
//                        built with -DFAKE_TENSOR_MAP)
#include "attn/Runtime.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
void mgpuLaunchKernel(CUfunction, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, intptr_t, int32_t, CUstream, void **, void **,
                      size_t);
CUstream mgpuStreamCreate();
void *mgpuMemAlloc(uint64_t size, CUstream stream, bool isHostShared);
void mgpuMemFree(void *ptr, CUstream stream);
void mgpuMemcpy(void *dst, void *src, size_t size, CUstream stream);
void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *desc, int64_t dataType,
                                     int64_t interleave, int64_t swizzle,
                                     int64_t l2Promotion, int64_t oobFill,
                                     int64_t *boxDims);
}

static const char binary[] = "binary", kernel[] = "kernel";

static void step(const char *what) {
  std::printf("-- %s\n", what);
  std::fflush(stdout);
}

static void report() {
  std::printf("status: %d\n", attnGetStatus());
  std::printf("error: %s\n", attnGetLastError());
  attnClearError();
}

/// A call as generated host code makes it: get the kernel, launch it.
static void call() {
  CUfunction f =
      attnGetFunction(binary, sizeof(binary), kernel, ATTN_BINARY_CUBIN, 0);
  mgpuLaunchKernel(f, 2, 1, 1, 128, 1, 1, 1024, mgpuStreamCreate(), nullptr,
                   nullptr, 0);
}

/// The stand-in driver's test hook (it is loaded RTLD_LOCAL by the runtime).
static void setCapturing(int on) {
  void *driver =
      dlopen(std::getenv("ATTN_CUDA_DRIVER"), RTLD_NOW | RTLD_NOLOAD);
  auto hook = reinterpret_cast<void (*)(int)>(
      driver ? dlsym(driver, "fakeSetCapturing") : nullptr);
  if (!hook) {
    std::printf("no fakeSetCapturing\n");
    std::exit(1);
  }
  hook(on);
}

static void *encode(uint16_t *data) {
  // A rank-2 memref descriptor: allocated, aligned, offset, sizes, strides.
  int64_t desc[7] = {(int64_t)data, (int64_t)data, 0, 128, 64, 64, 1};
  int64_t box[2] = {64, 64};
  return mgpuTensorMapEncodeTiledMemref(2, desc, 6, 0, 3, 2, 0, box);
}

static void tensorMaps() {
  static uint16_t a[128 * 64], b[128 * 64], c[128 * 64];
  step("map a");
  void *mapA = encode(a);
  step("map a again");
  std::printf("same: %d\n", encode(a) == mapA);
  step("map b");
  void *mapB = encode(b);
  std::printf("next slot: %d\n", (char *)mapB - (char *)mapA == 128);
  step("map c while capturing");
  setCapturing(1);
  encode(c);
  setCapturing(0);
  report();
}

int main(int argc, char **argv) {
  step("stream");
  CUstream stream = mgpuStreamCreate();
  step("alloc");
  void *p = mgpuMemAlloc(1024, stream, false);
  void *q = mgpuMemAlloc(1024, stream, false);
  step("copy into itself");
  mgpuMemcpy(p, p, 1024, stream);
  step("copy");
  mgpuMemcpy(q, p, 1024, stream);
  step("free");
  mgpuMemFree(p, stream);
  mgpuMemFree(q, stream);
  step("managed");
  void *m = mgpuMemAlloc(64, stream, true);
  mgpuMemFree(m, stream);
  report();

  step("first call");
  call();
  step("steady-state call while capturing");
  setCapturing(1);
  call();
  step("status while capturing");
  std::printf("status: %d\n", attnGetStatus());
  step("synchronize while capturing");
  std::printf("synchronize: %d\n", attnSynchronize());
  setCapturing(0);
  report();

  step("plain synchronize");
  std::printf("synchronize: %d\n", attnSynchronize());
  step("asynchronous error");
  setenv("FAKE_CUDA_ASYNC_ERROR", "700", 1);
  report();
  step("asynchronous error at synchronize");
  std::printf("synchronize: %d\n", attnSynchronize());
  report();
  unsetenv("FAKE_CUDA_ASYNC_ERROR");

  if (argc > 1 && std::strcmp(argv[1], "maps") == 0)
    tensorMaps();
  step("exit");
  return 0;
}
