//===- Report.h - attn-bench: results and their files -----------*- C++ -*-===//
//
// The per-case results: the table printed at the end and the CSV and JSON
// files.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_BENCH_REPORT_H
#define ATTN_BENCH_REPORT_H

#include "Options.h"

#include <cmath>
#include <string>
#include <vector>

namespace attnbench {

/// One provider on one case.
struct Result {
  Case c;
  std::string provider, status = "ok", reason;
  double msMedian = NAN, msMin = NAN, msMax = NAN, tflops = NAN, gbps = NAN;
  double peakMiB = NAN, relPeer = NAN, relRef = NAN;
  int runs = 0, sets = 0;
};

/// `s` with quotes, backslashes and control characters escaped for JSON.
std::string jsonEscape(const std::string &s);
/// `x` with `prec` significant digits; "" for NaN.
std::string num(double x, int prec = 4);
/// `s` quoted for CSV where it needs to be.
std::string csvField(const std::string &s);

void writeCsv(const std::string &path, const std::vector<Result> &rs);
void writeJson(const std::string &path, const std::vector<Result> &rs,
               const std::string &device);
/// One line per case: attn vs unfused, then the reasons of what did not run.
void printTable(const std::vector<Result> &rs);

} // namespace attnbench

#endif // ATTN_BENCH_REPORT_H
