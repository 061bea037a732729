//===- Options.cpp - attn-bench: command line and cases -------------------===//
//
// Parses the command line; builds the FlashAttention and decode sweeps.
//
//===----------------------------------------------------------------------===//

#include "Options.h"

#include "Cuda.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace attnbench {

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(s);
  while (std::getline(is, cur, sep))
    if (!cur.empty())
      out.push_back(cur);
  return out;
}

namespace {

std::vector<int64_t> splitInts(const std::string &s) {
  std::vector<int64_t> out;
  for (const std::string &x : split(s, ',')) {
    char *end = nullptr;
    long long v = strtoll(x.c_str(), &end, 10);
    if (*end == 'k' || *end == 'K')
      v *= 1024, ++end;
    if (*end)
      die("not an integer list: '%s'", s.c_str());
    out.push_back(v);
  }
  return out;
}

void usage() {
  printf(
      "usage: attn-bench [options]\n"
      "  --sweep=fa,decode     sweeps to run (fa: FlashAttention-paper sweep,\n"
      "                        16k tokens per batch, S=512..16k, D 64/128,\n"
      "                        H=2048/D, causal and not; decode: Sq=1,\n"
      "                        Sk=1k..128k, batch 1..64, D=128, GQA 32:4)\n"
      "  --filter=a,b          keep cases whose name contains a or b; repeat\n"
      "                        the option to require several (AND)\n"
      "  --d=64,128 --seq=512,4k --batch=1,64 --causal=0|1\n"
      "  --provider=attn,unfused\n"
      "  --runs=N (>= 20, default 30) --warmup=N (default 5)\n"
      "  --sets=N              most input sets to rotate (default 8)\n"
      "  --check-rows=N        rows checked against a float64 CPU reference\n"
      "  --csv=FILE --json=FILE\n"
      "  --kernel-dir=DIR      lib<kernel>.so files (default: next to the\n"
      "                        executable)\n"
      "  --fatbin=FILE         baseline kernels (default: "
      "attn_bench_kernels.fatbin\n"
      "                        next to the executable)\n"
      "  --list                print the selected cases and exit\n"
      "  --tune=MANIFEST       time the sm_90a kernel variants that\n"
      "                        scripts/tune-build.sh built (its manifest) on\n"
      "                        FA-sweep shapes (--seq, default 1k,4k,16k;\n"
      "                        --d, --causal and --filter, on names like\n"
      "                        d128/bf16/causal and configs like\n"
      "                        wg=2,bkv=128,..., select variants), rank\n"
      "                        them per (D, dtype, causal) by\n"
      "                        geometric-mean TFLOPS; --runs default 20,\n"
      "                        --warmup 3\n"
      "  --tune-out=FILE       with --tune: write the winners as\n"
      "                        DefaultConfigs.inc (rows not measured are kept\n"
      "                        from the table this binary was built with)\n");
}

std::string exeDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return ".";
  buf[n] = 0;
  std::string s(buf);
  size_t p = s.rfind('/');
  return p == std::string::npos ? "." : s.substr(0, p);
}

} // namespace

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char *key) -> const char * {
      size_t n = strlen(key);
      if (a.compare(0, n, key) == 0 && a.size() > n && a[n] == '=')
        return argv[i] + n + 1;
      if (a == key && i + 1 < argc)
        return argv[++i];
      return nullptr;
    };
    const char *v;
    if (a == "-h" || a == "--help") {
      usage();
      exit(0);
    } else if (a == "--list") {
      o.list = true;
    } else if ((v = val("--sweep"))) {
      o.sweeps = split(v, ',');
    } else if ((v = val("--filter"))) {
      o.filters.push_back(split(v, ','));
    } else if ((v = val("--d"))) {
      o.dims = splitInts(v);
    } else if ((v = val("--seq"))) {
      o.seqs = splitInts(v);
    } else if ((v = val("--batch"))) {
      o.batches = splitInts(v);
    } else if ((v = val("--causal"))) {
      o.causal = atoi(v);
    } else if ((v = val("--provider"))) {
      o.providers = split(v, ',');
    } else if ((v = val("--runs"))) {
      o.runs = std::max(20, atoi(v));
      o.runsSet = true;
    } else if ((v = val("--warmup"))) {
      o.warmup = std::max(1, atoi(v));
      o.warmupSet = true;
    } else if ((v = val("--tune-out"))) {
      o.tuneOut = v;
    } else if ((v = val("--tune"))) {
      o.tune = v;
    } else if ((v = val("--sets"))) {
      o.maxSets = std::max(1, atoi(v));
    } else if ((v = val("--check-rows"))) {
      o.checkRows = std::max(0, atoi(v));
    } else if ((v = val("--csv"))) {
      o.csv = v;
    } else if ((v = val("--json"))) {
      o.json = v;
    } else if ((v = val("--kernel-dir"))) {
      o.kernelDir = v;
    } else if ((v = val("--fatbin"))) {
      o.fatbin = v;
    } else {
      fprintf(stderr, "attn-bench: unknown option '%s'\n", a.c_str());
      usage();
      exit(2);
    }
  }
  for (int i = 0; i < argc; ++i)
    o.command += (i ? " " : "") + std::string(argv[i]);
  if (!o.tuneOut.empty() && o.tune.empty())
    die("--tune-out needs --tune=<manifest>");
  if (!o.tune.empty()) {
    if (!o.runsSet)
      o.runs = 20;
    if (!o.warmupSet)
      o.warmup = 3;
  }
  if (o.kernelDir.empty())
    o.kernelDir = exeDir();
  if (o.fatbin.empty())
    o.fatbin = exeDir() + "/attn_bench_kernels.fatbin";
  return o;
}

std::vector<Case> makeCases(const Options &o) {
  std::vector<Case> all;
  for (const char *dtype : {"f16", "bf16"})
    for (int64_t d : {64, 128})
      for (bool causal : {false, true})
        for (int64_t s = 512; s <= 16384; s *= 2) {
          int64_t h = 2048 / d;
          all.push_back({"fa", dtype, 16384 / s, h, h, s, s, d, causal});
        }
  for (int64_t b : {1, 4, 16, 64})
    for (int64_t sk = 1024; sk <= 131072; sk *= 2)
      all.push_back({"decode", "f16", b, 32, 4, 1, sk, 128, false});
  std::vector<Case> out;
  for (const Case &c : all) {
    if (!has(o.sweeps, c.sweep) || !has(o.dims, c.d) || !has(o.batches, c.b) ||
        !has(o.seqs, c.sweep == "decode" ? c.sk : c.sq) ||
        (o.causal >= 0 && c.causal != bool(o.causal)))
      continue;
    std::string n = c.name();
    bool keep = true;
    for (const auto &alts : o.filters) {
      bool any = false;
      for (const std::string &s : alts)
        any |= n.find(s) != std::string::npos;
      keep &= any;
    }
    if (keep)
      out.push_back(c);
  }
  return out;
}

} // namespace attnbench
