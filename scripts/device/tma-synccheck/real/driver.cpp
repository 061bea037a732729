// Runs one real sm_90a attention kernel (PTX from attn-opt, or the cubin
// ptxas made of it) through the CUDA driver API, as our runtime does, and
// checks its output (issue 17; ../README.md, "The real kernel").
//
//   driver MODULE KERNEL [options]
//
// MODULE: a .ptx file (JIT-compiled by cuModuleLoadDataEx, as
// runtime/lib/Modules.cpp's loadPTX does) or a cubin (cuModuleLoadData, as
// loadBinary does). The kernel is the one of examples/gpu/attention-f16.mlir
// (causal top-left, scale 0.125, f16 Q/K/V in [B, H, S, D], f32 output)
// with the parameters attn-opt gives it: the V, K and Q tensor-map addresses
// (i64), then the Q, K and O memref descriptors (allocated, aligned, offset,
// sizes[4], strides[4]). The maps are encoded as the runtime encodes them
// (f16, 128B swizzle, 128B L2 promotion, zero fill) and copied to device
// memory.
//
// Options: --threads N --bq ROWS --bkv ROWS --smem BYTES (the launch the
// host code of that configuration makes), --smem-extra BYTES (more dynamic
// shared memory than the kernel asks for), --b --h --s --d (shape, default
// 1 1 128 64), --seed N, --out FILE (the raw f32 output, for comparing a
// plain run with a run under a tool), --noref (the variant changes the
// numbers: no reference check, only NaN/unwritten counts).
//
// Prints one line "RESULT PASS|FAIL|RAN maxerr=... nan=... unwritten=...
// nanrows=..." (RAN: --noref and no NaN, nothing unwritten), or a CUDA error.
// --dump (the dump-smem variant, implies --noref): O[0][0..15] hold the 64
// bytes at the dynamic-shared-memory symbol at exit; they are printed as
// hex words beside Q's row 0 and left out of the NaN counts.
#include <cuda.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

#define CHECK_CU(call)                                                         \
  do {                                                                         \
    CUresult r_ = (call);                                                      \
    if (r_ != CUDA_SUCCESS) {                                                  \
      const char *name_ = "unknown";                                           \
      cuGetErrorName(r_, &name_);                                              \
      std::printf("RESULT FAIL cuda-error %s at %s\n", name_, #call);          \
      std::exit(2);                                                            \
    }                                                                          \
  } while (0)

// The host puts this NaN in every output element; the GPU's own NaNs are
// 0x7fffffff, so an element still holding it was never written.
constexpr uint32_t kSentinel = 0x7fc0dead;

struct Options {
  const char *module = nullptr, *kernel = nullptr, *out = nullptr;
  int threads = 256, bq = 128, bkv = 64, smem = 0, smemExtra = 0;
  int64_t b = 1, h = 1, s = 128, d = 64;
  unsigned seed = 1;
  bool ref = true, dump = false;
  double scale = 0.125;
};

uint16_t toHalf(float f) {
  // Round to nearest even; the inputs are normals in [-1, 1] or zero.
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (exp <= 0)
    return static_cast<uint16_t>(sign);
  uint32_t h = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
    ++h;
  return static_cast<uint16_t>(h);
}

double fromHalf(uint16_t h) {
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v =
      exp ? std::ldexp(1.0 + mant / 1024.0, exp - 15) : std::ldexp(mant, -24);
  return (h & 0x8000) ? -v : v;
}

std::vector<char> readFile(const char *path) {
  FILE *f = std::fopen(path, "rb");
  if (!f) {
    std::printf("RESULT FAIL cannot read %s\n", path);
    std::exit(2);
  }
  std::vector<char> data;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    data.insert(data.end(), buf, buf + n);
  std::fclose(f);
  data.push_back('\0'); // PTX must be NUL-terminated; harmless for a cubin.
  return data;
}

bool endsWith(const std::string &s, const std::string &tail) {
  return s.size() >= tail.size() &&
         s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

CUmodule load(const Options &o) {
  std::vector<char> data = readFile(o.module);
  CUmodule module = nullptr;
  if (!endsWith(o.module, ".ptx")) {
    CHECK_CU(cuModuleLoadData(&module, data.data()));
    return module;
  }
  // As runtime/lib/Modules.cpp's loadPTX (optimization level 2, what the
  // generated host code passes).
  char log[8192] = {0};
  CUjit_option opts[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                         CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(2)), log,
                    reinterpret_cast<void *>(sizeof(log))};
  CUresult r = cuModuleLoadDataEx(&module, data.data(), 3, opts, values);
  if (r != CUDA_SUCCESS) {
    const char *name = "unknown";
    cuGetErrorName(r, &name);
    std::printf("RESULT FAIL cuda-error %s at cuModuleLoadDataEx: %s\n", name,
                log);
    std::exit(2);
  }
  return module;
}

/// A tensor map of the [b, h, s, d] f16 tensor at `ptr` with a box of
/// `rows` x 64, in device memory.
CUdeviceptr tensorMap(const Options &o, CUdeviceptr ptr, int rows) {
  CUtensorMap map;
  std::memset(&map, 0, sizeof(map));
  cuuint64_t dims[4] = {
      static_cast<cuuint64_t>(o.d), static_cast<cuuint64_t>(o.s),
      static_cast<cuuint64_t>(o.h), static_cast<cuuint64_t>(o.b)};
  cuuint64_t strides[3] = {static_cast<cuuint64_t>(o.d * 2),
                           static_cast<cuuint64_t>(o.s * o.d * 2),
                           static_cast<cuuint64_t>(o.h * o.s * o.d * 2)};
  cuuint32_t box[4] = {64, static_cast<cuuint32_t>(rows), 1, 1};
  cuuint32_t elementStrides[4] = {1, 1, 1, 1};
  CHECK_CU(cuTensorMapEncodeTiled(
      &map, CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 4, reinterpret_cast<void *>(ptr),
      dims, strides, box, elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE,
      CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
      CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE));
  CUdeviceptr dev;
  CHECK_CU(cuMemAlloc(&dev, sizeof(map)));
  CHECK_CU(cuMemcpyHtoD(dev, &map, sizeof(map)));
  return dev;
}

/// The 11 kernel parameters of one memref descriptor of a dense
/// [b, h, s, d] buffer.
struct Memref {
  CUdeviceptr allocated, aligned;
  int64_t offset, sizes[4], strides[4];
};

Memref memref(const Options &o, CUdeviceptr ptr) {
  return {
      ptr, ptr, 0, {o.b, o.h, o.s, o.d}, {o.h * o.s * o.d, o.s * o.d, o.d, 1}};
}

void pushMemref(std::vector<void *> &args, Memref &m) {
  args.push_back(&m.allocated);
  args.push_back(&m.aligned);
  args.push_back(&m.offset);
  for (int64_t &x : m.sizes)
    args.push_back(&x);
  for (int64_t &x : m.strides)
    args.push_back(&x);
}

/// Causal (top-left) attention in double precision.
std::vector<double> reference(const Options &o, const std::vector<uint16_t> &q,
                              const std::vector<uint16_t> &k,
                              const std::vector<uint16_t> &v) {
  std::vector<double> out(q.size());
  std::vector<double> p(o.s);
  for (int64_t bh = 0; bh < o.b * o.h; ++bh) {
    size_t base = bh * o.s * o.d;
    for (int64_t i = 0; i < o.s; ++i) {
      double mx = -INFINITY;
      for (int64_t j = 0; j <= i; ++j) {
        double dot = 0;
        for (int64_t c = 0; c < o.d; ++c)
          dot +=
              fromHalf(q[base + i * o.d + c]) * fromHalf(k[base + j * o.d + c]);
        p[j] = dot * o.scale;
        mx = std::fmax(mx, p[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j <= i; ++j)
        sum += p[j] = std::exp(p[j] - mx);
      for (int64_t c = 0; c < o.d; ++c) {
        double acc = 0;
        for (int64_t j = 0; j <= i; ++j)
          acc += p[j] * fromHalf(v[base + j * o.d + c]);
        out[base + i * o.d + c] = acc / sum;
      }
    }
  }
  return out;
}

Options parse(int argc, char **argv) {
  Options o;
  if (argc < 3) {
    std::fprintf(stderr, "usage: driver MODULE KERNEL [options]\n");
    std::exit(2);
  }
  o.module = argv[1];
  o.kernel = argv[2];
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--threads")
      o.threads = std::atoi(next());
    else if (a == "--bq")
      o.bq = std::atoi(next());
    else if (a == "--bkv")
      o.bkv = std::atoi(next());
    else if (a == "--smem")
      o.smem = std::atoi(next());
    else if (a == "--smem-extra")
      o.smemExtra = std::atoi(next());
    else if (a == "--b")
      o.b = std::atoll(next());
    else if (a == "--h")
      o.h = std::atoll(next());
    else if (a == "--s")
      o.s = std::atoll(next());
    else if (a == "--d")
      o.d = std::atoll(next());
    else if (a == "--seed")
      o.seed = static_cast<unsigned>(std::atoi(next()));
    else if (a == "--out")
      o.out = next();
    else if (a == "--noref")
      o.ref = false;
    else if (a == "--dump") {
      o.dump = true;
      o.ref = false;
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      std::exit(2);
    }
  }
  return o;
}

} // namespace

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  CHECK_CU(cuInit(0));
  CUdevice dev;
  CHECK_CU(cuDeviceGet(&dev, 0));
  CUcontext ctx;
  CHECK_CU(cuDevicePrimaryCtxRetain(&ctx, dev));
  CHECK_CU(cuCtxSetCurrent(ctx));
  CUmodule module = load(o);
  CUfunction fn;
  CHECK_CU(cuModuleGetFunction(&fn, module, o.kernel));
  int smem = o.smem + o.smemExtra;
  CHECK_CU(cuFuncSetAttribute(
      fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem));

  // Inputs: f16 uniform in [-1, 1] from a fixed LCG; output: the sentinel.
  size_t n = static_cast<size_t>(o.b * o.h * o.s * o.d);
  std::vector<uint16_t> hq(n), hk(n), hv(n);
  uint32_t state = o.seed * 2654435761u + 12345u;
  auto rnd = [&] {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) * (2.0f / 16777216.0f) - 1.0f;
  };
  for (auto *vec : {&hq, &hk, &hv})
    for (uint16_t &x : *vec)
      x = toHalf(rnd());
  std::vector<uint32_t> ho(n, kSentinel);
  CUdeviceptr dq, dk, dv, dout;
  CHECK_CU(cuMemAlloc(&dq, n * 2));
  CHECK_CU(cuMemAlloc(&dk, n * 2));
  CHECK_CU(cuMemAlloc(&dv, n * 2));
  CHECK_CU(cuMemAlloc(&dout, n * 4));
  CHECK_CU(cuMemcpyHtoD(dq, hq.data(), n * 2));
  CHECK_CU(cuMemcpyHtoD(dk, hk.data(), n * 2));
  CHECK_CU(cuMemcpyHtoD(dv, hv.data(), n * 2));
  CHECK_CU(cuMemcpyHtoD(dout, ho.data(), n * 4));

  uint64_t vMap = tensorMap(o, dv, o.bkv), kMap = tensorMap(o, dk, o.bkv),
           qMap = tensorMap(o, dq, o.bq);
  Memref mq = memref(o, dq), mk = memref(o, dk), mo = memref(o, dout);
  std::vector<void *> args = {&vMap, &kMap, &qMap};
  pushMemref(args, mq);
  pushMemref(args, mk);
  pushMemref(args, mo);

  unsigned gridX = static_cast<unsigned>((o.s + o.bq - 1) / o.bq);
  unsigned gridY = static_cast<unsigned>(o.b * o.h);
  CHECK_CU(cuLaunchKernel(fn, gridX, gridY, 1, o.threads, 1, 1, smem, nullptr,
                          args.data(), nullptr));
  CHECK_CU(cuCtxSynchronize());
  CHECK_CU(cuMemcpyDtoH(ho.data(), dout, n * 4));

  if (o.out) {
    FILE *f = std::fopen(o.out, "wb");
    if (f) {
      std::fwrite(ho.data(), 4, n, f);
      std::fclose(f);
    }
  }
  std::vector<double> ref;
  if (o.ref)
    ref = reference(o, hq, hk, hv);
  size_t nan = 0, unwritten = 0, nanRows = 0, firstNan = n;
  double maxErr = 0;
  for (size_t row = 0; row < n / o.d; ++row) {
    bool rowNan = false;
    for (int64_t c = 0; c < o.d; ++c) {
      size_t i = row * o.d + c;
      float x;
      std::memcpy(&x, &ho[i], 4);
      if (o.dump && i < 16)
        continue;
      if (ho[i] == kSentinel) {
        ++unwritten;
      } else if (std::isnan(x)) {
        ++nan;
        rowNan = true;
        firstNan = std::min(firstNan, i);
      } else if (o.ref) {
        maxErr = std::fmax(maxErr, std::fabs(x - ref[i]));
      }
    }
    nanRows += rowNan;
  }
  bool clean = nan == 0 && unwritten == 0;
  const char *verdict = !clean           ? "FAIL"
                        : !o.ref         ? "RAN"
                        : maxErr <= 2e-2 ? "PASS"
                                         : "FAIL";
  std::printf("RESULT %s maxerr=%.3g nan=%zu unwritten=%zu nanrows=%zu/%zu",
              verdict, maxErr, nan, unwritten, nanRows, n / o.d);
  if (firstNan < n)
    std::printf(" firstnan=(row %zu, col %zu)", firstNan / o.d, firstNan % o.d);
  std::printf("\n");
  if (o.dump) {
    // Q's row 0 as the TMA writes it (the 128B swizzle leaves row 0 in
    // place) and what the symbol's first 64 bytes held at exit.
    std::printf("q row 0 bytes 0-63:      ");
    for (int w = 0; w < 16; ++w)
      std::printf(" %08x", hq[2 * w] | static_cast<uint32_t>(hq[2 * w + 1])
                                           << 16);
    std::printf("\nsmem at symbol, bytes 0-63:");
    for (int w = 0; w < 16; ++w)
      std::printf(" %08x", ho[w]);
    std::printf("\n");
  }
  // Row 0 and the last row, a few columns, for a closer look.
  for (size_t row : {size_t(0), n / o.d - 1}) {
    std::printf("row %zu:", row);
    for (int64_t c = 0; c < 4; ++c) {
      float x;
      std::memcpy(&x, &ho[row * o.d + c], 4);
      std::printf(" %g", x);
      if (o.ref)
        std::printf(" (ref %g)", ref[row * o.d + c]);
    }
    std::printf("\n");
  }
  cuDevicePrimaryCtxRelease(dev);
  return std::strcmp(verdict, "FAIL") == 0 ? 1 : 0;
}
