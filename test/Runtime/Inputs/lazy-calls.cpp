// Calls attnGetFunction the way #attn.lazy_object host code does, over the
// stand-in driver (two devices): see lazy-load.test for what is checked.
#include "attn/Runtime.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>

extern "C" {
void mgpuLaunchKernel(CUfunction, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, intptr_t, int32_t, CUstream, void **, void **,
                      size_t);
CUstream mgpuStreamCreate();
}

// Binaries of two "libraries" and the kernel name constants they would hold.
static const char binaryA[] = "binary-a", binaryB[] = "binary-b";
static const char bad[] = "bad";
static const char kernel[] = "kernel", missing[] = "missing";

static void call(const char *what, const char *binary, const char *name) {
  std::printf("-- %s\n", what);
  std::fflush(stdout);
  CUfunction f =
      attnGetFunction(binary, std::strlen(binary), name, ATTN_BINARY_CUBIN, 0);
  mgpuLaunchKernel(f, 1, 1, 1, 128, 1, 1, 64 * 1024, mgpuStreamCreate(),
                   nullptr, nullptr, 0);
  std::printf("status: %d\n", attnGetStatus());
}

static void report() {
  std::printf("status: %d\nerror: %s\n", attnGetStatus(), attnGetLastError());
  attnClearError();
}

int main() {
  call("first call", binaryA, kernel);
  call("second call", binaryA, kernel);
  call("other binary", binaryB, kernel);

  std::printf("-- set device 1\n");
  std::printf("set: %d\n", attnSetDevice(1));
  call("device 1, first call", binaryA, kernel);
  call("device 1, second call", binaryA, kernel);
  std::printf("-- set device 0\n");
  std::printf("set: %d\n", attnSetDevice(0));
  call("device 0 again", binaryA, kernel);

  // A thread that never touched CUDA runs on the default device (0 now).
  std::printf("-- new thread\n");
  std::fflush(stdout);
  std::thread([] { call("in a thread", binaryA, kernel); }).join();

  std::printf("-- unload binary b\n");
  std::fflush(stdout);
  attnUnloadBinary(binaryB);
  std::printf("-- unload all\n");
  std::fflush(stdout);
  std::printf("unloaded: %d\n", attnUnloadModules());
  call("after unload", binaryA, kernel);

  std::printf("-- missing kernel\n");
  std::fflush(stdout);
  attnGetFunction(binaryA, sizeof(binaryA), missing, ATTN_BINARY_CUBIN, 0);
  report();
  std::printf("-- bad binary\n");
  std::fflush(stdout);
  attnGetFunction(bad, sizeof(bad), kernel, ATTN_BINARY_PTX, 3);
  report();
  std::printf("-- bad device\n");
  std::printf("set: %d\n", attnSetDevice(7));
  report();
  std::printf("-- exit\n");
  return 0;
}
