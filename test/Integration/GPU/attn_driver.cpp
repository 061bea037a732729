//===- attn_driver.cpp - end-to-end GPU suite and timing of attn kernels --===//
//
// Calls the host functions that --attn-pipeline=target=cuda made of
// Inputs/attn_e2e.mlir and Inputs/attn_general_e2e.mlir on device buffers:
// fresh random inputs for every case (f16, bf16 or f32), output and lse
// poisoned with NaN before each launch, every output element checked to be
// written, sampled rows compared with a float64 CPU reference (masks, causal
// alignments, GQA, lse, layouts, D != Dv), and the large cases timed with
// CUDA events.
//
//   attn_e2e_<config> [seed] [all|quick|sanitize|time]
//
// quick: no timing; sanitize: small shapes only (for compute-sanitizer);
// time: only the large timed cases. Built with -DATTN_EXPECT_F32_ACCURACY
// (run_e2e.sh does for kernel=simt), every kernel must be f32-accurate: the
// error may only come from rounding the output to its type.
//
//===----------------------------------------------------------------------===//

#include "attn_driver_common.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace attndriver;

extern "C" {
// Arguments, then one trailing buffer per result.
#define ATTN5(name)                                                            \
  void _mlir_ciface_##name(void *, void *, void *, void *, void *);
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
ATTN5(gen_f32_d1)
ATTN7(gen_f32_d8_tl_lse)
ATTN6(gen_f32_d16_br_boolmask)
ATTN6(gen_f16_d80_addmask)
ATTN7(gen_bf16_d96_br_lse)
ATTN8(gen_f32_d160_keypad_lse)
ATTN5(gen_f16_d192_tl_f32out)
ATTN8(gen_f16_d192_dv128)
ATTN6(gen_f32_bshd_d64_boolmask)
ATTN7(gen_f16_bhds_d64_lse)
ATTN7(gen_f32_dynd_br_lse)
ATTN7(gen_f32_rank5_d32_lse)
ATTN6(gen_f16_rank3_d24_mask)
ATTN5(gen_f32_d128)
}

enum class DT { F16, BF16, F32, I1 };

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
  void upload() {
    if (!bytes.empty())
      CHECK_CU(cuMemcpyHtoD(dev, bytes.data(), bytes.size()));
  }
  void download() {
    if (!bytes.empty())
      CHECK_CU(cuMemcpyDtoH(bytes.data(), dev, bytes.size()));
    for (size_t i = 0; i < vals.size(); ++i)
      vals[i] = decode(type, &bytes[i * dtBytes(type)]);
  }
  /// NaN everywhere: survives wherever the kernel writes nothing.
  void poison() {
    if (size() == 0)
      return;
    if (type == DT::F32)
      CHECK_CU(cuMemsetD32(dev, 0x7fc00000u, size()));
    else
      CHECK_CU(cuMemsetD16(dev, type == DT::F16 ? 0x7e00 : 0x7fc0, size()));
  }
  /// The descriptor of the buffer seen with `view` (default: its shape), a
  /// dense row-major shape with the same elements (leading dims split or
  /// dropped).
  Desc desc(std::vector<int64_t> view = {}) const {
    return denseDesc(dev, view.empty() ? shape : view);
  }
};

/// Stored order of an operand, as the op's *_perm: stored dim i holds
/// logical dim perm[i] of [B, H, S, D].
using Perm = std::array<int, 4>;
constexpr Perm kBHSD{0, 1, 2, 3}, kBSHD{0, 2, 1, 3}, kBHDS{0, 1, 3, 2};

/// The dims of a mask, right-aligned against the scores [B, Hq, Sq, Sk]:
/// each is the batch, head, query row or key dim, or a static 1.
enum class MD { B, H, Q, K, One };
struct MaskSpec {
  DT type = DT::F32;
  std::vector<MD> dims; // empty: no mask
};

struct Kernel {
  const char *name;
  void *fn;
  DT in, out;
  int64_t d, dv; // -1: dynamic (the case gives it)
  Causal causal;
  Perm qPerm, kPerm, vPerm, oPerm;
  MaskSpec mask;
  bool lse;
  int batchDims = 1; // 0: no batch dim (B = 1); 2: B passed as (B / 2, 2)
  double scale = 0;  // 0: 1 / sqrt(D)
};

static Kernel kernel(const char *name, void *fn, DT in, DT out, int64_t d,
                     Causal causal, Perm layout, MaskSpec mask, bool lse) {
  return Kernel{name,   fn,     in,     out,  d,    d,  causal,
                layout, layout, layout, layout, mask, lse};
}

struct Case {
  const Kernel *k;
  int64_t b, hq, hkv, sq, sk;
  unsigned maskOnes; // bit i: mask dim i (dynamic in the kernel) is 1 here
  int timedRuns;     // 0: no timing.
  int64_t d = 0, dv = 0; // head dims of kernels with dynamic ones
};

/// Stored shape and element offsets of a logical [B, H, S, D] operand.
struct Layout {
  Perm perm;
  int64_t logical[4];
  int64_t stride[4]; // per logical dim
  std::vector<int64_t> stored;
  Layout(Perm perm, int64_t b, int64_t h, int64_t s, int64_t d)
      : perm(perm), logical{b, h, s, d} {
    for (int i = 0; i < 4; ++i)
      stored.push_back(logical[perm[i]]);
    int64_t st = 1;
    for (int i = 3; i >= 0; --i) {
      stride[perm[i]] = st;
      st *= stored[i];
    }
  }
  int64_t at(int64_t bi, int64_t hi, int64_t si, int64_t di) const {
    return bi * stride[0] + hi * stride[1] + si * stride[2] + di * stride[3];
  }
};

/// The descriptor shape of a buffer whose stored dim 0 is the batch dim,
/// for a kernel with `batchDims` batch dims.
static std::vector<int64_t> batchView(std::vector<int64_t> shape,
                                      int batchDims) {
  if (batchDims == 0)
    shape.erase(shape.begin());
  if (batchDims == 2) {
    int64_t b = shape[0];
    shape[0] = b / 2;
    shape.insert(shape.begin() + 1, 2);
  }
  return shape;
}

/// Rel. L2 and lse tolerances: with f32 accumulation everywhere, only the
/// rounding of the output to its type; the tensor-core kernels also round P
/// to the input type.
static void tolerances(const Kernel &kn, double &tol, double &lseTol) {
#ifdef ATTN_EXPECT_F32_ACCURACY
  tol = kn.out == DT::F32 ? 5e-5 : kn.out == DT::F16 ? 2e-3 : 1e-2;
  lseTol = 2e-5;
#else
  tol = kn.in == DT::BF16 || kn.out == DT::BF16 ? 2e-2 : 1e-2;
  lseTol = 1e-3;
#endif
}

static bool runCase(const Case &c, bool timing) {
  const Kernel &kn = *c.k;
  int64_t d = kn.d < 0 ? c.d : kn.d, dv = kn.dv < 0 ? c.dv : kn.dv;
  Layout lq(kn.qPerm, c.b, c.hq, c.sq, d), lk(kn.kPerm, c.b, c.hkv, c.sk, d),
      lv(kn.vPerm, c.b, c.hkv, c.sk, dv), lo(kn.oPerm, c.b, c.hq, c.sq, dv);
  Buffer q(kn.in, lq.stored), k(kn.in, lk.stored), v(kn.in, lv.stored),
      o(kn.out, lo.stored);
  std::uniform_real_distribution<double> dist(-2.0, 2.0);
  for (Buffer *t : {&q, &k, &v}) {
    for (size_t i = 0; i < t->size(); ++i)
      t->set(i, dist(rng));
    t->upload();
  }

  // Mask, right-aligned against the scores [B, Hq, Sq, Sk]. Some rows are
  // masked entirely (zeros, lse -inf).
  const std::vector<MD> &mdims = kn.mask.dims;
  bool hasMask = !mdims.empty();
  DT mtype = kn.mask.type;
  std::vector<int64_t> mshape;
  for (size_t a = 0; a < mdims.size(); ++a) {
    int64_t full[] = {c.b, c.hq, c.sq, c.sk, 1};
    int64_t size = full[static_cast<int>(mdims[a])];
    mshape.push_back((c.maskOnes >> a) & 1 ? 1 : size);
  }
  Buffer mask(mtype, hasMask ? mshape : std::vector<int64_t>{1});
  // Index of mask element `flat` along dim `a`.
  auto coord = [&](int64_t flat, size_t a) {
    for (size_t x = mshape.size() - 1; x > a; --x)
      flat /= mshape[x];
    return flat % mshape[a];
  };
  if (hasMask) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    auto rowDim = std::find(mdims.begin(), mdims.end(), MD::Q);
    for (size_t i = 0; i < mask.size(); ++i) {
      int64_t row = rowDim == mdims.end()
                        ? -1
                        : coord(i, rowDim - mdims.begin());
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
    int64_t idx[] = {bi, hi, i, j, 0}, off = 0;
    for (size_t a = 0; a < mdims.size(); ++a)
      off = off * mshape[a] +
            (mshape[a] == 1 ? 0 : idx[static_cast<int>(mdims[a])]);
    return mask.vals[off];
  };

  Buffer lse(DT::F32, {c.b, c.hq, c.sq});
  o.poison();
  lse.poison();
  Desc dq = q.desc(batchView(q.shape, kn.batchDims)),
       dk = k.desc(batchView(k.shape, kn.batchDims)),
       dv_ = v.desc(batchView(v.shape, kn.batchDims)),
       dout = o.desc(batchView(o.shape, kn.batchDims)), dm = mask.desc(),
       dl = lse.desc(batchView(lse.shape, kn.batchDims));
  // target=cuda entry points take their results as trailing buffers: the
  // output (and lse) again, where the kernel writes in place.
  auto launch = [&]() {
    std::vector<void *> args = {dq.data(), dk.data(), dv_.data()};
    if (hasMask)
      args.push_back(dm.data());
    args.push_back(dout.data());
    if (kn.lse)
      args.push_back(dl.data());
    args.push_back(dout.data());
    if (kn.lse)
      args.push_back(dl.data());
    using Fn5 = void (*)(void *, void *, void *, void *, void *);
    using Fn6 = void (*)(void *, void *, void *, void *, void *, void *);
    using Fn7 =
        void (*)(void *, void *, void *, void *, void *, void *, void *);
    using Fn8 = void (*)(void *, void *, void *, void *, void *, void *, void *,
                         void *);
    void **a = args.data();
    switch (args.size()) {
    case 5:
      reinterpret_cast<Fn5>(kn.fn)(a[0], a[1], a[2], a[3], a[4]);
      break;
    case 6:
      reinterpret_cast<Fn6>(kn.fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
      break;
    case 7:
      reinterpret_cast<Fn7>(kn.fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
      break;
    case 8:
      reinterpret_cast<Fn8>(kn.fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                                   a[7]);
      break;
    }
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
  double scale = kn.scale ? kn.scale : 1.0 / std::sqrt(static_cast<double>(d));
  int64_t group = c.hq / c.hkv;
  int64_t totalRows = c.b * c.hq * c.sq;
  const int64_t kMaxRows = c.timedRuns ? 48 : 512;
  bool sample = totalRows > kMaxRows;
  int64_t nRows = sample ? kMaxRows : totalRows;
  RelL2 err;
  double lseErr = 0;
  std::vector<double> p, ref;
  int64_t offset = kn.causal == Causal::BottomRight ? c.sk - c.sq : 0;
  for (int64_t r = 0; r < nRows; ++r) {
    int64_t flat = sample ? static_cast<int64_t>(rng() % totalRows) : r;
    Row row = decodeRow(flat, c.hq, c.sq);
    int64_t bi = row.b, h = row.h, i = row.i;
    int64_t hk = h / group;
    auto score = [&](int64_t j) -> double {
      if (kn.causal != Causal::None && j > i + offset)
        return -INFINITY;
      double m = 0;
      if (hasMask) {
        m = maskAt(bi, h, i, j);
        if (mtype == DT::I1)
          m = m != 0 ? 0.0 : -INFINITY;
        if (m == -INFINITY)
          return -INFINITY;
      }
      double s = 0;
      for (int64_t e = 0; e < d; ++e)
        s += q.vals[lq.at(bi, h, i, e)] * k.vals[lk.at(bi, hk, j, e)];
      return s * scale + m;
    };
    auto value = [&](int64_t j, int64_t e) {
      return v.vals[lv.at(bi, hk, j, e)];
    };
    auto [mx, sum] = referenceRow(c.sk, dv, score, value, p, ref);
    for (int64_t e = 0; e < dv; ++e)
      err.add(o.vals[lo.at(bi, h, i, e)], ref[e]);
    if (kn.lse) {
      double lseRef = sum == 0 ? -INFINITY : mx + std::log(sum);
      double got = lse.vals[(bi * c.hq + h) * c.sq + i];
      double e = std::isinf(lseRef) ? (got == lseRef ? 0.0 : INFINITY)
                                    : std::fabs(got - lseRef) /
                                          std::max(1.0, std::fabs(lseRef));
      lseErr = std::max(lseErr, e);
    }
  }
  double rel = err.value();
  double tol, lseTol;
  tolerances(kn, tol, lseTol);
  bool ok = nans == 0 && rel < tol && !(lseErr > lseTol);
  char maskStr[64] = "";
  if (hasMask) {
    std::string s = " mask=";
    for (size_t a = 0; a < mshape.size(); ++a)
      s += (a ? "x" : "") + std::to_string(mshape[a]);
    snprintf(maskStr, sizeof maskStr, "%s%s", s.c_str(), dtName(mtype));
  }
  char lseStr[32] = "";
  if (kn.lse)
    snprintf(lseStr, sizeof lseStr, " lse_err=%.1e", lseErr);
  char dvStr[24] = "";
  if (dv != d)
    snprintf(dvStr, sizeof dvStr, " Dv=%ld", dv);
  printf("%-26s %s->%s B=%ld Hq=%ld Hkv=%ld Sq=%ld Sk=%ld D=%ld%s%s rows=%ld "
         "rel_l2=%.3e%s nan=%ld %s\n",
         kn.name, dtName(kn.in), dtName(kn.out), c.b, c.hq, c.hkv, c.sq, c.sk,
         d, dvStr, maskStr, nRows, rel, lseStr, nans, ok ? "PASS" : "FAIL");

  if (timing && c.timedRuns) {
    std::vector<float> ms = timeLaunches(c.timedRuns, launch);
    double med = ms[ms.size() / 2];
    double flops = 2.0 * c.b * c.hq * c.sq * c.sk * (d + dv);
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
  uint64_t seed = seedFromArgs(argc, argv);
  std::string mode = argc > 2 ? argv[2] : "all";
  rng.seed(seed);
  printf("seed %llu mode %s\n", static_cast<unsigned long long>(seed),
         mode.c_str());
  attnRtInit();
  using C = Causal;
  const MaskSpec none{};
  const MaskSpec addF32Full{DT::F32, {MD::B, MD::H, MD::Q, MD::K}};
  const MaskSpec boolH1{DT::I1, {MD::B, MD::One, MD::Q, MD::K}};
  const MaskSpec addF16SqSk{DT::F16, {MD::Q, MD::K}};
#define K(fn) #fn, reinterpret_cast<void *>(_mlir_ciface_##fn)
  const Kernel d128 = kernel(K(attn_d128), DT::F16, DT::F16, 128, C::None,
                             kBHSD, none, false);
  const Kernel d128c = kernel(K(attn_d128_causal), DT::F16, DT::F16, 128,
                              C::BottomRight, kBHSD, none, false);
  const Kernel d64 =
      kernel(K(attn_d64), DT::F16, DT::F16, 64, C::None, kBHSD, none, false);
  const Kernel d64tl = kernel(K(attn_d64_causal_tl), DT::F16, DT::F16, 64,
                              C::TopLeft, kBHSD, none, false);
  const Kernel bshd = kernel(K(attn_d128_bshd), DT::F16, DT::F16, 128,
                             C::TopLeft, kBSHD, none, false);
  const Kernel d256 = kernel(K(attn_d256), DT::F16, DT::F16, 256, C::None,
                             kBHSD, none, false);
  const Kernel d256c = kernel(K(attn_d256_causal), DT::F16, DT::F16, 256,
                              C::BottomRight, kBHSD, none, false);
  const Kernel b128 = kernel(K(attn_bf16_d128), DT::BF16, DT::BF16, 128,
                             C::None, kBHSD, none, false);
  const Kernel b64tl = kernel(K(attn_bf16_d64_causal_tl), DT::BF16, DT::F32,
                              64, C::TopLeft, kBHSD, none, false);
  const Kernel b256 = kernel(K(attn_bf16_d256), DT::BF16, DT::BF16, 256,
                             C::None, kBHSD, none, false);
  const Kernel addm = kernel(K(attn_d128_addmask), DT::F16, DT::F16, 128,
                             C::None, kBHSD, addF32Full, false);
  const Kernel boolm = kernel(K(attn_bf16_d64_boolmask_br), DT::BF16,
                              DT::BF16, 64, C::BottomRight, kBHSD, boolH1,
                              false);
  const Kernel addlse = kernel(K(attn_d64_addmask_lse), DT::F16, DT::F16, 64,
                               C::None, kBHSD, addF16SqSk, true);
  const Kernel blse = kernel(K(attn_bf16_d128_lse_causal), DT::BF16, DT::F16,
                             128, C::BottomRight, kBHSD, none, true);

  // Inputs/attn_general_e2e.mlir: the general SIMT kernel's cases.
  const Kernel g1 =
      kernel(K(gen_f32_d1), DT::F32, DT::F32, 1, C::None, kBHSD, none, false);
  const Kernel g8 = kernel(K(gen_f32_d8_tl_lse), DT::F32, DT::F32, 8,
                           C::TopLeft, kBHSD, none, true);
  const Kernel g16 = kernel(K(gen_f32_d16_br_boolmask), DT::F32, DT::BF16, 16,
                            C::BottomRight, kBHSD,
                            {DT::I1, {MD::B, MD::H, MD::Q, MD::K}}, false);
  const Kernel g80 = kernel(K(gen_f16_d80_addmask), DT::F16, DT::F16, 80,
                            C::None, kBHSD, addF32Full, false);
  const Kernel g96 = kernel(K(gen_bf16_d96_br_lse), DT::BF16, DT::BF16, 96,
                            C::BottomRight, kBHSD, none, true);
  const Kernel g160 = kernel(K(gen_f32_d160_keypad_lse), DT::F32, DT::F32,
                             160, C::None, kBHSD,
                             {DT::BF16, {MD::H, MD::One, MD::K}}, true);
  const Kernel g192 = kernel(K(gen_f16_d192_tl_f32out), DT::F16, DT::F32, 192,
                             C::TopLeft, kBHSD, none, false);
  Kernel g192v = kernel(K(gen_f16_d192_dv128), DT::F16, DT::F16, 192,
                        C::BottomRight, kBHSD, {DT::F16, {MD::Q, MD::K}},
                        true);
  g192v.dv = 128;
  const Kernel gbshd = kernel(K(gen_f32_bshd_d64_boolmask), DT::F32, DT::F32,
                              64, C::TopLeft, kBSHD, boolH1, false);
  Kernel gbhds = kernel(K(gen_f16_bhds_d64_lse), DT::F16, DT::F16, 64,
                        C::None, kBHDS, none, true);
  gbhds.vPerm = kBSHD;
  Kernel gdyn = kernel(K(gen_f32_dynd_br_lse), DT::F32, DT::F16, -1,
                       C::BottomRight, kBHSD, none, true);
  gdyn.scale = 0.125;
  Kernel g5 = kernel(K(gen_f32_rank5_d32_lse), DT::F32, DT::F32, 32, C::None,
                     kBSHD, none, true);
  g5.batchDims = 2;
  Kernel g3 = kernel(K(gen_f16_rank3_d24_mask), DT::F16, DT::BF16, 24,
                     C::None, kBHSD, {DT::F32, {MD::Q, MD::K}}, false);
  g3.batchDims = 0;
  const Kernel g128 = kernel(K(gen_f32_d128), DT::F32, DT::F32, 128, C::None,
                             kBHSD, none, false);
#undef K
  // Sq and Sk from {1, 77, 128, 1000, 4096}; B*Hq > 1 throughout.
  // maskOnes bit 1: the head dim of an [B, H, Sq, Sk] mask is 1.
  std::vector<Case> cases = {
      {&d128, 2, 8, 2, 77, 128, 0, 0},
      {&d128, 1, 2, 2, 4096, 1, 0, 0},
      {&d128, 1, 3, 3, 128, 1000, 0, 0},
      {&d128c, 1, 4, 4, 1000, 77, 0, 0},
      {&d128c, 2, 2, 1, 77, 4096, 0, 0},
      {&d64, 2, 4, 1, 1, 1000, 0, 0},
      {&d64tl, 2, 2, 2, 1000, 128, 0, 0},
      {&d64tl, 1, 2, 1, 128, 77, 0, 0},
      {&bshd, 2, 4, 2, 128, 1000, 0, 0},
      {&d256, 2, 4, 2, 77, 1000, 0, 0},
      {&d256, 1, 2, 1, 1, 128, 0, 0},
      {&d256c, 1, 4, 4, 1000, 1000, 0, 0},
      {&d256c, 2, 2, 2, 128, 77, 0, 0},
      {&b128, 2, 4, 2, 1000, 77, 0, 0},
      {&b128, 1, 2, 2, 128, 4096, 0, 0},
      {&b64tl, 2, 2, 2, 77, 128, 0, 0},
      {&b64tl, 1, 4, 2, 4096, 1000, 0, 0},
      {&b256, 1, 2, 2, 128, 1000, 0, 0},
      {&addm, 2, 4, 2, 77, 1000, 2, 0},
      {&addm, 1, 2, 2, 128, 128, 0, 0},
      {&boolm, 2, 4, 4, 1000, 128, 0, 0},
      {&boolm, 1, 2, 1, 1, 77, 0, 0},
      {&addlse, 2, 2, 1, 77, 1000, 0, 0},
      {&addlse, 1, 4, 4, 1000, 1, 0, 0},
      {&blse, 2, 4, 2, 128, 77, 0, 0},
      {&blse, 1, 2, 2, 1000, 4096, 0, 0},
      // The general kernels: odd and empty sizes too (Sq or Sk of 0, 1, 7,
      // 33), GQA/MQA, masks broadcast statically and at run time.
      {&g1, 2, 2, 1, 77, 128, 0, 0},
      {&g1, 1, 2, 2, 1, 1, 0, 0},
      {&g8, 2, 4, 2, 33, 77, 0, 0},
      {&g8, 1, 2, 2, 128, 0, 0, 0},
      {&g16, 2, 2, 2, 77, 33, 0, 0},
      {&g16, 1, 4, 1, 7, 1000, 0, 0},
      {&g80, 2, 4, 2, 77, 1000, 2, 0},
      {&g80, 1, 2, 2, 1, 128, 0, 0},
      {&g96, 2, 8, 2, 128, 77, 0, 0},
      {&g96, 1, 4, 1, 1000, 1000, 0, 0},
      {&g160, 2, 2, 1, 77, 128, 0, 0},
      {&g160, 1, 3, 3, 0, 33, 0, 0},
      {&g192, 2, 4, 4, 128, 77, 0, 0},
      {&g192, 1, 2, 1, 1000, 1, 0, 0},
      {&g192v, 2, 4, 2, 77, 1000, 1, 0},
      {&g192v, 1, 2, 2, 128, 128, 0, 0},
      {&gbshd, 2, 4, 2, 77, 128, 0, 0},
      {&gbshd, 1, 2, 1, 1000, 33, 0, 0},
      {&gbhds, 2, 4, 2, 77, 128, 0, 0},
      {&gbhds, 1, 2, 2, 1, 1000, 0, 0},
      {&gdyn, 2, 2, 1, 77, 128, 0, 0, 40, 24},
      {&gdyn, 1, 4, 2, 33, 77, 0, 0, 300, 200},
      {&gdyn, 1, 2, 2, 7, 1000, 0, 0, 5, 260},
      {&gdyn, 1, 2, 1, 128, 33, 0, 0, 129, 1},
      {&g5, 2, 4, 2, 77, 128, 0, 0},
      {&g5, 4, 2, 1, 33, 1, 0, 0},
      {&g3, 1, 4, 2, 77, 1000, 0, 0},
      {&g3, 1, 2, 1, 128, 7, 0, 0},
      // B*H = 64, S = 4096: checked on 48 sampled rows, then timed.
      {&d128, 4, 16, 16, 4096, 4096, 0, 30},
      {&d128c, 4, 16, 16, 4096, 4096, 0, 30},
      {&d64, 4, 16, 16, 4096, 4096, 0, 30},
      {&d256, 4, 16, 16, 4096, 4096, 0, 30},
      {&d256c, 4, 16, 16, 4096, 4096, 0, 30},
      {&b128, 4, 16, 16, 4096, 4096, 0, 30},
      {&addm, 4, 16, 16, 4096, 4096, 2, 30},
      {&g80, 4, 16, 16, 4096, 4096, 0, 10},
      {&g192v, 4, 16, 16, 4096, 4096, 0, 10},
      {&g128, 4, 16, 16, 4096, 4096, 0, 10},
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
