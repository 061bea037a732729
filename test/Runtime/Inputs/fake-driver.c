/* A stand-in libcuda.so.1 for tests without a GPU. It presents two devices,
   each with a primary context, keeps a current context per thread as the
   real driver does, and ties modules, functions and streams to the context
   that was current when they were made: launching a function or unloading a
   module while another context is current fails with
   CUDA_ERROR_INVALID_CONTEXT, so a runtime that mixes devices up is caught.

   Every call that changes driver state is logged to stdout as
   "fake: <call> [details] ctx<N>"; queries (cuCtxGetCurrent, cuStreamQuery,
   cuStreamIsCapturing, cuGetErrorName, ...) are not. Loading the library
   logs "fake: driver loaded", so a test can prove that nothing opened the
   driver at all.

   Knobs (environment): FAKE_CUDA_DEINIT_AT_EXIT=1 makes every call after
   exit() starts fail with CUDA_ERROR_DEINITIALIZED, as the real driver does
   once its exit handler has run; FAKE_CUDA_ASYNC_ERROR=<CUresult> makes the
   streams report that error (cuStreamQuery, cuStreamSynchronize) after the
   first launch, as an illegal address in a kernel would;
   FAKE_CUDA_NO_POOLS=1 makes cuMemAllocAsync fail with
   CUDA_ERROR_NOT_SUPPORTED, as on a device without memory pools.
   fakeSetCapturing()
   makes every stream report an active graph capture; a query or a
   synchronization of a capturing stream is logged as a violation.
   Built with -DFAKE_TENSOR_MAP it also has cuTensorMapEncodeTiled; with
   -DFAKE_NO_ASYNC_ALLOC it lacks cuMemAllocAsync/cuMemFreeAsync (drivers
   before CUDA 11.2).

   Signatures are simplified: only pointer-sized or smaller arguments, which
   is all the x86-64 ABI needs to match. */
/* The real libcuda is not instrumented. Under clang's UBSan, an
   instrumented callee carries its exact function type, which the runtime's
   calls through its (cuda.h-typed) pointers check: these simplified
   signatures would fail that check, so they carry none. */
#ifdef __clang__
#pragma clang attribute push(__attribute__((no_sanitize("function"))),         \
                             apply_to = function)
#endif

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
enum {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  OUT_OF_MEMORY = 2,
  DEINITIALIZED = 4,
  INVALID_DEVICE = 101,
  INVALID_IMAGE = 200,
  INVALID_CONTEXT = 201,
  INVALID_HANDLE = 400,
  NOT_FOUND = 500,
  NOT_READY = 600,
  ILLEGAL_ADDRESS = 700,
  CAPTURE_INVALIDATED = 901,
};
enum { kDevices = 2, kMaxObjects = 256 };

typedef struct Ctx {
  int device;
} Ctx;
typedef struct Module {
  Ctx *ctx;
  int loaded;
} Module;
typedef struct Function {
  Module *module;
} Function;
typedef struct Stream {
  Ctx *ctx;
  int id;
} Stream;

static Ctx primary[kDevices] = {{0}, {1}};
static __thread Ctx *current;
static __thread Ctx *pushed[16];
static __thread int depth;
static Module modules[kMaxObjects];
static Function functions[kMaxObjects];
static Stream streams[kMaxObjects];
static int moduleCount, functionCount, streamCount, launched, capturing;
static int deinitialized;
static uint64_t nextAddress = 1 << 20;

static void logCall(const char *format, ...) {
  va_list args;
  va_start(args, format);
  printf("fake: ");
  vprintf(format, args);
  printf(" ctx%d\n", current ? current->device : -1);
  fflush(stdout);
  va_end(args);
}

#define GUARD()                                                                \
  do {                                                                         \
    if (deinitialized)                                                         \
      return DEINITIALIZED;                                                    \
  } while (0)

__attribute__((constructor)) static void loaded(void) {
  printf("fake: driver loaded\n");
  fflush(stdout);
}

/* The test hook of a graph capture: see the header comment. */
void fakeSetCapturing(int on) { capturing = on; }

static void deinitialize(void) { deinitialized = 1; }

CUresult cuInit(unsigned flags) {
  GUARD();
  logCall("cuInit");
  const char *deinit = getenv("FAKE_CUDA_DEINIT_AT_EXIT");
  /* Registered now, so it runs before the libraries' destructors. */
  if (deinit && *deinit == '1')
    atexit(deinitialize);
  return SUCCESS;
}

CUresult cuGetErrorName(CUresult error, const char **name) {
  GUARD(); /* as the real driver: no names after its exit handler ran */
  static const struct {
    CUresult code;
    const char *name;
  } names[] = {{INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE"},
               {OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY"},
               {3, "CUDA_ERROR_NOT_INITIALIZED"},
               {DEINITIALIZED, "CUDA_ERROR_DEINITIALIZED"},
               {INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE"},
               {INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE"},
               {INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT"},
               {INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE"},
               {NOT_FOUND, "CUDA_ERROR_NOT_FOUND"},
               {NOT_READY, "CUDA_ERROR_NOT_READY"},
               {ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS"},
               {801, "CUDA_ERROR_NOT_SUPPORTED"},
               {900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"},
               {CAPTURE_INVALIDATED, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED"}};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); ++i)
    if (names[i].code == error) {
      *name = names[i].name;
      return SUCCESS;
    }
  return INVALID_VALUE;
}

//===----------------------------------------------------------------------===//
// Devices and contexts.
//===----------------------------------------------------------------------===//

CUresult cuDeviceGetCount(int *count) {
  GUARD();
  *count = kDevices;
  return SUCCESS;
}
CUresult cuDeviceGet(int *device, int ordinal) {
  GUARD();
  if (ordinal < 0 || ordinal >= kDevices)
    return INVALID_DEVICE;
  *device = ordinal;
  return SUCCESS;
}
CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  GUARD();
  /* CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT (16): distinct per device. */
  *value = attribute == 16 ? 132 + device : 1;
  return SUCCESS;
}
CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  GUARD();
  if (device < 0 || device >= kDevices)
    return INVALID_DEVICE;
  printf("fake: cuDevicePrimaryCtxRetain dev%d\n", device);
  *ctx = &primary[device];
  return SUCCESS;
}
CUresult cuCtxGetCurrent(void **ctx) {
  GUARD();
  *ctx = current;
  return SUCCESS;
}
CUresult cuCtxSetCurrent(void *ctx) {
  GUARD();
  current = ctx;
  logCall("cuCtxSetCurrent");
  return SUCCESS;
}
CUresult cuCtxGetDevice(int *device) {
  GUARD();
  if (!current)
    return INVALID_CONTEXT;
  *device = current->device;
  return SUCCESS;
}
CUresult cuCtxPushCurrent_v2(void *ctx) {
  GUARD();
  if (depth == 16)
    return INVALID_VALUE;
  pushed[depth++] = current;
  current = ctx;
  logCall("cuCtxPushCurrent");
  return SUCCESS;
}
CUresult cuCtxPopCurrent_v2(void **ctx) {
  GUARD();
  if (depth == 0)
    return INVALID_CONTEXT;
  if (ctx)
    *ctx = current;
  current = pushed[--depth];
  logCall("cuCtxPopCurrent");
  return SUCCESS;
}

//===----------------------------------------------------------------------===//
// Modules and launches.
//===----------------------------------------------------------------------===//

static CUresult loadModule(void **module, const void *image, const char *how) {
  GUARD();
  logCall("%s %s", how, (const char *)image);
  if (!current)
    return INVALID_CONTEXT;
  if (strcmp((const char *)image, "bad") == 0)
    return INVALID_IMAGE;
  if (moduleCount == kMaxObjects)
    return OUT_OF_MEMORY;
  Module *m = &modules[moduleCount++];
  m->ctx = current;
  m->loaded = 1;
  *module = m;
  return SUCCESS;
}
CUresult cuModuleLoadData(void **module, const void *image) {
  return loadModule(module, image, "cuModuleLoadData");
}
CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned n,
                            void *options, void **values) {
  return loadModule(module, image, "cuModuleLoadDataEx");
}
CUresult cuModuleUnload(void *module) {
  GUARD();
  Module *m = module;
  logCall("cuModuleUnload module of ctx%d", m->ctx->device);
  if (m->ctx != current)
    return INVALID_CONTEXT;
  if (!m->loaded)
    return INVALID_HANDLE;
  m->loaded = 0;
  return SUCCESS;
}
CUresult cuModuleGetFunction(void **fn, void *module, const char *name) {
  GUARD();
  Module *m = module;
  logCall("cuModuleGetFunction %s", name);
  if (!m->loaded)
    return INVALID_HANDLE;
  if (strcmp(name, "missing") == 0)
    return NOT_FOUND;
  if (functionCount == kMaxObjects)
    return OUT_OF_MEMORY;
  Function *f = &functions[functionCount++];
  f->module = m;
  *fn = f;
  return SUCCESS;
}
CUresult cuFuncSetAttribute(void *fn, int attr, int value) {
  GUARD();
  logCall("cuFuncSetAttribute %d", value);
  return SUCCESS;
}
CUresult cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  GUARD();
  Function *f = fn;
  Stream *s = stream;
  logCall("cuLaunchKernel %ux%u stream%d", gx, gy, s ? s->id : 0);
  if (!f->module->loaded)
    return INVALID_HANDLE;
  if (f->module->ctx != current || (s && s->ctx != current))
    return INVALID_CONTEXT;
  launched = 1;
  return SUCCESS;
}

//===----------------------------------------------------------------------===//
// Streams and events.
//===----------------------------------------------------------------------===//

static CUresult streamError(void) {
  const char *error = getenv("FAKE_CUDA_ASYNC_ERROR");
  return launched && error ? atoi(error) : SUCCESS;
}
CUresult cuStreamCreate(void **stream, unsigned flags) {
  GUARD();
  if (streamCount == kMaxObjects)
    return OUT_OF_MEMORY;
  Stream *s = &streams[streamCount];
  s->ctx = current;
  s->id = ++streamCount;
  logCall("cuStreamCreate stream%d", s->id);
  *stream = s;
  return SUCCESS;
}
CUresult cuStreamIsCapturing(void *stream, int *status) {
  GUARD();
  *status = capturing; /* CU_STREAM_CAPTURE_STATUS_ACTIVE is 1 */
  return SUCCESS;
}
CUresult cuStreamQuery(void *stream) {
  GUARD();
  if (capturing) {
    logCall("VIOLATION cuStreamQuery of a capturing stream");
    return CAPTURE_INVALIDATED;
  }
  return streamError();
}
CUresult cuStreamSynchronize(void *stream) {
  GUARD();
  logCall("cuStreamSynchronize");
  if (capturing) {
    logCall("VIOLATION cuStreamSynchronize of a capturing stream");
    return CAPTURE_INVALIDATED;
  }
  return streamError();
}

#define OK(name, ...)                                                          \
  CUresult name(__VA_ARGS__) {                                                 \
    GUARD();                                                                   \
    logCall(#name);                                                            \
    return SUCCESS;                                                            \
  }
OK(cuStreamDestroy_v2, void *stream)
OK(cuStreamWaitEvent, void *stream, void *event, unsigned flags)
OK(cuEventCreate, void **event, unsigned flags)
OK(cuEventDestroy_v2, void *event)
OK(cuEventRecord, void *event, void *stream)
OK(cuEventSynchronize, void *event)

//===----------------------------------------------------------------------===//
// Memory.
//===----------------------------------------------------------------------===//

static CUresult allocate(uint64_t *ptr, size_t size) {
  if (size > (1u << 30))
    return OUT_OF_MEMORY;
  *ptr = nextAddress;
  nextAddress += (size + 255) & ~(size_t)255;
  return SUCCESS;
}
CUresult cuMemAlloc_v2(uint64_t *ptr, size_t size) {
  GUARD();
  logCall("cuMemAlloc %zu", size);
  return allocate(ptr, size);
}
CUresult cuMemAllocManaged(uint64_t *ptr, size_t size, unsigned flags) {
  GUARD();
  logCall("cuMemAllocManaged %zu", size);
  return allocate(ptr, size);
}
CUresult cuMemHostAlloc(void **ptr, size_t size, unsigned flags) {
  GUARD();
  logCall("cuMemHostAlloc %zu", size);
  *ptr = aligned_alloc(128, size);
  return *ptr ? SUCCESS : OUT_OF_MEMORY;
}
CUresult cuMemFree_v2(uint64_t ptr) {
  GUARD();
  logCall("cuMemFree 0x%llx", (unsigned long long)ptr);
  return SUCCESS;
}
#ifndef FAKE_NO_ASYNC_ALLOC
CUresult cuMemAllocAsync(uint64_t *ptr, size_t size, void *stream) {
  GUARD();
  Stream *s = stream;
  logCall("cuMemAllocAsync %zu stream%d", size, s ? s->id : 0);
  if (getenv("FAKE_CUDA_NO_POOLS"))
    return 801; /* CUDA_ERROR_NOT_SUPPORTED: a device without pools */
  return allocate(ptr, size);
}
CUresult cuMemFreeAsync(uint64_t ptr, void *stream) {
  GUARD();
  Stream *s = stream;
  logCall("cuMemFreeAsync 0x%llx stream%d", (unsigned long long)ptr,
          s ? s->id : 0);
  return SUCCESS;
}
#endif
CUresult cuMemcpyAsync(uint64_t dst, uint64_t src, size_t size, void *stream) {
  GUARD();
  logCall("cuMemcpyAsync %zu", size);
  return SUCCESS;
}
CUresult cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t size,
                              void *stream) {
  GUARD();
  Stream *s = stream;
  logCall("cuMemcpyHtoDAsync %zu stream%d", size, s ? s->id : 0);
  return SUCCESS;
}
OK(cuMemsetD32Async, uint64_t dst, unsigned v, size_t n, void *stream)
OK(cuMemsetD16Async, uint64_t dst, unsigned short v, size_t n, void *stream)

#ifdef FAKE_TENSOR_MAP
/* Encodes the base address and the innermost size: maps of distinct buffers
   differ, maps of the same buffer are equal, as with the real encoding. */
CUresult cuTensorMapEncodeTiled(void *map, int dataType, unsigned rank,
                                void *address, const uint64_t *dims,
                                const uint64_t *strides, const unsigned *box,
                                const unsigned *elementStrides, int interleave,
                                int swizzle, int l2, int oobFill) {
  GUARD();
  memset(map, 0, 128);
  memcpy(map, &address, sizeof(address));
  memcpy((char *)map + 8, dims, sizeof(uint64_t));
  return SUCCESS;
}
#endif

#ifdef __clang__
#pragma clang attribute pop
#endif
