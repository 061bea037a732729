/*===- Runtime.h - attn CUDA runtime C API ------------------------*- C -*-===*\
|*                                                                            *|
|* libattn_runtime implements the mgpu* functions that MLIR's gpu-to-llvm     *|
|* lowering calls, and the lazy module loading of the generated libraries     *|
|* (attnGetFunction: nothing happens at library load; a kernel's module is    *|
|* loaded at its first launch in each CUDA context). Those calls return void  *|
|* or handles, so failures are recorded here (sticky: the first error wins    *|
|* until attnClearError) and can be queried after calling a generated entry   *|
|* point. docs/runtime.md has the life cycle.                                 *|
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

/* Loads the driver and makes a context current on the calling thread: the
   one already current, else the primary context of the default device
   (attnSetDevice). Every mgpu* function does this implicitly on first use;
   nothing does it when a library is loaded. */
attnStatus attnInit(void);

/* Makes the primary context of `device` current on the calling thread and
   the default for threads without a current context (mgpuSetDefaultDevice
   does the same). Calls use the device current for the calling thread, so a
   framework that selects a device (cudaSetDevice, torch.cuda.set_device)
   needs no call here. */
attnStatus attnSetDevice(int device);

/* Runs subsequent work on `stream` (a framework's stream, say); NULL goes back
   to the runtime's own stream (one per context, created on first use). The
   stream must belong to the context current at the call. The runtime never
   destroys it. Process-wide, not per thread. */
void attnSetStream(CUstream stream);

/* The first recorded failure, or ATTN_STATUS_SUCCESS. Also surfaces a
   failure of asynchronous work enqueued earlier on the current stream
   (cuStreamQuery; never while that stream is capturing a graph), without
   waiting for it. */
attnStatus attnGetStatus(void);

/* Waits for the work enqueued on the current stream (the caller's or the
   runtime's own) and returns attnGetStatus(). Entry points do not wait:
   call this (or synchronize the stream yourself) before reading results on
   the host. Fails with CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED while the
   stream is capturing a graph. */
attnStatus attnSynchronize(void);

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
   multiprocessor count of the current device (cached per context), or 0
   after recording the failure. */
int32_t attnMultiprocessorCount(void);

/* Forgets the recorded failure. */
void attnClearError(void);

/* Unloads every module that attnGetFunction loaded, in every context; the
   next call of an entry point loads its module again. No launch of those
   kernels may be in flight or captured in a graph that will run. Returns
   attnGetStatus(). */
attnStatus attnUnloadModules(void);

/* For generated code (#attn.lazy_object, the default offloading handler of
   --attn-pipeline=target=cuda): the kernel `kernel` of the GPU binary at
   `binary` (`size` bytes; a cubin or fatbin, or NUL-terminated PTX
   JIT-compiled at `optLevel` when `format` is ATTN_BINARY_PTX) in the
   calling thread's current context. The first call per (binary, context)
   loads the module; later calls are a lookup. Null after recording a
   failure. */
typedef struct CUfunc_st *CUfunction;
#define ATTN_BINARY_CUBIN 0
#define ATTN_BINARY_PTX 1
CUfunction attnGetFunction(const void *binary, uint64_t size,
                           const char *kernel, int32_t format,
                           int32_t optLevel);

/* For generated code: the destructor of a kernel library (dlclose, process
   exit) unloads the modules of its binary, silently. */
void attnUnloadBinary(const void *binary);

#ifdef __cplusplus
}
#endif

#endif /* ATTN_RUNTIME_H */
