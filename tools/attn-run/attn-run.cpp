//===- attn-run.cpp - run a program that attn-compile built --------------===//
//
//   attn-run prog.so [entry]
//
// Loads a shared library made by `attn-compile --target=cpu|cuda` from a
// program with an entry function taking and returning nothing (default
// `main`), calls it (`_mlir_ciface_<entry>`, else `<entry>`), waits for the
// GPU work it enqueued and exits non-zero, with the runtime's message, if
// anything failed. The library brings its own dependencies (libattn_runtime
// for target=cuda, libattn_runner_utils when it prints): this tool needs
// neither LLVM/MLIR nor, for CPU programs, CUDA. See docs/runtime.md.
//
//===----------------------------------------------------------------------===//

#include <dlfcn.h>

#include <cstdio>
#include <string>

namespace {

using Entry = void (*)();
using StatusFn = int (*)();
using MessageFn = const char *(*)();

int usage() {
  std::fprintf(stderr, "usage: attn-run prog.so [entry]\n"
                       "  Calls `entry` (default main: no arguments, no "
                       "results) of a library built by attn-compile.\n");
  return 2;
}

/// Waits for the GPU and reports the runtime's status, when the program
/// uses libattn_runtime (a CPU program does not).
int finish(void *program, const char *path, const std::string &entry) {
  std::fflush(stdout);
  auto synchronize =
      reinterpret_cast<StatusFn>(dlsym(program, "attnSynchronize"));
  auto message =
      reinterpret_cast<MessageFn>(dlsym(program, "attnGetLastError"));
  if (!synchronize || !message)
    return 0;
  int status = synchronize();
  if (status == 0)
    return 0;
  std::fprintf(stderr, "attn-run: %s: @%s failed (status %d): %s\n", path,
               entry.c_str(), status, message());
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3)
    return usage();
  const char *path = argv[1];
  std::string entry = argc == 3 ? argv[2] : "main";
  // RTLD_NOW: a missing symbol is reported here, not in the middle of a run.
  void *program = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!program) {
    std::fprintf(stderr, "attn-run: cannot load %s: %s\n", path, dlerror());
    return 1;
  }
  // dlsym on the handle searches the library and its dependencies, never
  // this executable (whose own `main` must not be found).
  void *symbol = dlsym(program, ("_mlir_ciface_" + entry).c_str());
  if (!symbol)
    symbol = dlsym(program, entry.c_str());
  if (!symbol) {
    std::fprintf(stderr,
                 "attn-run: %s has no entry point '%s' (looked for "
                 "_mlir_ciface_%s and %s)\n",
                 path, entry.c_str(), entry.c_str(), entry.c_str());
    return 1;
  }
  reinterpret_cast<Entry>(symbol)();
  return finish(program, path, entry);
}
