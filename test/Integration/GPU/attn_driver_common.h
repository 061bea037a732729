//===- attn_driver_common.h - shared parts of the GPU e2e drivers -*- C++
//-*-===//
//
// What the end-to-end drivers of test/Integration/GPU and GPU-sm90 share:
// CUDA error checks, the test runtime's hooks (mgpu_runtime.cpp), the seed
// and generator, memref descriptors of dense device buffers, the float64
// reference of one attention row, the relative L2 error and kernel timing.
// Header-only: each driver is one translation unit built by its run_e2e.sh.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TEST_GPU_ATTN_DRIVER_COMMON_H
#define ATTN_TEST_GPU_ATTN_DRIVER_COMMON_H

#include <cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <utility>
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

// mgpu_runtime.cpp: makes the context; the time of the last kernel launched.
extern "C" {
void attnRtInit();
float attnRtLastKernelMs();
}

namespace attndriver {

enum class Causal { None, TopLeft, BottomRight };

/// The inputs' and sampled rows' generator, seeded by seedFromArgs.
inline std::mt19937_64 rng;

/// argv[1] if given, else the clock.
inline uint64_t seedFromArgs(int argc, char **argv) {
  return argc > 1
             ? strtoull(argv[1], nullptr, 10)
             : static_cast<uint64_t>(
                   std::chrono::steady_clock::now().time_since_epoch().count());
}

/// A memref descriptor as the C interface lays out rank N: allocated and
/// aligned pointers, offset, sizes[N], strides[N].
struct Desc {
  std::vector<int64_t> words;
  void *data() { return words.data(); }
};

/// The descriptor of a dense row-major `shape` at device address `dev`.
inline Desc denseDesc(CUdeviceptr dev, const std::vector<int64_t> &shape) {
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

/// Output row `flat` of [B, Hq, Sq] rows as (batch, head, query).
struct Row {
  int64_t b, h, i;
};
inline Row decodeRow(int64_t flat, int64_t hq, int64_t sq) {
  return {flat / sq / hq, (flat / sq) % hq, flat % sq};
}

/// The float64 reference of one attention output row over `sk` keys:
/// `score(j)` is the scaled query·key j plus the mask, -inf for a key the
/// row does not see; `value(j, e)` is element e of value row j. Writes the
/// `dv` outputs to `out` (zeros for a row that sees no key) and returns the
/// row's max score and sum of exponentials (lse = max + log(sum)); `p` is
/// scratch.
template <typename ScoreFn, typename ValueFn>
std::pair<double, double> referenceRow(int64_t sk, int64_t dv, ScoreFn score,
                                       ValueFn value, std::vector<double> &p,
                                       std::vector<double> &out) {
  p.resize(sk);
  double mx = -INFINITY;
  for (int64_t j = 0; j < sk; ++j) {
    p[j] = score(j);
    mx = std::max(mx, p[j]);
  }
  double sum = 0;
  for (int64_t j = 0; j < sk; ++j) {
    p[j] = mx == -INFINITY ? 0.0 : std::exp(p[j] - mx);
    sum += p[j];
  }
  out.assign(dv, 0.0);
  for (int64_t e = 0; e < dv; ++e) {
    double ref = 0;
    for (int64_t j = 0; j < sk; ++j)
      if (p[j] != 0)
        ref += p[j] * value(j, e);
    out[e] = sum == 0 ? 0 : ref / sum;
  }
  return {mx, sum};
}

/// Relative L2 error of outputs against their references.
struct RelL2 {
  double errSq = 0, refSq = 0;
  void add(double got, double ref) {
    errSq += (got - ref) * (got - ref);
    refSq += ref * ref;
  }
  double value() const { return std::sqrt(errSq / std::max(refSq, 1e-30)); }
};

/// Kernel times (ms) of `runs` calls of `launch` after 5 warm-up calls, as
/// the runtime measured them, sorted.
template <typename LaunchFn>
std::vector<float> timeLaunches(int runs, LaunchFn launch) {
  std::vector<float> ms;
  for (int r = 0; r < 5 + runs; ++r) {
    launch();
    if (r >= 5)
      ms.push_back(attnRtLastKernelMs());
  }
  std::sort(ms.begin(), ms.end());
  return ms;
}

} // namespace attndriver

#endif // ATTN_TEST_GPU_ATTN_DRIVER_COMMON_H
