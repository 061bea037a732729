//===- Check.cpp - attn-bench: checking outputs ---------------------------===//

#include "Check.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace attnbench {

double toDouble(Bits h, bool bf16) {
  if (bf16) {
    uint32_t u = uint32_t(h) << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
  }
  _Float16 x;
  memcpy(&x, &h, sizeof x);
  return double(x);
}

std::vector<Bits> download(CUdeviceptr p, size_t n) {
  std::vector<Bits> h(n);
  CHECK_CU(cu.cuMemcpyDtoH(h.data(), p, n * sizeof(Bits)));
  return h;
}

int64_t countNaN(const std::vector<Bits> &v, bool bf16) {
  int64_t n = 0;
  for (Bits h : v)
    n += std::isnan(toDouble(h, bf16));
  return n;
}

Cmp compare(const std::vector<Bits> &got, const std::vector<Bits> &ref,
            bool bf16) {
  double e = 0, r = 0;
  Cmp c;
  c.nans = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double g = toDouble(got[i], bf16), x = toDouble(ref[i], bf16);
    if (std::isnan(g) || std::isnan(x)) {
      ++c.nans;
      continue;
    }
    e += (g - x) * (g - x);
    r += x * x;
  }
  c.rel = std::sqrt(e / std::max(r, 1e-300));
  return c;
}

RefRows refRows(const Case &c, const Set &x, int nRows, std::mt19937_64 &rng) {
  RefRows out;
  const bool bf16 = c.dtype == "bf16";
  const int64_t total = c.b * c.hq * c.sq, g = c.hq / c.hkv;
  const double scale = 1.0 / std::sqrt(double(c.d));
  std::vector<double> p(c.sk);
  for (int n = 0; n < nRows; ++n) {
    int64_t flat = n == 0 ? total - 1 : int64_t(rng() % uint64_t(total));
    int64_t i = flat % c.sq, h = (flat / c.sq) % c.hq, b = flat / c.sq / c.hq;
    int64_t hk = h / g;
    size_t qOff = size_t(((b * c.hq + h) * c.sq + i) * c.d);
    size_t kvOff = size_t((b * c.hkv + hk) * c.sk * c.d);
    auto q = std::vector<Bits>(c.d), k = std::vector<Bits>(c.sk * c.d), v = k;
    CHECK_CU(cu.cuMemcpyDtoH(q.data(), x.q + 2 * qOff, 2 * c.d));
    CHECK_CU(cu.cuMemcpyDtoH(k.data(), x.k + 2 * kvOff, 2 * c.sk * c.d));
    CHECK_CU(cu.cuMemcpyDtoH(v.data(), x.v + 2 * kvOff, 2 * c.sk * c.d));
    int64_t limit = c.causal ? std::min<int64_t>(c.sk, i + 1) : c.sk;
    double mx = -INFINITY;
    for (int64_t j = 0; j < limit; ++j) {
      double s = 0;
      for (int64_t e = 0; e < c.d; ++e)
        s += toDouble(q[e], bf16) * toDouble(k[j * c.d + e], bf16);
      p[j] = s * scale;
      mx = std::max(mx, p[j]);
    }
    double sum = 0;
    for (int64_t j = 0; j < limit; ++j)
      sum += (p[j] = std::exp(p[j] - mx));
    out.rows.push_back(flat);
    for (int64_t e = 0; e < c.d; ++e) {
      double ref = 0;
      for (int64_t j = 0; j < limit; ++j)
        ref += p[j] * toDouble(v[j * c.d + e], bf16);
      ref /= sum;
      out.norm2 += ref * ref;
      out.values.push_back(ref);
    }
  }
  return out;
}

// Rel. L2 error of output `o` ([B, Hq, Sq, D]) on the reference rows; NaN
// counts as an infinite error.
double relVsRef(const Case &c, CUdeviceptr o, const RefRows &ref) {
  const bool bf16 = c.dtype == "bf16";
  double e2 = 0;
  std::vector<Bits> row(c.d);
  for (size_t n = 0; n < ref.rows.size(); ++n) {
    CHECK_CU(cu.cuMemcpyDtoH(row.data(), o + 2 * size_t(ref.rows[n] * c.d),
                             2 * c.d));
    for (int64_t e = 0; e < c.d; ++e) {
      double a = toDouble(row[e], bf16), r = ref.values[n * c.d + e];
      e2 += std::isnan(a) ? INFINITY : (a - r) * (a - r);
    }
  }
  return std::sqrt(e2 / std::max(ref.norm2, 1e-300));
}

} // namespace attnbench
