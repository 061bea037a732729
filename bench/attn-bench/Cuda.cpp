//===- Cuda.cpp - attn-bench: the CUDA driver and cuBLAS ------------------===//
//
// The driver and cuBLAS through dlopen, and device memory helpers.
//
//===----------------------------------------------------------------------===//

#include "Cuda.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define ATTN_STR(x) #x
#define ATTN_XSTR(x) ATTN_STR(x)

namespace attnbench {

Driver cu;
Blas blas;
Gpu gpu;

std::string loadDriver() {
  const char *path = getenv("ATTN_CUDA_DRIVER");
  void *h = dlopen(path ? path : "libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!h)
    return std::string("no CUDA driver: dlopen(\"") +
           (path ? path : "libcuda.so.1") + "\") failed: " + dlerror();
#define LOAD(fn)                                                               \
  cu.fn = reinterpret_cast<decltype(cu.fn)>(dlsym(h, ATTN_XSTR(fn)));          \
  if (!cu.fn)                                                                  \
    return "CUDA driver lacks " ATTN_XSTR(fn);
  DRIVER_FUNCS(LOAD)
#undef LOAD
  return "";
}

std::string loadBlas() {
  const char *env = getenv("ATTN_BENCH_CUBLAS");
  std::vector<std::string> names;
  if (env)
    names.push_back(env);
  names.push_back("libcublas.so.13");
  names.push_back("/usr/local/cuda/lib64/libcublas.so.13");
  names.push_back("libcublas.so.12");
  names.push_back("libcublas.so");
  std::string errs;
  for (const std::string &n : names) {
    void *h = dlopen(n.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
      errs += std::string(dlerror()) + "; ";
      continue;
    }
    blas.create =
        reinterpret_cast<decltype(blas.create)>(dlsym(h, "cublasCreate_v2"));
    blas.setStream = reinterpret_cast<decltype(blas.setStream)>(
        dlsym(h, "cublasSetStream_v2"));
    blas.gemm = reinterpret_cast<decltype(blas.gemm)>(
        dlsym(h, "cublasGemmStridedBatchedEx"));
    blas.getVersion = reinterpret_cast<decltype(blas.getVersion)>(
        dlsym(h, "cublasGetVersion_v2"));
    if (blas.create && blas.setStream && blas.gemm && blas.getVersion)
      return "";
    errs += n + ": missing symbols; ";
  }
  return "cuBLAS not found (" + errs + ")";
}

std::string cuErr(CUresult r) {
  const char *name = "?";
  if (cu.cuGetErrorName)
    cu.cuGetErrorName(r, &name);
  return name;
}

[[noreturn]] void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "attn-bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

size_t freeMem() {
  size_t f = 0, t = 0;
  CHECK_CU(cu.cuCtxSynchronize());
  CHECK_CU(cu.cuMemGetInfo(&f, &t));
  return f;
}

CUdeviceptr alloc(size_t bytes) {
  CUdeviceptr p = 0;
  CUresult r = cu.cuMemAlloc(&p, std::max<size_t>(bytes, 256));
  if (r != CUDA_SUCCESS)
    return 0;
  return p;
}

void fillUniform(CUdeviceptr p, uint64_t n, uint64_t seed, float lo, float hi,
                 bool bf16) {
  void *args[] = {&p, &n, &seed, &lo, &hi};
  unsigned blocks = unsigned(
      std::min<uint64_t>((n + 255) / 256, uint64_t(std::max(gpu.sms, 1)) * 32));
  CHECK_CU(cu.cuLaunchKernel(bf16 ? gpu.fillBf16 : gpu.fill, blocks, 1, 1, 256,
                             1, 1, 0, gpu.stream, args, nullptr));
}

} // namespace attnbench
