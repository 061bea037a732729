//===- runtime-faults.cpp - libattn_runtime on a real GPU -----------------===//
//
// Drives the mgpu* functions the way generated host code does, one scenario
// per invocation, and prints what the runtime recorded. Driver API only (no
// MLIR). Run by scripts/gpu-runtime-tests.sh, which checks the output.
//
//   runtime-faults ok <cubin>          load, launch (64 KiB smem), copy back
//   runtime-faults ptx <ptx>           JIT path (mgpuModuleLoadJIT)
//   runtime-faults corrupt             garbage instead of a cubin
//   runtime-faults wrong-arch <cubin>  a cubin for another architecture
//   runtime-faults bad-ptx             PTX that does not compile
//   runtime-faults oom                 allocating 1 PiB
//   runtime-faults null                null pointers and handles
//   runtime-faults missing-kernel <cubin>
//   runtime-faults lazy <cubin>        attnGetFunction: cached, unload, reload
//   runtime-faults async-fault <cubin> a kernel writing to a bad address: the
//                                      error shows at the synchronization
//   runtime-faults capture <cubin>     a warm-up call, then calls (with
//                                      stream-ordered alloc/copy/free)
//                                      captured in a CUDA graph and replayed
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime.h"

#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
CUmodule mgpuModuleLoad(void *data, size_t size);
CUmodule mgpuModuleLoadJIT(void *data, int optLevel, size_t size);
void mgpuModuleUnload(CUmodule module);
CUfunction mgpuModuleGetFunction(CUmodule module, const char *name);
void mgpuLaunchKernel(CUfunction, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, intptr_t, int32_t, CUstream, void **, void **,
                      size_t);
CUstream mgpuStreamCreate();
void mgpuStreamDestroy(CUstream stream);
void mgpuStreamSynchronize(CUstream stream);
void *mgpuMemAlloc(uint64_t size, CUstream stream, bool isHostShared);
void mgpuMemFree(void *ptr, CUstream stream);
void mgpuMemcpy(void *dst, void *src, size_t size, CUstream stream);
void mgpuMemset32(void *dst, unsigned value, size_t count, CUstream stream);
}

static std::vector<char> readFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> data((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  data.push_back('\0'); // PTX must be NUL-terminated.
  return data;
}

static int report() {
  std::printf("status: %d\nerror: %s\n", attnGetStatus(), attnGetLastError());
  return attnGetStatus() == ATTN_STATUS_SUCCESS ? 0 : 1;
}

// Loads `module`, launches fill over 32 threads with `smem` bytes of dynamic
// shared memory and checks the result.
static int runFill(CUmodule module, int32_t smem) {
  CUfunction fn = mgpuModuleGetFunction(module, "fill");
  std::printf("function cached: %d\n",
              fn && fn == mgpuModuleGetFunction(module, "fill"));
  CUstream stream = mgpuStreamCreate();
  std::printf("stream cached: %d\n", stream && stream == mgpuStreamCreate());
  void *out = mgpuMemAlloc(32 * 4, stream, false);
  mgpuMemset32(out, 0xdeadbeef, 32, stream);
  void *args[] = {&out};
  mgpuLaunchKernel(fn, 1, 1, 1, 32, 1, 1, smem, stream, args, nullptr, 1);
  uint32_t host[32] = {0};
  mgpuMemcpy(host, out, sizeof(host), stream);
  mgpuStreamSynchronize(stream);
  mgpuMemFree(out, stream);
  mgpuStreamDestroy(stream);
  int wrong = 0;
  for (uint32_t i = 0; i < 32; ++i)
    wrong += host[i] != i;
  std::printf("wrong values: %d\n", wrong);
  return report() | (wrong != 0);
}

// What #attn.lazy_object host code does per launch: get the kernel of the
// binary in the current context, launch it on the runtime's stream.
static void lazyFill(const std::vector<char> &cubin, void *out, CUstream s) {
  CUfunction fn = attnGetFunction(cubin.data(), cubin.size(), "fill",
                                  ATTN_BINARY_CUBIN, 0);
  void *args[] = {&out};
  mgpuLaunchKernel(fn, 1, 1, 1, 32, 1, 1, 64 * 1024, s, args, nullptr, 1);
}

static int countWrong(void *out, CUstream stream) {
  uint32_t host[32] = {0};
  mgpuMemcpy(host, out, sizeof(host), stream);
  attnSynchronize();
  int wrong = 0;
  for (uint32_t i = 0; i < 32; ++i)
    wrong += host[i] != i;
  return wrong;
}

// A graph capturing two calls, each with a stream-ordered temporary.
static int captureAndReplay(const std::vector<char> &cubin, void *out,
                            CUstream stream) {
  auto call = [&] {
    void *tmp = mgpuMemAlloc(32 * 4, stream, false);
    lazyFill(cubin, tmp, stream);
    mgpuMemcpy(out, tmp, 32 * 4, stream);
    mgpuMemFree(tmp, stream);
  };
  call(); // Warm-up: loads the module, opts into shared memory.
  std::printf("warm-up wrong values: %d\n", countWrong(out, stream));
  mgpuMemset32(out, 0xdeadbeef, 32, stream);
  CUgraph graph = nullptr;
  CUgraphExec exec = nullptr;
  CUresult begin = cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL);
  call();
  call();
  std::printf("status while capturing: %d\n", attnGetStatus());
  CUresult end = cuStreamEndCapture(stream, &graph);
  std::printf("capture: %d %d\n", begin, end);
  if (end != CUDA_SUCCESS ||
      cuGraphInstantiateWithFlags(&exec, graph, 0) != CUDA_SUCCESS)
    return 1;
  for (int i = 0; i < 2; ++i)
    std::printf("replay %d: %d\n", i, cuGraphLaunch(exec, stream));
  std::printf("graph wrong values: %d\n", countWrong(out, stream));
  cuGraphExecDestroy(exec);
  cuGraphDestroy(graph);
  return 0;
}

static int runLazy(const std::string &mode, const std::vector<char> &cubin) {
  if (attnInit() != ATTN_STATUS_SUCCESS)
    return report();
  CUstream stream = mgpuStreamCreate();
  void *out = mgpuMemAlloc(32 * 4, stream, false);
  if (mode == "async-fault") {
    lazyFill(cubin, reinterpret_cast<void *>(16), stream);
    std::printf("synchronize: %d\n", attnSynchronize());
    return report();
  }
  if (mode == "capture") {
    // A stream of the caller's, as a framework would pass.
    CUstream own;
    cuStreamCreate(&own, CU_STREAM_NON_BLOCKING);
    attnSetStream(own);
    int rc = captureAndReplay(cubin, out, own);
    attnSetStream(nullptr);
    return rc | report();
  }
  CUfunction first = attnGetFunction(cubin.data(), cubin.size(), "fill",
                                     ATTN_BINARY_CUBIN, 0);
  std::printf("function cached: %d\n",
              first && first == attnGetFunction(cubin.data(), cubin.size(),
                                                "fill", ATTN_BINARY_CUBIN, 0));
  lazyFill(cubin, out, stream);
  std::printf("wrong values: %d\n", countWrong(out, stream));
  std::printf("unloaded: %d\n", attnUnloadModules());
  mgpuMemset32(out, 0xdeadbeef, 32, stream);
  lazyFill(cubin, out, stream);
  std::printf("wrong values after reload: %d\n", countWrong(out, stream));
  mgpuMemFree(out, stream);
  return report();
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  std::string mode = argv[1];
  if (mode == "ok" && argc == 3) {
    std::vector<char> cubin = readFile(argv[2]);
    CUmodule module = mgpuModuleLoad(cubin.data(), cubin.size());
    std::printf("module cached: %d\n",
                module && module == mgpuModuleLoad(cubin.data(), cubin.size()));
    int rc = runFill(module, 64 * 1024); // Needs the >48 KiB opt-in.
    mgpuModuleUnload(module);
    mgpuModuleUnload(module);
    return rc | report();
  }
  if (mode == "ptx" && argc == 3) {
    std::vector<char> ptx = readFile(argv[2]);
    CUmodule module = mgpuModuleLoadJIT(ptx.data(), 3, ptx.size());
    return runFill(module, 0);
  }
  if (mode == "corrupt") {
    std::vector<char> garbage(4096, '\x5a');
    std::memcpy(garbage.data(), "\x7f" "ELF", 4);
    CUmodule module = mgpuModuleLoad(garbage.data(), garbage.size());
    std::printf("module: %p\n", static_cast<void *>(module));
    // Later calls on the failed module must not crash either.
    mgpuLaunchKernel(mgpuModuleGetFunction(module, "fill"), 1, 1, 1, 1, 1, 1,
                     0, nullptr, nullptr, nullptr, 0);
    return report();
  }
  if (mode == "wrong-arch" && argc == 3) {
    std::vector<char> cubin = readFile(argv[2]);
    CUmodule module = mgpuModuleLoad(cubin.data(), cubin.size());
    std::printf("module: %p\n", static_cast<void *>(module));
    return report();
  }
  if (mode == "bad-ptx") {
    char ptx[] = ".version 8.0\n.target sm_80\n.address_size 64\n"
                 ".visible .entry broken() { not_an_instruction; }\n";
    CUmodule module = mgpuModuleLoadJIT(ptx, 3, sizeof(ptx));
    std::printf("module: %p\n", static_cast<void *>(module));
    return report();
  }
  if (mode == "oom") {
    void *p = mgpuMemAlloc(uint64_t(1) << 50, mgpuStreamCreate(), false);
    std::printf("pointer: %p\n", p);
    return report();
  }
  if (mode == "null") {
    CUstream stream = mgpuStreamCreate();
    mgpuMemcpy(nullptr, &stream, sizeof(stream), stream);
    std::printf("after memcpy: %d\n", attnGetStatus());
    attnClearError();
    mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, stream, nullptr, nullptr,
                     0);
    std::printf("after launch: %d\n", attnGetStatus());
    attnClearError();
    mgpuMemFree(nullptr, stream); // Like free(NULL): no error.
    std::printf("after free: %d\n", attnGetStatus());
    mgpuModuleGetFunction(nullptr, "fill");
    return report();
  }
  if (mode == "missing-kernel" && argc == 3) {
    std::vector<char> cubin = readFile(argv[2]);
    CUmodule module = mgpuModuleLoad(cubin.data(), cubin.size());
    CUfunction fn = mgpuModuleGetFunction(module, "no_such_kernel");
    std::printf("function: %p\n", static_cast<void *>(fn));
    return report();
  }
  if ((mode == "lazy" || mode == "async-fault" || mode == "capture") &&
      argc == 3)
    return runLazy(mode, readFile(argv[2]));
  std::fprintf(stderr, "usage: %s ok|ptx|corrupt|wrong-arch|bad-ptx|oom|null|"
                       "missing-kernel|lazy|async-fault|capture [file]\n",
               argv[0]);
  return 2;
}
