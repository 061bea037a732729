//===- Options.h - attn-bench: command line and cases -----------*- C++ -*-===//
//
// The command line and the benchmark cases it selects.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_BENCH_OPTIONS_H
#define ATTN_BENCH_OPTIONS_H

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace attnbench {

/// The command line (usage() in Options.cpp says what each option does).
struct Options {
  std::vector<std::string> sweeps{"fa", "decode"};
  std::vector<std::vector<std::string>> filters; // AND of ORs of substrings
  std::vector<int64_t> dims, seqs, batches;      // empty: all
  int causal = -1;                               // -1: both
  std::vector<std::string> providers{"attn", "unfused"};
  int runs = 30, warmup = 5, maxSets = 8;
  std::string csv, json, kernelDir, fatbin;
  bool list = false;
  int checkRows = 8;
  std::string tune, tuneOut; // --tune=<manifest>, --tune-out=<.inc>
  std::string command;       // the command line, for --tune-out's header
  bool runsSet = false, warmupSet = false;
};

/// One shape of a sweep; the kernel library it needs.
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

/// The non-empty fields of `s` between `sep`s.
std::vector<std::string> split(const std::string &s, char sep);

/// True when `v` is empty (no restriction) or holds `x`.
template <typename T> bool has(const std::vector<T> &v, const T &x) {
  return v.empty() || std::find(v.begin(), v.end(), x) != v.end();
}

/// Parses the command line (exits on --help and on a bad option).
Options parse(int argc, char **argv);

/// The cases of the selected sweeps that pass every filter.
std::vector<Case> makeCases(const Options &o);

} // namespace attnbench

#endif // ATTN_BENCH_OPTIONS_H
