//===- Runtime.cpp - mgpu* functions on the CUDA driver API ---------------===//
//
// The host code that MLIR's gpu-to-llvm lowering emits calls these functions.
// libcuda.so.1 is opened lazily with dlopen, so this library loads (and fails
// cleanly, with a message) on machines without a driver. It depends on
// nothing but the C++ runtime and libdl.
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime.h"

#include <cuda.h>
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#define ATTN_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

// cuda.h maps some names to versioned symbols (cuMemAlloc -> cuMemAlloc_v2);
// stringizing after expansion gives the symbol to look up.
#define ATTN_STR_(x) #x
#define ATTN_STR(x) ATTN_STR_(x)

#define ATTN_DRIVER_FUNCTIONS(X)                                               \
  X(cuInit)                                                                    \
  X(cuGetErrorName)                                                            \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetCount)                                                          \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxGetCurrent)                                                           \
  X(cuCtxSetCurrent)                                                           \
  X(cuModuleLoadData)                                                          \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamWaitEvent)                                                         \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuMemAlloc)                                                                \
  X(cuMemAllocManaged)                                                         \
  X(cuMemFree)                                                                 \
  X(cuMemcpyAsync)                                                             \
  X(cuMemsetD32Async)                                                          \
  X(cuMemsetD16Async)

struct Driver {
#define ATTN_DECLARE(fn) decltype(&::fn) fn = nullptr;
  ATTN_DRIVER_FUNCTIONS(ATTN_DECLARE)
#undef ATTN_DECLARE
  // Optional (absent from drivers before CUDA 12 and from stand-in drivers):
  // looked up, not required, when the driver loads.
  decltype(&::cuTensorMapEncodeTiled) cuTensorMapEncodeTiled = nullptr;
  decltype(&::cuMemcpyHtoD) cuMemcpyHtoD = nullptr;
  decltype(&::cuDeviceGetAttribute) cuDeviceGetAttribute = nullptr;
};

struct State {
  std::mutex mutex;
  bool initialized = false;
  attnStatus initStatus = ATTN_STATUS_SUCCESS;
  Driver cu;
  int device = 0;
  CUcontext context = nullptr;
  // The first failure; sticky until attnClearError.
  attnStatus status = ATTN_STATUS_SUCCESS;
  std::string message;
  bool printed = false;
  CUstream userStream = nullptr;
  CUstream ownStream = nullptr;
  // gpu-to-llvm loads a module per binary and looks a function up per launch:
  // both are cached so that a launch costs no driver lookups.
  std::map<const void *, std::pair<CUmodule, int>> modules;
  std::map<std::pair<CUmodule, std::string>, CUfunction> functions;
  // Dynamic shared memory each function was opted into.
  std::map<CUfunction, int32_t> smemLimits;
  // Device copies of encoded tensor maps, by content: the host code of
  // nvgpu.tma.create.descriptor encodes one per call.
  std::map<std::string, CUdeviceptr> tensorMaps;
};

State &state() {
  static State *s = new State; // Never destroyed: used from global dtors.
  return *s;
}

void recordLocked(State &s, attnStatus status, const std::string &message) {
  if (s.status != ATTN_STATUS_SUCCESS)
    return;
  s.status = status;
  s.message = message;
  if (!s.printed && !std::getenv("ATTN_RUNTIME_QUIET")) {
    s.printed = true;
    std::fprintf(stderr, "attn runtime error: %s\n", message.c_str());
  }
}

void record(attnStatus status, const std::string &message) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  recordLocked(s, status, message);
}

std::string errorName(State &s, CUresult result) {
  const char *name = nullptr;
  if (s.cu.cuGetErrorName && s.cu.cuGetErrorName(result, &name) == CUDA_SUCCESS &&
      name)
    return name;
  return "CUresult " + std::to_string(static_cast<int>(result));
}

/// Records `result` if it is a failure of `call` (made from `api`).
bool check(CUresult result, const char *api, const char *call) {
  if (result == CUDA_SUCCESS)
    return true;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  recordLocked(s, static_cast<attnStatus>(result),
               std::string(api) + ": " + call + " failed: " +
                   errorName(s, result));
  return false;
}

#define CU_CHECK(api, expr) check(state().cu.expr, api, ATTN_STR(expr))

attnStatus initLocked(State &s) {
  if (s.initialized)
    return s.initStatus;
  s.initialized = true;
  const char *path = std::getenv("ATTN_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    s.initStatus = ATTN_STATUS_NO_DRIVER;
    const char *why = dlerror();
    recordLocked(s, s.initStatus,
                 std::string("CUDA driver not found: dlopen(\"") + path +
                     "\") failed" + (why ? std::string(": ") + why : ""));
    return s.initStatus;
  }
#define ATTN_LOAD(fn)                                                          \
  s.cu.fn = reinterpret_cast<decltype(s.cu.fn)>(dlsym(handle, ATTN_STR(fn)));  \
  if (!s.cu.fn) {                                                              \
    s.initStatus = ATTN_STATUS_NO_DRIVER;                                      \
    recordLocked(s, s.initStatus,                                              \
                 std::string("CUDA driver ") + path + " lacks " ATTN_STR(fn)); \
    return s.initStatus;                                                       \
  }
  ATTN_DRIVER_FUNCTIONS(ATTN_LOAD)
#undef ATTN_LOAD
  s.cu.cuTensorMapEncodeTiled =
      reinterpret_cast<decltype(s.cu.cuTensorMapEncodeTiled)>(
          dlsym(handle, ATTN_STR(cuTensorMapEncodeTiled)));
  s.cu.cuMemcpyHtoD = reinterpret_cast<decltype(s.cu.cuMemcpyHtoD)>(
      dlsym(handle, ATTN_STR(cuMemcpyHtoD)));
  s.cu.cuDeviceGetAttribute =
      reinterpret_cast<decltype(s.cu.cuDeviceGetAttribute)>(
          dlsym(handle, ATTN_STR(cuDeviceGetAttribute)));

  auto fail = [&](CUresult result, const char *call) {
    s.initStatus = static_cast<attnStatus>(result);
    recordLocked(s, s.initStatus,
                 std::string("attnInit: ") + call + " failed: " +
                     errorName(s, result));
    return s.initStatus;
  };
  if (CUresult r = s.cu.cuInit(0))
    return fail(r, "cuInit(0)");
  int count = 0;
  if (CUresult r = s.cu.cuDeviceGetCount(&count))
    return fail(r, "cuDeviceGetCount");
  if (s.device < 0 || s.device >= count)
    return fail(CUDA_ERROR_INVALID_DEVICE, "cuDeviceGet");
  CUdevice device;
  if (CUresult r = s.cu.cuDeviceGet(&device, s.device))
    return fail(r, "cuDeviceGet");
  if (CUresult r = s.cu.cuDevicePrimaryCtxRetain(&s.context, device))
    return fail(r, "cuDevicePrimaryCtxRetain");
  return ATTN_STATUS_SUCCESS;
}

/// Loads the driver once and makes the context current on this thread.
bool ready(const char *api) {
  State &s = state();
  CUcontext context;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (initLocked(s) != ATTN_STATUS_SUCCESS)
      return false;
    context = s.context;
  }
  // A framework sharing the thread may have switched contexts since.
  CUcontext current = nullptr;
  if (!CU_CHECK(api, cuCtxGetCurrent(&current)))
    return false;
  return current == context || CU_CHECK(api, cuCtxSetCurrent(context));
}

bool nonNull(const void *p, const char *api, const char *what) {
  if (p)
    return true;
  record(static_cast<attnStatus>(CUDA_ERROR_INVALID_VALUE),
         std::string(api) + ": null " + what);
  return false;
}

} // namespace

//===----------------------------------------------------------------------===//
// Public C API.
//===----------------------------------------------------------------------===//

ATTN_EXPORT attnStatus attnInit(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return initLocked(s);
}

ATTN_EXPORT void attnSetStream(CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.userStream = stream;
}

ATTN_EXPORT attnStatus attnGetStatus(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.status;
}

ATTN_EXPORT const char *attnGetLastError(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  // Stable until attnClearError: only the first failure is recorded.
  return s.message.c_str();
}

ATTN_EXPORT void attnReportInvalidArgument(const char *format, int64_t a,
                                           int64_t b) {
  // `format` comes from the generated host code: a constant naming the
  // entry point and the check, with up to two %lld conversions.
  char buffer[1024];
  int n = std::snprintf(buffer, sizeof(buffer), format ? format : "(null)",
                        static_cast<long long>(a), static_cast<long long>(b));
  record(ATTN_STATUS_INVALID_ARGUMENT,
         n < 0 ? std::string(format ? format : "") : std::string(buffer));
}

ATTN_EXPORT void attnClearError(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.status = ATTN_STATUS_SUCCESS;
  s.message.clear();
  s.printed = false;
}

//===----------------------------------------------------------------------===//
// The mgpu* ABI of mlir/lib/ExecutionEngine/CudaRuntimeWrappers.cpp.
//===----------------------------------------------------------------------===//

ATTN_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*gpuBlobSize*/) {
  if (!ready("mgpuModuleLoad") || !nonNull(data, "mgpuModuleLoad", "binary"))
    return nullptr;
  State &s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.modules.find(data);
    if (it != s.modules.end()) {
      ++it->second.second;
      return it->second.first;
    }
  }
  CUmodule module = nullptr;
  if (!CU_CHECK("mgpuModuleLoad", cuModuleLoadData(&module, data)))
    return nullptr;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.modules[data] = {module, 1};
  return module;
}

ATTN_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel,
                                       size_t /*assemblySize*/) {
  if (!ready("mgpuModuleLoadJIT") ||
      !nonNull(data, "mgpuModuleLoadJIT", "PTX"))
    return nullptr;
  State &s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.modules.find(data);
    if (it != s.modules.end()) {
      ++it->second.second;
      return it->second.first;
    }
  }
  // Keep the JIT log: it is the only useful part of a PTX error.
  char log[4096] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log))};
  CUmodule module = nullptr;
  CUresult result =
      s.cu.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS) {
    std::lock_guard<std::mutex> lock(s.mutex);
    recordLocked(s, static_cast<attnStatus>(result),
                 "mgpuModuleLoadJIT: cuModuleLoadDataEx failed: " +
                     errorName(s, result) + (log[0] ? std::string(": ") + log
                                                    : std::string()));
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  s.modules[data] = {module, 1};
  return module;
}

ATTN_EXPORT void mgpuModuleUnload(CUmodule module) {
  if (!module)
    return;
  State &s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    for (auto it = s.modules.begin(); it != s.modules.end(); ++it) {
      if (it->second.first != module)
        continue;
      if (--it->second.second > 0)
        return;
      s.modules.erase(it);
      break;
    }
    for (auto it = s.functions.begin(); it != s.functions.end();) {
      if (it->first.first != module) {
        ++it;
        continue;
      }
      s.smemLimits.erase(it->second);
      it = s.functions.erase(it);
    }
  }
  if (ready("mgpuModuleUnload"))
    CU_CHECK("mgpuModuleUnload", cuModuleUnload(module));
}

ATTN_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                             const char *name) {
  if (!nonNull(module, "mgpuModuleGetFunction", "module (did it load?)") ||
      !nonNull(name, "mgpuModuleGetFunction", "name") ||
      !ready("mgpuModuleGetFunction"))
    return nullptr;
  State &s = state();
  std::pair<CUmodule, std::string> key(module, name);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.functions.find(key);
    if (it != s.functions.end())
      return it->second;
  }
  CUfunction function = nullptr;
  if (!check(s.cu.cuModuleGetFunction(&function, module, name),
             "mgpuModuleGetFunction",
             ("cuModuleGetFunction(\"" + std::string(name) + "\")").c_str()))
    return nullptr;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.functions.emplace(std::move(key), function);
  return function;
}

ATTN_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                  intptr_t gridY, intptr_t gridZ,
                                  intptr_t blockX, intptr_t blockY,
                                  intptr_t blockZ, int32_t smem,
                                  CUstream stream, void **params, void **extra,
                                  size_t /*paramsCount*/) {
  if (!nonNull(function, "mgpuLaunchKernel", "function (did it load?)") ||
      !ready("mgpuLaunchKernel"))
    return;
  // Zero-sized dynamic shapes give empty grids, which CUDA rejects: there is
  // nothing to run.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  // Above 48 KiB, dynamic shared memory must be opted into per function.
  if (smem > 48 * 1024) {
    State &s = state();
    bool optedIn;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      auto it = s.smemLimits.find(function);
      optedIn = it != s.smemLimits.end() && it->second >= smem;
    }
    if (!optedIn) {
      if (!CU_CHECK("mgpuLaunchKernel",
                    cuFuncSetAttribute(
                        function,
                        CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        smem)))
        return;
      std::lock_guard<std::mutex> lock(s.mutex);
      s.smemLimits[function] = smem;
    }
  }
  CU_CHECK("mgpuLaunchKernel",
           cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                          blockZ, smem, stream, params, extra));
}

ATTN_EXPORT CUstream mgpuStreamCreate() {
  if (!ready("mgpuStreamCreate"))
    return nullptr;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.userStream)
    return s.userStream;
  // One stream for the process: generated code creates one per call.
  if (!s.ownStream) {
    CUresult r = s.cu.cuStreamCreate(&s.ownStream, CU_STREAM_NON_BLOCKING);
    if (r != CUDA_SUCCESS) {
      s.ownStream = nullptr;
      recordLocked(s, static_cast<attnStatus>(r),
                   "mgpuStreamCreate: cuStreamCreate failed: " +
                       errorName(s, r));
    }
  }
  return s.ownStream;
}

ATTN_EXPORT void mgpuStreamDestroy(CUstream /*stream*/) {
  // Streams are the caller's or cached: never destroyed per call.
}

ATTN_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  if (ready("mgpuStreamSynchronize"))
    CU_CHECK("mgpuStreamSynchronize", cuStreamSynchronize(stream));
}

ATTN_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  if (nonNull(event, "mgpuStreamWaitEvent", "event") &&
      ready("mgpuStreamWaitEvent"))
    CU_CHECK("mgpuStreamWaitEvent", cuStreamWaitEvent(stream, event, 0));
}

ATTN_EXPORT CUevent mgpuEventCreate() {
  CUevent event = nullptr;
  if (ready("mgpuEventCreate") &&
      !CU_CHECK("mgpuEventCreate",
                cuEventCreate(&event, CU_EVENT_DISABLE_TIMING)))
    return nullptr;
  return event;
}

ATTN_EXPORT void mgpuEventDestroy(CUevent event) {
  if (event && ready("mgpuEventDestroy"))
    CU_CHECK("mgpuEventDestroy", cuEventDestroy(event));
}

ATTN_EXPORT void mgpuEventSynchronize(CUevent event) {
  if (nonNull(event, "mgpuEventSynchronize", "event") &&
      ready("mgpuEventSynchronize"))
    CU_CHECK("mgpuEventSynchronize", cuEventSynchronize(event));
}

ATTN_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  if (nonNull(event, "mgpuEventRecord", "event") && ready("mgpuEventRecord"))
    CU_CHECK("mgpuEventRecord", cuEventRecord(event, stream));
}

ATTN_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream /*stream*/,
                               bool isHostShared) {
  if (sizeBytes == 0 || !ready("mgpuMemAlloc"))
    return nullptr;
  CUdeviceptr ptr = 0;
  bool ok = isHostShared
                ? CU_CHECK("mgpuMemAlloc",
                           cuMemAllocManaged(&ptr, sizeBytes,
                                             CU_MEM_ATTACH_GLOBAL))
                : CU_CHECK("mgpuMemAlloc", cuMemAlloc(&ptr, sizeBytes));
  return ok ? reinterpret_cast<void *>(ptr) : nullptr;
}

ATTN_EXPORT void mgpuMemFree(void *ptr, CUstream /*stream*/) {
  if (ptr && ready("mgpuMemFree"))
    CU_CHECK("mgpuMemFree", cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)));
}

ATTN_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                            CUstream stream) {
  // A result computed in place in the buffer the caller passes for it:
  // nothing to copy (docs/runtime.md, target=cuda results).
  if (sizeBytes == 0 || dst == src)
    return;
  if (!nonNull(dst, "mgpuMemcpy", "destination") ||
      !nonNull(src, "mgpuMemcpy", "source") || !ready("mgpuMemcpy"))
    return;
  CU_CHECK("mgpuMemcpy", cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                       reinterpret_cast<CUdeviceptr>(src),
                                       sizeBytes, stream));
}

ATTN_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                              CUstream stream) {
  if (count == 0 || !nonNull(dst, "mgpuMemset32", "destination") ||
      !ready("mgpuMemset32"))
    return;
  CU_CHECK("mgpuMemset32",
           cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                            stream));
}

ATTN_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                              CUstream stream) {
  if (count == 0 || !nonNull(dst, "mgpuMemset16", "destination") ||
      !ready("mgpuMemset16"))
    return;
  CU_CHECK("mgpuMemset16",
           cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                            stream));
}

ATTN_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.initialized && s.device != device) {
    recordLocked(s, static_cast<attnStatus>(CUDA_ERROR_INVALID_DEVICE),
                 "mgpuSetDefaultDevice: must be called before the first "
                 "CUDA call");
    return;
  }
  s.device = device;
}

/// Called by the host code of a persistent sm_90a kernel to size its grid:
/// the multiprocessor count of the runtime's device, or 0 after recording
/// the failure (the launch that follows then fails too).
ATTN_EXPORT int32_t attnMultiprocessorCount(void) {
  const char *api = "attnMultiprocessorCount";
  if (!ready(api))
    return 0;
  State &s = state();
  if (!s.cu.cuDeviceGetAttribute) {
    record(static_cast<attnStatus>(CUDA_ERROR_NOT_SUPPORTED),
           std::string(api) + ": the CUDA driver lacks cuDeviceGetAttribute");
    return 0;
  }
  CUdevice device;
  int count = 0;
  if (!CU_CHECK(api, cuDeviceGet(&device, s.device)) ||
      !CU_CHECK(api,
                cuDeviceGetAttribute(
                    &count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device)))
    return 0;
  return count;
}

/// Called by the host code of nvgpu.tma.create.descriptor (NVGPUToNVVM's
/// lowering): encodes a tiled tensor map of the ranked memref behind
/// `rankedDescriptor` (sizes and strides in elements, outermost first) with
/// box `boxDims` (outermost first) and returns a device pointer to it.
/// Identical maps share one device copy, kept for the life of the process.
ATTN_EXPORT void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *rankedDescriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims) {
  const char *api = "mgpuTensorMapEncodeTiledMemref";
  if (!nonNull(rankedDescriptor, api, "memref descriptor") ||
      !nonNull(boxDims, api, "box dimensions") || !ready(api))
    return nullptr;
  State &s = state();
  if (!s.cu.cuTensorMapEncodeTiled || !s.cu.cuMemcpyHtoD) {
    record(static_cast<attnStatus>(CUDA_ERROR_NOT_SUPPORTED),
           std::string(api) +
               ": the CUDA driver lacks cuTensorMapEncodeTiled (CUDA 12+)");
    return nullptr;
  }
  static const int elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (rank < 1 || rank > 5 || dataType < 0 || dataType > 12) {
    record(static_cast<attnStatus>(CUDA_ERROR_INVALID_VALUE),
           std::string(api) + ": unsupported rank " + std::to_string(rank) +
               " or data type " + std::to_string(dataType));
    return nullptr;
  }
  // A ranked memref descriptor: allocated, aligned, offset, sizes[rank],
  // strides[rank]. Tensor maps list dims innermost first, strides in bytes.
  auto *words = static_cast<int64_t *>(rankedDescriptor);
  char *aligned = reinterpret_cast<char *>(words[1]);
  int64_t *sizes = words + 3, *strides = words + 3 + rank;
  int64_t bytes = elementBytes[dataType];
  void *base = aligned + words[2] * bytes;
  cuuint64_t globalDim[5] = {1, 1, 1, 1, 1}, globalStrides[5] = {0};
  cuuint32_t box[5] = {1, 1, 1, 1, 1}, elementStrides[5] = {1, 1, 1, 1, 1};
  for (int64_t i = 0; i < rank; ++i) {
    globalDim[i] = static_cast<cuuint64_t>(sizes[rank - 1 - i]);
    box[i] = static_cast<cuuint32_t>(boxDims[rank - 1 - i]);
  }
  for (int64_t i = 0; i + 1 < rank; ++i)
    globalStrides[i] =
        static_cast<cuuint64_t>(strides[rank - 2 - i] * bytes);
  CUtensorMap map;
  std::memset(&map, 0, sizeof(map));
  if (!CU_CHECK(api, cuTensorMapEncodeTiled(
                         &map, static_cast<CUtensorMapDataType>(dataType),
                         static_cast<cuuint32_t>(rank), base, globalDim,
                         globalStrides, box, elementStrides,
                         static_cast<CUtensorMapInterleave>(interleave),
                         static_cast<CUtensorMapSwizzle>(swizzle),
                         static_cast<CUtensorMapL2promotion>(l2Promotion),
                         static_cast<CUtensorMapFloatOOBfill>(oobFill))))
    return nullptr;
  std::string key(reinterpret_cast<const char *>(&map), sizeof(map));
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.tensorMaps.find(key);
    if (it != s.tensorMaps.end())
      return reinterpret_cast<void *>(it->second);
  }
  CUdeviceptr device = 0;
  if (!CU_CHECK(api, cuMemAlloc(&device, sizeof(map))))
    return nullptr;
  if (!CU_CHECK(api, cuMemcpyHtoD(device, &map, sizeof(map)))) {
    s.cu.cuMemFree(device);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  s.tensorMaps.emplace(std::move(key), device);
  return reinterpret_cast<void *>(device);
}
