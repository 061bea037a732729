//===- Tune.h - attn-bench --tune -------------------------------*- C++ -*-===//
//
// --tune: times the sm_90a kernel variants that scripts/tune-build.sh built
// and ranks them per (head dim, dtype, causal).
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_BENCH_TUNE_H
#define ATTN_BENCH_TUNE_H

#include "Options.h"

#include <string>

namespace attnbench {

/// Runs --tune on the device described by `devLine`; returns the exit
/// status (0 when every group has a winner).
int runTune(Options opt, const std::string &devLine);

} // namespace attnbench

#endif // ATTN_BENCH_TUNE_H
