//===- Cuda.h - attn-bench: the CUDA driver and cuBLAS ----------*- C++ -*-===//
//
// The CUDA driver and cuBLAS, opened with dlopen so that attn-bench starts on
// a machine without a GPU and says so; the device it runs on; fatal errors.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_BENCH_CUDA_H
#define ATTN_BENCH_CUDA_H

#include <cublas_api.h>
#include <cuda.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace attnbench {

#define DRIVER_FUNCS(X)                                                        \
  X(cuInit)                                                                    \
  X(cuDriverGetVersion)                                                        \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDeviceTotalMem)                                                          \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxSetCurrent)                                                           \
  X(cuCtxSynchronize)                                                          \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemGetInfo)                                                              \
  X(cuMemcpyDtoH)                                                              \
  X(cuMemsetD16)                                                               \
  X(cuModuleLoadData)                                                          \
  X(cuModuleGetFunction)                                                       \
  X(cuLaunchKernel)                                                            \
  X(cuStreamCreate)                                                            \
  X(cuStreamSynchronize)                                                       \
  X(cuEventCreate)                                                             \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventElapsedTime)                                                        \
  X(cuGetErrorName)

struct Driver {
#define DECL(fn) decltype(&::fn) fn = nullptr;
  DRIVER_FUNCS(DECL)
#undef DECL
};
extern Driver cu;

// cuBLAS (cublas_api.h names the _v2 entry points).
struct Blas {
  decltype(&::cublasCreate_v2) create = nullptr;
  decltype(&::cublasSetStream_v2) setStream = nullptr;
  // The C entry point (C++ sees an overload set).
  using GemmFn = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t,
                                    cublasOperation_t, int, int, int,
                                    const void *, const void *, cudaDataType,
                                    int, long long, const void *, cudaDataType,
                                    int, long long, const void *, void *,
                                    cudaDataType, int, long long, int,
                                    cublasComputeType_t, cublasGemmAlgo_t);
  GemmFn gemm = nullptr;
  decltype(&::cublasGetVersion_v2) getVersion = nullptr;
  cublasHandle_t handle = nullptr;
};
extern Blas blas;

/// Opens the driver (ATTN_CUDA_DRIVER, else libcuda.so.1) into `cu`;
/// returns "" or an error.
std::string loadDriver();
/// Opens cuBLAS (ATTN_BENCH_CUBLAS, else the usual sonames) into `blas`;
/// returns "" or an error.
std::string loadBlas();
/// The name of a driver error code.
std::string cuErr(CUresult r);

/// Prints "attn-bench: <message>" and exits with status 2.
[[noreturn]] void die(const char *fmt, ...);

#define CHECK_CU(expr)                                                         \
  do {                                                                         \
    CUresult r_ = (expr);                                                      \
    if (r_ != CUDA_SUCCESS)                                                    \
      die("%s:%d: %s failed: %s", __FILE__, __LINE__, #expr,                   \
          cuErr(r_).c_str());                                                  \
  } while (0)

/// Device 0, on which everything runs, and the baseline module's kernels.
struct Gpu {
  CUdevice dev;
  CUcontext ctx;
  CUstream stream;
  CUmodule mod;
  CUfunction fill, fillBf16, softmax;
  int l2Bytes = 0, sms = 0;
  std::string name;
  int driverVersion = 0;
};
extern Gpu gpu;

/// Free device memory, after a synchronize.
size_t freeMem();
/// `bytes` (at least 256) of device memory, or 0 when there is none left.
CUdeviceptr alloc(size_t bytes);
/// f16 or bf16 (`bf16`) values, uniform in [lo, hi).
void fillUniform(CUdeviceptr p, uint64_t n, uint64_t seed, float lo, float hi,
                 bool bf16 = false);
/// A quiet NaN of the element type, to poison outputs before a checked run.
inline unsigned short nanBits(bool bf16) { return bf16 ? 0x7FC0 : 0x7E00; }

} // namespace attnbench

#endif // ATTN_BENCH_CUDA_H
