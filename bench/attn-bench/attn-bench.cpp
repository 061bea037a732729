//===- attn-bench.cpp - attn's GPU kernel vs an unfused cuBLAS baseline ---===//
//
// Times the attention kernels that attn-compile built from unfused linalg
// (kernels/*.mlir -> lib<name>.so, C entry points _mlir_ciface_<name>)
// against the unfused baseline: cuBLAS strided-batched S = Q·Kᵀ (f16 in, f32
// accumulate, f16 out) -> attn_bench_softmax (scale, causal mask, softmax in
// place; baseline_kernels.cu, loaded with cuModuleLoadData) -> cuBLAS O = P·V.
//
// No LLVM/MLIR at run time. libattn_runtime is linked; the CUDA driver,
// cuBLAS and the kernel libraries are opened with dlopen, so the binary starts
// on a machine without a GPU and says so. See bench/README.md.
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime.h"

#include <cublas_api.h>
#include <cuda.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#define ATTN_STR(x) #x
#define ATTN_XSTR(x) ATTN_STR(x)

namespace {

//===----------------------------------------------------------------------===//
// The driver and cuBLAS through dlopen.
//===----------------------------------------------------------------------===//

#define DRIVER_FUNCS(X)                                                        \
  X(cuInit)                                                                    \
  X(cuDriverGetVersion)                                                        \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDeviceTotalMem)                                                          \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxSetCurrent)                                                           \
  X(cuCtxSynchronize)                                                          \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemGetInfo)                                                              \
  X(cuMemcpyDtoH)                                                              \
  X(cuMemsetD16)                                                               \
  X(cuModuleLoadData)                                                          \
  X(cuModuleGetFunction)                                                       \
  X(cuLaunchKernel)                                                            \
  X(cuStreamCreate)                                                            \
  X(cuStreamSynchronize)                                                       \
  X(cuEventCreate)                                                             \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventElapsedTime)                                                        \
  X(cuGetErrorName)

struct Driver {
#define DECL(fn) decltype(&::fn) fn = nullptr;
  DRIVER_FUNCS(DECL)
#undef DECL
} cu;

// cuBLAS (cublas_api.h names the _v2 entry points).
struct Blas {
  decltype(&::cublasCreate_v2) create = nullptr;
  decltype(&::cublasSetStream_v2) setStream = nullptr;
  // The C entry point (C++ sees an overload set).
  using GemmFn = cublasStatus_t (*)(
      cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
      const void *, const void *, cudaDataType, int, long long, const void *,
      cudaDataType, int, long long, const void *, void *, cudaDataType, int,
      long long, int, cublasComputeType_t, cublasGemmAlgo_t);
  GemmFn gemm = nullptr;
  decltype(&::cublasGetVersion_v2) getVersion = nullptr;
  cublasHandle_t handle = nullptr;
} blas;

std::string loadDriver() {
  const char *path = getenv("ATTN_CUDA_DRIVER");
  void *h = dlopen(path ? path : "libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!h)
    return std::string("no CUDA driver: dlopen(\"") +
           (path ? path : "libcuda.so.1") + "\") failed: " + dlerror();
#define LOAD(fn)                                                               \
  cu.fn = reinterpret_cast<decltype(cu.fn)>(dlsym(h, ATTN_XSTR(fn)));          \
  if (!cu.fn)                                                                  \
    return "CUDA driver lacks " ATTN_XSTR(fn);
  DRIVER_FUNCS(LOAD)
#undef LOAD
  return "";
}

std::string loadBlas() {
  const char *env = getenv("ATTN_BENCH_CUBLAS");
  std::vector<std::string> names;
  if (env)
    names.push_back(env);
  names.push_back("libcublas.so.13");
  names.push_back("/usr/local/cuda/lib64/libcublas.so.13");
  names.push_back("libcublas.so.12");
  names.push_back("libcublas.so");
  std::string errs;
  for (const std::string &n : names) {
    void *h = dlopen(n.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!h) {
      errs += std::string(dlerror()) + "; ";
      continue;
    }
    blas.create = reinterpret_cast<decltype(blas.create)>(
        dlsym(h, "cublasCreate_v2"));
    blas.setStream = reinterpret_cast<decltype(blas.setStream)>(
        dlsym(h, "cublasSetStream_v2"));
    blas.gemm = reinterpret_cast<decltype(blas.gemm)>(
        dlsym(h, "cublasGemmStridedBatchedEx"));
    blas.getVersion = reinterpret_cast<decltype(blas.getVersion)>(
        dlsym(h, "cublasGetVersion_v2"));
    if (blas.create && blas.setStream && blas.gemm && blas.getVersion)
      return "";
    errs += n + ": missing symbols; ";
  }
  return "cuBLAS not found (" + errs + ")";
}

std::string cuErr(CUresult r) {
  const char *name = "?";
  if (cu.cuGetErrorName)
    cu.cuGetErrorName(r, &name);
  return name;
}

[[noreturn]] void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "attn-bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(2);
}

#define CHECK_CU(expr)                                                         \
  do {                                                                         \
    CUresult r_ = (expr);                                                      \
    if (r_ != CUDA_SUCCESS)                                                    \
      die("%s:%d: %s failed: %s", __FILE__, __LINE__, #expr,                   \
          cuErr(r_).c_str());                                                  \
  } while (0)

//===----------------------------------------------------------------------===//
// Options and cases.
//===----------------------------------------------------------------------===//

struct Options {
  std::vector<std::string> sweeps{"fa", "decode"};
  std::vector<std::vector<std::string>> filters; // AND of ORs of substrings
  std::vector<int64_t> dims, seqs, batches;       // empty: all
  int causal = -1;                                // -1: both
  std::vector<std::string> providers{"attn", "unfused"};
  int runs = 30, warmup = 5, maxSets = 8;
  std::string csv, json, kernelDir, fatbin;
  bool list = false;
  int checkRows = 8;
  std::string tune, tuneOut; // --tune=<manifest>, --tune-out=<.inc>
  std::string command;       // the command line, for --tune-out's header
  bool runsSet = false, warmupSet = false;
};

struct Case {
  std::string sweep, dtype;
  int64_t b, hq, hkv, sq, sk, d;
  bool causal;
  std::string name() const {
    std::ostringstream os;
    os << sweep << "/" << dtype << "/d" << d;
    if (causal)
      os << "/causal";
    if (hq != hkv)
      os << "/gqa" << hq / hkv;
    if (sweep == "decode")
      os << "/b" << b << "-sk" << sk;
    else
      os << "/b" << b << "-h" << hq << "-s" << sq;
    return os.str();
  }
  std::string kernel() const {
    std::ostringstream os;
    os << "attn_" << dtype << "_d" << d << (causal ? "_causal" : "");
    if (hq != hkv)
      os << "_gqa" << hq / hkv;
    return os.str();
  }
  // Unmasked (query, key) pairs; causal is top-left (key j <= query i).
  double pairs() const {
    if (!causal)
      return double(sq) * double(sk);
    double p = 0;
    for (int64_t i = 0; i < sq; ++i)
      p += double(std::min<int64_t>(sk, i + 1));
    return p;
  }
  double flops() const { return 4.0 * b * hq * pairs() * d; }
  // The fewest bytes: Q, K, V read once, O written once.
  double minBytes() const {
    return 2.0 * d * (2.0 * b * hq * sq + 2.0 * b * hkv * sk);
  }
};

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(s);
  while (std::getline(is, cur, sep))
    if (!cur.empty())
      out.push_back(cur);
  return out;
}

std::vector<int64_t> splitInts(const std::string &s) {
  std::vector<int64_t> out;
  for (const std::string &x : split(s, ',')) {
    char *end = nullptr;
    long long v = strtoll(x.c_str(), &end, 10);
    if (*end == 'k' || *end == 'K')
      v *= 1024, ++end;
    if (*end)
      die("not an integer list: '%s'", s.c_str());
    out.push_back(v);
  }
  return out;
}

void usage() {
  printf(
      "usage: attn-bench [options]\n"
      "  --sweep=fa,decode     sweeps to run (fa: FlashAttention-paper sweep,\n"
      "                        16k tokens per batch, S=512..16k, D 64/128,\n"
      "                        H=2048/D, causal and not; decode: Sq=1,\n"
      "                        Sk=1k..128k, batch 1..64, D=128, GQA 32:4)\n"
      "  --filter=a,b          keep cases whose name contains a or b; repeat\n"
      "                        the option to require several (AND)\n"
      "  --d=64,128 --seq=512,4k --batch=1,64 --causal=0|1\n"
      "  --provider=attn,unfused\n"
      "  --runs=N (>= 20, default 30) --warmup=N (default 5)\n"
      "  --sets=N              most input sets to rotate (default 8)\n"
      "  --check-rows=N        rows checked against a float64 CPU reference\n"
      "  --csv=FILE --json=FILE\n"
      "  --kernel-dir=DIR      lib<kernel>.so files (default: next to the\n"
      "                        executable)\n"
      "  --fatbin=FILE         baseline kernels (default: "
      "attn_bench_kernels.fatbin\n"
      "                        next to the executable)\n"
      "  --list                print the selected cases and exit\n"
      "  --tune=MANIFEST       time the sm_90a kernel variants that\n"
      "                        scripts/tune-build.sh built (its manifest) on\n"
      "                        FA-sweep shapes (--seq, default 1k,4k,16k;\n"
      "                        --d, --causal and --filter, on names like\n"
      "                        d128/bf16/causal and configs like\n"
      "                        wg=2,bkv=128,..., select variants), rank\n"
      "                        them per (D, dtype, causal) by\n"
      "                        geometric-mean TFLOPS; --runs default 20,\n"
      "                        --warmup 3\n"
      "  --tune-out=FILE       with --tune: write the winners as\n"
      "                        DefaultConfigs.inc (rows not measured are kept\n"
      "                        from the table this binary was built with)\n");
}

std::string exeDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return ".";
  buf[n] = 0;
  std::string s(buf);
  size_t p = s.rfind('/');
  return p == std::string::npos ? "." : s.substr(0, p);
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char *key) -> const char * {
      size_t n = strlen(key);
      if (a.compare(0, n, key) == 0 && a.size() > n && a[n] == '=')
        return argv[i] + n + 1;
      if (a == key && i + 1 < argc)
        return argv[++i];
      return nullptr;
    };
    const char *v;
    if (a == "-h" || a == "--help") {
      usage();
      exit(0);
    } else if (a == "--list") {
      o.list = true;
    } else if ((v = val("--sweep"))) {
      o.sweeps = split(v, ',');
    } else if ((v = val("--filter"))) {
      o.filters.push_back(split(v, ','));
    } else if ((v = val("--d"))) {
      o.dims = splitInts(v);
    } else if ((v = val("--seq"))) {
      o.seqs = splitInts(v);
    } else if ((v = val("--batch"))) {
      o.batches = splitInts(v);
    } else if ((v = val("--causal"))) {
      o.causal = atoi(v);
    } else if ((v = val("--provider"))) {
      o.providers = split(v, ',');
    } else if ((v = val("--runs"))) {
      o.runs = std::max(20, atoi(v));
      o.runsSet = true;
    } else if ((v = val("--warmup"))) {
      o.warmup = std::max(1, atoi(v));
      o.warmupSet = true;
    } else if ((v = val("--tune-out"))) {
      o.tuneOut = v;
    } else if ((v = val("--tune"))) {
      o.tune = v;
    } else if ((v = val("--sets"))) {
      o.maxSets = std::max(1, atoi(v));
    } else if ((v = val("--check-rows"))) {
      o.checkRows = std::max(0, atoi(v));
    } else if ((v = val("--csv"))) {
      o.csv = v;
    } else if ((v = val("--json"))) {
      o.json = v;
    } else if ((v = val("--kernel-dir"))) {
      o.kernelDir = v;
    } else if ((v = val("--fatbin"))) {
      o.fatbin = v;
    } else {
      fprintf(stderr, "attn-bench: unknown option '%s'\n", a.c_str());
      usage();
      exit(2);
    }
  }
  for (int i = 0; i < argc; ++i)
    o.command += (i ? " " : "") + std::string(argv[i]);
  if (!o.tuneOut.empty() && o.tune.empty())
    die("--tune-out needs --tune=<manifest>");
  if (!o.tune.empty()) {
    if (!o.runsSet)
      o.runs = 20;
    if (!o.warmupSet)
      o.warmup = 3;
  }
  if (o.kernelDir.empty())
    o.kernelDir = exeDir();
  if (o.fatbin.empty())
    o.fatbin = exeDir() + "/attn_bench_kernels.fatbin";
  return o;
}

template <typename T> bool has(const std::vector<T> &v, const T &x) {
  return v.empty() || std::find(v.begin(), v.end(), x) != v.end();
}

std::vector<Case> makeCases(const Options &o) {
  std::vector<Case> all;
  for (const char *dtype : {"f16", "bf16"})
    for (int64_t d : {64, 128})
      for (bool causal : {false, true})
        for (int64_t s = 512; s <= 16384; s *= 2) {
          int64_t h = 2048 / d;
          all.push_back({"fa", dtype, 16384 / s, h, h, s, s, d, causal});
        }
  for (int64_t b : {1, 4, 16, 64})
    for (int64_t sk = 1024; sk <= 131072; sk *= 2)
      all.push_back({"decode", "f16", b, 32, 4, 1, sk, 128, false});
  std::vector<Case> out;
  for (const Case &c : all) {
    if (!has(o.sweeps, c.sweep) || !has(o.dims, c.d) ||
        !has(o.batches, c.b) ||
        !has(o.seqs, c.sweep == "decode" ? c.sk : c.sq) ||
        (o.causal >= 0 && c.causal != bool(o.causal)))
      continue;
    std::string n = c.name();
    bool keep = true;
    for (const auto &alts : o.filters) {
      bool any = false;
      for (const std::string &s : alts)
        any |= n.find(s) != std::string::npos;
      keep &= any;
    }
    if (keep)
      out.push_back(c);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Device state.
//===----------------------------------------------------------------------===//

struct Desc4 {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[4];
  int64_t strides[4];
};
using AttnFn = void (*)(Desc4 *, Desc4 *, Desc4 *, Desc4 *, Desc4 *);

Desc4 desc(CUdeviceptr p, int64_t b, int64_t h, int64_t s, int64_t d) {
  Desc4 x{};
  x.allocated = x.aligned = reinterpret_cast<void *>(p);
  int64_t shape[4] = {b, h, s, d};
  for (int i = 0; i < 4; ++i)
    x.sizes[i] = shape[i];
  x.strides[3] = 1;
  for (int i = 2; i >= 0; --i)
    x.strides[i] = x.strides[i + 1] * shape[i + 1];
  return x;
}

struct Gpu {
  CUdevice dev;
  CUcontext ctx;
  CUstream stream;
  CUmodule mod;
  CUfunction fill, fillBf16, softmax;
  int l2Bytes = 0, sms = 0;
  std::string name;
  int driverVersion = 0;
} gpu;

size_t freeMem() {
  size_t f = 0, t = 0;
  CHECK_CU(cu.cuCtxSynchronize());
  CHECK_CU(cu.cuMemGetInfo(&f, &t));
  return f;
}

CUdeviceptr alloc(size_t bytes) {
  CUdeviceptr p = 0;
  CUresult r = cu.cuMemAlloc(&p, std::max<size_t>(bytes, 256));
  if (r != CUDA_SUCCESS)
    return 0;
  return p;
}

// f16 or bf16 (`bf16`) values, uniform in [lo, hi).
void fillUniform(CUdeviceptr p, uint64_t n, uint64_t seed, float lo, float hi,
                 bool bf16 = false) {
  void *args[] = {&p, &n, &seed, &lo, &hi};
  unsigned blocks = unsigned(
      std::min<uint64_t>((n + 255) / 256, uint64_t(std::max(gpu.sms, 1)) * 32));
  CHECK_CU(cu.cuLaunchKernel(bf16 ? gpu.fillBf16 : gpu.fill, blocks, 1, 1, 256,
                             1, 1, 0, gpu.stream, args, nullptr));
}

// A quiet NaN of the element type, to poison outputs before a checked run.
unsigned short nanBits(bool bf16) { return bf16 ? 0x7FC0 : 0x7E00; }

//===----------------------------------------------------------------------===//
// Providers.
//===----------------------------------------------------------------------===//

struct Set {
  CUdeviceptr q = 0, k = 0, v = 0, oAttn = 0, oBase = 0;
};

/// Allocates one input set (Q, K, V and the outputs asked for) and fills Q,
/// K, V with fresh U(-2, 2) values. On out-of-memory frees what it got and
/// returns false.
template <typename Rng>
bool makeSet(Set &x, size_t nQ, size_t nKV, bool withAttn, bool withBase,
             bool bf16, Rng &rng) {
  x.q = alloc(2 * nQ), x.k = alloc(2 * nKV), x.v = alloc(2 * nKV);
  x.oAttn = withAttn ? alloc(2 * nQ) : 0;
  x.oBase = withBase ? alloc(2 * nQ) : 0;
  if (!x.q || !x.k || !x.v || (withAttn && !x.oAttn) ||
      (withBase && !x.oBase)) {
    for (CUdeviceptr p : {x.q, x.k, x.v, x.oAttn, x.oBase})
      if (p)
        cu.cuMemFree(p);
    return false;
  }
  uint64_t seed = rng();
  fillUniform(x.q, nQ, seed, -2, 2, bf16);
  fillUniform(x.k, nKV, seed + 1, -2, 2, bf16);
  fillUniform(x.v, nKV, seed + 2, -2, 2, bf16);
  return true;
}

struct Buffers {
  std::vector<Set> sets;
  CUdeviceptr s = 0; // baseline scores/probabilities [B, Hq, Sq, Sk] f16
  void release() {
    for (Set &x : sets)
      for (CUdeviceptr p : {x.q, x.k, x.v, x.oAttn, x.oBase})
        if (p)
          cu.cuMemFree(p);
    if (s)
      cu.cuMemFree(s);
    sets.clear();
    s = 0;
  }
};

// Returns "" or an error.
std::string runAttn(AttnFn fn, const Case &c, const Set &x) {
  Desc4 q = desc(x.q, c.b, c.hq, c.sq, c.d);
  Desc4 k = desc(x.k, c.b, c.hkv, c.sk, c.d);
  Desc4 v = desc(x.v, c.b, c.hkv, c.sk, c.d);
  Desc4 o = desc(x.oAttn, c.b, c.hq, c.sq, c.d);
  // target=cuda entry points take the result buffer last: `o` again, where
  // the kernel writes in place (the runtime skips the copy onto itself).
  fn(&q, &k, &v, &o, &o);
  if (attnGetStatus() != ATTN_STATUS_SUCCESS) {
    std::string e = attnGetLastError();
    attnClearError();
    return e;
  }
  // The result is the outs buffer (docs/runtime.md); an unwritten element
  // stays NaN (poisoned before the checked run) and fails the check.
  return "";
}

std::string runBaseline(const Case &c, const Set &x, CUdeviceptr s) {
  // GQA: query heads h = hk·G + g are contiguous, so Q [B, Hkv, G·Sq, D] and
  // S [B, Hkv, G·Sq, Sk] are plain batched GEMMs over B·Hkv.
  const int64_t g = c.hq / c.hkv, m = g * c.sq, batch = c.b * c.hkv;
  float one = 1.f, zero = 0.f;
  // Row-major S[m, sk] = Q[m, d]·K[sk, d]ᵀ is column-major Sᵀ = K·Qᵀ.
  cublasStatus_t st = blas.gemm(
      blas.handle, CUBLAS_OP_T, CUBLAS_OP_N, int(c.sk), int(m), int(c.d), &one,
      reinterpret_cast<void *>(x.k), CUDA_R_16F, int(c.d), c.sk * c.d,
      reinterpret_cast<void *>(x.q), CUDA_R_16F, int(c.d), m * c.d, &zero,
      reinterpret_cast<void *>(s), CUDA_R_16F, int(c.sk), m * c.sk, int(batch),
      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (st != CUBLAS_STATUS_SUCCESS)
    return "cublasGemmStridedBatchedEx (Q·Kᵀ) failed: status " +
           std::to_string(int(st));
  int sq = int(c.sq), sk = int(c.sk), causal = c.causal, offset = 0;
  float scaleLog2e = float(1.0 / std::sqrt(double(c.d)) * M_LOG2E);
  void *args[] = {&s, &sq, &sk, &scaleLog2e, &causal, &offset};
  uint64_t rows = uint64_t(c.b) * c.hq * c.sq;
  unsigned threads =
      unsigned(std::clamp<int64_t>((c.sk / 32 + 31) / 32 * 32, 64, 1024));
  CUresult r = cu.cuLaunchKernel(gpu.softmax, unsigned(rows), 1, 1, threads, 1,
                                 1, 0, gpu.stream, args, nullptr);
  if (r != CUDA_SUCCESS)
    return "cuLaunchKernel(attn_bench_softmax) failed: " + cuErr(r);
  // Row-major O[m, d] = P[m, sk]·V[sk, d] is column-major Oᵀ = Vᵀ·Pᵀ.
  st = blas.gemm(blas.handle, CUBLAS_OP_N, CUBLAS_OP_N, int(c.d), int(m),
                 int(c.sk), &one, reinterpret_cast<void *>(x.v), CUDA_R_16F,
                 int(c.d), c.sk * c.d, reinterpret_cast<void *>(s), CUDA_R_16F,
                 int(c.sk), m * c.sk, &zero, reinterpret_cast<void *>(x.oBase),
                 CUDA_R_16F, int(c.d), m * c.d, int(batch), CUBLAS_COMPUTE_32F,
                 CUBLAS_GEMM_DEFAULT);
  if (st != CUBLAS_STATUS_SUCCESS)
    return "cublasGemmStridedBatchedEx (P·V) failed: status " +
           std::to_string(int(st));
  return "";
}

//===----------------------------------------------------------------------===//
// Checking.
//===----------------------------------------------------------------------===//

// Device tensors hold raw f16 or bf16 bits; `toDouble` reads them.
using Bits = uint16_t;

double toDouble(Bits h, bool bf16) {
  if (bf16) {
    uint32_t u = uint32_t(h) << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
  }
  _Float16 x;
  memcpy(&x, &h, sizeof x);
  return double(x);
}

std::vector<Bits> download(CUdeviceptr p, size_t n) {
  std::vector<Bits> h(n);
  CHECK_CU(cu.cuMemcpyDtoH(h.data(), p, n * sizeof(Bits)));
  return h;
}

int64_t countNaN(const std::vector<Bits> &v, bool bf16) {
  int64_t n = 0;
  for (Bits h : v)
    n += std::isnan(toDouble(h, bf16));
  return n;
}

struct Cmp {
  double rel = NAN;
  int64_t nans = 0;
};

Cmp compare(const std::vector<Bits> &got, const std::vector<Bits> &ref,
            bool bf16) {
  double e = 0, r = 0;
  Cmp c;
  c.nans = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double g = toDouble(got[i], bf16), x = toDouble(ref[i], bf16);
    if (std::isnan(g) || std::isnan(x)) {
      ++c.nans;
      continue;
    }
    e += (g - x) * (g - x);
    r += x * x;
  }
  c.rel = std::sqrt(e / std::max(r, 1e-300));
  return c;
}

// Float64 reference of sampled output rows (the last row always): their
// flat row indices and values.
struct RefRows {
  std::vector<int64_t> rows;
  std::vector<double> values; // rows.size() x d
  double norm2 = 0;
};

RefRows refRows(const Case &c, const Set &x, int nRows, std::mt19937_64 &rng) {
  RefRows out;
  const bool bf16 = c.dtype == "bf16";
  const int64_t total = c.b * c.hq * c.sq, g = c.hq / c.hkv;
  const double scale = 1.0 / std::sqrt(double(c.d));
  std::vector<double> p(c.sk);
  for (int n = 0; n < nRows; ++n) {
    int64_t flat = n == 0 ? total - 1 : int64_t(rng() % uint64_t(total));
    int64_t i = flat % c.sq, h = (flat / c.sq) % c.hq, b = flat / c.sq / c.hq;
    int64_t hk = h / g;
    size_t qOff = size_t(((b * c.hq + h) * c.sq + i) * c.d);
    size_t kvOff = size_t((b * c.hkv + hk) * c.sk * c.d);
    auto q = std::vector<Bits>(c.d), k = std::vector<Bits>(c.sk * c.d), v = k;
    CHECK_CU(cu.cuMemcpyDtoH(q.data(), x.q + 2 * qOff, 2 * c.d));
    CHECK_CU(cu.cuMemcpyDtoH(k.data(), x.k + 2 * kvOff, 2 * c.sk * c.d));
    CHECK_CU(cu.cuMemcpyDtoH(v.data(), x.v + 2 * kvOff, 2 * c.sk * c.d));
    int64_t limit = c.causal ? std::min<int64_t>(c.sk, i + 1) : c.sk;
    double mx = -INFINITY;
    for (int64_t j = 0; j < limit; ++j) {
      double s = 0;
      for (int64_t e = 0; e < c.d; ++e)
        s += toDouble(q[e], bf16) * toDouble(k[j * c.d + e], bf16);
      p[j] = s * scale;
      mx = std::max(mx, p[j]);
    }
    double sum = 0;
    for (int64_t j = 0; j < limit; ++j)
      sum += (p[j] = std::exp(p[j] - mx));
    out.rows.push_back(flat);
    for (int64_t e = 0; e < c.d; ++e) {
      double ref = 0;
      for (int64_t j = 0; j < limit; ++j)
        ref += p[j] * toDouble(v[j * c.d + e], bf16);
      ref /= sum;
      out.norm2 += ref * ref;
      out.values.push_back(ref);
    }
  }
  return out;
}

// Rel. L2 error of output `o` ([B, Hq, Sq, D]) on the reference rows; NaN
// counts as an infinite error.
double relVsRef(const Case &c, CUdeviceptr o, const RefRows &ref) {
  const bool bf16 = c.dtype == "bf16";
  double e2 = 0;
  std::vector<Bits> row(c.d);
  for (size_t n = 0; n < ref.rows.size(); ++n) {
    CHECK_CU(cu.cuMemcpyDtoH(row.data(), o + 2 * size_t(ref.rows[n] * c.d),
                             2 * c.d));
    for (int64_t e = 0; e < c.d; ++e) {
      double a = toDouble(row[e], bf16), r = ref.values[n * c.d + e];
      e2 += std::isnan(a) ? INFINITY : (a - r) * (a - r);
    }
  }
  return std::sqrt(e2 / std::max(ref.norm2, 1e-300));
}

//===----------------------------------------------------------------------===//
// Results.
//===----------------------------------------------------------------------===//

struct Result {
  Case c;
  std::string provider, status = "ok", reason;
  double msMedian = NAN, msMin = NAN, msMax = NAN, tflops = NAN, gbps = NAN;
  double peakMiB = NAN, relPeer = NAN, relRef = NAN;
  int runs = 0, sets = 0;
};

struct Timing {
  double med, mn, mx;
};

Timing timeIt(int warmup, int runs, int nsets,
              const std::function<std::string(int)> &body, std::string &err) {
  CUevent a, b;
  CHECK_CU(cu.cuEventCreate(&a, CU_EVENT_DEFAULT));
  CHECK_CU(cu.cuEventCreate(&b, CU_EVENT_DEFAULT));
  std::vector<float> ms;
  for (int r = 0; r < warmup + runs && err.empty(); ++r) {
    CHECK_CU(cu.cuEventRecord(a, gpu.stream));
    err = body(r % nsets);
    CHECK_CU(cu.cuEventRecord(b, gpu.stream));
    CHECK_CU(cu.cuEventSynchronize(b));
    float t = 0;
    CHECK_CU(cu.cuEventElapsedTime(&t, a, b));
    if (r >= warmup)
      ms.push_back(t);
  }
  if (ms.empty())
    return {NAN, NAN, NAN};
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  double med = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  return {med, ms.front(), ms.back()};
}

std::string jsonEscape(const std::string &s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\')
      o += '\\', o += ch;
    else if (ch == '\n')
      o += "\\n";
    else if (static_cast<unsigned char>(ch) < 0x20)
      o += ' ';
    else
      o += ch;
  }
  return o;
}

std::string num(double x, int prec = 4) {
  if (std::isnan(x))
    return "";
  char buf[64];
  snprintf(buf, sizeof buf, "%.*g", prec, x);
  return buf;
}

std::string csvField(const std::string &s) {
  if (s.find_first_of(",\"\n") == std::string::npos)
    return s;
  std::string o = "\"";
  for (char ch : s)
    o += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return o + "\"";
}

void writeCsv(const std::string &path, const std::vector<Result> &rs) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  fprintf(f, "sweep,case,dtype,d,causal,batch,hq,hkv,sq,sk,provider,status,"
             "ms_median,ms_min,ms_max,runs,sets,tflops,gbps,peak_mem_mib,"
             "rel_l2_vs_peer,rel_l2_vs_f64_rows,reason\n");
  for (const Result &r : rs) {
    const Case &c = r.c;
    fprintf(f, "%s,%s,%s,%ld,%d,%ld,%ld,%ld,%ld,%ld,%s,%s,%s,%s,%s,%d,%d,%s,"
               "%s,%s,%s,%s,%s\n",
            c.sweep.c_str(), c.name().c_str(), c.dtype.c_str(), c.d,
            int(c.causal), c.b, c.hq, c.hkv, c.sq, c.sk, r.provider.c_str(),
            r.status.c_str(), num(r.msMedian, 6).c_str(),
            num(r.msMin, 6).c_str(), num(r.msMax, 6).c_str(), r.runs, r.sets,
            num(r.tflops, 5).c_str(), num(r.gbps, 5).c_str(),
            num(r.peakMiB, 6).c_str(), num(r.relPeer, 3).c_str(),
            num(r.relRef, 3).c_str(), csvField(r.reason).c_str());
  }
  fclose(f);
}

void writeJson(const std::string &path, const std::vector<Result> &rs,
               const std::string &device) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  auto jnum = [](double x, int p = 6) {
    return std::isnan(x) ? std::string("null") : num(x, p);
  };
  fprintf(f, "{\n  \"device\": \"%s\",\n  \"results\": [\n",
          jsonEscape(device).c_str());
  for (size_t i = 0; i < rs.size(); ++i) {
    const Result &r = rs[i];
    const Case &c = r.c;
    fprintf(f,
            "    {\"sweep\": \"%s\", \"case\": \"%s\", \"dtype\": \"%s\", "
            "\"d\": %ld, \"causal\": %s, \"batch\": %ld, \"hq\": %ld, "
            "\"hkv\": %ld, \"sq\": %ld, \"sk\": %ld, \"provider\": \"%s\", "
            "\"status\": \"%s\", \"ms_median\": %s, \"ms_min\": %s, "
            "\"ms_max\": %s, \"runs\": %d, \"sets\": %d, \"tflops\": %s, "
            "\"gbps\": %s, \"peak_mem_mib\": %s, \"rel_l2_vs_peer\": %s, "
            "\"rel_l2_vs_f64_rows\": %s, \"reason\": \"%s\"}%s\n",
            c.sweep.c_str(), c.name().c_str(), c.dtype.c_str(), c.d,
            c.causal ? "true" : "false", c.b, c.hq, c.hkv, c.sq, c.sk,
            r.provider.c_str(), r.status.c_str(), jnum(r.msMedian).c_str(),
            jnum(r.msMin).c_str(), jnum(r.msMax).c_str(), r.runs, r.sets,
            jnum(r.tflops).c_str(), jnum(r.gbps).c_str(),
            jnum(r.peakMiB).c_str(), jnum(r.relPeer, 3).c_str(),
            jnum(r.relRef, 3).c_str(), jsonEscape(r.reason).c_str(),
            i + 1 < rs.size() ? "," : "");
  }
  fprintf(f, "  ]\n}\n");
  fclose(f);
}

void printTable(const std::vector<Result> &rs) {
  // One row per case: attn vs unfused.
  std::map<std::string, std::pair<const Result *, const Result *>> byCase;
  std::vector<std::string> order;
  for (const Result &r : rs) {
    auto &e = byCase[r.c.name()];
    if (!e.first && !e.second)
      order.push_back(r.c.name());
    (r.provider == "attn" ? e.first : e.second) = &r;
  }
  auto cell = [](const Result *r, bool bw) -> std::string {
    if (!r)
      return "-";
    if (r->status != "ok" && r->status != "check-failed")
      return r->status;
    char buf[96];
    if (bw)
      snprintf(buf, sizeof buf, "%.4f ms %6.1f GB/s", r->msMedian, r->gbps);
    else
      snprintf(buf, sizeof buf, "%.4f ms %6.1f TF", r->msMedian, r->tflops);
    return buf + std::string(r->status == "ok" ? "" : " CHECK-FAILED");
  };
  printf("\n%-36s %-26s %-26s %7s %11s %9s\n", "case", "attn (ours)",
         "unfused (cuBLAS)", "speedup", "mem MiB a/u", "rel_l2");
  for (const std::string &n : order) {
    auto [a, u] = byCase[n];
    const Case &c = (a ? a : u)->c;
    bool bw = c.sweep == "decode";
    std::string sp = "-";
    if (a && u && a->status == "ok" && u->status == "ok")
      sp = num(u->msMedian / a->msMedian, 3) + "x";
    std::string mem = (a ? num(a->peakMiB, 6) : "-") + "/" +
                      (u ? num(u->peakMiB, 6) : "-");
    std::string rel = a ? num(a->relPeer, 2) : "";
    printf("%-36s %-26s %-26s %7s %11s %9s\n", n.c_str(), cell(a, bw).c_str(),
           cell(u, bw).c_str(), sp.c_str(), mem.c_str(), rel.c_str());
  }
  std::map<std::string, int> reasons;
  for (const Result &r : rs)
    if (r.status != "ok" && !r.reason.empty())
      reasons[r.provider + " " + r.status + ": " + r.reason]++;
  for (auto &[k, n] : reasons)
    printf("  note (%d rows): %s\n", n, k.c_str());
}

//===----------------------------------------------------------------------===//
// --tune: the sm_90a kernel's configuration space (scripts/tune-build.sh).
//===----------------------------------------------------------------------===//

// One row of the current default table (DefaultConfigs.inc, compiled in).
struct TableRow {
  int64_t d, bf16, causal, wg, bkv, stages, overlap, pw, pp, pers, minKeys;
};
const TableRow kCurrentTable[] = {
#define ATTN_SM90_DEFAULT(D, BF16, CAUSAL, WG, BKV, ST, OV, PW, PP, PERS,      \
                          MINKEYS)                                             \
  {D, BF16, CAUSAL, WG, BKV, ST, OV, PW, PP, PERS, MINKEYS},
#include "DefaultConfigs.inc"
#undef ATTN_SM90_DEFAULT
};

struct Variant {
  std::string status, lib, entry, dtype, config, note;
  int64_t d = 0;
  bool causal = false;
  int64_t wg = 0, bkv = 0, stages = 0, overlap = 0, pw = 0, pp = 0, pers = 0;
  AttnFn fn = nullptr;
  void *handle = nullptr;
  std::string disqualified;   // why, once it failed a shape
  std::vector<double> tflops; // per shape
};

std::vector<std::string> splitTabs(const std::string &line) {
  std::vector<std::string> out;
  size_t b = 0;
  while (true) {
    size_t e = line.find('\t', b);
    out.push_back(line.substr(b, e == std::string::npos ? e : e - b));
    if (e == std::string::npos)
      return out;
    b = e + 1;
  }
}

// "wg=2,bkv=128,stages=3,overlap=1,pw=1[,pp=1][,pers=1]" (pp, pers: 0 when
// absent).
bool parseConfig(Variant &v) {
  int seen = 0;
  for (const std::string &kv : split(v.config, ',')) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos)
      return false;
    std::string k = kv.substr(0, eq);
    int64_t x = atoll(kv.c_str() + eq + 1);
    int64_t *dst = k == "wg"        ? &v.wg
                   : k == "bkv"     ? &v.bkv
                   : k == "stages"  ? &v.stages
                   : k == "overlap" ? &v.overlap
                   : k == "pw"      ? &v.pw
                   : k == "pp"      ? &v.pp
                   : k == "pers"    ? &v.pers
                                    : nullptr;
    if (!dst)
      return false;
    *dst = x, ++seen;
  }
  return seen >= 5;
}

// Tab-separated: status lib entry d dtype causal config note ('#' comments).
std::vector<Variant> readManifest(const std::string &path) {
  FILE *f = fopen(path.c_str(), "r");
  if (!f)
    die("cannot read the tune manifest %s", path.c_str());
  std::vector<Variant> out;
  char buf[4096];
  int lineNo = 0;
  while (fgets(buf, sizeof buf, f)) {
    ++lineNo;
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    std::vector<std::string> col = splitTabs(line);
    if (col.size() < 7)
      die("%s:%d: expected 7 or 8 tab-separated columns", path.c_str(), lineNo);
    Variant v;
    v.status = col[0], v.lib = col[1], v.entry = col[2];
    v.d = atoll(col[3].c_str()), v.dtype = col[4];
    v.causal = col[5] == "1", v.config = col[6];
    v.note = col.size() > 7 ? col[7] : "";
    if (!parseConfig(v) || (v.dtype != "f16" && v.dtype != "bf16"))
      die("%s:%d: bad dtype or config '%s'", path.c_str(), lineNo,
          v.config.c_str());
    out.push_back(v);
  }
  fclose(f);
  return out;
}

struct TuneRow {
  const Variant *v;
  Case c;
  std::string status = "ok", reason;
  double msMedian = NAN, msMin = NAN, msMax = NAN, tflops = NAN, relRef = NAN;
  int runs = 0, sets = 0;
};

struct Ranked {
  int64_t d;
  std::string dtype;
  bool causal;
  std::vector<std::pair<double, const Variant *>> order; // geomean, best first
  std::vector<const Variant *> out;                      // disqualified
  int skipped = 0;
};

std::string today() {
  time_t t = time(nullptr);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", gmtime(&t));
  return buf;
}

void writeTuneCsv(const std::string &path, const std::vector<TuneRow> &rows) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  fprintf(f, "d,dtype,causal,config,warpgroups,block_kv,stages,overlap,"
             "producer_warp,pingpong,persistent,lib,batch,heads,seq,status,"
             "ms_median,ms_min,"
             "ms_max,runs,sets,tflops,rel_l2_vs_f64_rows,reason\n");
  for (const TuneRow &r : rows) {
    const Variant &v = *r.v;
    fprintf(f,
            "%ld,%s,%d,%s,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%s,%s,%s,%s,%s,%s,%s,%s,"
            "%d,"
            "%d,%s,%s,%s\n",
            long(v.d), v.dtype.c_str(), int(v.causal),
            csvField(v.config).c_str(), long(v.wg), long(v.bkv), long(v.stages),
            long(v.overlap), long(v.pw), long(v.pp), long(v.pers),
            v.lib.c_str(), r.c.b ? std::to_string(r.c.b).c_str() : "",
            r.c.b ? std::to_string(r.c.hq).c_str() : "",
            r.c.b ? std::to_string(r.c.sq).c_str() : "", r.status.c_str(),
            num(r.msMedian, 6).c_str(), num(r.msMin, 6).c_str(),
            num(r.msMax, 6).c_str(), r.runs, r.sets, num(r.tflops, 5).c_str(),
            num(r.relRef, 3).c_str(), csvField(r.reason).c_str());
  }
  fclose(f);
}

void writeTuneJson(const std::string &path, const std::vector<TuneRow> &rows,
                   const std::vector<Ranked> &ranks,
                   const std::vector<int64_t> &seqs, const std::string &device,
                   const Options &opt, const std::string &date) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  auto jnum = [](double x, int p = 6) {
    return std::isnan(x) ? std::string("null") : num(x, p);
  };
  fprintf(f,
          "{\n  \"device\": \"%s\",\n  \"date\": \"%s\",\n  \"command\": "
          "\"%s\",\n  \"seqs\": [",
          jsonEscape(device).c_str(), date.c_str(),
          jsonEscape(opt.command).c_str());
  for (size_t i = 0; i < seqs.size(); ++i)
    fprintf(f, "%s%ld", i ? ", " : "", long(seqs[i]));
  fprintf(f, "],\n  \"ranking\": [\n");
  bool first = true;
  for (const Ranked &g : ranks) {
    int rank = 0;
    for (auto &[gm, v] : g.order) {
      fprintf(f,
              "%s    {\"d\": %ld, \"dtype\": \"%s\", \"causal\": %s, "
              "\"rank\": %d, \"config\": \"%s\", \"geomean_tflops\": %s}",
              first ? "" : ",\n", long(g.d), g.dtype.c_str(),
              g.causal ? "true" : "false", ++rank, v->config.c_str(),
              jnum(gm).c_str());
      first = false;
    }
  }
  fprintf(f, "\n  ],\n  \"results\": [\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    const TuneRow &r = rows[i];
    const Variant &v = *r.v;
    fprintf(f,
            "    {\"d\": %ld, \"dtype\": \"%s\", \"causal\": %s, \"config\": "
            "\"%s\", \"lib\": \"%s\", \"batch\": %ld, \"heads\": %ld, "
            "\"seq\": %ld, \"status\": \"%s\", \"ms_median\": %s, "
            "\"ms_min\": %s, \"ms_max\": %s, \"runs\": %d, \"sets\": %d, "
            "\"tflops\": %s, \"rel_l2_vs_f64_rows\": %s, \"reason\": "
            "\"%s\"}%s\n",
            long(v.d), v.dtype.c_str(), v.causal ? "true" : "false",
            v.config.c_str(), jsonEscape(v.lib).c_str(), long(r.c.b),
            long(r.c.hq), long(r.c.sq), r.status.c_str(),
            jnum(r.msMedian).c_str(), jnum(r.msMin).c_str(),
            jnum(r.msMax).c_str(), r.runs, r.sets, jnum(r.tflops).c_str(),
            jnum(r.relRef, 3).c_str(), jsonEscape(r.reason).c_str(),
            i + 1 < rows.size() ? "," : "");
  }
  fprintf(f, "  ]\n}\n");
  fclose(f);
}

// DefaultConfigs.inc with one row per measured (D, dtype, causal) winner;
// the current table's rows fill in what was not measured.
void writeTable(const std::string &path, const std::vector<Ranked> &ranks,
                const std::string &device, const Options &opt,
                const std::string &date) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  fprintf(f,
          "//===- DefaultConfigs.inc - sm_90a kernel default tile table "
          "---*- C++ -*-===//\n"
          "//\n"
          "// The default configuration of --convert-attn-to-gpu-sm90 per "
          "(head dim,\n"
          "// input element type, causal). A row of head dim D with bf16 = -1 "
          "or\n"
          "// causal = -1 matches either value; the first matching row "
          "wins.\n"
          "//\n"
          "// ATTN_SM90_DEFAULT(headDim, bf16, causal, warpgroups, blockKV, "
          "stages,\n"
          "//                   overlap, producerWarp, pingpong, persistent,\n"
          "//                   minKeys)\n"
          "//\n"
          "// Written by attn-bench --tune (bench/README.md): the variant of "
          "best\n"
          "// geometric-mean TFLOPS over S =");
  for (int64_t s : opt.seqs)
    fprintf(f, " %ld", long(s));
  fprintf(f,
          " (16k tokens, H = 2048/D) per\n"
          "// (D, dtype, causal), each checked against float64 rows.\n"
          "//   device:  %s\n"
          "//   date:    %s\n"
          "//   command: %s\n"
          "//\n"
          "//===----------------------------------------------------------"
          "------------===//\n",
          device.c_str(), date.c_str(), opt.command.c_str());
  std::set<int64_t> dims;
  for (const Ranked &g : ranks)
    dims.insert(g.d);
  for (const TableRow &t : kCurrentTable)
    dims.insert(t.d);
  for (int64_t d : dims) {
    bool measuredAll = true;
    for (const char *dt : {"f16", "bf16"})
      for (bool causal : {false, true}) {
        const Ranked *g = nullptr;
        for (const Ranked &r : ranks)
          if (r.d == d && r.dtype == dt && r.causal == causal)
            g = &r;
        if (!g || g->order.empty()) {
          measuredAll = false;
          continue;
        }
        const Variant &w = *g->order.front().second;
        fprintf(f, "\n// D = %ld, %s, %s: %.1f TFLOPS (geomean)", long(d), dt,
                causal ? "causal" : "not causal", g->order.front().first);
        if (g->order.size() > 1)
          fprintf(f, ", next %s at %.1f", g->order[1].second->config.c_str(),
                  g->order[1].first);
        fprintf(f, "; %zu ranked, %zu disqualified, %d not built.\n",
                g->order.size(), g->out.size(), g->skipped);
        fprintf(f,
                "ATTN_SM90_DEFAULT(%ld, %d, %d, %ld, %ld, %ld, %ld, %ld, %ld, "
                "%ld, 0)\n",
                long(d), strcmp(dt, "bf16") == 0, int(causal), long(w.wg),
                long(w.bkv), long(w.stages), long(w.overlap), long(w.pw),
                long(w.pp), long(w.pers));
      }
    if (measuredAll)
      continue;
    // The rest of this head dim: the current table's rows (matched in order,
    // after the measured rows above).
    bool any = false;
    for (const TableRow &t : kCurrentTable)
      if (t.d == d) {
        if (!any)
          fprintf(f,
                  "\n// D = %ld, not measured here: the previous table's "
                  "row(s).\n",
                  long(d));
        any = true;
        fprintf(f,
                "ATTN_SM90_DEFAULT(%ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, "
                "%ld, %ld, %ld)\n",
                long(t.d), long(t.bf16), long(t.causal), long(t.wg),
                long(t.bkv), long(t.stages), long(t.overlap), long(t.pw),
                long(t.pp), long(t.pers), long(t.minKeys));
      }
  }
  fclose(f);
}

int runTune(Options opt, const std::string &devLine) {
  std::vector<Variant> all = readManifest(opt.tune);
  std::string base = ".";
  size_t slash = opt.tune.rfind('/');
  if (slash != std::string::npos)
    base = opt.tune.substr(0, slash);
  if (opt.seqs.empty())
    opt.seqs = {1024, 4096, 16384};
  for (int64_t s : opt.seqs)
    if (s <= 0 || 16384 % s)
      die("--seq: %ld does not divide the 16k tokens of the FA sweep", long(s));
  // Groups, in (D, f16 before bf16, causal) order.
  std::map<std::tuple<int64_t, int, int>, std::vector<Variant *>> groups;
  for (Variant &v : all) {
    std::string gname = "d" + std::to_string(v.d) + "/" + v.dtype +
                        (v.causal ? "/causal" : "/noncausal");
    bool keep =
        has(opt.dims, v.d) && (opt.causal < 0 || v.causal == bool(opt.causal));
    for (const auto &alts : opt.filters) {
      bool any = false;
      for (const std::string &s : alts)
        any |= gname.find(s) != std::string::npos ||
               v.config.find(s) != std::string::npos;
      keep &= any;
    }
    if (keep)
      groups[{v.d, v.dtype == "bf16", v.causal}].push_back(&v);
  }
  if (groups.empty())
    die("no variant of %s matches --d/--causal/--filter", opt.tune.c_str());
  const std::string date = today();
  std::vector<TuneRow> rows;
  std::vector<Ranked> ranks;
  std::mt19937_64 rng(20261125);
  auto save = [&] {
    if (!opt.csv.empty())
      writeTuneCsv(opt.csv, rows);
    if (!opt.json.empty())
      writeTuneJson(opt.json, rows, ranks, opt.seqs, devLine, opt, date);
  };
  for (auto &[key, vars] : groups) {
    auto [d, isBf16, causal] = key;
    const bool bf16 = isBf16;
    const std::string dtype = bf16 ? "bf16" : "f16";
    Ranked g{d, dtype, bool(causal), {}, {}, 0};
    std::vector<Variant *> live;
    for (Variant *v : vars) {
      if (v->status != "ok") {
        ++g.skipped;
        TuneRow r{v, Case{}};
        r.status = "skipped";
        r.reason = v->note;
        rows.push_back(r);
        continue;
      }
      std::string path = base + "/" + v->lib;
      v->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!v->handle)
        v->disqualified = std::string("dlopen: ") + dlerror();
      else if (!(v->fn = reinterpret_cast<AttnFn>(
                     dlsym(v->handle, ("_mlir_ciface_" + v->entry).c_str()))))
        v->disqualified = "no _mlir_ciface_" + v->entry + " in " + path;
      if (attnGetStatus() != ATTN_STATUS_SUCCESS) {
        v->disqualified = std::string("loading: ") + attnGetLastError();
        attnClearError();
      }
      live.push_back(v);
    }
    fprintf(stderr, "== D=%ld %s causal=%d: %zu variants, %d not built\n",
            long(d), dtype.c_str(), causal, live.size(), g.skipped);
    for (int64_t s : opt.seqs) {
      const int64_t h = 2048 / d;
      Case c{"fa", dtype, 16384 / s, h, h, s, s, d, bool(causal)};
      const size_t nQ = size_t(c.b * c.hq * c.sq * c.d), nKV = nQ;
      size_t setBytes = 2 * (4 * nQ);
      int nsets = int(std::clamp<size_t>(
          (2 * size_t(gpu.l2Bytes) + setBytes - 1) / setBytes, 1,
          size_t(opt.maxSets)));
      Buffers buf;
      for (int si = 0; si < nsets; ++si) {
        Set x;
        if (!makeSet(x, nQ, nKV, /*withAttn=*/true, /*withBase=*/false, bf16,
                     rng)) {
          if (si == 0)
            die("%s: out of device memory for the inputs", c.name().c_str());
          break;
        }
        buf.sets.push_back(x);
      }
      nsets = int(buf.sets.size());
      CHECK_CU(cu.cuStreamSynchronize(gpu.stream));
      RefRows ref = refRows(c, buf.sets[0], std::max(opt.checkRows, 1), rng);
      size_t vi = 0;
      for (Variant *v : live) {
        ++vi;
        TuneRow r{v, c};
        if (!v->disqualified.empty()) {
          r.status = "disqualified", r.reason = v->disqualified;
          rows.push_back(r);
          continue;
        }
        const Set &s0 = buf.sets[0];
        CHECK_CU(cu.cuMemsetD16(s0.oAttn, nanBits(bf16), nQ));
        std::string e = runAttn(v->fn, c, s0);
        CHECK_CU(cu.cuStreamSynchronize(gpu.stream));
        if (e.empty()) {
          int64_t nans = countNaN(download(s0.oAttn, nQ), bf16);
          r.relRef = relVsRef(c, s0.oAttn, ref);
          if (nans) {
            r.status = "check-failed";
            r.reason = std::to_string(nans) + " NaN in the output";
          } else if (!(r.relRef < 2e-2)) {
            r.status = "check-failed";
            r.reason = "rel L2 vs float64 rows " + num(r.relRef, 3);
          }
        } else {
          r.status = "error", r.reason = e;
        }
        if (r.status == "ok") {
          Timing t = timeIt(
              opt.warmup, opt.runs, nsets,
              [&](int si) { return runAttn(v->fn, c, buf.sets[si]); }, e);
          if (!e.empty()) {
            r.status = "error", r.reason = e;
          } else {
            r.msMedian = t.med, r.msMin = t.mn, r.msMax = t.mx;
            r.runs = opt.runs, r.sets = nsets;
            r.tflops = c.flops() / (t.med * 1e-3) / 1e12;
            v->tflops.push_back(r.tflops);
          }
        }
        if (r.status != "ok")
          v->disqualified =
              "S=" + std::to_string(s) + ": " + r.status + ": " + r.reason;
        fprintf(stderr, "[%s %zu/%zu] %-40s %s\n", c.name().c_str(), vi,
                live.size(), v->config.c_str(),
                r.status == "ok" ? (num(r.msMedian) + " ms " + num(r.tflops) +
                                    " TFLOPS, rel " + num(r.relRef, 2))
                                       .c_str()
                                 : (r.status + " " + r.reason).c_str());
        rows.push_back(r);
        // After every variant, so a run cut short (a hang, a sticky CUDA
        // error) keeps what it measured.
        save();
      }
      buf.release();
      save();
    }
    for (Variant *v : live) {
      if (!v->disqualified.empty()) {
        g.out.push_back(v);
        continue;
      }
      double lg = 0;
      for (double t : v->tflops)
        lg += std::log(t);
      g.order.push_back({std::exp(lg / double(v->tflops.size())), v});
    }
    std::stable_sort(g.order.begin(), g.order.end(),
                     [](auto &a, auto &b) { return a.first > b.first; });
    // Ranking.
    printf("\n== D=%ld %s %s: %zu ranked, %zu disqualified, %d not built\n",
           long(d), dtype.c_str(), causal ? "causal" : "not causal",
           g.order.size(), g.out.size(), g.skipped);
    printf("%4s  %-40s %9s", "rank", "config", "geomean");
    for (int64_t s : opt.seqs)
      printf("  S=%-6ld", long(s));
    printf("\n");
    int rank = 0;
    for (auto &[gm, v] : g.order) {
      printf("%4d  %-40s %9.1f", ++rank, v->config.c_str(), gm);
      for (double t : v->tflops)
        printf("  %8.1f", t);
      printf("\n");
    }
    for (const Variant *v : g.out)
      printf("   -  %-40s disqualified: %s\n", v->config.c_str(),
             v->disqualified.c_str());
    fflush(stdout);
    ranks.push_back(g);
    // The group's libraries are done with: unload their modules now, while
    // the driver lives.
    for (Variant *v : live)
      if (v->handle)
        dlclose(v->handle), v->handle = nullptr, v->fn = nullptr;
    save();
  }
  if (!opt.tuneOut.empty()) {
    writeTable(opt.tuneOut, ranks, devLine, opt, date);
    printf("\nwrote %s\n", opt.tuneOut.c_str());
  }
  int winners = 0;
  for (const Ranked &g : ranks)
    winners += !g.order.empty();
  printf("%d of %zu groups have a winner\n", winners, ranks.size());
  return winners == int(ranks.size()) ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  Options opt = parse(argc, argv);
  std::vector<Case> cases = makeCases(opt);
  if (opt.list) {
    for (const Case &c : cases)
      printf("%s\n", c.name().c_str());
    return 0;
  }
  if (cases.empty() && opt.tune.empty())
    die("no case matches the filters");

  std::string err = loadDriver();
  if (!err.empty())
    die("%s", err.c_str());
  CUresult ir = cu.cuInit(0);
  int ndev = 0;
  if (ir != CUDA_SUCCESS || cu.cuDeviceGetCount(&ndev) != CUDA_SUCCESS ||
      ndev == 0)
    die("no CUDA device (cuInit: %s)", cuErr(ir).c_str());
  CHECK_CU(cu.cuDeviceGet(&gpu.dev, 0));
  CHECK_CU(cu.cuDevicePrimaryCtxRetain(&gpu.ctx, gpu.dev));
  CHECK_CU(cu.cuCtxSetCurrent(gpu.ctx));
  char name[256] = {0};
  CHECK_CU(cu.cuDeviceGetName(name, sizeof name, gpu.dev));
  gpu.name = name;
  CHECK_CU(cu.cuDeviceGetAttribute(&gpu.l2Bytes,
                                   CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, gpu.dev));
  CHECK_CU(cu.cuDeviceGetAttribute(
      &gpu.sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, gpu.dev));
  int ccMaj = 0, ccMin = 0, clockKHz = 0;
  cu.cuDeviceGetAttribute(&ccMaj, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                          gpu.dev);
  cu.cuDeviceGetAttribute(&ccMin, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                          gpu.dev);
  cu.cuDeviceGetAttribute(&clockKHz, CU_DEVICE_ATTRIBUTE_CLOCK_RATE, gpu.dev);
  CHECK_CU(cu.cuDriverGetVersion(&gpu.driverVersion));
  size_t totalMem = 0;
  CHECK_CU(cu.cuDeviceTotalMem(&totalMem, gpu.dev));
  CHECK_CU(cu.cuStreamCreate(&gpu.stream, CU_STREAM_NON_BLOCKING));
  if (attnInit() != ATTN_STATUS_SUCCESS)
    die("attn runtime: %s", attnGetLastError());
  attnSetStream(gpu.stream);

  // Baseline kernels.
  std::string baseErr;
  {
    FILE *f = fopen(opt.fatbin.c_str(), "rb");
    if (!f) {
      baseErr = "cannot open " + opt.fatbin;
    } else {
      std::vector<char> data;
      char buf[65536];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        data.insert(data.end(), buf, buf + n);
      fclose(f);
      CUresult r = cu.cuModuleLoadData(&gpu.mod, data.data());
      if (r != CUDA_SUCCESS)
        baseErr = "cuModuleLoadData(" + opt.fatbin + "): " + cuErr(r);
      else {
        CHECK_CU(cu.cuModuleGetFunction(&gpu.fill, gpu.mod,
                                        "attn_bench_fill_uniform"));
        CHECK_CU(cu.cuModuleGetFunction(&gpu.fillBf16, gpu.mod,
                                        "attn_bench_fill_uniform_bf16"));
        CHECK_CU(cu.cuModuleGetFunction(&gpu.softmax, gpu.mod,
                                        "attn_bench_softmax"));
      }
    }
  }
  if (!baseErr.empty())
    die("%s (the input fill kernel lives there too)", baseErr.c_str());
  std::string blasErr = loadBlas();
  int blasVersion = 0;
  if (blasErr.empty()) {
    if (blas.create(&blas.handle) != CUBLAS_STATUS_SUCCESS)
      blasErr = "cublasCreate failed";
    else {
      blas.setStream(blas.handle, reinterpret_cast<cudaStream_t>(gpu.stream));
      blas.getVersion(blas.handle, &blasVersion);
    }
  }

  char devLine[512];
  snprintf(devLine, sizeof devLine,
           "%s (sm_%d%d, %d SMs, %.0f MHz, L2 %d MiB, %.1f GiB), driver API "
           "%d.%d, cuBLAS %d",
           gpu.name.c_str(), ccMaj, ccMin, gpu.sms, clockKHz / 1000.0,
           gpu.l2Bytes >> 20, totalMem / double(1 << 30),
           gpu.driverVersion / 1000, gpu.driverVersion % 1000 / 10,
           blasVersion);
  printf("device: %s\n", devLine);
  if (!opt.tune.empty()) {
    fflush(stdout);
    return runTune(opt, devLine);
  }
  if (!blasErr.empty())
    printf("unfused baseline unavailable: %s\n", blasErr.c_str());
  fflush(stdout);

  // Kernel libraries, one per (dtype, D, causal, GQA).
  std::map<std::string, std::pair<AttnFn, std::string>> kernels;
  std::vector<void *> handles; // closed before exit, while the driver lives
  auto kernelFor = [&](const Case &c) -> std::pair<AttnFn, std::string> {
    std::string k = c.kernel();
    auto it = kernels.find(k);
    if (it != kernels.end())
      return it->second;
    std::pair<AttnFn, std::string> r{nullptr, ""};
    {
      std::string path = opt.kernelDir + "/lib" + k + ".so";
      void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (h)
        handles.push_back(h);
      if (!h)
        r.second = std::string("dlopen: ") + dlerror();
      else if (!(r.first = reinterpret_cast<AttnFn>(
                     dlsym(h, ("_mlir_ciface_" + k).c_str()))))
        r.second = "no _mlir_ciface_" + k + " in " + path;
      if (attnGetStatus() != ATTN_STATUS_SUCCESS) {
        r.first = nullptr;
        r.second = std::string("loading ") + path + ": " + attnGetLastError();
        attnClearError();
      }
    }
    return kernels[k] = r;
  };

  // cuBLAS allocates its workspace on the first GEMM; do that now so no case
  // is charged for it.
  if (blasErr.empty()) {
    Case w{"warm", "f16", 1, 8, 8, 128, 128, 64, false};
    Set x;
    x.q = alloc(2 * 8 * 128 * 64);
    x.k = alloc(2 * 8 * 128 * 64);
    x.v = alloc(2 * 8 * 128 * 64);
    x.oBase = alloc(2 * 8 * 128 * 64);
    CUdeviceptr s = alloc(2 * 8 * 128 * 128);
    for (CUdeviceptr p : {x.q, x.k, x.v})
      fillUniform(p, 8 * 128 * 64, 1, -1, 1);
    std::string e = runBaseline(w, x, s);
    CHECK_CU(cu.cuStreamSynchronize(gpu.stream));
    if (!e.empty())
      blasErr = e;
    for (CUdeviceptr p : {x.q, x.k, x.v, x.oBase, s})
      cu.cuMemFree(p);
  }

  const bool wantAttn = has(opt.providers, std::string("attn"));
  const bool wantBase = has(opt.providers, std::string("unfused"));
  std::vector<Result> results;
  std::mt19937_64 rng(20261125);
  int failures = 0;
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const Case &c = cases[ci];
    Result ra, rb;
    ra.c = rb.c = c;
    ra.provider = "attn";
    rb.provider = "unfused";
    auto [fn, kerr] = kernelFor(c);
    bool doAttn = wantAttn, doBase = wantBase;
    if (!wantAttn)
      ra.status = "skipped", ra.reason = "--provider";
    if (!wantBase)
      rb.status = "skipped", rb.reason = "--provider";
    if (doAttn && !fn) {
      ra.status = "unavailable", ra.reason = kerr, doAttn = false;
    }
    const bool bf16 = c.dtype == "bf16";
    if (c.dtype != "f16") {
      doBase = false;
      rb.status = "unavailable";
      rb.reason = "the baseline (f16 S and softmax kernel) is f16 only";
    } else if (doBase && !blasErr.empty()) {
      rb.status = "unavailable", rb.reason = blasErr, doBase = false;
    }

    const size_t nQ = size_t(c.b * c.hq * c.sq * c.d);
    const size_t nKV = size_t(c.b * c.hkv * c.sk * c.d);
    const size_t nS = size_t(c.b * c.hq * c.sq * c.sk);
    Buffers buf;
    int nsets = 1;
    if (doAttn || doBase) {
      size_t setBytes = 2 * (2 * nQ + 2 * nKV + (doBase ? nQ : 0));
      nsets = int(std::clamp<size_t>(
          (2 * size_t(gpu.l2Bytes) + setBytes - 1) / setBytes, 1,
          size_t(opt.maxSets)));
      size_t f0 = freeMem();
      // Memory: set 0 first, measured per provider.
      Set s0;
      if (!makeSet(s0, nQ, nKV, /*withAttn=*/false, /*withBase=*/false, bf16,
                   rng))
        die("%s: out of device memory for the inputs", c.name().c_str());
      size_t f1 = freeMem();
      double inMiB = double(f0 - f1) / (1 << 20);
      if (doAttn) {
        s0.oAttn = alloc(2 * nQ);
        CHECK_CU(cu.cuMemsetD16(s0.oAttn, nanBits(bf16), nQ)); // NaN poison
        std::string e = runAttn(fn, c, s0);
        size_t f2 = freeMem();
        ra.peakMiB = inMiB + double(f1 - f2) / (1 << 20);
        if (!e.empty())
          ra.status = "error", ra.reason = e, doAttn = false;
        f1 = f2;
      }
      if (doBase) {
        buf.s = alloc(2 * nS);
        s0.oBase = alloc(2 * nQ);
        if (!buf.s || !s0.oBase) {
          rb.status = "oom";
          char m[128];
          snprintf(m, sizeof m, "S = B·H·Sq·Sk f16 needs %.1f GiB",
                   2.0 * nS / (1 << 30));
          rb.reason = m;
          doBase = false;
        } else {
          CHECK_CU(cu.cuMemsetD16(s0.oBase, 0x7E00, nQ));
          std::string e = runBaseline(c, s0, buf.s);
          size_t f2 = freeMem();
          rb.peakMiB = inMiB + double(f1 - f2) / (1 << 20);
          if (!e.empty())
            rb.status = "error", rb.reason = e, doBase = false;
        }
      }
      buf.sets.push_back(s0);
      // Correctness before timing.
      std::vector<Bits> oa, ob;
      if (doAttn)
        oa = download(s0.oAttn, nQ);
      if (doBase)
        ob = download(s0.oBase, nQ);
      if (doAttn && doBase) {
        Cmp x = compare(oa, ob, bf16);
        ra.relPeer = rb.relPeer = x.rel;
        if (x.nans || !(x.rel < 2e-2)) {
          char m[160];
          snprintf(m, sizeof m,
                   "attn vs unfused rel L2 %.3g (limit 2e-2), %ld NaN", x.rel,
                   long(x.nans));
          ra.status = rb.status = "check-failed";
          ra.reason = rb.reason = m;
        }
      } else {
        for (auto *p : {&oa, &ob})
          if (!p->empty()) {
            int64_t nans = countNaN(*p, bf16);
            if (nans) {
              Result &r = p == &oa ? ra : rb;
              r.status = "check-failed";
              r.reason = std::to_string(nans) + " NaN in the output";
            }
          }
      }
      if (opt.checkRows > 0 && (doAttn || doBase)) {
        RefRows ref = refRows(c, s0, opt.checkRows, rng);
        if (doAttn)
          ra.relRef = relVsRef(c, s0.oAttn, ref);
        if (doBase)
          rb.relRef = relVsRef(c, s0.oBase, ref);
        for (Result *r : {&ra, &rb})
          if (!std::isnan(r->relRef) && !(r->relRef < 2e-2) &&
              r->status == "ok") {
            r->status = "check-failed";
            r->reason = "rel L2 vs float64 rows " + num(r->relRef, 3);
          }
      }
      // More input sets, so repeated runs don't just measure L2.
      for (int si = 1; si < nsets; ++si) {
        Set x;
        if (!makeSet(x, nQ, nKV, doAttn, doBase, bf16, rng))
          break;
        buf.sets.push_back(x);
      }
      nsets = int(buf.sets.size());
      CHECK_CU(cu.cuStreamSynchronize(gpu.stream));

      auto finish = [&](Result &r, const Timing &t, const std::string &e) {
        if (!e.empty()) {
          r.status = "error", r.reason = e;
          return;
        }
        r.msMedian = t.med, r.msMin = t.mn, r.msMax = t.mx;
        r.runs = opt.runs, r.sets = nsets;
        r.tflops = c.flops() / (t.med * 1e-3) / 1e12;
        r.gbps = c.minBytes() / (t.med * 1e-3) / 1e9;
      };
      if (doAttn) {
        std::string e;
        Timing t = timeIt(
            opt.warmup, opt.runs, nsets,
            [&](int s) { return runAttn(fn, c, buf.sets[s]); }, e);
        finish(ra, t, e);
      }
      if (doBase) {
        std::string e;
        Timing t = timeIt(
            opt.warmup, opt.runs, nsets,
            [&](int s) { return runBaseline(c, buf.sets[s], buf.s); }, e);
        finish(rb, t, e);
      }
      buf.release();
    }
    for (Result *r : {&ra, &rb})
      failures += r->status == "check-failed" || r->status == "error";
    fprintf(stderr, "[%zu/%zu] %-36s attn: %s | unfused: %s | rel %s/%s/%s\n",
            ci + 1, cases.size(), c.name().c_str(),
            ra.status == "ok" ? (num(ra.msMedian) + " ms " +
                                 num(c.sweep == "decode" ? ra.gbps : ra.tflops) +
                                 (c.sweep == "decode" ? " GB/s" : " TFLOPS"))
                                    .c_str()
                              : (ra.status + " " + ra.reason).c_str(),
            rb.status == "ok" ? (num(rb.msMedian) + " ms " +
                                 num(c.sweep == "decode" ? rb.gbps : rb.tflops) +
                                 (c.sweep == "decode" ? " GB/s" : " TFLOPS"))
                                    .c_str()
                              : (rb.status + " " + rb.reason).c_str(),
            num(ra.relPeer, 2).c_str(), num(ra.relRef, 2).c_str(),
            num(rb.relRef, 2).c_str());
    results.push_back(ra);
    results.push_back(rb);
    // Rewritten after every case, so a run cut short keeps what it measured.
    if (!opt.csv.empty())
      writeCsv(opt.csv, results);
    if (!opt.json.empty())
      writeJson(opt.json, results, devLine);
  }

  printTable(results);
  if (!opt.csv.empty())
    writeCsv(opt.csv, results);
  if (!opt.json.empty())
    writeJson(opt.json, results, devLine);
  printf("%s (%d failed)\n", failures ? "FAILURES" : "all checks passed",
         failures);
  // The kernel libraries' destructors unload their modules: run them now,
  // not after the driver has been torn down at exit.
  for (void *h : handles)
    dlclose(h);
  return failures ? 1 : 0;
}
