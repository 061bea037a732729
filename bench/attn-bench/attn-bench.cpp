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
// This file has main and the per-case run; Options (command line, cases),
// Cuda (driver, cuBLAS, device), Providers (the two providers, timing),
// Check (float64 reference), Report (table, CSV, JSON) and Tune (--tune)
// hold the rest.
//
//===----------------------------------------------------------------------===//

#include "Check.h"
#include "Cuda.h"
#include "Options.h"
#include "Providers.h"
#include "Report.h"
#include "Tune.h"
#include "attn/Runtime.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

using namespace attnbench;

namespace {

/// What the device line says besides Gpu's fields.
struct DeviceInfo {
  int ccMaj = 0, ccMin = 0, clockKHz = 0;
  size_t totalMem = 0;
};

/// Opens device 0 (dies without one), creates the stream and puts the attn
/// runtime on it.
DeviceInfo initDevice() {
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
  DeviceInfo info;
  cu.cuDeviceGetAttribute(
      &info.ccMaj, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, gpu.dev);
  cu.cuDeviceGetAttribute(
      &info.ccMin, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, gpu.dev);
  cu.cuDeviceGetAttribute(&info.clockKHz, CU_DEVICE_ATTRIBUTE_CLOCK_RATE,
                          gpu.dev);
  CHECK_CU(cu.cuDriverGetVersion(&gpu.driverVersion));
  CHECK_CU(cu.cuDeviceTotalMem(&info.totalMem, gpu.dev));
  CHECK_CU(cu.cuStreamCreate(&gpu.stream, CU_STREAM_NON_BLOCKING));
  if (attnInit() != ATTN_STATUS_SUCCESS)
    die("attn runtime: %s", attnGetLastError());
  attnSetStream(gpu.stream);
  return info;
}

/// Loads the baseline kernels (fatbin `path`) into gpu.mod; dies when it
/// cannot, since every provider's input fill kernel lives there too.
void loadBaselineModule(const std::string &path) {
  std::string baseErr;
  FILE *f = fopen(path.c_str(), "rb");
  if (!f) {
    baseErr = "cannot open " + path;
  } else {
    std::vector<char> data;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
      data.insert(data.end(), buf, buf + n);
    fclose(f);
    CUresult r = cu.cuModuleLoadData(&gpu.mod, data.data());
    if (r != CUDA_SUCCESS)
      baseErr = "cuModuleLoadData(" + path + "): " + cuErr(r);
    else {
      CHECK_CU(cu.cuModuleGetFunction(&gpu.fill, gpu.mod,
                                      "attn_bench_fill_uniform"));
      CHECK_CU(cu.cuModuleGetFunction(&gpu.fillBf16, gpu.mod,
                                      "attn_bench_fill_uniform_bf16"));
      CHECK_CU(
          cu.cuModuleGetFunction(&gpu.softmax, gpu.mod, "attn_bench_softmax"));
    }
  }
  if (!baseErr.empty())
    die("%s (the input fill kernel lives there too)", baseErr.c_str());
}

/// Opens cuBLAS and makes its handle on the stream; returns "" or why the
/// baseline is unavailable, and the cuBLAS version in `version`.
std::string initBlas(int &version) {
  std::string blasErr = loadBlas();
  if (!blasErr.empty())
    return blasErr;
  if (blas.create(&blas.handle) != CUBLAS_STATUS_SUCCESS)
    return "cublasCreate failed";
  blas.setStream(blas.handle, reinterpret_cast<cudaStream_t>(gpu.stream));
  blas.getVersion(blas.handle, &version);
  return "";
}

std::string describeDevice(const DeviceInfo &d, int blasVersion) {
  char devLine[512];
  snprintf(devLine, sizeof devLine,
           "%s (sm_%d%d, %d SMs, %.0f MHz, L2 %d MiB, %.1f GiB), driver API "
           "%d.%d, cuBLAS %d",
           gpu.name.c_str(), d.ccMaj, d.ccMin, gpu.sms, d.clockKHz / 1000.0,
           gpu.l2Bytes >> 20, d.totalMem / double(1 << 30),
           gpu.driverVersion / 1000, gpu.driverVersion % 1000 / 10,
           blasVersion);
  return devLine;
}

/// attn's kernel libraries, one per (dtype, D, causal, GQA), opened on first
/// use. The libraries' destructors unload their modules: they are closed
/// when this goes away, before the driver is torn down at exit.
class KernelLibraries {
public:
  explicit KernelLibraries(std::string dir) : dir(std::move(dir)) {}
  KernelLibraries(const KernelLibraries &) = delete;
  KernelLibraries &operator=(const KernelLibraries &) = delete;
  ~KernelLibraries() {
    for (void *h : handles)
      dlclose(h);
  }

  /// The entry point of case `c`'s kernel, or null and why not.
  std::pair<AttnFn, std::string> lookup(const Case &c) {
    std::string k = c.kernel();
    auto it = kernels.find(k);
    if (it != kernels.end())
      return it->second;
    std::pair<AttnFn, std::string> r{nullptr, ""};
    std::string path = dir + "/lib" + k + ".so";
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
    return kernels[k] = r;
  }

private:
  std::string dir;
  std::map<std::string, std::pair<AttnFn, std::string>> kernels;
  std::vector<void *> handles;
};

/// cuBLAS allocates its workspace on the first GEMM: one small baseline run
/// now, so that no case is charged for it. Returns "" or an error.
std::string warmUpBlas() {
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
  for (CUdeviceptr p : {x.q, x.k, x.v, x.oBase, s})
    cu.cuMemFree(p);
  return e;
}

/// One case on both providers: a first run on input set 0 that measures
/// peak memory, the checks, then the timed runs over several input sets.
class CaseRunner {
public:
  CaseRunner(const Options &opt, std::mt19937_64 &rng, const Case &c)
      : opt(opt), rng(rng), c(c), bf16(c.dtype == "bf16"),
        nQ(size_t(c.b * c.hq * c.sq * c.d)),
        nKV(size_t(c.b * c.hkv * c.sk * c.d)),
        nS(size_t(c.b * c.hq * c.sq * c.sk)) {
    ra.c = rb.c = c;
    ra.provider = "attn";
    rb.provider = "unfused";
  }

  /// Runs the providers asked for that can run: attn's through `fn`
  /// (null: `kernelErr` says why), the baseline unless `blasErr`.
  void run(bool wantAttn, bool wantBase, AttnFn attnFn,
           const std::string &kernelErr, const std::string &blasErr) {
    fn = attnFn;
    selectProviders(wantAttn, wantBase, kernelErr, blasErr);
    if (!doAttn && !doBase)
      return;
    firstRun();
    checkOutputs();
    addInputSets();
    timeProviders();
    buf.release();
  }

  int failures() const {
    int n = 0;
    for (const Result *r : {&ra, &rb})
      n += r->status == "check-failed" || r->status == "error";
    return n;
  }

  /// "[i/n] case attn: ... | unfused: ... | rel ..." on stderr.
  void printProgress(size_t i, size_t n) const {
    fprintf(stderr, "[%zu/%zu] %-36s attn: %s | unfused: %s | rel %s/%s/%s\n",
            i, n, c.name().c_str(), summary(ra).c_str(), summary(rb).c_str(),
            num(ra.relPeer, 2).c_str(), num(ra.relRef, 2).c_str(),
            num(rb.relRef, 2).c_str());
  }

  Result ra, rb; // attn, unfused

private:
  void selectProviders(bool wantAttn, bool wantBase,
                       const std::string &kernelErr,
                       const std::string &blasErr) {
    doAttn = wantAttn, doBase = wantBase;
    if (!wantAttn)
      ra.status = "skipped", ra.reason = "--provider";
    if (!wantBase)
      rb.status = "skipped", rb.reason = "--provider";
    if (doAttn && !fn) {
      ra.status = "unavailable", ra.reason = kernelErr, doAttn = false;
    }
    if (c.dtype != "f16") {
      doBase = false;
      rb.status = "unavailable";
      rb.reason = "the baseline (f16 S and softmax kernel) is f16 only";
    } else if (doBase && !blasErr.empty()) {
      rb.status = "unavailable", rb.reason = blasErr, doBase = false;
    }
  }

  /// Input set 0 and one run of each provider on it, measuring the device
  /// memory each takes.
  void firstRun() {
    size_t setBytes = 2 * (2 * nQ + 2 * nKV + (doBase ? nQ : 0));
    nsets = int(
        std::clamp<size_t>((2 * size_t(gpu.l2Bytes) + setBytes - 1) / setBytes,
                           1, size_t(opt.maxSets)));
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
  }

  /// Correctness before timing: the providers against each other (or each
  /// for NaN), then against the float64 rows.
  void checkOutputs() {
    const Set &s0 = buf.sets[0];
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
  }

  /// More input sets, so repeated runs don't just measure L2.
  void addInputSets() {
    for (int si = 1; si < nsets; ++si) {
      Set x;
      if (!makeSet(x, nQ, nKV, doAttn, doBase, bf16, rng))
        break;
      buf.sets.push_back(x);
    }
    nsets = int(buf.sets.size());
    CHECK_CU(cu.cuStreamSynchronize(gpu.stream));
  }

  void timeProviders() {
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
  }

  void finish(Result &r, const Timing &t, const std::string &e) {
    if (!e.empty()) {
      r.status = "error", r.reason = e;
      return;
    }
    r.msMedian = t.med, r.msMin = t.mn, r.msMax = t.mx;
    r.runs = opt.runs, r.sets = nsets;
    r.tflops = c.flops() / (t.med * 1e-3) / 1e12;
    r.gbps = c.minBytes() / (t.med * 1e-3) / 1e9;
  }

  std::string summary(const Result &r) const {
    if (r.status != "ok")
      return r.status + " " + r.reason;
    bool decode = c.sweep == "decode";
    return num(r.msMedian) + " ms " + num(decode ? r.gbps : r.tflops) +
           (decode ? " GB/s" : " TFLOPS");
  }

  const Options &opt;
  std::mt19937_64 &rng;
  const Case &c;
  const bool bf16;
  const size_t nQ, nKV, nS;
  AttnFn fn = nullptr;
  bool doAttn = false, doBase = false;
  Buffers buf;
  int nsets = 1;
};

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

  DeviceInfo info = initDevice();
  loadBaselineModule(opt.fatbin);
  int blasVersion = 0;
  std::string blasErr = initBlas(blasVersion);
  std::string devLine = describeDevice(info, blasVersion);
  printf("device: %s\n", devLine.c_str());
  if (!opt.tune.empty()) {
    fflush(stdout);
    return runTune(opt, devLine);
  }
  if (!blasErr.empty())
    printf("unfused baseline unavailable: %s\n", blasErr.c_str());
  fflush(stdout);

  KernelLibraries kernels(opt.kernelDir);
  if (blasErr.empty())
    blasErr = warmUpBlas();

  const bool wantAttn = has(opt.providers, std::string("attn"));
  const bool wantBase = has(opt.providers, std::string("unfused"));
  std::vector<Result> results;
  std::mt19937_64 rng(20261125);
  int failures = 0;
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const Case &c = cases[ci];
    CaseRunner runner(opt, rng, c);
    auto [fn, kernelErr] = kernels.lookup(c);
    runner.run(wantAttn, wantBase, fn, kernelErr, blasErr);
    failures += runner.failures();
    runner.printProgress(ci + 1, cases.size());
    results.push_back(runner.ra);
    results.push_back(runner.rb);
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
  return failures ? 1 : 0;
}
