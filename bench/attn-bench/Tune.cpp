//===- Tune.cpp - attn-bench --tune ---------------------------------------===//
//
// The sm_90a kernel's configuration space (scripts/tune-build.sh): every
// variant of its manifest on FA-sweep shapes, checked against float64 rows,
// ranked by geometric-mean TFLOPS; optionally written as DefaultConfigs.inc.
//
//===----------------------------------------------------------------------===//

#include "Tune.h"

#include "Check.h"
#include "Cuda.h"
#include "Providers.h"
#include "Report.h"
#include "attn/Runtime.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <tuple>

namespace attnbench {
namespace {

// One row of the current default table (DefaultConfigs.inc, compiled in).
struct TableRow {
  int64_t d, bf16, causal, wg, bkv, stages, overlap, pw, pp, pers, minKeys;
};
const TableRow kCurrentTable[] = {
#define ATTN_SM90_DEFAULT(D, BF16, CAUSAL, WG, BKV, ST, OV, PW, PP, PERS,      \
                          MINKEYS)                                             \
  {D, BF16, CAUSAL, WG, BKV, ST, OV, PW, PP, PERS, MINKEYS},
#include "DefaultConfigs.inc"
#undef ATTN_SM90_DEFAULT
};

struct Variant {
  std::string status, lib, entry, dtype, config, note;
  int64_t d = 0;
  bool causal = false;
  int64_t wg = 0, bkv = 0, stages = 0, overlap = 0, pw = 0, pp = 0, pers = 0;
  AttnFn fn = nullptr;
  void *handle = nullptr;
  std::string disqualified;   // why, once it failed a shape
  std::vector<double> tflops; // per shape
};

std::vector<std::string> splitTabs(const std::string &line) {
  std::vector<std::string> out;
  size_t b = 0;
  while (true) {
    size_t e = line.find('\t', b);
    out.push_back(line.substr(b, e == std::string::npos ? e : e - b));
    if (e == std::string::npos)
      return out;
    b = e + 1;
  }
}

// "wg=2,bkv=128,stages=3,overlap=1,pw=1[,pp=1][,pers=1]" (pp, pers: 0 when
// absent).
bool parseConfig(Variant &v) {
  int seen = 0;
  for (const std::string &kv : split(v.config, ',')) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos)
      return false;
    std::string k = kv.substr(0, eq);
    int64_t x = atoll(kv.c_str() + eq + 1);
    int64_t *dst = k == "wg"        ? &v.wg
                   : k == "bkv"     ? &v.bkv
                   : k == "stages"  ? &v.stages
                   : k == "overlap" ? &v.overlap
                   : k == "pw"      ? &v.pw
                   : k == "pp"      ? &v.pp
                   : k == "pers"    ? &v.pers
                                    : nullptr;
    if (!dst)
      return false;
    *dst = x, ++seen;
  }
  return seen >= 5;
}

// Tab-separated: status lib entry d dtype causal config note ('#' comments).
std::vector<Variant> readManifest(const std::string &path) {
  FILE *f = fopen(path.c_str(), "r");
  if (!f)
    die("cannot read the tune manifest %s", path.c_str());
  std::vector<Variant> out;
  char buf[4096];
  int lineNo = 0;
  while (fgets(buf, sizeof buf, f)) {
    ++lineNo;
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    std::vector<std::string> col = splitTabs(line);
    if (col.size() < 7)
      die("%s:%d: expected 7 or 8 tab-separated columns", path.c_str(), lineNo);
    Variant v;
    v.status = col[0], v.lib = col[1], v.entry = col[2];
    v.d = atoll(col[3].c_str()), v.dtype = col[4];
    v.causal = col[5] == "1", v.config = col[6];
    v.note = col.size() > 7 ? col[7] : "";
    if (!parseConfig(v) || (v.dtype != "f16" && v.dtype != "bf16"))
      die("%s:%d: bad dtype or config '%s'", path.c_str(), lineNo,
          v.config.c_str());
    out.push_back(v);
  }
  fclose(f);
  return out;
}

struct TuneRow {
  const Variant *v;
  Case c;
  std::string status = "ok", reason;
  double msMedian = NAN, msMin = NAN, msMax = NAN, tflops = NAN, relRef = NAN;
  int runs = 0, sets = 0;
};

struct Ranked {
  int64_t d;
  std::string dtype;
  bool causal;
  std::vector<std::pair<double, const Variant *>> order; // geomean, best first
  std::vector<const Variant *> out;                      // disqualified
  int skipped = 0;
};

std::string today() {
  time_t t = time(nullptr);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", gmtime(&t));
  return buf;
}

void writeTuneCsv(const std::string &path, const std::vector<TuneRow> &rows) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  fprintf(f, "d,dtype,causal,config,warpgroups,block_kv,stages,overlap,"
             "producer_warp,pingpong,persistent,lib,batch,heads,seq,status,"
             "ms_median,ms_min,"
             "ms_max,runs,sets,tflops,rel_l2_vs_f64_rows,reason\n");
  for (const TuneRow &r : rows) {
    const Variant &v = *r.v;
    fprintf(f,
            "%ld,%s,%d,%s,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%s,%s,%s,%s,%s,%s,%s,%s,"
            "%d,"
            "%d,%s,%s,%s\n",
            long(v.d), v.dtype.c_str(), int(v.causal),
            csvField(v.config).c_str(), long(v.wg), long(v.bkv), long(v.stages),
            long(v.overlap), long(v.pw), long(v.pp), long(v.pers),
            v.lib.c_str(), r.c.b ? std::to_string(r.c.b).c_str() : "",
            r.c.b ? std::to_string(r.c.hq).c_str() : "",
            r.c.b ? std::to_string(r.c.sq).c_str() : "", r.status.c_str(),
            num(r.msMedian, 6).c_str(), num(r.msMin, 6).c_str(),
            num(r.msMax, 6).c_str(), r.runs, r.sets, num(r.tflops, 5).c_str(),
            num(r.relRef, 3).c_str(), csvField(r.reason).c_str());
  }
  fclose(f);
}

void writeTuneJson(const std::string &path, const std::vector<TuneRow> &rows,
                   const std::vector<Ranked> &ranks,
                   const std::vector<int64_t> &seqs, const std::string &device,
                   const Options &opt, const std::string &date) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  auto jnum = [](double x, int p = 6) {
    return std::isnan(x) ? std::string("null") : num(x, p);
  };
  fprintf(f,
          "{\n  \"device\": \"%s\",\n  \"date\": \"%s\",\n  \"command\": "
          "\"%s\",\n  \"seqs\": [",
          jsonEscape(device).c_str(), date.c_str(),
          jsonEscape(opt.command).c_str());
  for (size_t i = 0; i < seqs.size(); ++i)
    fprintf(f, "%s%ld", i ? ", " : "", long(seqs[i]));
  fprintf(f, "],\n  \"ranking\": [\n");
  bool first = true;
  for (const Ranked &g : ranks) {
    int rank = 0;
    for (auto &[gm, v] : g.order) {
      fprintf(f,
              "%s    {\"d\": %ld, \"dtype\": \"%s\", \"causal\": %s, "
              "\"rank\": %d, \"config\": \"%s\", \"geomean_tflops\": %s}",
              first ? "" : ",\n", long(g.d), g.dtype.c_str(),
              g.causal ? "true" : "false", ++rank, v->config.c_str(),
              jnum(gm).c_str());
      first = false;
    }
  }
  fprintf(f, "\n  ],\n  \"results\": [\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    const TuneRow &r = rows[i];
    const Variant &v = *r.v;
    fprintf(f,
            "    {\"d\": %ld, \"dtype\": \"%s\", \"causal\": %s, \"config\": "
            "\"%s\", \"lib\": \"%s\", \"batch\": %ld, \"heads\": %ld, "
            "\"seq\": %ld, \"status\": \"%s\", \"ms_median\": %s, "
            "\"ms_min\": %s, \"ms_max\": %s, \"runs\": %d, \"sets\": %d, "
            "\"tflops\": %s, \"rel_l2_vs_f64_rows\": %s, \"reason\": "
            "\"%s\"}%s\n",
            long(v.d), v.dtype.c_str(), v.causal ? "true" : "false",
            v.config.c_str(), jsonEscape(v.lib).c_str(), long(r.c.b),
            long(r.c.hq), long(r.c.sq), r.status.c_str(),
            jnum(r.msMedian).c_str(), jnum(r.msMin).c_str(),
            jnum(r.msMax).c_str(), r.runs, r.sets, jnum(r.tflops).c_str(),
            jnum(r.relRef, 3).c_str(), jsonEscape(r.reason).c_str(),
            i + 1 < rows.size() ? "," : "");
  }
  fprintf(f, "  ]\n}\n");
  fclose(f);
}

// DefaultConfigs.inc with one row per measured (D, dtype, causal) winner;
// the current table's rows fill in what was not measured.
void writeTable(const std::string &path, const std::vector<Ranked> &ranks,
                const std::string &device, const Options &opt,
                const std::string &date) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  fprintf(f,
          "//===- DefaultConfigs.inc - sm_90a kernel default tile table "
          "---*- C++ -*-===//\n"
          "//\n"
          "// The default configuration of --convert-attn-to-gpu-sm90 per "
          "(head dim,\n"
          "// input element type, causal). A row of head dim D with bf16 = -1 "
          "or\n"
          "// causal = -1 matches either value; the first matching row "
          "wins.\n"
          "//\n"
          "// ATTN_SM90_DEFAULT(headDim, bf16, causal, warpgroups, blockKV, "
          "stages,\n"
          "//                   overlap, producerWarp, pingpong, persistent,\n"
          "//                   minKeys)\n"
          "//\n"
          "// Written by attn-bench --tune (bench/README.md): the variant of "
          "best\n"
          "// geometric-mean TFLOPS over S =");
  for (int64_t s : opt.seqs)
    fprintf(f, " %ld", long(s));
  fprintf(f,
          " (16k tokens, H = 2048/D) per\n"
          "// (D, dtype, causal), each checked against float64 rows.\n"
          "//   device:  %s\n"
          "//   date:    %s\n"
          "//   command: %s\n"
          "//\n"
          "//===----------------------------------------------------------"
          "------------===//\n",
          device.c_str(), date.c_str(), opt.command.c_str());
  std::set<int64_t> dims;
  for (const Ranked &g : ranks)
    dims.insert(g.d);
  for (const TableRow &t : kCurrentTable)
    dims.insert(t.d);
  for (int64_t d : dims) {
    bool measuredAll = true;
    for (const char *dt : {"f16", "bf16"})
      for (bool causal : {false, true}) {
        const Ranked *g = nullptr;
        for (const Ranked &r : ranks)
          if (r.d == d && r.dtype == dt && r.causal == causal)
            g = &r;
        if (!g || g->order.empty()) {
          measuredAll = false;
          continue;
        }
        const Variant &w = *g->order.front().second;
        fprintf(f, "\n// D = %ld, %s, %s: %.1f TFLOPS (geomean)", long(d), dt,
                causal ? "causal" : "not causal", g->order.front().first);
        if (g->order.size() > 1)
          fprintf(f, ", next %s at %.1f", g->order[1].second->config.c_str(),
                  g->order[1].first);
        fprintf(f, "; %zu ranked, %zu disqualified, %d not built.\n",
                g->order.size(), g->out.size(), g->skipped);
        fprintf(f,
                "ATTN_SM90_DEFAULT(%ld, %d, %d, %ld, %ld, %ld, %ld, %ld, %ld, "
                "%ld, 0)\n",
                long(d), strcmp(dt, "bf16") == 0, int(causal), long(w.wg),
                long(w.bkv), long(w.stages), long(w.overlap), long(w.pw),
                long(w.pp), long(w.pers));
      }
    if (measuredAll)
      continue;
    // The rest of this head dim: the current table's rows (matched in order,
    // after the measured rows above).
    bool any = false;
    for (const TableRow &t : kCurrentTable)
      if (t.d == d) {
        if (!any)
          fprintf(f,
                  "\n// D = %ld, not measured here: the previous table's "
                  "row(s).\n",
                  long(d));
        any = true;
        fprintf(f,
                "ATTN_SM90_DEFAULT(%ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, "
                "%ld, %ld, %ld)\n",
                long(t.d), long(t.bf16), long(t.causal), long(t.wg),
                long(t.bkv), long(t.stages), long(t.overlap), long(t.pw),
                long(t.pp), long(t.pers), long(t.minKeys));
      }
  }
  fclose(f);
}

/// A group's (D, dtype, causal).
using GroupKey = std::tuple<int64_t, int, int>;

/// --tune: per group of variants, every shape of --seq, then the ranking.
/// The rows and rankings so far are rewritten (CSV, JSON) after every
/// variant, so a run cut short (a hang, a sticky CUDA error) keeps what it
/// measured.
class Tuner {
public:
  Tuner(const Options &opt, const std::string &devLine)
      : opt(opt), devLine(devLine), date(today()), rng(20261125) {}

  int run(std::vector<Variant> &all);

private:
  /// The variants that --d/--causal/--filter keep, by group in (D, f16
  /// before bf16, causal) order.
  std::map<GroupKey, std::vector<Variant *>>
  selectGroups(std::vector<Variant> &all) const;
  /// Opens the built variants of a group (a row per one not built); returns
  /// them, a failure to load already disqualifying.
  std::vector<Variant *> loadGroup(const std::vector<Variant *> &vars,
                                   const std::string &base, Ranked &g);
  /// Every live variant on FA-sweep shape `s` of the group.
  void measureShape(int64_t s, const Ranked &g,
                    const std::vector<Variant *> &live);
  /// Variant `v` on case `c`: checked on set 0, then timed over `buf`.
  TuneRow measureVariant(Variant &v, const Case &c, const Buffers &buf,
                         const RefRows &ref);
  /// Ranks the group's live variants by geometric-mean TFLOPS and prints it.
  void rank(Ranked &g, const std::vector<Variant *> &live) const;
  void save() const {
    if (!opt.csv.empty())
      writeTuneCsv(opt.csv, rows);
    if (!opt.json.empty())
      writeTuneJson(opt.json, rows, ranks, opt.seqs, devLine, opt, date);
  }

  const Options &opt;
  const std::string &devLine;
  const std::string date;
  std::mt19937_64 rng;
  std::vector<TuneRow> rows;
  std::vector<Ranked> ranks;
};

std::map<GroupKey, std::vector<Variant *>>
Tuner::selectGroups(std::vector<Variant> &all) const {
  std::map<GroupKey, std::vector<Variant *>> groups;
  for (Variant &v : all) {
    std::string gname = "d" + std::to_string(v.d) + "/" + v.dtype +
                        (v.causal ? "/causal" : "/noncausal");
    bool keep =
        has(opt.dims, v.d) && (opt.causal < 0 || v.causal == bool(opt.causal));
    for (const auto &alts : opt.filters) {
      bool any = false;
      for (const std::string &s : alts)
        any |= gname.find(s) != std::string::npos ||
               v.config.find(s) != std::string::npos;
      keep &= any;
    }
    if (keep)
      groups[{v.d, v.dtype == "bf16", v.causal}].push_back(&v);
  }
  return groups;
}

std::vector<Variant *> Tuner::loadGroup(const std::vector<Variant *> &vars,
                                        const std::string &base, Ranked &g) {
  std::vector<Variant *> live;
  for (Variant *v : vars) {
    if (v->status != "ok") {
      ++g.skipped;
      TuneRow r{v, Case{}};
      r.status = "skipped";
      r.reason = v->note;
      rows.push_back(r);
      continue;
    }
    std::string path = base + "/" + v->lib;
    v->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!v->handle)
      v->disqualified = std::string("dlopen: ") + dlerror();
    else if (!(v->fn = reinterpret_cast<AttnFn>(
                   dlsym(v->handle, ("_mlir_ciface_" + v->entry).c_str()))))
      v->disqualified = "no _mlir_ciface_" + v->entry + " in " + path;
    if (attnGetStatus() != ATTN_STATUS_SUCCESS) {
      v->disqualified = std::string("loading: ") + attnGetLastError();
      attnClearError();
    }
    live.push_back(v);
  }
  return live;
}

TuneRow Tuner::measureVariant(Variant &v, const Case &c, const Buffers &buf,
                              const RefRows &ref) {
  TuneRow r{&v, c};
  const bool bf16 = c.dtype == "bf16";
  const size_t nQ = size_t(c.b * c.hq * c.sq * c.d);
  const int nsets = int(buf.sets.size());
  const Set &s0 = buf.sets[0];
  CHECK_CU(cu.cuMemsetD16(s0.oAttn, nanBits(bf16), nQ));
  std::string e = runAttn(v.fn, c, s0);
  CHECK_CU(cu.cuStreamSynchronize(gpu.stream));
  if (e.empty()) {
    int64_t nans = countNaN(download(s0.oAttn, nQ), bf16);
    r.relRef = relVsRef(c, s0.oAttn, ref);
    if (nans) {
      r.status = "check-failed";
      r.reason = std::to_string(nans) + " NaN in the output";
    } else if (!(r.relRef < 2e-2)) {
      r.status = "check-failed";
      r.reason = "rel L2 vs float64 rows " + num(r.relRef, 3);
    }
  } else {
    r.status = "error", r.reason = e;
  }
  if (r.status != "ok")
    return r;
  Timing t = timeIt(
      opt.warmup, opt.runs, nsets,
      [&](int si) { return runAttn(v.fn, c, buf.sets[si]); }, e);
  if (!e.empty()) {
    r.status = "error", r.reason = e;
    return r;
  }
  r.msMedian = t.med, r.msMin = t.mn, r.msMax = t.mx;
  r.runs = opt.runs, r.sets = nsets;
  r.tflops = c.flops() / (t.med * 1e-3) / 1e12;
  v.tflops.push_back(r.tflops);
  return r;
}

void Tuner::measureShape(int64_t s, const Ranked &g,
                         const std::vector<Variant *> &live) {
  const int64_t h = 2048 / g.d;
  const bool bf16 = g.dtype == "bf16";
  Case c{"fa", g.dtype, 16384 / s, h, h, s, s, g.d, g.causal};
  const size_t nQ = size_t(c.b * c.hq * c.sq * c.d), nKV = nQ;
  size_t setBytes = 2 * (4 * nQ);
  int nsets = int(
      std::clamp<size_t>((2 * size_t(gpu.l2Bytes) + setBytes - 1) / setBytes, 1,
                         size_t(opt.maxSets)));
  Buffers buf;
  for (int si = 0; si < nsets; ++si) {
    Set x;
    if (!makeSet(x, nQ, nKV, /*withAttn=*/true, /*withBase=*/false, bf16,
                 rng)) {
      if (si == 0)
        die("%s: out of device memory for the inputs", c.name().c_str());
      break;
    }
    buf.sets.push_back(x);
  }
  CHECK_CU(cu.cuStreamSynchronize(gpu.stream));
  RefRows ref = refRows(c, buf.sets[0], std::max(opt.checkRows, 1), rng);
  size_t vi = 0;
  for (Variant *v : live) {
    ++vi;
    TuneRow r{v, c};
    if (!v->disqualified.empty()) {
      r.status = "disqualified", r.reason = v->disqualified;
      rows.push_back(r);
      continue;
    }
    r = measureVariant(*v, c, buf, ref);
    if (r.status != "ok")
      v->disqualified =
          "S=" + std::to_string(s) + ": " + r.status + ": " + r.reason;
    fprintf(stderr, "[%s %zu/%zu] %-40s %s\n", c.name().c_str(), vi,
            live.size(), v->config.c_str(),
            r.status == "ok" ? (num(r.msMedian) + " ms " + num(r.tflops) +
                                " TFLOPS, rel " + num(r.relRef, 2))
                                   .c_str()
                             : (r.status + " " + r.reason).c_str());
    rows.push_back(r);
    save();
  }
  buf.release();
  save();
}

void Tuner::rank(Ranked &g, const std::vector<Variant *> &live) const {
  for (Variant *v : live) {
    if (!v->disqualified.empty()) {
      g.out.push_back(v);
      continue;
    }
    double lg = 0;
    for (double t : v->tflops)
      lg += std::log(t);
    g.order.push_back({std::exp(lg / double(v->tflops.size())), v});
  }
  std::stable_sort(g.order.begin(), g.order.end(),
                   [](auto &a, auto &b) { return a.first > b.first; });
  printf("\n== D=%ld %s %s: %zu ranked, %zu disqualified, %d not built\n",
         long(g.d), g.dtype.c_str(), g.causal ? "causal" : "not causal",
         g.order.size(), g.out.size(), g.skipped);
  printf("%4s  %-40s %9s", "rank", "config", "geomean");
  for (int64_t s : opt.seqs)
    printf("  S=%-6ld", long(s));
  printf("\n");
  int rank = 0;
  for (auto &[gm, v] : g.order) {
    printf("%4d  %-40s %9.1f", ++rank, v->config.c_str(), gm);
    for (double t : v->tflops)
      printf("  %8.1f", t);
    printf("\n");
  }
  for (const Variant *v : g.out)
    printf("   -  %-40s disqualified: %s\n", v->config.c_str(),
           v->disqualified.c_str());
  fflush(stdout);
}

int Tuner::run(std::vector<Variant> &all) {
  std::string base = ".";
  size_t slash = opt.tune.rfind('/');
  if (slash != std::string::npos)
    base = opt.tune.substr(0, slash);
  std::map<GroupKey, std::vector<Variant *>> groups = selectGroups(all);
  if (groups.empty())
    die("no variant of %s matches --d/--causal/--filter", opt.tune.c_str());
  for (auto &[key, vars] : groups) {
    auto [d, isBf16, causal] = key;
    Ranked g{d, isBf16 ? "bf16" : "f16", bool(causal), {}, {}, 0};
    std::vector<Variant *> live = loadGroup(vars, base, g);
    fprintf(stderr, "== D=%ld %s causal=%d: %zu variants, %d not built\n",
            long(d), g.dtype.c_str(), causal, live.size(), g.skipped);
    for (int64_t s : opt.seqs)
      measureShape(s, g, live);
    rank(g, live);
    ranks.push_back(g);
    // The group's libraries are done with: unload their modules now, while
    // the driver lives.
    for (Variant *v : live)
      if (v->handle)
        dlclose(v->handle), v->handle = nullptr, v->fn = nullptr;
    save();
  }
  if (!opt.tuneOut.empty()) {
    writeTable(opt.tuneOut, ranks, devLine, opt, date);
    printf("\nwrote %s\n", opt.tuneOut.c_str());
  }
  int winners = 0;
  for (const Ranked &g : ranks)
    winners += !g.order.empty();
  printf("%d of %zu groups have a winner\n", winners, ranks.size());
  return winners == int(ranks.size()) ? 0 : 1;
}

} // namespace

int runTune(Options opt, const std::string &devLine) {
  std::vector<Variant> all = readManifest(opt.tune);
  if (opt.seqs.empty())
    opt.seqs = {1024, 4096, 16384};
  for (int64_t s : opt.seqs)
    if (s <= 0 || 16384 % s)
      die("--seq: %ld does not divide the 16k tokens of the FA sweep", long(s));
  return Tuner(opt, devLine).run(all);
}

} // namespace attnbench
