//===- Internal.h - libattn_runtime internals -------------------*- C++ -*-===//
//
// State shared by the files of libattn_runtime: the driver's function table
// (filled by dlopen on first use), the recorded error, and what the runtime
// keeps per CUDA context (streams, loaded modules, tensor maps). Nothing here
// is exported.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_RUNTIME_LIB_INTERNAL_H
#define ATTN_RUNTIME_LIB_INTERNAL_H

#include "attn/Runtime.h"

#include <cuda.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#define ATTN_EXPORT extern "C" __attribute__((visibility("default")))

// cuda.h maps some names to versioned symbols (cuMemAlloc -> cuMemAlloc_v2);
// stringizing after expansion gives the symbol to look up.
#define ATTN_STR_(x) #x
#define ATTN_STR(x) ATTN_STR_(x)

namespace attn::runtime {

#define ATTN_DRIVER_FUNCTIONS(X)                                               \
  X(cuInit)                                                                    \
  X(cuGetErrorName)                                                            \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetCount)                                                          \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxGetCurrent)                                                           \
  X(cuCtxSetCurrent)                                                           \
  X(cuCtxGetDevice)                                                            \
  X(cuCtxPushCurrent)                                                          \
  X(cuCtxPopCurrent)                                                           \
  X(cuModuleLoadData)                                                          \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamQuery)                                                             \
  X(cuStreamIsCapturing)                                                       \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamWaitEvent)                                                         \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuMemAlloc)                                                                \
  X(cuMemAllocManaged)                                                         \
  X(cuMemHostAlloc)                                                            \
  X(cuMemFree)                                                                 \
  X(cuMemcpyAsync)                                                             \
  X(cuMemcpyHtoDAsync)                                                         \
  X(cuMemsetD32Async)                                                          \
  X(cuMemsetD16Async)

// Absent from older drivers (and from the stand-in drivers of the tests):
// looked up, not required, when the driver loads.
#define ATTN_OPTIONAL_DRIVER_FUNCTIONS(X)                                      \
  X(cuTensorMapEncodeTiled)                                                    \
  X(cuDeviceGetAttribute)                                                      \
  X(cuMemAllocAsync)                                                           \
  X(cuMemFreeAsync)

struct Driver {
#define ATTN_DECLARE(fn) decltype(&::fn) fn = nullptr;
  ATTN_DRIVER_FUNCTIONS(ATTN_DECLARE)
  ATTN_OPTIONAL_DRIVER_FUNCTIONS(ATTN_DECLARE)
#undef ATTN_DECLARE
};

/// Device copies of encoded tensor maps of one context. They are carved out
/// of slabs so that a new map costs no allocation while a graph is being
/// captured; the host copy of each map is pinned and never rewritten, so the
/// copy can be asynchronous (and replayed by a graph).
struct TensorMapPool {
  std::map<std::string, CUdeviceptr> byContent;
  CUdeviceptr deviceSlab = 0;
  char *hostSlab = nullptr;
  size_t used = 0, capacity = 0;
};

/// What the runtime keeps for one CUDA context (one device, for primary
/// contexts).
struct ContextState {
  CUstream ownStream = nullptr;
  int multiprocessors = 0;
  // cuMemAllocAsync answered CUDA_ERROR_NOT_SUPPORTED (no memory pools).
  bool noMemoryPools = false;
  TensorMapPool tensorMaps;
};

/// A module loaded by attnGetFunction: binary first, so that the modules of
/// one binary are adjacent.
using LazyKey = std::pair<const void *, CUcontext>;
/// A function found by attnGetFunction. The kernel name is a constant of the
/// generated library, so its address identifies it.
using FunctionKey = std::tuple<CUcontext, const void *, const char *>;

struct State {
  // Guards everything below but `cu`, which is written once, under the
  // mutex, before `initialized` is set.
  std::mutex mutex;
  // Serializes the slow first-use work (module loads, tensor-map slabs) so
  // that two threads never load the same module twice, without holding
  // `mutex` across driver calls.
  std::mutex loadMutex;
  bool initialized = false;
  // CUDA was initialized, then the process forked: this is the child.
  bool forked = false;
  attnStatus initStatus = ATTN_STATUS_SUCCESS;
  Driver cu;
  int defaultDevice = 0;
  std::map<int, CUcontext> primaryContexts;
  std::map<CUcontext, ContextState> contexts;
  // The first failure; sticky until attnClearError.
  attnStatus status = ATTN_STATUS_SUCCESS;
  std::string message;
  bool printed = false;
  CUstream userStream = nullptr;

  // Modules of mgpuModuleLoad (select_object's constructor), refcounted by
  // (context, binary).
  struct Counted {
    CUmodule module;
    int refs;
  };
  std::map<std::pair<CUcontext, const void *>, Counted> countedModules;
  std::map<std::pair<CUmodule, std::string>, CUfunction> moduleFunctions;

  // Modules and functions of attnGetFunction (#attn.lazy_object).
  std::map<LazyKey, CUmodule> lazyModules;
  std::map<FunctionKey, CUfunction> lazyFunctions;

  // Dynamic shared memory each function was opted into.
  std::map<CUfunction, int32_t> smemLimits;
  // Allocations that mgpuMemFree must release with cuMemFree, not
  // cuMemFreeAsync: managed memory, and cuMemAlloc fallbacks.
  std::set<CUdeviceptr> syncFreed;
};

State &state();

/// Records the first failure (sticky) and prints it once. `Locked`: the
/// caller holds `state().mutex`.
void recordLocked(State &s, attnStatus status, const std::string &message);
void record(attnStatus status, const std::string &message);
std::string errorName(State &s, CUresult result);

/// Records `result` if it is a failure of `call` (made from `api`).
bool check(CUresult result, const char *api, const std::string &call);
#define CU_CHECK(api, expr) check(state().cu.expr, api, ATTN_STR(expr))

/// Errors that mean the driver or the context is gone (process exit, a
/// device reset): there is nothing left to release.
bool isTeardownError(CUresult result);

/// Loads the driver on first use and returns the calling thread's current
/// context; a thread without one gets the primary context of the default
/// device made current. Null after recording a failure.
CUcontext currentContext(const char *api);

/// The state of `ctx`, created on first use. Caller holds `state().mutex`.
ContextState &contextState(State &s, CUcontext ctx);

/// The stream work goes to in `ctx`: the caller's (attnSetStream) or the
/// context's own, created on first use. Null after recording a failure.
CUstream currentStream(CUcontext ctx, const char *api);

bool nonNull(const void *p, const char *api, const char *what);

/// Unloads `module` of `ctx`, making `ctx` current for the call. Teardown
/// errors are ignored; others are recorded unless `quiet`.
void unloadModule(CUcontext ctx, CUmodule module, const char *api, bool quiet);

} // namespace attn::runtime

#endif // ATTN_RUNTIME_LIB_INTERNAL_H
