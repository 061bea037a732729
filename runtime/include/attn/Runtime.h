/*===- Runtime.h - attn CUDA runtime C API ------------------------*- C -*-===*\
|*                                                                            *|
|* libattn_runtime implements the mgpu* functions that MLIR's gpu-to-llvm     *|
|* lowering calls. Those return void or handles, so failures are recorded     *|
|* here (sticky: the first error wins until attnClearError) and can be        *|
|* queried after calling a generated entry point.                             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#ifndef ATTN_RUNTIME_H
#define ATTN_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CUstream_st *CUstream;

/* 0 on success. Not zero: the CUresult of the first failure,
   ATTN_STATUS_NO_DRIVER when libcuda.so.1 cannot be loaded, or
   ATTN_STATUS_INVALID_ARGUMENT when an entry point was called with a bad
   memref descriptor (the kernel was not launched). */
typedef int attnStatus;
#define ATTN_STATUS_SUCCESS 0
#define ATTN_STATUS_NO_DRIVER 100000
#define ATTN_STATUS_INVALID_ARGUMENT 100001

/* Loads the driver, initializes it and makes the primary context of the
   default device current. Called implicitly by every mgpu* function. */
attnStatus attnInit(void);

/* Runs subsequent work on `stream` (a framework's stream, say); NULL goes back
   to the runtime's own cached stream. The runtime never destroys it. */
void attnSetStream(CUstream stream);

/* The first recorded failure, or ATTN_STATUS_SUCCESS. */
attnStatus attnGetStatus(void);

/* The message of the first recorded failure ("" when none), naming the
   failing CUDA call and the CUDA error name. */
const char *attnGetLastError(void);

/* Called by the generated host code when a run-time check of an entry
   point's arguments fails (null, misaligned or offset pointer, strides that
   are not dense row-major, mismatched sizes): records
   ATTN_STATUS_INVALID_ARGUMENT with the message `format` (printf-style, up
   to two %lld conversions taking `a` and `b`), e.g.
   "attn: key and value have different sequence lengths (77 vs 80)". */
void attnReportInvalidArgument(const char *format, int64_t a, int64_t b);

/* Called by the generated host code of a persistent sm_90a kernel: the
   device's multiprocessor count (the grid size), or 0 after recording the
   failure. */
int32_t attnMultiprocessorCount(void);

/* Forgets the recorded failure. */
void attnClearError(void);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_RUNTIME_H */
