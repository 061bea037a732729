//===- Providers.cpp - attn-bench: attn's kernel and the baseline ---------===//

#include "Providers.h"

#include "attn/Runtime.h"

#include <algorithm>
#include <cmath>

namespace attnbench {

Desc4 desc(CUdeviceptr p, int64_t b, int64_t h, int64_t s, int64_t d) {
  Desc4 x{};
  x.allocated = x.aligned = reinterpret_cast<void *>(p);
  int64_t shape[4] = {b, h, s, d};
  for (int i = 0; i < 4; ++i)
    x.sizes[i] = shape[i];
  x.strides[3] = 1;
  for (int i = 2; i >= 0; --i)
    x.strides[i] = x.strides[i + 1] * shape[i + 1];
  return x;
}

bool makeSet(Set &x, size_t nQ, size_t nKV, bool withAttn, bool withBase,
             bool bf16, std::mt19937_64 &rng) {
  x.q = alloc(2 * nQ), x.k = alloc(2 * nKV), x.v = alloc(2 * nKV);
  x.oAttn = withAttn ? alloc(2 * nQ) : 0;
  x.oBase = withBase ? alloc(2 * nQ) : 0;
  if (!x.q || !x.k || !x.v || (withAttn && !x.oAttn) ||
      (withBase && !x.oBase)) {
    for (CUdeviceptr p : {x.q, x.k, x.v, x.oAttn, x.oBase})
      if (p)
        cu.cuMemFree(p);
    return false;
  }
  uint64_t seed = rng();
  fillUniform(x.q, nQ, seed, -2, 2, bf16);
  fillUniform(x.k, nKV, seed + 1, -2, 2, bf16);
  fillUniform(x.v, nKV, seed + 2, -2, 2, bf16);
  return true;
}

void Buffers::release() {
  for (Set &x : sets)
    for (CUdeviceptr p : {x.q, x.k, x.v, x.oAttn, x.oBase})
      if (p)
        cu.cuMemFree(p);
  if (s)
    cu.cuMemFree(s);
  sets.clear();
  s = 0;
}

// Returns "" or an error.
std::string runAttn(AttnFn fn, const Case &c, const Set &x) {
  Desc4 q = desc(x.q, c.b, c.hq, c.sq, c.d);
  Desc4 k = desc(x.k, c.b, c.hkv, c.sk, c.d);
  Desc4 v = desc(x.v, c.b, c.hkv, c.sk, c.d);
  Desc4 o = desc(x.oAttn, c.b, c.hq, c.sq, c.d);
  // target=cuda entry points take the result buffer last: `o` again, where
  // the kernel writes in place (the runtime skips the copy onto itself).
  fn(&q, &k, &v, &o, &o);
  if (attnGetStatus() != ATTN_STATUS_SUCCESS) {
    std::string e = attnGetLastError();
    attnClearError();
    return e;
  }
  // The result is the outs buffer (docs/runtime.md); an unwritten element
  // stays NaN (poisoned before the checked run) and fails the check.
  return "";
}

std::string runBaseline(const Case &c, const Set &x, CUdeviceptr s) {
  // GQA: query heads h = hk·G + g are contiguous, so Q [B, Hkv, G·Sq, D] and
  // S [B, Hkv, G·Sq, Sk] are plain batched GEMMs over B·Hkv.
  const int64_t g = c.hq / c.hkv, m = g * c.sq, batch = c.b * c.hkv;
  float one = 1.f, zero = 0.f;
  // Row-major S[m, sk] = Q[m, d]·K[sk, d]ᵀ is column-major Sᵀ = K·Qᵀ.
  cublasStatus_t st = blas.gemm(
      blas.handle, CUBLAS_OP_T, CUBLAS_OP_N, int(c.sk), int(m), int(c.d), &one,
      reinterpret_cast<void *>(x.k), CUDA_R_16F, int(c.d), c.sk * c.d,
      reinterpret_cast<void *>(x.q), CUDA_R_16F, int(c.d), m * c.d, &zero,
      reinterpret_cast<void *>(s), CUDA_R_16F, int(c.sk), m * c.sk, int(batch),
      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (st != CUBLAS_STATUS_SUCCESS)
    return "cublasGemmStridedBatchedEx (Q·Kᵀ) failed: status " +
           std::to_string(int(st));
  int sq = int(c.sq), sk = int(c.sk), causal = c.causal, offset = 0;
  float scaleLog2e = float(1.0 / std::sqrt(double(c.d)) * M_LOG2E);
  void *args[] = {&s, &sq, &sk, &scaleLog2e, &causal, &offset};
  uint64_t rows = uint64_t(c.b) * c.hq * c.sq;
  unsigned threads =
      unsigned(std::clamp<int64_t>((c.sk / 32 + 31) / 32 * 32, 64, 1024));
  CUresult r = cu.cuLaunchKernel(gpu.softmax, unsigned(rows), 1, 1, threads, 1,
                                 1, 0, gpu.stream, args, nullptr);
  if (r != CUDA_SUCCESS)
    return "cuLaunchKernel(attn_bench_softmax) failed: " + cuErr(r);
  // Row-major O[m, d] = P[m, sk]·V[sk, d] is column-major Oᵀ = Vᵀ·Pᵀ.
  st = blas.gemm(blas.handle, CUBLAS_OP_N, CUBLAS_OP_N, int(c.d), int(m),
                 int(c.sk), &one, reinterpret_cast<void *>(x.v), CUDA_R_16F,
                 int(c.d), c.sk * c.d, reinterpret_cast<void *>(s), CUDA_R_16F,
                 int(c.sk), m * c.sk, &zero, reinterpret_cast<void *>(x.oBase),
                 CUDA_R_16F, int(c.d), m * c.d, int(batch), CUBLAS_COMPUTE_32F,
                 CUBLAS_GEMM_DEFAULT);
  if (st != CUBLAS_STATUS_SUCCESS)
    return "cublasGemmStridedBatchedEx (P·V) failed: status " +
           std::to_string(int(st));
  return "";
}

Timing timeIt(int warmup, int runs, int nsets,
              const std::function<std::string(int)> &body, std::string &err) {
  CUevent a, b;
  CHECK_CU(cu.cuEventCreate(&a, CU_EVENT_DEFAULT));
  CHECK_CU(cu.cuEventCreate(&b, CU_EVENT_DEFAULT));
  std::vector<float> ms;
  for (int r = 0; r < warmup + runs && err.empty(); ++r) {
    CHECK_CU(cu.cuEventRecord(a, gpu.stream));
    err = body(r % nsets);
    CHECK_CU(cu.cuEventRecord(b, gpu.stream));
    CHECK_CU(cu.cuEventSynchronize(b));
    float t = 0;
    CHECK_CU(cu.cuEventElapsedTime(&t, a, b));
    if (r >= warmup)
      ms.push_back(t);
  }
  if (ms.empty())
    return {NAN, NAN, NAN};
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  double med = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  return {med, ms.front(), ms.back()};
}

} // namespace attnbench
