//===- Runtime.cpp - mgpu* functions on the CUDA driver API ---------------===//
//
// The host code that MLIR's gpu-to-llvm lowering emits calls these functions.
// libcuda.so.1 is opened lazily with dlopen, so this library loads (and fails
// cleanly, with a message) on machines without a driver, and loading it, or a
// kernel library linked with it, makes no CUDA call. It depends on nothing
// but the C++ runtime and libdl.
//
// This file: the driver table, errors and status, contexts and devices,
// streams, events and memory. Modules.cpp loads modules and launches;
// TensorMaps.cpp encodes TMA descriptors. docs/runtime.md has the life cycle.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <dlfcn.h>
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <new>

using namespace attn::runtime;

namespace {

/// In the child of a fork: the parent's threads are gone, so a lock one of
/// them held would never be released; and CUDA, if the parent initialized
/// it, cannot be used here (every later call reports that).
void afterForkInChild() {
  State &s = state();
  new (&s.mutex) std::mutex;
  new (&s.loadMutex) std::mutex;
  s.forked = s.initialized;
}

attnStatus failInit(State &s, attnStatus status, const std::string &message) {
  s.initStatus = status;
  recordLocked(s, status, message);
  return status;
}

/// Opens the driver, looks its functions up and calls cuInit, once.
attnStatus initLocked(State &s) {
  if (s.initialized)
    return s.initStatus;
  s.initialized = true;
  const char *path = std::getenv("ATTN_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return failInit(s, ATTN_STATUS_NO_DRIVER,
                    std::string("CUDA driver not found: dlopen(\"") + path +
                        "\") failed" + (why ? std::string(": ") + why : ""));
  }
#define ATTN_LOAD(fn)                                                          \
  s.cu.fn = reinterpret_cast<decltype(s.cu.fn)>(dlsym(handle, ATTN_STR(fn)));  \
  if (!s.cu.fn)                                                                \
    return failInit(s, ATTN_STATUS_NO_DRIVER,                                  \
                    std::string("CUDA driver ") + path +                       \
                        " lacks " ATTN_STR(fn));
  ATTN_DRIVER_FUNCTIONS(ATTN_LOAD)
#undef ATTN_LOAD
#define ATTN_LOAD_OPTIONAL(fn)                                                 \
  s.cu.fn = reinterpret_cast<decltype(s.cu.fn)>(dlsym(handle, ATTN_STR(fn)));
  ATTN_OPTIONAL_DRIVER_FUNCTIONS(ATTN_LOAD_OPTIONAL)
#undef ATTN_LOAD_OPTIONAL
  if (CUresult r = s.cu.cuInit(0))
    return failInit(s, static_cast<attnStatus>(r),
                    "attnInit: cuInit(0) failed: " + errorName(s, r));
  return ATTN_STATUS_SUCCESS;
}

/// Loads the driver once; false (after recording why) when it cannot be used.
bool driverReady(State &s) {
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.forked) {
    recordLocked(s, static_cast<attnStatus>(CUDA_ERROR_NOT_INITIALIZED),
                 "CUDA was initialized before fork(): a forked child cannot "
                 "use it (make the first call after the fork, or spawn)");
    return false;
  }
  return initLocked(s) == ATTN_STATUS_SUCCESS;
}

/// The primary context of `device`, retained once and kept for the life of
/// the process.
CUcontext primaryContext(State &s, int device, const char *api) {
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.primaryContexts.find(device);
  if (it != s.primaryContexts.end())
    return it->second;
  auto fail = [&](CUresult r, const std::string &call) -> CUcontext {
    recordLocked(s, static_cast<attnStatus>(r),
                 std::string(api) + ": " + call +
                     " failed: " + errorName(s, r));
    return nullptr;
  };
  int count = 0;
  if (CUresult r = s.cu.cuDeviceGetCount(&count))
    return fail(r, "cuDeviceGetCount(&count)");
  if (device < 0 || device >= count)
    return fail(CUDA_ERROR_INVALID_DEVICE, "device " + std::to_string(device) +
                                               " of " + std::to_string(count) +
                                               ": cuDeviceGet");
  CUdevice handle;
  if (CUresult r = s.cu.cuDeviceGet(&handle, device))
    return fail(r, "cuDeviceGet(&handle, device)");
  CUcontext ctx = nullptr;
  if (CUresult r = s.cu.cuDevicePrimaryCtxRetain(&ctx, handle))
    return fail(r, "cuDevicePrimaryCtxRetain(&ctx, handle)");
  s.primaryContexts.emplace(device, ctx);
  return ctx;
}

/// The calling thread's current context without initializing anything:
/// null before the first call, in a forked child, or without a context.
CUcontext peekCurrentContext(State &s) {
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.initialized || s.forked || s.initStatus != ATTN_STATUS_SUCCESS)
      return nullptr;
  }
  CUcontext ctx = nullptr;
  return s.cu.cuCtxGetCurrent(&ctx) == CUDA_SUCCESS ? ctx : nullptr;
}

/// The stream a status query or a synchronization looks at; never creates
/// one (no stream: nothing was enqueued in this context).
CUstream peekCurrentStream(State &s, CUcontext ctx) {
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.userStream)
    return s.userStream;
  auto it = s.contexts.find(ctx);
  return it == s.contexts.end() ? nullptr : it->second.ownStream;
}

bool isCapturing(State &s, CUstream stream) {
  CUstreamCaptureStatus capture = CU_STREAM_CAPTURE_STATUS_NONE;
  return s.cu.cuStreamIsCapturing(stream, &capture) == CUDA_SUCCESS &&
         capture != CU_STREAM_CAPTURE_STATUS_NONE;
}

bool useAsyncAllocator(State &s, CUcontext ctx) {
  if (!s.cu.cuMemAllocAsync || !s.cu.cuMemFreeAsync)
    return false;
  std::lock_guard<std::mutex> lock(s.mutex);
  return !contextState(s, ctx).noMemoryPools;
}

} // namespace

//===----------------------------------------------------------------------===//
// Shared internals (Internal.h).
//===----------------------------------------------------------------------===//

State &attn::runtime::state() {
  // Never destroyed: used from the generated libraries' destructors.
  static State *s = [] {
    pthread_atfork(nullptr, nullptr, afterForkInChild);
    return new State;
  }();
  return *s;
}

void attn::runtime::recordLocked(State &s, attnStatus status,
                                 const std::string &message) {
  if (s.status != ATTN_STATUS_SUCCESS)
    return;
  s.status = status;
  s.message = message;
  if (!s.printed && !std::getenv("ATTN_RUNTIME_QUIET")) {
    s.printed = true;
    std::fprintf(stderr, "attn runtime error: %s\n", message.c_str());
  }
}

void attn::runtime::record(attnStatus status, const std::string &message) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  recordLocked(s, status, message);
}

std::string attn::runtime::errorName(State &s, CUresult result) {
  const char *name = nullptr;
  if (s.cu.cuGetErrorName &&
      s.cu.cuGetErrorName(result, &name) == CUDA_SUCCESS && name)
    return name;
  return "CUresult " + std::to_string(static_cast<int>(result));
}

bool attn::runtime::check(CUresult result, const char *api,
                          const std::string &call) {
  if (result == CUDA_SUCCESS)
    return true;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  recordLocked(s, static_cast<attnStatus>(result),
               std::string(api) + ": " + call +
                   " failed: " + errorName(s, result));
  return false;
}

bool attn::runtime::isTeardownError(CUresult result) {
  return result == CUDA_ERROR_DEINITIALIZED ||
         result == CUDA_ERROR_NOT_INITIALIZED ||
         result == CUDA_ERROR_CONTEXT_IS_DESTROYED ||
         result == CUDA_ERROR_INVALID_CONTEXT;
}

CUcontext attn::runtime::currentContext(const char *api) {
  State &s = state();
  if (!driverReady(s))
    return nullptr;
  CUcontext ctx = nullptr;
  if (!CU_CHECK(api, cuCtxGetCurrent(&ctx)))
    return nullptr;
  if (ctx)
    return ctx;
  // A thread that has not touched CUDA: the default device, as the CUDA
  // runtime does.
  int device;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    device = s.defaultDevice;
  }
  ctx = primaryContext(s, device, api);
  if (!ctx || !CU_CHECK(api, cuCtxSetCurrent(ctx)))
    return nullptr;
  return ctx;
}

ContextState &attn::runtime::contextState(State &s, CUcontext ctx) {
  return s.contexts[ctx];
}

CUstream attn::runtime::currentStream(CUcontext ctx, const char *api) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.userStream)
    return s.userStream;
  ContextState &cs = contextState(s, ctx);
  if (!cs.ownStream) {
    // One stream per context for the process: generated code asks for one
    // per call.
    CUresult r = s.cu.cuStreamCreate(&cs.ownStream, CU_STREAM_NON_BLOCKING);
    if (r != CUDA_SUCCESS) {
      cs.ownStream = nullptr;
      recordLocked(s, static_cast<attnStatus>(r),
                   std::string(api) +
                       ": cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING) "
                       "failed: " +
                       errorName(s, r));
    }
  }
  return cs.ownStream;
}

bool attn::runtime::nonNull(const void *p, const char *api, const char *what) {
  if (p)
    return true;
  record(static_cast<attnStatus>(CUDA_ERROR_INVALID_VALUE),
         std::string(api) + ": null " + what);
  return false;
}

//===----------------------------------------------------------------------===//
// Public C API.
//===----------------------------------------------------------------------===//

/// The status of a call that just failed: the driver's load failure (not
/// recorded again after attnClearError), else the recorded one.
static attnStatus failedStatus() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.initStatus != ATTN_STATUS_SUCCESS ? s.initStatus : s.status;
}

ATTN_EXPORT attnStatus attnInit(void) {
  return currentContext("attnInit") ? ATTN_STATUS_SUCCESS : failedStatus();
}

ATTN_EXPORT attnStatus attnSetDevice(int device) {
  const char *api = "attnSetDevice";
  State &s = state();
  CUcontext ctx = driverReady(s) ? primaryContext(s, device, api) : nullptr;
  if (!ctx || !CU_CHECK(api, cuCtxSetCurrent(ctx)))
    return failedStatus();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.defaultDevice = device;
  return ATTN_STATUS_SUCCESS;
}

ATTN_EXPORT void attnSetStream(CUstream stream) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.userStream = stream;
}

ATTN_EXPORT attnStatus attnGetStatus(void) {
  State &s = state();
  // Surface a failure of earlier asynchronous work: a query is cheap and does
  // not wait. A capturing stream must not be queried (that would invalidate
  // the capture); its errors show when the graph runs.
  if (CUcontext ctx = peekCurrentContext(s)) {
    if (CUstream stream = peekCurrentStream(s, ctx);
        stream && !isCapturing(s, stream)) {
      CUresult r = s.cu.cuStreamQuery(stream);
      if (r != CUDA_ERROR_NOT_READY)
        check(r, "attnGetStatus",
              "cuStreamQuery(stream) (asynchronous work "
              "enqueued earlier)");
    }
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.status;
}

ATTN_EXPORT attnStatus attnSynchronize(void) {
  State &s = state();
  if (CUcontext ctx = peekCurrentContext(s)) {
    if (CUstream stream = peekCurrentStream(s, ctx)) {
      if (isCapturing(s, stream))
        record(static_cast<attnStatus>(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED),
               "attnSynchronize: the stream is capturing a CUDA graph; "
               "synchronize after cuStreamEndCapture");
      else
        CU_CHECK("attnSynchronize", cuStreamSynchronize(stream));
    }
  }
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

/// Called by the host code of a persistent sm_90a kernel to size its grid:
/// the multiprocessor count of the current context's device, or 0 after
/// recording the failure (the launch that follows then fails too).
ATTN_EXPORT int32_t attnMultiprocessorCount(void) {
  const char *api = "attnMultiprocessorCount";
  CUcontext ctx = currentContext(api);
  if (!ctx)
    return 0;
  State &s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (int count = contextState(s, ctx).multiprocessors)
      return count;
  }
  if (!s.cu.cuDeviceGetAttribute) {
    record(static_cast<attnStatus>(CUDA_ERROR_NOT_SUPPORTED),
           std::string(api) + ": the CUDA driver lacks cuDeviceGetAttribute");
    return 0;
  }
  CUdevice device;
  int count = 0;
  if (!CU_CHECK(api, cuCtxGetDevice(&device)) ||
      !CU_CHECK(api,
                cuDeviceGetAttribute(
                    &count, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device)))
    return 0;
  std::lock_guard<std::mutex> lock(s.mutex);
  contextState(s, ctx).multiprocessors = count;
  return count;
}

//===----------------------------------------------------------------------===//
// The mgpu* ABI of mlir/lib/ExecutionEngine/CudaRuntimeWrappers.cpp: streams,
// events, memory, devices.
//===----------------------------------------------------------------------===//

ATTN_EXPORT CUstream mgpuStreamCreate() {
  CUcontext ctx = currentContext("mgpuStreamCreate");
  return ctx ? currentStream(ctx, "mgpuStreamCreate") : nullptr;
}

ATTN_EXPORT void mgpuStreamDestroy(CUstream /*stream*/) {
  // Streams are the caller's or cached: never destroyed per call.
}

ATTN_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  if (currentContext("mgpuStreamSynchronize"))
    CU_CHECK("mgpuStreamSynchronize", cuStreamSynchronize(stream));
}

ATTN_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  if (nonNull(event, "mgpuStreamWaitEvent", "event") &&
      currentContext("mgpuStreamWaitEvent"))
    CU_CHECK("mgpuStreamWaitEvent", cuStreamWaitEvent(stream, event, 0));
}

ATTN_EXPORT CUevent mgpuEventCreate() {
  CUevent event = nullptr;
  if (currentContext("mgpuEventCreate") &&
      !CU_CHECK("mgpuEventCreate",
                cuEventCreate(&event, CU_EVENT_DISABLE_TIMING)))
    return nullptr;
  return event;
}

ATTN_EXPORT void mgpuEventDestroy(CUevent event) {
  if (event && currentContext("mgpuEventDestroy"))
    CU_CHECK("mgpuEventDestroy", cuEventDestroy(event));
}

ATTN_EXPORT void mgpuEventSynchronize(CUevent event) {
  if (nonNull(event, "mgpuEventSynchronize", "event") &&
      currentContext("mgpuEventSynchronize"))
    CU_CHECK("mgpuEventSynchronize", cuEventSynchronize(event));
}

ATTN_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  if (nonNull(event, "mgpuEventRecord", "event") &&
      currentContext("mgpuEventRecord"))
    CU_CHECK("mgpuEventRecord", cuEventRecord(event, stream));
}

/// Device memory, stream-ordered on `stream` where the driver and the device
/// have memory pools (CUDA 11.2+), so that neither the allocation nor the
/// free waits for the device and both can be captured in a graph.
ATTN_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream,
                               bool isHostShared) {
  const char *api = "mgpuMemAlloc";
  CUcontext ctx = sizeBytes ? currentContext(api) : nullptr;
  if (!ctx)
    return nullptr;
  State &s = state();
  CUdeviceptr ptr = 0;
  auto remember = [&] {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.syncFreed.insert(ptr);
    return reinterpret_cast<void *>(ptr);
  };
  if (isHostShared)
    return CU_CHECK(api,
                    cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL))
               ? remember()
               : nullptr;
  if (useAsyncAllocator(s, ctx)) {
    CUresult r = s.cu.cuMemAllocAsync(&ptr, sizeBytes, stream);
    if (r == CUDA_SUCCESS)
      return reinterpret_cast<void *>(ptr);
    if (r != CUDA_ERROR_NOT_SUPPORTED) {
      check(r, api, "cuMemAllocAsync(&ptr, sizeBytes, stream)");
      return nullptr;
    }
    std::lock_guard<std::mutex> lock(s.mutex);
    contextState(s, ctx).noMemoryPools = true;
  }
  if (!CU_CHECK(api, cuMemAlloc(&ptr, sizeBytes)))
    return nullptr;
  return s.cu.cuMemFreeAsync ? remember() : reinterpret_cast<void *>(ptr);
}

ATTN_EXPORT void mgpuMemFree(void *ptr, CUstream stream) {
  const char *api = "mgpuMemFree";
  if (!ptr || !currentContext(api))
    return;
  State &s = state();
  auto device = reinterpret_cast<CUdeviceptr>(ptr);
  bool sync = !s.cu.cuMemFreeAsync;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    sync |= s.syncFreed.erase(device) > 0;
  }
  if (sync)
    CU_CHECK(api, cuMemFree(device));
  else
    CU_CHECK(api, cuMemFreeAsync(device, stream));
}

ATTN_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                            CUstream stream) {
  // The host code copies a result into its destination buffer; when that is
  // the buffer the result was computed in, there is nothing to do.
  if (sizeBytes == 0 || dst == src ||
      !nonNull(dst, "mgpuMemcpy", "destination") ||
      !nonNull(src, "mgpuMemcpy", "source") || !currentContext("mgpuMemcpy"))
    return;
  CU_CHECK("mgpuMemcpy", cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                       reinterpret_cast<CUdeviceptr>(src),
                                       sizeBytes, stream));
}

ATTN_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                              CUstream stream) {
  if (count == 0 || !nonNull(dst, "mgpuMemset32", "destination") ||
      !currentContext("mgpuMemset32"))
    return;
  CU_CHECK("mgpuMemset32", cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst),
                                            value, count, stream));
}

ATTN_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                              CUstream stream) {
  if (count == 0 || !nonNull(dst, "mgpuMemset16", "destination") ||
      !currentContext("mgpuMemset16"))
    return;
  CU_CHECK("mgpuMemset16", cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst),
                                            value, count, stream));
}

ATTN_EXPORT void mgpuSetDefaultDevice(int32_t device) { attnSetDevice(device); }
