//===- Report.cpp - attn-bench: results and their files -------------------===//

#include "Report.h"

#include "Cuda.h"

#include <cstdio>
#include <map>

namespace attnbench {

std::string jsonEscape(const std::string &s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\')
      o += '\\', o += ch;
    else if (ch == '\n')
      o += "\\n";
    else if (static_cast<unsigned char>(ch) < 0x20)
      o += ' ';
    else
      o += ch;
  }
  return o;
}

std::string num(double x, int prec) {
  if (std::isnan(x))
    return "";
  char buf[64];
  snprintf(buf, sizeof buf, "%.*g", prec, x);
  return buf;
}

std::string csvField(const std::string &s) {
  if (s.find_first_of(",\"\n") == std::string::npos)
    return s;
  std::string o = "\"";
  for (char ch : s)
    o += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return o + "\"";
}

void writeCsv(const std::string &path, const std::vector<Result> &rs) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  fprintf(f, "sweep,case,dtype,d,causal,batch,hq,hkv,sq,sk,provider,status,"
             "ms_median,ms_min,ms_max,runs,sets,tflops,gbps,peak_mem_mib,"
             "rel_l2_vs_peer,rel_l2_vs_f64_rows,reason\n");
  for (const Result &r : rs) {
    const Case &c = r.c;
    fprintf(f,
            "%s,%s,%s,%ld,%d,%ld,%ld,%ld,%ld,%ld,%s,%s,%s,%s,%s,%d,%d,%s,"
            "%s,%s,%s,%s,%s\n",
            c.sweep.c_str(), c.name().c_str(), c.dtype.c_str(), c.d,
            int(c.causal), c.b, c.hq, c.hkv, c.sq, c.sk, r.provider.c_str(),
            r.status.c_str(), num(r.msMedian, 6).c_str(),
            num(r.msMin, 6).c_str(), num(r.msMax, 6).c_str(), r.runs, r.sets,
            num(r.tflops, 5).c_str(), num(r.gbps, 5).c_str(),
            num(r.peakMiB, 6).c_str(), num(r.relPeer, 3).c_str(),
            num(r.relRef, 3).c_str(), csvField(r.reason).c_str());
  }
  fclose(f);
}

void writeJson(const std::string &path, const std::vector<Result> &rs,
               const std::string &device) {
  FILE *f = fopen(path.c_str(), "w");
  if (!f)
    die("cannot write %s", path.c_str());
  auto jnum = [](double x, int p = 6) {
    return std::isnan(x) ? std::string("null") : num(x, p);
  };
  fprintf(f, "{\n  \"device\": \"%s\",\n  \"results\": [\n",
          jsonEscape(device).c_str());
  for (size_t i = 0; i < rs.size(); ++i) {
    const Result &r = rs[i];
    const Case &c = r.c;
    fprintf(f,
            "    {\"sweep\": \"%s\", \"case\": \"%s\", \"dtype\": \"%s\", "
            "\"d\": %ld, \"causal\": %s, \"batch\": %ld, \"hq\": %ld, "
            "\"hkv\": %ld, \"sq\": %ld, \"sk\": %ld, \"provider\": \"%s\", "
            "\"status\": \"%s\", \"ms_median\": %s, \"ms_min\": %s, "
            "\"ms_max\": %s, \"runs\": %d, \"sets\": %d, \"tflops\": %s, "
            "\"gbps\": %s, \"peak_mem_mib\": %s, \"rel_l2_vs_peer\": %s, "
            "\"rel_l2_vs_f64_rows\": %s, \"reason\": \"%s\"}%s\n",
            c.sweep.c_str(), c.name().c_str(), c.dtype.c_str(), c.d,
            c.causal ? "true" : "false", c.b, c.hq, c.hkv, c.sq, c.sk,
            r.provider.c_str(), r.status.c_str(), jnum(r.msMedian).c_str(),
            jnum(r.msMin).c_str(), jnum(r.msMax).c_str(), r.runs, r.sets,
            jnum(r.tflops).c_str(), jnum(r.gbps).c_str(),
            jnum(r.peakMiB).c_str(), jnum(r.relPeer, 3).c_str(),
            jnum(r.relRef, 3).c_str(), jsonEscape(r.reason).c_str(),
            i + 1 < rs.size() ? "," : "");
  }
  fprintf(f, "  ]\n}\n");
  fclose(f);
}

void printTable(const std::vector<Result> &rs) {
  // One row per case: attn vs unfused.
  std::map<std::string, std::pair<const Result *, const Result *>> byCase;
  std::vector<std::string> order;
  for (const Result &r : rs) {
    auto &e = byCase[r.c.name()];
    if (!e.first && !e.second)
      order.push_back(r.c.name());
    (r.provider == "attn" ? e.first : e.second) = &r;
  }
  auto cell = [](const Result *r, bool bw) -> std::string {
    if (!r)
      return "-";
    if (r->status != "ok" && r->status != "check-failed")
      return r->status;
    char buf[96];
    if (bw)
      snprintf(buf, sizeof buf, "%.4f ms %6.1f GB/s", r->msMedian, r->gbps);
    else
      snprintf(buf, sizeof buf, "%.4f ms %6.1f TF", r->msMedian, r->tflops);
    return buf + std::string(r->status == "ok" ? "" : " CHECK-FAILED");
  };
  printf("\n%-36s %-26s %-26s %7s %11s %9s\n", "case", "attn (ours)",
         "unfused (cuBLAS)", "speedup", "mem MiB a/u", "rel_l2");
  for (const std::string &n : order) {
    auto [a, u] = byCase[n];
    const Case &c = (a ? a : u)->c;
    bool bw = c.sweep == "decode";
    std::string sp = "-";
    if (a && u && a->status == "ok" && u->status == "ok")
      sp = num(u->msMedian / a->msMedian, 3) + "x";
    std::string mem =
        (a ? num(a->peakMiB, 6) : "-") + "/" + (u ? num(u->peakMiB, 6) : "-");
    std::string rel = a ? num(a->relPeer, 2) : "";
    printf("%-36s %-26s %-26s %7s %11s %9s\n", n.c_str(), cell(a, bw).c_str(),
           cell(u, bw).c_str(), sp.c_str(), mem.c_str(), rel.c_str());
  }
  std::map<std::string, int> reasons;
  for (const Result &r : rs)
    if (r.status != "ok" && !r.reason.empty())
      reasons[r.provider + " " + r.status + ": " + r.reason]++;
  for (auto &[k, n] : reasons)
    printf("  note (%d rows): %s\n", n, k.c_str());
}

} // namespace attnbench
