/* A stand-in for a target=cuda program with entry points, built against
   libattn_runtime, for attn-run (attn-run.test). */
#include "attn/Runtime.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void *mgpuModuleLoad(void *data, size_t size);
void mgpuLaunchKernel(CUfunction, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, intptr_t, int32_t, CUstream, void **, void **,
                      size_t);
CUstream mgpuStreamCreate(void);

static const char binary[] = "binary", kernel[] = "kernel";

/* Prints and makes no CUDA call: attn-run must not initialize CUDA either. */
void _mlir_ciface_main(void) { printf("main ran\n"); }

/* Enqueues a launch; whether it fails shows only at the synchronization. */
void _mlir_ciface_launch(void) {
  CUfunction f =
      attnGetFunction(binary, sizeof(binary), kernel, ATTN_BINARY_CUBIN, 0);
  mgpuLaunchKernel(f, 1, 1, 1, 32, 1, 1, 0, mgpuStreamCreate(), NULL, NULL, 0);
  printf("launch enqueued\n");
}

/* Fails synchronously. */
void bad_module(void) {
  static char bad[] = "bad";
  mgpuModuleLoad(bad, sizeof(bad));
}
