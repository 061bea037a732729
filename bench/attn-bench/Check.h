//===- Check.h - attn-bench: checking outputs -------------------*- C++ -*-===//
//
// Outputs against each other and against a float64 CPU reference of sampled
// rows.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_BENCH_CHECK_H
#define ATTN_BENCH_CHECK_H

#include "Providers.h"

#include <cstdint>
#include <random>
#include <vector>

namespace attnbench {

// Device tensors hold raw f16 or bf16 bits; `toDouble` reads them.
using Bits = uint16_t;

double toDouble(Bits h, bool bf16);
/// `n` elements of device buffer `p`.
std::vector<Bits> download(CUdeviceptr p, size_t n);
int64_t countNaN(const std::vector<Bits> &v, bool bf16);

/// Rel. L2 difference of two outputs, over the elements neither has NaN
/// in, and the number of elements either has NaN in.
struct Cmp {
  double rel = NAN;
  int64_t nans = 0;
};

Cmp compare(const std::vector<Bits> &got, const std::vector<Bits> &ref,
            bool bf16);

// Float64 reference of sampled output rows (the last row always): their
// flat row indices and values.
struct RefRows {
  std::vector<int64_t> rows;
  std::vector<double> values; // rows.size() x d
  double norm2 = 0;
};

/// The reference of `nRows` rows of set `x` (the last row, then random ones).
RefRows refRows(const Case &c, const Set &x, int nRows, std::mt19937_64 &rng);

/// Rel. L2 error of output `o` ([B, Hq, Sq, D]) on the reference rows; NaN
/// counts as an infinite error.
double relVsRef(const Case &c, CUdeviceptr o, const RefRows &ref);

} // namespace attnbench

#endif // ATTN_BENCH_CHECK_H
