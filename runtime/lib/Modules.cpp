//===- Modules.cpp - kernel modules and launches --------------------------===//
//
// Two ways to get a kernel:
// - attnGetFunction, called before each launch by the host code of
//   `#attn.lazy_object` (the default offloading handler): the module of a
//   binary is loaded on first use in the caller's current context and cached
//   per (binary, context); a later call is a map lookup. Nothing happens at
//   library load; the generated library's destructor calls attnUnloadBinary.
// - mgpuModuleLoad/mgpuModuleGetFunction/mgpuModuleUnload, the upstream ABI
//   that `#gpu.select_object` calls from a global constructor/destructor.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cstdio>

using namespace attn::runtime;

namespace {

/// Loads a cubin or fatbin into the current context.
CUmodule loadBinary(const void *data, const char *api) {
  CUmodule module = nullptr;
  return check(state().cu.cuModuleLoadData(&module, data), api,
               "cuModuleLoadData(&module, data)")
             ? module
             : nullptr;
}

/// JIT-compiles PTX into the current context, keeping the JIT log: it is the
/// only useful part of a PTX error.
CUmodule loadPTX(const void *data, int optLevel, const char *api) {
  State &s = state();
  char log[4096] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log))};
  CUmodule module = nullptr;
  CUresult result = s.cu.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result == CUDA_SUCCESS)
    return module;
  std::lock_guard<std::mutex> lock(s.mutex);
  recordLocked(s, static_cast<attnStatus>(result),
               std::string(api) +
                   ": cuModuleLoadDataEx failed: " + errorName(s, result) +
                   (log[0] ? std::string(": ") + log : std::string()));
  return nullptr;
}

/// mgpuModuleLoad and mgpuModuleLoadJIT: refcounted per (context, binary).
CUmodule loadCounted(const void *data, const char *api,
                     CUmodule (*load)(const void *, int, const char *),
                     int optLevel) {
  CUcontext ctx = currentContext(api);
  if (!ctx || !nonNull(data, api, "binary"))
    return nullptr;
  State &s = state();
  std::lock_guard<std::mutex> loadLock(s.loadMutex);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.countedModules.find({ctx, data});
    if (it != s.countedModules.end()) {
      ++it->second.refs;
      return it->second.module;
    }
  }
  CUmodule module = load(data, optLevel, api);
  if (!module)
    return nullptr;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.countedModules[{ctx, data}] = {module, 1};
  return module;
}

/// Forgets the functions mgpuModuleGetFunction found in `module` and their
/// shared-memory opt-ins (the handles may be reused by a later load). Caller
/// holds the mutex.
void forgetFunctionsLocked(State &s, CUmodule module) {
  for (auto it = s.moduleFunctions.begin(); it != s.moduleFunctions.end();) {
    if (it->first.first != module) {
      ++it;
      continue;
    }
    s.smemLimits.erase(it->second);
    it = s.moduleFunctions.erase(it);
  }
}

/// Removes the lazily loaded modules that `match` selects (with their
/// functions) from the tables and returns them.
template <typename Match>
std::vector<std::pair<CUcontext, CUmodule>> takeLazyModules(State &s,
                                                            Match match) {
  std::lock_guard<std::mutex> lock(s.mutex);
  std::vector<std::pair<CUcontext, CUmodule>> taken;
  for (auto it = s.lazyFunctions.begin(); it != s.lazyFunctions.end();) {
    if (!match(LazyKey(std::get<1>(it->first), std::get<0>(it->first)))) {
      ++it;
      continue;
    }
    s.smemLimits.erase(it->second);
    it = s.lazyFunctions.erase(it);
  }
  for (auto it = s.lazyModules.begin(); it != s.lazyModules.end();) {
    if (!match(it->first)) {
      ++it;
      continue;
    }
    taken.emplace_back(it->first.second, it->second);
    it = s.lazyModules.erase(it);
  }
  // After a fork the parent's modules are not ours to unload.
  if (s.forked)
    taken.clear();
  return taken;
}

CUfunction lookupLazy(State &s, const FunctionKey &key) {
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.lazyFunctions.find(key);
  return it == s.lazyFunctions.end() ? nullptr : it->second;
}

/// The slow path of attnGetFunction: loads the module of `binary` into `ctx`
/// unless it is there, then looks the kernel up.
CUfunction loadLazy(CUcontext ctx, const void *binary, const char *kernel,
                    int32_t format, int32_t optLevel) {
  State &s = state();
  FunctionKey key(ctx, binary, kernel);
  std::lock_guard<std::mutex> loadLock(s.loadMutex);
  // Another thread may have loaded it while this one waited.
  if (CUfunction f = lookupLazy(s, key))
    return f;
  std::string api = std::string("attnGetFunction(") + kernel + ")";
  CUmodule module = nullptr;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.lazyModules.find({binary, ctx});
    if (it != s.lazyModules.end())
      module = it->second;
  }
  if (!module) {
    module = format == ATTN_BINARY_PTX ? loadPTX(binary, optLevel, api.c_str())
                                       : loadBinary(binary, api.c_str());
    if (!module)
      return nullptr;
    std::lock_guard<std::mutex> lock(s.mutex);
    s.lazyModules.emplace(LazyKey(binary, ctx), module);
  }
  CUfunction function = nullptr;
  if (!check(s.cu.cuModuleGetFunction(&function, module, kernel), api.c_str(),
             std::string("cuModuleGetFunction(&function, module, \"") + kernel +
                 "\")"))
    return nullptr;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.lazyFunctions.emplace(key, function);
  return function;
}

} // namespace

void attn::runtime::unloadModule(CUcontext ctx, CUmodule module,
                                 const char *api, bool quiet) {
  State &s = state();
  // A module belongs to its context: make that current for the call.
  CUresult r = s.cu.cuCtxPushCurrent(ctx);
  if (r == CUDA_SUCCESS) {
    r = s.cu.cuModuleUnload(module);
    CUcontext popped;
    s.cu.cuCtxPopCurrent(&popped);
  }
  if (r != CUDA_SUCCESS && !isTeardownError(r) && !quiet)
    check(r, api, "cuModuleUnload(module)");
}

//===----------------------------------------------------------------------===//
// #attn.lazy_object (docs/runtime.md, "Life cycle").
//===----------------------------------------------------------------------===//

ATTN_EXPORT CUfunction attnGetFunction(const void *binary, uint64_t /*size*/,
                                       const char *kernel, int32_t format,
                                       int32_t optLevel) {
  CUcontext ctx = currentContext("attnGetFunction");
  if (!ctx || !nonNull(binary, "attnGetFunction", "binary") ||
      !nonNull(kernel, "attnGetFunction", "kernel name"))
    return nullptr;
  if (CUfunction f = lookupLazy(state(), FunctionKey(ctx, binary, kernel)))
    return f;
  return loadLazy(ctx, binary, kernel, format, optLevel);
}

ATTN_EXPORT void attnUnloadBinary(const void *binary) {
  State &s = state();
  auto modules = takeLazyModules(
      s, [&](const LazyKey &key) { return key.first == binary; });
  // Called by a library's destructor (dlclose, process exit): nobody could
  // act on a status, and the driver may already be gone.
  for (auto [ctx, module] : modules)
    unloadModule(ctx, module, "attnUnloadBinary", /*quiet=*/true);
}

ATTN_EXPORT attnStatus attnUnloadModules(void) {
  State &s = state();
  auto modules = takeLazyModules(s, [](const LazyKey &) { return true; });
  for (auto [ctx, module] : modules)
    unloadModule(ctx, module, "attnUnloadModules", /*quiet=*/false);
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.status;
}

//===----------------------------------------------------------------------===//
// The mgpu* ABI of mlir/lib/ExecutionEngine/CudaRuntimeWrappers.cpp: modules
// and launches.
//===----------------------------------------------------------------------===//

ATTN_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*gpuBlobSize*/) {
  return loadCounted(
      data, "mgpuModuleLoad",
      [](const void *d, int, const char *api) { return loadBinary(d, api); },
      0);
}

ATTN_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel,
                                       size_t /*assemblySize*/) {
  return loadCounted(data, "mgpuModuleLoadJIT", loadPTX, optLevel);
}

ATTN_EXPORT void mgpuModuleUnload(CUmodule module) {
  if (!module)
    return;
  State &s = state();
  CUcontext ctx = nullptr;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    for (auto it = s.countedModules.begin(); it != s.countedModules.end();
         ++it) {
      if (it->second.module != module)
        continue;
      if (--it->second.refs > 0)
        return;
      ctx = it->first.first;
      s.countedModules.erase(it);
      break;
    }
    forgetFunctionsLocked(s, module);
    if (!ctx || s.forked)
      return;
  }
  // select_object's destructor calls this at exit, possibly after the
  // driver has shut down: teardown errors are not worth a message.
  unloadModule(ctx, module, "mgpuModuleUnload", /*quiet=*/false);
}

ATTN_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                             const char *name) {
  const char *api = "mgpuModuleGetFunction";
  if (!nonNull(module, api, "module (did it load?)") ||
      !nonNull(name, api, "name") || !currentContext(api))
    return nullptr;
  State &s = state();
  std::pair<CUmodule, std::string> key(module, name);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.moduleFunctions.find(key);
    if (it != s.moduleFunctions.end())
      return it->second;
  }
  CUfunction function = nullptr;
  if (!check(s.cu.cuModuleGetFunction(&function, module, name), api,
             "cuModuleGetFunction(\"" + std::string(name) + "\")"))
    return nullptr;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.moduleFunctions.emplace(std::move(key), function);
  return function;
}

/// Above 48 KiB, dynamic shared memory must be opted into per function; done
/// once per function (the first launch), not per launch.
static bool optIntoSharedMemory(CUfunction function, int32_t smem) {
  State &s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.smemLimits.find(function);
    if (it != s.smemLimits.end() && it->second >= smem)
      return true;
  }
  if (!CU_CHECK(
          "mgpuLaunchKernel",
          cuFuncSetAttribute(
              function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem)))
    return false;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.smemLimits[function] = smem;
  return true;
}

ATTN_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                  intptr_t gridY, intptr_t gridZ,
                                  intptr_t blockX, intptr_t blockY,
                                  intptr_t blockZ, int32_t smem,
                                  CUstream stream, void **params, void **extra,
                                  size_t /*paramsCount*/) {
  if (!nonNull(function, "mgpuLaunchKernel", "function (did it load?)") ||
      !currentContext("mgpuLaunchKernel"))
    return;
  // Zero-sized dynamic shapes give empty grids, which CUDA rejects: there is
  // nothing to run.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  if (smem > 48 * 1024 && !optIntoSharedMemory(function, smem))
    return;
  CU_CHECK("mgpuLaunchKernel",
           cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                          smem, stream, params, extra));
}
