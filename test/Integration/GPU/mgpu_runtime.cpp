//===- mgpu_runtime.cpp - minimal mgpu* runtime for the GPU checks --------===//
//
// The subset of upstream's CudaRuntimeWrappers that gpu-to-llvm host code
// calls, on the CUDA driver API. Each launch is bracketed by events so that
// the driver can read the kernel time alone (attnRtLastKernelMs). Also the
// tensor-map entry point of nvgpu.tma.create.descriptor's host code
// (mgpuTensorMapEncodeTiledMemref), as in runtime/lib/Runtime.cpp.
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#define CHECK_CU(expr)                                                         \
  do {                                                                         \
    CUresult r_ = (expr);                                                      \
    if (r_ != CUDA_SUCCESS) {                                                  \
      const char *msg = "?";                                                   \
      cuGetErrorString(r_, &msg);                                              \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,     \
              msg);                                                            \
      exit(2);                                                                 \
    }                                                                          \
  } while (0)

static CUdevice device;
static float lastKernelMs = 0.0f;

extern "C" void attnRtInit() {
  static bool done = false;
  if (done)
    return;
  done = true;
  CHECK_CU(cuInit(0));
  CHECK_CU(cuDeviceGet(&device, 0));
  CUcontext ctx;
  CHECK_CU(cuDevicePrimaryCtxRetain(&ctx, device));
  CHECK_CU(cuCtxSetCurrent(ctx));
}

extern "C" float attnRtLastKernelMs() { return lastKernelMs; }

// The grid of a persistent sm_90a kernel.
extern "C" int32_t attnMultiprocessorCount() {
  CUdevice device;
  int count = 0;
  CHECK_CU(cuCtxGetDevice(&device));
  CHECK_CU(cuDeviceGetAttribute(
      &count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device));
  return count;
}

// The generated host code's descriptor checks report here (weakly referenced;
// libattn_runtime records the message instead). A rejected call is a test
// failure: the launch it guards did not happen.
extern "C" void attnReportInvalidArgument(const char *format, int64_t a,
                                          int64_t b) {
  fprintf(stderr, "invalid argument: ");
  fprintf(stderr, format, static_cast<long long>(a), static_cast<long long>(b));
  fprintf(stderr, "\n");
  exit(2);
}

extern "C" CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  attnRtInit();
  CUmodule module;
  CHECK_CU(cuModuleLoadData(&module, data));
  return module;
}

extern "C" void mgpuModuleUnload(CUmodule module) {
  // Runs from a global destructor, possibly after the driver shut down.
  CUresult r = cuModuleUnload(module);
  if (r != CUDA_SUCCESS && r != CUDA_ERROR_DEINITIALIZED)
    CHECK_CU(r);
}

extern "C" CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  CUfunction fn;
  CHECK_CU(cuModuleGetFunction(&fn, module, name));
  return fn;
}

// One stream for every call, as libattn_runtime: the host code takes a
// stream per block and never destroys it (docs/runtime.md).
extern "C" CUstream mgpuStreamCreate() {
  attnRtInit();
  static CUstream s = nullptr;
  if (!s)
    CHECK_CU(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
  return s;
}

extern "C" void mgpuStreamDestroy(CUstream) {}

// A result written in place comes back in the same buffer: no copy.
extern "C" void mgpuMemcpy(void *dst, void *src, size_t bytes,
                           CUstream stream) {
  if (bytes == 0 || dst == src)
    return;
  CHECK_CU(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                         reinterpret_cast<CUdeviceptr>(src), bytes, stream));
}

extern "C" void *mgpuMemAlloc(uint64_t bytes, CUstream, bool) {
  CUdeviceptr p = 0;
  if (bytes)
    CHECK_CU(cuMemAlloc(&p, bytes));
  return reinterpret_cast<void *>(p);
}

extern "C" void mgpuMemFree(void *p, CUstream) {
  if (p)
    CHECK_CU(cuMemFree(reinterpret_cast<CUdeviceptr>(p)));
}

extern "C" void mgpuStreamSynchronize(CUstream s) {
  CHECK_CU(cuStreamSynchronize(s));
}

extern "C" void mgpuLaunchKernel(CUfunction fn, intptr_t gx, intptr_t gy,
                                 intptr_t gz, intptr_t bx, intptr_t by,
                                 intptr_t bz, int32_t smem, CUstream stream,
                                 void **params, void **extra,
                                 size_t /*paramsCount*/) {
  // More than 48 KiB of dynamic shared memory must be opted into.
  if (smem > 48 * 1024)
    CHECK_CU(cuFuncSetAttribute(
        fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));
  CUevent start, stop;
  CHECK_CU(cuEventCreate(&start, CU_EVENT_DEFAULT));
  CHECK_CU(cuEventCreate(&stop, CU_EVENT_DEFAULT));
  CHECK_CU(cuEventRecord(start, stream));
  CHECK_CU(
      cuLaunchKernel(fn, gx, gy, gz, bx, by, bz, smem, stream, params, extra));
  CHECK_CU(cuEventRecord(stop, stream));
  CHECK_CU(cuEventSynchronize(stop));
  CHECK_CU(cuEventElapsedTime(&lastKernelMs, start, stop));
  CHECK_CU(cuEventDestroy(start));
  CHECK_CU(cuEventDestroy(stop));
}

extern "C" void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *desc, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims) {
  static const int elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  static std::map<std::string, CUdeviceptr> cache;
  auto *words = static_cast<int64_t *>(desc);
  int64_t bytes = elementBytes[dataType];
  char *base = reinterpret_cast<char *>(words[1]) + words[2] * bytes;
  int64_t *sizes = words + 3, *strides = words + 3 + rank;
  cuuint64_t dims[5] = {1, 1, 1, 1, 1}, gstrides[5] = {0};
  cuuint32_t box[5] = {1, 1, 1, 1, 1}, estrides[5] = {1, 1, 1, 1, 1};
  for (int64_t i = 0; i < rank; ++i) {
    dims[i] = sizes[rank - 1 - i];
    box[i] = boxDims[rank - 1 - i];
  }
  for (int64_t i = 0; i + 1 < rank; ++i)
    gstrides[i] = strides[rank - 2 - i] * bytes;
  CUtensorMap map;
  memset(&map, 0, sizeof(map));
  CHECK_CU(cuTensorMapEncodeTiled(
      &map, static_cast<CUtensorMapDataType>(dataType), rank, base, dims,
      gstrides, box, estrides, static_cast<CUtensorMapInterleave>(interleave),
      static_cast<CUtensorMapSwizzle>(swizzle),
      static_cast<CUtensorMapL2promotion>(l2Promotion),
      static_cast<CUtensorMapFloatOOBfill>(oobFill)));
  std::string key(reinterpret_cast<char *>(&map), sizeof(map));
  auto it = cache.find(key);
  if (it != cache.end())
    return reinterpret_cast<void *>(it->second);
  CUdeviceptr dev;
  CHECK_CU(cuMemAlloc(&dev, sizeof(map)));
  CHECK_CU(cuMemcpyHtoD(dev, &map, sizeof(map)));
  cache.emplace(key, dev);
  return reinterpret_cast<void *>(dev);
}
