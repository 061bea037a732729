//===- attn_driver.cpp - end-to-end GPU suite and timing of attn kernels --===//
//
// Calls the host functions that --attn-pipeline=target=cuda made of
// Inputs/attn_e2e.mlir on device buffers: fresh random inputs for every case
// (f16 or bf16), output and lse poisoned with NaN before each launch, every
// output element checked to be written, sampled rows compared with a float64
// CPU reference (masks, causal alignments, GQA, lse), and the large cases
// timed with CUDA events.
//
//   attn_e2e_<config> [seed] [all|quick|sanitize]
//
// quick: no timing; sanitize: small shapes only (for compute-sanitizer);
// time: only the large timed cases.
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#define CHECK_CU(expr)                                                         \
  do {                                                                         \
    CUresult r = (expr);                                                       \
    if (r != CUDA_SUCCESS) {                                                   \
      const char *msg = "?";                                                   \
      cuGetErrorString(r, &msg);                                               \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,     \
              msg);                                                            \
      exit(2);                                                                 \
    }                                                                          \
  } while (0)

/// A memref descriptor of rank <= 4 (the C interface lays out rank N with
/// sizes[N] then strides[N]; `pack` writes exactly that).
struct Desc {
  std::vector<int64_t> words;
  void *data() { return words.data(); }
};

extern "C" {
// Arguments, then one trailing buffer per result.
#define ATTN5(name) void _mlir_ciface_##name(void *, void *, void *, void *, void *);
#define ATTN6(name)                                                            \
  void _mlir_ciface_##name(void *, void *, void *, void *, void *, void *);
#define ATTN7(name)                                                            \
  void _mlir_ciface_##name(void *, void *, void *, void *, void *, void *,     \
                           void *);
#define ATTN8(name)                                                            \
  void _mlir_ciface_##name(void *, void *, void *, void *, void *, void *,     \
                           void *, void *);
ATTN5(attn_d128)
ATTN5(attn_d128_causal)
ATTN5(attn_d64)
ATTN5(attn_d64_causal_tl)
ATTN5(attn_d128_bshd)
ATTN5(attn_d256)
ATTN5(attn_d256_causal)
ATTN5(attn_bf16_d128)
ATTN5(attn_bf16_d64_causal_tl)
ATTN5(attn_bf16_d256)
ATTN6(attn_d128_addmask)
ATTN6(attn_bf16_d64_boolmask_br)
ATTN8(attn_d64_addmask_lse)
ATTN7(attn_bf16_d128_lse_causal)
void attnRtInit();
float attnRtLastKernelMs();
}

enum class DT { F16, BF16, F32, I1 };
enum class Causal { None, TopLeft, BottomRight };

static size_t dtBytes(DT t) {
  return t == DT::F32 ? 4 : t == DT::I1 ? 1 : 2;
}
static const char *dtName(DT t) {
  return t == DT::F16 ? "f16" : t == DT::BF16 ? "bf16" : t == DT::F32 ? "f32"
                                                                      : "i1";
}

static uint16_t toBf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000)
    return 0x7fc0;
  u += 0x7fff + ((u >> 16) & 1);
  return static_cast<uint16_t>(u >> 16);
}
static float fromBf16(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/// Rounds `x` to `t` and stores its bits at `dst`; returns the rounded value.
static double encode(DT t, double x, unsigned char *dst) {
  switch (t) {
  case DT::F16: {
    _Float16 h = static_cast<_Float16>(static_cast<float>(x));
    memcpy(dst, &h, 2);
    return static_cast<double>(h);
  }
  case DT::BF16: {
    uint16_t h = toBf16(static_cast<float>(x));
    memcpy(dst, &h, 2);
    return fromBf16(h);
  }
  case DT::F32: {
    float f = static_cast<float>(x);
    memcpy(dst, &f, 4);
    return f;
  }
  case DT::I1:
    *dst = x != 0;
    return x != 0;
  }
  return 0;
}
static double decode(DT t, const unsigned char *src) {
  switch (t) {
  case DT::F16: {
    _Float16 h;
    memcpy(&h, src, 2);
    return static_cast<double>(h);
  }
  case DT::BF16: {
    uint16_t h;
    memcpy(&h, src, 2);
    return fromBf16(h);
  }
  case DT::F32: {
    float f;
    memcpy(&f, src, 4);
    return f;
  }
  case DT::I1:
    return *src;
  }
  return 0;
}

static std::mt19937_64 rng;

/// A dense row-major device buffer with a host copy of its (rounded) values.
struct Buffer {
  DT type;
  std::vector<int64_t> shape;
  std::vector<double> vals;
  std::vector<unsigned char> bytes;
  CUdeviceptr dev = 0;

  Buffer(DT type, std::vector<int64_t> shape) : type(type), shape(shape) {
    int64_t n = 1;
    for (int64_t s : shape)
      n *= s;
    vals.assign(n, 0.0);
    bytes.assign(n * dtBytes(type), 0);
    CHECK_CU(cuMemAlloc(&dev, std::max<size_t>(bytes.size(), 16)));
  }
  ~Buffer() { cuMemFree(dev); }
  Buffer(const Buffer &) = delete;
  size_t size() const { return vals.size(); }
  void set(size_t i, double x) {
    vals[i] = encode(type, x, &bytes[i * dtBytes(type)]);
  }
  void upload() { CHECK_CU(cuMemcpyHtoD(dev, bytes.data(), bytes.size())); }
  void download() {
    CHECK_CU(cuMemcpyDtoH(bytes.data(), dev, bytes.size()));
    for (size_t i = 0; i < vals.size(); ++i)
      vals[i] = decode(type, &bytes[i * dtBytes(type)]);
  }
  /// NaN everywhere: survives wherever the kernel writes nothing.
  void poison() {
    if (type == DT::F32)
      CHECK_CU(cuMemsetD32(dev, 0x7fc00000u, size()));
    else
      CHECK_CU(cuMemsetD16(dev, type == DT::F16 ? 0x7e00 : 0x7fc0, size()));
  }
  Desc desc() const {
    Desc d;
    int64_t ptr = static_cast<int64_t>(dev);
    d.words = {ptr, ptr, 0};
    for (int64_t s : shape)
      d.words.push_back(s);
    std::vector<int64_t> strides(shape.size(), 1);
    for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i)
      strides[i] = strides[i + 1] * shape[i + 1];
    for (int64_t s : strides)
      d.words.push_back(s);
    return d;
  }
};

enum class MaskKind { None, AddF32Full, BoolH1, AddF16SqSk };

struct Kernel {
  const char *name;
  void *fn;
  DT in, out;
  int64_t d;
  Causal causal;
  bool bshd;
  MaskKind mask;
  bool lse;
};

struct Case {
  const Kernel *k;
  int64_t b, hq, hkv, sq, sk;
  bool maskBroadcastH; // AddF32Full: mask head dim 1 at run time.
  int timedRuns;       // 0: no timing.
};

static bool runCase(const Case &c, bool timing) {
  const Kernel &kn = *c.k;
  int64_t d = kn.d;
  auto shapeOf = [&](int64_t h, int64_t s) {
    return kn.bshd ? std::vector<int64_t>{c.b, s, h, d}
                   : std::vector<int64_t>{c.b, h, s, d};
  };
  auto at = [&](int64_t bi, int64_t hi, int64_t si, int64_t di, int64_t h,
                int64_t s) {
    return kn.bshd ? ((bi * s + si) * h + hi) * d + di
                   : ((bi * h + hi) * s + si) * d + di;
  };
  Buffer q(kn.in, shapeOf(c.hq, c.sq)), k(kn.in, shapeOf(c.hkv, c.sk)),
      v(kn.in, shapeOf(c.hkv, c.sk)), o(kn.out, shapeOf(c.hq, c.sq));
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  for (Buffer *t : {&q, &k, &v}) {
    for (size_t i = 0; i < t->size(); ++i)
      t->set(i, dist(rng));
    t->upload();
  }

  // Mask, right-aligned against the scores [B, Hq, Sq, Sk]. Some rows are
  // masked entirely (zeros, lse -inf).
  std::vector<int64_t> mshape;
  DT mtype = DT::F32;
  switch (kn.mask) {
  case MaskKind::None:
    break;
  case MaskKind::AddF32Full:
    mshape = {c.b, c.maskBroadcastH ? 1 : c.hq, c.sq, c.sk};
    break;
  case MaskKind::BoolH1:
    mshape = {c.b, 1, c.sq, c.sk};
    mtype = DT::I1;
    break;
  case MaskKind::AddF16SqSk:
    mshape = {c.sq, c.sk};
    mtype = DT::F16;
    break;
  }
  std::vector<int64_t> mfull(4 - mshape.size(), 1);
  mfull.insert(mfull.end(), mshape.begin(), mshape.end());
  Buffer mask(mtype, mshape.empty() ? std::vector<int64_t>{1} : mshape);
  if (kn.mask != MaskKind::None) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (size_t i = 0; i < mask.size(); ++i) {
      int64_t row = (i / mfull[3]) % mfull[2];
      double x;
      if (mtype == DT::I1)
        x = row % 17 == 5 ? 0.0 : u(rng) < 0.75;
      else
        x = row % 13 == 3 || u(rng) < 0.1 ? -INFINITY : dist(rng);
      mask.set(i, x);
    }
    mask.upload();
  }
  auto maskAt = [&](int64_t bi, int64_t hi, int64_t i, int64_t j) {
    int64_t idx[4] = {bi, hi, i, j}, off = 0;
    for (int a = 0; a < 4; ++a)
      off = off * mfull[a] + (mfull[a] == 1 ? 0 : idx[a]);
    return mask.vals[off];
  };

  Buffer lse(DT::F32, {c.b, c.hq, c.sq});
  o.poison();
  lse.poison();
  Desc dq = q.desc(), dk = k.desc(), dv = v.desc(), dout = o.desc(),
       dm = mask.desc(), dl = lse.desc();
  // target=cuda entry points take their results as trailing buffers: the
  // output (and lse) again, where the kernel writes in place.
  auto launch = [&]() {
    using Fn5 = void (*)(void *, void *, void *, void *, void *);
    using Fn6 = void (*)(void *, void *, void *, void *, void *, void *);
    using Fn7 = void (*)(void *, void *, void *, void *, void *, void *,
                         void *);
    using Fn8 = void (*)(void *, void *, void *, void *, void *, void *,
                         void *, void *);
    void *q = dq.data(), *k = dk.data(), *v = dv.data(), *out = dout.data(),
         *m = dm.data(), *l = dl.data();
    bool masked = kn.mask != MaskKind::None;
    if (masked && kn.lse)
      reinterpret_cast<Fn8>(kn.fn)(q, k, v, m, out, l, out, l);
    else if (kn.lse)
      reinterpret_cast<Fn7>(kn.fn)(q, k, v, out, l, out, l);
    else if (masked)
      reinterpret_cast<Fn6>(kn.fn)(q, k, v, m, out, out);
    else
      reinterpret_cast<Fn5>(kn.fn)(q, k, v, out, out);
  };
  launch();
  CHECK_CU(cuCtxSynchronize());
  o.download();
  if (kn.lse)
    lse.download();

  // Every element written.
  int64_t nans = 0;
  for (double x : o.vals)
    nans += std::isnan(x);
  if (kn.lse)
    for (double x : lse.vals)
      nans += std::isnan(x);

  // Sampled rows against float64.
  double scale = 1.0 / std::sqrt(static_cast<double>(d));
  int64_t group = c.hq / c.hkv;
  int64_t totalRows = c.b * c.hq * c.sq;
  const int64_t kMaxRows = c.timedRuns ? 48 : 512;
  bool sample = totalRows > kMaxRows;
  int64_t nRows = sample ? kMaxRows : totalRows;
  double errSq = 0, refSq = 0, lseErr = 0;
  std::vector<double> p(c.sk);
  int64_t offset = kn.causal == Causal::BottomRight ? c.sk - c.sq : 0;
  for (int64_t r = 0; r < nRows; ++r) {
    int64_t flat = sample ? static_cast<int64_t>(rng() % totalRows) : r;
    int64_t i = flat % c.sq, h = (flat / c.sq) % c.hq, bi = flat / c.sq / c.hq;
    int64_t hk = h / group;
    double mx = -INFINITY;
    for (int64_t j = 0; j < c.sk; ++j) {
      p[j] = -INFINITY;
      if (kn.causal != Causal::None && j > i + offset)
        continue;
      double m = 0;
      if (kn.mask != MaskKind::None) {
        m = maskAt(bi, h, i, j);
        if (mtype == DT::I1)
          m = m != 0 ? 0.0 : -INFINITY;
        if (m == -INFINITY)
          continue;
      }
      double s = 0;
      for (int64_t e = 0; e < d; ++e)
        s += q.vals[at(bi, h, i, e, c.hq, c.sq)] *
             k.vals[at(bi, hk, j, e, c.hkv, c.sk)];
      p[j] = s * scale + m;
      mx = std::max(mx, p[j]);
    }
    double sum = 0;
    for (int64_t j = 0; j < c.sk; ++j) {
      p[j] = mx == -INFINITY ? 0.0 : std::exp(p[j] - mx);
      sum += p[j];
    }
    for (int64_t e = 0; e < d; ++e) {
      double ref = 0;
      for (int64_t j = 0; j < c.sk; ++j)
        if (p[j] != 0)
          ref += p[j] * v.vals[at(bi, hk, j, e, c.hkv, c.sk)];
      ref = sum == 0 ? 0 : ref / sum;
      double got = o.vals[at(bi, h, i, e, c.hq, c.sq)];
      errSq += (got - ref) * (got - ref);
      refSq += ref * ref;
    }
    if (kn.lse) {
      double ref = sum == 0 ? -INFINITY : mx + std::log(sum);
      double got = lse.vals[(bi * c.hq + h) * c.sq + i];
      double err = std::isinf(ref) ? (got == ref ? 0.0 : INFINITY)
                                   : std::fabs(got - ref) /
                                         std::max(1.0, std::fabs(ref));
      lseErr = std::max(lseErr, err);
    }
  }
  double rel = std::sqrt(errSq / std::max(refSq, 1e-30));
  double tol = kn.in == DT::BF16 || kn.out == DT::BF16 ? 2e-2 : 1e-2;
  bool ok = nans == 0 && rel < tol && !(lseErr > 1e-3);
  char maskStr[64] = "";
  if (kn.mask != MaskKind::None) {
    std::string s = " mask=";
    for (size_t a = 0; a < mshape.size(); ++a)
      s += (a ? "x" : "") + std::to_string(mshape[a]);
    snprintf(maskStr, sizeof maskStr, "%s%s", s.c_str(), dtName(mtype));
  }
  char lseStr[32] = "";
  if (kn.lse)
    snprintf(lseStr, sizeof lseStr, " lse_err=%.1e", lseErr);
  printf("%-26s %s->%s B=%ld Hq=%ld Hkv=%ld Sq=%ld Sk=%ld D=%ld%s rows=%ld "
         "rel_l2=%.3e%s nan=%ld %s\n",
         kn.name, dtName(kn.in), dtName(kn.out), c.b, c.hq, c.hkv, c.sq, c.sk,
         d, maskStr, nRows, rel, lseStr, nans, ok ? "PASS" : "FAIL");

  if (timing && c.timedRuns) {
    std::vector<float> ms;
    for (int r = 0; r < 5 + c.timedRuns; ++r) {
      launch();
      if (r >= 5)
        ms.push_back(attnRtLastKernelMs());
    }
    std::sort(ms.begin(), ms.end());
    double med = ms[ms.size() / 2];
    double flops = 4.0 * c.b * c.hq * c.sq * c.sk * d;
    if (kn.causal != Causal::None)
      flops /= 2;
    printf("TIME %-26s %s B*H=%ld S=%ld D=%ld median=%.4f ms min=%.4f "
           "max=%.4f (%d runs) -> %.1f TFLOPS\n",
           kn.name, dtName(kn.in), c.b * c.hq, c.sq, d, med, ms.front(),
           ms.back(), c.timedRuns, flops / (med * 1e-3) / 1e12);
  }
  return ok;
}

int main(int argc, char **argv) {
  uint64_t seed = argc > 1 ? strtoull(argv[1], nullptr, 10)
                           : static_cast<uint64_t>(
                                 std::chrono::steady_clock::now()
                                     .time_since_epoch()
                                     .count());
  std::string mode = argc > 2 ? argv[2] : "all";
  rng.seed(seed);
  printf("seed %llu mode %s\n", static_cast<unsigned long long>(seed),
         mode.c_str());
  attnRtInit();
  using C = Causal;
  using M = MaskKind;
#define K(fn) reinterpret_cast<void *>(_mlir_ciface_##fn)
  const Kernel d128{"attn_d128", K(attn_d128), DT::F16, DT::F16, 128,
                    C::None, false, M::None, false};
  const Kernel d128c{"attn_d128_causal", K(attn_d128_causal), DT::F16,
                     DT::F16, 128, C::BottomRight, false, M::None, false};
  const Kernel d64{"attn_d64", K(attn_d64), DT::F16, DT::F16, 64, C::None,
                   false, M::None, false};
  const Kernel d64tl{"attn_d64_causal_tl", K(attn_d64_causal_tl), DT::F16,
                     DT::F16, 64, C::TopLeft, false, M::None, false};
  const Kernel bshd{"attn_d128_bshd", K(attn_d128_bshd), DT::F16, DT::F16,
                    128, C::TopLeft, true, M::None, false};
  const Kernel d256{"attn_d256", K(attn_d256), DT::F16, DT::F16, 256,
                    C::None, false, M::None, false};
  const Kernel d256c{"attn_d256_causal", K(attn_d256_causal), DT::F16,
                     DT::F16, 256, C::BottomRight, false, M::None, false};
  const Kernel b128{"attn_bf16_d128", K(attn_bf16_d128), DT::BF16, DT::BF16,
                    128, C::None, false, M::None, false};
  const Kernel b64tl{"attn_bf16_d64_causal_tl", K(attn_bf16_d64_causal_tl),
                     DT::BF16, DT::F32, 64, C::TopLeft, false, M::None,
                     false};
  const Kernel b256{"attn_bf16_d256", K(attn_bf16_d256), DT::BF16, DT::BF16,
                    256, C::None, false, M::None, false};
  const Kernel addm{"attn_d128_addmask", K(attn_d128_addmask), DT::F16,
                    DT::F16, 128, C::None, false, M::AddF32Full, false};
  const Kernel boolm{"attn_bf16_d64_boolmask_br",
                     K(attn_bf16_d64_boolmask_br), DT::BF16, DT::BF16, 64,
                     C::BottomRight, false, M::BoolH1, false};
  const Kernel addlse{"attn_d64_addmask_lse", K(attn_d64_addmask_lse),
                      DT::F16, DT::F16, 64, C::None, false, M::AddF16SqSk,
                      true};
  const Kernel blse{"attn_bf16_d128_lse_causal", K(attn_bf16_d128_lse_causal),
                    DT::BF16, DT::F16, 128, C::BottomRight, false, M::None,
                    true};
#undef K
  // Sq and Sk from {1, 77, 128, 1000, 4096}; B*Hq > 1 throughout.
  const Case cases[] = {
      {&d128, 2, 8, 2, 77, 128, false, 0},
      {&d128, 1, 2, 2, 4096, 1, false, 0},
      {&d128, 1, 3, 3, 128, 1000, false, 0},
      {&d128c, 1, 4, 4, 1000, 77, false, 0},
      {&d128c, 2, 2, 1, 77, 4096, false, 0},
      {&d64, 2, 4, 1, 1, 1000, false, 0},
      {&d64tl, 2, 2, 2, 1000, 128, false, 0},
      {&d64tl, 1, 2, 1, 128, 77, false, 0},
      {&bshd, 2, 4, 2, 128, 1000, false, 0},
      {&d256, 2, 4, 2, 77, 1000, false, 0},
      {&d256, 1, 2, 1, 1, 128, false, 0},
      {&d256c, 1, 4, 4, 1000, 1000, false, 0},
      {&d256c, 2, 2, 2, 128, 77, false, 0},
      {&b128, 2, 4, 2, 1000, 77, false, 0},
      {&b128, 1, 2, 2, 128, 4096, false, 0},
      {&b64tl, 2, 2, 2, 77, 128, false, 0},
      {&b64tl, 1, 4, 2, 4096, 1000, false, 0},
      {&b256, 1, 2, 2, 128, 1000, false, 0},
      {&addm, 2, 4, 2, 77, 1000, true, 0},
      {&addm, 1, 2, 2, 128, 128, false, 0},
      {&boolm, 2, 4, 4, 1000, 128, false, 0},
      {&boolm, 1, 2, 1, 1, 77, false, 0},
      {&addlse, 2, 2, 1, 77, 1000, false, 0},
      {&addlse, 1, 4, 4, 1000, 1, false, 0},
      {&blse, 2, 4, 2, 128, 77, false, 0},
      {&blse, 1, 2, 2, 1000, 4096, false, 0},
      // B*H = 64, S = 4096: checked on 48 sampled rows, then timed.
      {&d128, 4, 16, 16, 4096, 4096, false, 30},
      {&d128c, 4, 16, 16, 4096, 4096, false, 30},
      {&d64, 4, 16, 16, 4096, 4096, false, 30},
      {&d256, 4, 16, 16, 4096, 4096, false, 30},
      {&d256c, 4, 16, 16, 4096, 4096, false, 30},
      {&b128, 4, 16, 16, 4096, 4096, false, 30},
      {&addm, 4, 16, 16, 4096, 4096, true, 30},
  };
  bool timing = mode == "all" || mode == "time";
  int failures = 0, run = 0;
  for (const Case &c : cases) {
    if ((mode == "quick" && c.timedRuns) || (mode == "time" && !c.timedRuns))
      continue;
    if (mode == "sanitize" && c.b * c.hq * c.sq * c.sk > (int64_t(1) << 22))
      continue;
    failures += !runCase(c, timing);
    ++run;
  }
  printf("%s (%d of %d failed)\n", failures ? "FAILED" : "ALL PASSED",
         failures, run);
  return failures ? 1 : 0;
}
