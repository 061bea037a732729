//===- attn_driver.cpp - sm_90a end-to-end check and FA-paper sweep -------===//
//
// Calls the host functions that --attn-pipeline=target=cuda (kernel=wgmma or
// mma-sync) made of attn_e2e.mlir on device buffers with random f16 inputs,
// compares rows with a float64 CPU reference, and times the FlashAttention
// paper sweep (16k tokens, H = 2048 / D, S = 1k..16k, causal or not) with
// CUDA events. Every timed case is also checked on sampled rows.
//
//===----------------------------------------------------------------------===//

#include "../GPU/attn_driver_common.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace attndriver;

using AttnFn = void (*)(void *, void *, void *, void *, void *);

extern "C" {
#define ATTN5(name)                                                            \
  void _mlir_ciface_##name(void *, void *, void *, void *, void *);
ATTN5(attn_d128)
ATTN5(attn_d128_causal)
ATTN5(attn_d64)
ATTN5(attn_d128_bshd)
ATTN5(attn_d64_causal)
}

struct Case {
  const char *name;
  AttnFn fn;
  int64_t b, hq, hkv, sq, sk, d;
  Causal causal;
  bool bshd;
  int64_t checkRows; // 0: every row.
  int timedRuns;     // 0: no timing.
};

struct Tensor {
  int64_t b, h, s, d;
  bool bshd;
  std::vector<_Float16> host;
  CUdeviceptr dev = 0;
  int64_t index(int64_t bi, int64_t hi, int64_t si, int64_t di) const {
    return bshd ? ((bi * s + si) * h + hi) * d + di
                : ((bi * h + hi) * s + si) * d + di;
  }
  Desc desc() const {
    return denseDesc(dev, {b, bshd ? s : h, bshd ? h : s, d});
  }
  size_t bytes() const { return host.size() * sizeof(_Float16); }
};

static Tensor makeTensor(int64_t b, int64_t h, int64_t s, int64_t d,
                         bool bshd, bool random) {
  Tensor t{b, h, s, d, bshd, std::vector<_Float16>(b * h * s * d)};
  // U(-2, 2) from a xorshift64* stream seeded by the driver's generator:
  // the sweep fills 100M elements per case.
  uint64_t state = rng() | 1;
  if (random)
    for (auto &x : t.host) {
      state ^= state >> 12;
      state ^= state << 25;
      state ^= state >> 27;
      uint64_t r = state * 0x2545F4914F6CDD1Dull;
      x = static_cast<_Float16>(static_cast<float>(r >> 40) * 0x1p-22f - 2.0f);
    }
  CHECK_CU(cuMemAlloc(&t.dev, std::max<size_t>(t.bytes(), 16)));
  if (random)
    CHECK_CU(cuMemcpyHtoD(t.dev, t.host.data(), t.bytes()));
  return t;
}

/// Returns false on a mismatch.
static bool runCase(const Case &c) {
  Tensor q = makeTensor(c.b, c.hq, c.sq, c.d, c.bshd, true);
  Tensor k = makeTensor(c.b, c.hkv, c.sk, c.d, c.bshd, true);
  Tensor v = makeTensor(c.b, c.hkv, c.sk, c.d, c.bshd, true);
  Tensor o = makeTensor(c.b, c.hq, c.sq, c.d, c.bshd, false);
  // Poison: a NaN survives wherever the kernel writes nothing.
  CHECK_CU(cuMemsetD16(o.dev, 0x7E00, o.host.size()));
  Desc dq = q.desc(), dk = k.desc(), dv = v.desc(), dout = o.desc();
  auto launch = [&] {
    c.fn(dq.data(), dk.data(), dv.data(), dout.data(), dout.data());
  };
  launch();
  CHECK_CU(cuCtxSynchronize());
  CHECK_CU(cuMemcpyDtoH(o.host.data(), o.dev, o.bytes()));

  double scale = 1.0 / std::sqrt(static_cast<double>(c.d));
  int64_t group = c.hq / c.hkv;
  int64_t totalRows = c.b * c.hq * c.sq;
  int64_t nRows = c.checkRows ? std::min(c.checkRows, totalRows) : totalRows;
  int64_t offset = c.causal == Causal::BottomRight ? c.sk - c.sq : 0;
  RelL2 err;
  int64_t nans = 0;
  std::vector<double> p, ref;
  for (int64_t r = 0; r < nRows; ++r) {
    int64_t flat = c.checkRows ? static_cast<int64_t>(rng() % totalRows) : r;
    Row row = decodeRow(flat, c.hq, c.sq);
    int64_t b = row.b, h = row.h, i = row.i;
    int64_t hk = h / group;
    auto score = [&](int64_t j) -> double {
      if (c.causal != Causal::None && j > i + offset)
        return -INFINITY;
      double s = 0;
      for (int64_t e = 0; e < c.d; ++e)
        s += static_cast<double>(q.host[q.index(b, h, i, e)]) *
             static_cast<double>(k.host[k.index(b, hk, j, e)]);
      return s * scale;
    };
    auto value = [&](int64_t j, int64_t e) {
      return static_cast<double>(v.host[v.index(b, hk, j, e)]);
    };
    referenceRow(c.sk, c.d, score, value, p, ref);
    for (int64_t e = 0; e < c.d; ++e) {
      double got = static_cast<double>(o.host[o.index(b, h, i, e)]);
      if (std::isnan(got))
        ++nans;
      err.add(got, ref[e]);
    }
  }
  double rel = err.value();
  bool ok = nans == 0 && rel < 1e-2;
  printf("%-18s B=%ld Hq=%ld Hkv=%ld Sq=%ld Sk=%ld D=%ld rows=%ld "
         "rel_l2=%.3e nan=%ld %s\n",
         c.name, c.b, c.hq, c.hkv, c.sq, c.sk, c.d, nRows, rel, nans,
         ok ? "PASS" : "FAIL");

  if (c.timedRuns) {
    std::vector<float> ms = timeLaunches(c.timedRuns, launch);
    double med = ms[ms.size() / 2];
    double flops = 4.0 * c.b * c.hq * c.sq * c.sk * c.d;
    if (c.causal != Causal::None)
      flops /= 2;
    printf("TIME %-18s B*H=%ld S=%ld D=%ld median=%.4f ms min=%.4f max=%.4f "
           "(%d runs) -> %.1f TFLOPS\n",
           c.name, c.b * c.hq, c.sq, c.d, med, ms.front(), ms.back(),
           c.timedRuns, flops / (med * 1e-3) / 1e12);
  }
  for (Tensor *t : {&q, &k, &v, &o})
    CHECK_CU(cuMemFree(t->dev));
  return ok;
}

int main(int argc, char **argv) {
  uint64_t seed = seedFromArgs(argc, argv);
  rng.seed(seed);
  printf("seed %llu\n", static_cast<unsigned long long>(seed));
  attnRtInit();
  auto *d128 = _mlir_ciface_attn_d128;
  auto *d128c = _mlir_ciface_attn_d128_causal;
  auto *d64 = _mlir_ciface_attn_d64;
  auto *d64c = _mlir_ciface_attn_d64_causal;
  auto *bshd = _mlir_ciface_attn_d128_bshd;
  std::vector<Case> cases = {
      {"d128", d128, 2, 8, 2, 77, 133, 128, Causal::None, false, 0, 0},
      {"d128", d128, 1, 3, 3, 256, 256, 128, Causal::None, false, 0, 0},
      {"d128", d128, 1, 2, 2, 1000, 999, 128, Causal::None, false, 0, 0},
      {"d128_causal_br", d128c, 1, 4, 4, 150, 100, 128, Causal::BottomRight,
       false, 0, 0},
      {"d128_causal_br", d128c, 2, 2, 1, 100, 300, 128, Causal::BottomRight,
       false, 0, 0},
      {"d128_causal_br", d128c, 1, 2, 2, 700, 700, 128, Causal::BottomRight,
       false, 0, 0},
      {"d64", d64, 2, 4, 1, 200, 65, 64, Causal::None, false, 0, 0},
      {"d64", d64, 1, 2, 2, 513, 1031, 64, Causal::None, false, 0, 0},
      {"d64_causal_br", d64c, 1, 3, 3, 333, 333, 64, Causal::BottomRight,
       false, 0, 0},
      {"d64_causal_br", d64c, 2, 2, 2, 64, 200, 64, Causal::BottomRight,
       false, 0, 0},
      {"d128_bshd_tl", bshd, 2, 4, 2, 130, 130, 128, Causal::TopLeft, true, 0,
       0},
  };
  // The FlashAttention papers' sweep: 16k tokens per batch, H = 2048 / D.
  for (int64_t dd : {64, 128})
    for (bool c : {false, true})
      for (int64_t sl : {1024, 2048, 4096, 8192, 16384}) {
        AttnFn fn = dd == 64 ? (c ? d64c : d64) : (c ? d128c : d128);
        const char *name = dd == 64 ? (c ? "d64_causal" : "d64")
                                    : (c ? "d128_causal" : "d128");
        cases.push_back({name, fn, 16384 / sl, 2048 / dd, 2048 / dd, sl, sl,
                         dd, c ? Causal::BottomRight : Causal::None, false, 16,
                         20});
      }
  // "quick": the untimed cases only (for compute-sanitizer).
  bool quick = argc > 2 && std::string(argv[2]) == "quick";
  int failures = 0;
  for (const Case &c : cases)
    if (!quick || !c.timedRuns)
      failures += !runCase(c);
  printf("%s (%d failed)\n", failures ? "FAILED" : "ALL PASSED", failures);
  return failures ? 1 : 0;
}
