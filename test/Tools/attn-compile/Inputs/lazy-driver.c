/* Loads a target=cuda library with dlopen and calls its entry point on two
   devices of the stand-in driver, printing a marker before each step, so
   that the driver calls each step makes can be checked (lazy-load.test).
     lazy-driver lib.so [mode]   mode: "full" (default); "load": load the
                                  library, call nothing; "exit": call on
                                  both devices and exit without dlclose */
#include "attention-f16-d64.h"
#include "attn/Runtime.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef void (*Entry)(attn_memref_4d_f16 *, attn_memref_4d_f16 *,
                      attn_memref_4d_f16 *, attn_memref_4d_f16 *,
                      attn_memref_4d_f16 *);

static _Alignas(16) uint16_t q[16 * 64], k[16 * 64], v[16 * 64], o[16 * 64];

static void describe(attn_memref_4d_f16 *m, uint16_t *data) {
  int64_t sizes[4] = {1, 1, 16, 64};
  m->allocated = m->aligned = data;
  m->offset = 0;
  for (int i = 0; i < 4; ++i)
    m->sizes[i] = sizes[i];
  m->strides[3] = 1;
  for (int i = 2; i >= 0; --i)
    m->strides[i] = m->strides[i + 1] * sizes[i + 1];
}

static void step(const char *what) {
  printf("-- %s\n", what);
  fflush(stdout);
}

static void call(Entry entry, const char *what) {
  attn_memref_4d_f16 mq, mk, mv, mo;
  describe(&mq, q);
  describe(&mk, k);
  describe(&mv, v);
  describe(&mo, o);
  step(what);
  /* The result buffer last: `o` itself (written in place). The call only
     enqueues; attnSynchronize waits and reports. */
  entry(&mq, &mk, &mv, &mo, &mo);
  printf("status: %d\n", attnSynchronize());
}

int main(int argc, char **argv) {
  step("dlopen");
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  Entry entry = (Entry)dlsym(lib, "_mlir_ciface_attn_d64");
  step("loaded");
  const char *mode = argc > 2 ? argv[2] : "full";
  if (strcmp(mode, "load") == 0) {
    step("exit");
    return 0;
  }
  if (strcmp(mode, "exit") == 0) {
    call(entry, "device 0");
    attnSetDevice(1);
    call(entry, "device 1");
    step("exit");
    return 0;
  }
  call(entry, "first call");
  call(entry, "second call");
  step("set device 1");
  attnSetDevice(1);
  call(entry, "device 1, first call");
  call(entry, "device 1, second call");
  step("set device 0");
  attnSetDevice(0);
  call(entry, "device 0 again");
  step("unload modules");
  printf("unloaded: %d\n", attnUnloadModules());
  call(entry, "after unload");
  step("dlclose");
  dlclose(lib);
  step("exit");
  return 0;
}
