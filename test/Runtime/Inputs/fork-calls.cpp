// fork() and the runtime (see fork.test).
//   fork-calls before   fork first: parent and child each initialize CUDA
//   fork-calls after    the parent initializes CUDA, then forks
#include "attn/Runtime.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

extern "C" {
void mgpuLaunchKernel(CUfunction, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, intptr_t, int32_t, CUstream, void **, void **,
                      size_t);
CUstream mgpuStreamCreate();
}

static const char binary[] = "binary", kernel[] = "kernel";

static void call(const char *who) {
  std::printf("-- %s calls\n", who);
  std::fflush(stdout);
  CUfunction f =
      attnGetFunction(binary, sizeof(binary), kernel, ATTN_BINARY_CUBIN, 0);
  mgpuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, mgpuStreamCreate(), nullptr,
                   nullptr, 0);
  std::printf("%s status: %d\n", who, attnGetStatus());
  std::fflush(stdout);
}

int main(int argc, char **argv) {
  bool after = argc > 1 && std::strcmp(argv[1], "after") == 0;
  if (after)
    call("parent");
  std::fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    call("child");
    std::printf("child error: %s\n", attnGetLastError());
    std::printf("-- child unloads\n");
    std::fflush(stdout);
    std::printf("child unloaded: %d\n", attnUnloadModules());
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  std::printf("-- child exited: %d\n", WEXITSTATUS(status));
  if (!after)
    call("parent");
  return 0;
}
