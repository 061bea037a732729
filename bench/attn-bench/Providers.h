//===- Providers.h - attn-bench: attn's kernel and the baseline -*- C++ -*-===//
//
// The two providers timed per case: attn's kernel library (its C entry
// point) and the unfused baseline (cuBLAS, softmax kernel, cuBLAS); their
// input sets and the timing loop.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_BENCH_PROVIDERS_H
#define ATTN_BENCH_PROVIDERS_H

#include "Cuda.h"
#include "Options.h"

#include <functional>
#include <random>
#include <string>
#include <vector>

namespace attnbench {

/// A rank-4 memref descriptor, as the _mlir_ciface_ entry points take it.
struct Desc4 {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[4];
  int64_t strides[4];
};
using AttnFn = void (*)(Desc4 *, Desc4 *, Desc4 *, Desc4 *, Desc4 *);

/// The row-major [b, h, s, d] descriptor of device buffer `p`.
Desc4 desc(CUdeviceptr p, int64_t b, int64_t h, int64_t s, int64_t d);

/// One input set and the outputs of the providers that run on it.
struct Set {
  CUdeviceptr q = 0, k = 0, v = 0, oAttn = 0, oBase = 0;
};

/// Allocates one input set (Q, K, V and the outputs asked for) and fills Q,
/// K, V with fresh U(-2, 2) values. On out-of-memory frees what it got and
/// returns false.
bool makeSet(Set &x, size_t nQ, size_t nKV, bool withAttn, bool withBase,
             bool bf16, std::mt19937_64 &rng);

/// A case's input sets and the baseline's score buffer.
struct Buffers {
  std::vector<Set> sets;
  CUdeviceptr s = 0; // baseline scores/probabilities [B, Hq, Sq, Sk] f16
  void release();
};

/// Runs attn's kernel `fn` on set `x`; returns "" or an error.
std::string runAttn(AttnFn fn, const Case &c, const Set &x);
/// Runs the unfused baseline on set `x` with score buffer `s`; returns ""
/// or an error.
std::string runBaseline(const Case &c, const Set &x, CUdeviceptr s);

/// Median, min and max of the timed runs, in ms.
struct Timing {
  double med, mn, mx;
};

/// Runs `body` on input sets 0, 1, ... (modulo `nsets`) `warmup` times
/// untimed and `runs` times timed, each between two stream events; stops at
/// the first error `body` returns, into `err`.
Timing timeIt(int warmup, int runs, int nsets,
              const std::function<std::string(int)> &body, std::string &err);

} // namespace attnbench

#endif // ATTN_BENCH_PROVIDERS_H
