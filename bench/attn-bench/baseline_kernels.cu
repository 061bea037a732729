// Device kernels of attn-bench's unfused baseline (and its input fill), built
// with nvcc into a fatbin (sm_90a + sm_80) that attn-bench loads with
// cuModuleLoadData. Not our kernel: the baseline is cuBLAS S = Q·Kᵀ ->
// attn_bench_softmax (scale, causal mask, softmax, in place on f16 S) ->
// cuBLAS O = P·V.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

// Uniform values in [lo, hi) from a counter hash (splitmix64): the same seed
// gives the same tensor on every device and run.
__device__ __forceinline__ float uniformAt(uint64_t i, uint64_t seed, float lo,
                                           float hi) {
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  float u = (float)(z >> 40) * (1.0f / 16777216.0f); // [0, 1)
  return lo + (hi - lo) * u;
}

extern "C" __global__ void attn_bench_fill_uniform(__half *p, uint64_t n,
                                                   uint64_t seed, float lo,
                                                   float hi) {
  for (uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n;
       i += (uint64_t)gridDim.x * blockDim.x)
    p[i] = __float2half_rn(uniformAt(i, seed, lo, hi));
}

// The same values rounded to bf16 (the bf16 FA rows and tune variants).
extern "C" __global__ void attn_bench_fill_uniform_bf16(__nv_bfloat16 *p,
                                                        uint64_t n,
                                                        uint64_t seed, float lo,
                                                        float hi) {
  for (uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n;
       i += (uint64_t)gridDim.x * blockDim.x)
    p[i] = __float2bfloat16_rn(uniformAt(i, seed, lo, hi));
}

__device__ __forceinline__ void combine(float &m, float &l, float m2,
                                        float l2) {
  float mx = fmaxf(m, m2);
  if (mx == -INFINITY)
    return; // both empty
  l = l * exp2f(m - mx) + l2 * exp2f(m2 - mx);
  m = mx;
}

// One block per row of S [rows, sk] (f16, row-major); row r is query
// position r % sq. P = softmax(scale * S) with keys j > i + offset masked
// (causal != 0), written over S. Fully masked rows give 0. Accumulates in
// f32 in the exp2 domain (scale_log2e = scale * log2(e)).
extern "C" __global__ void __launch_bounds__(1024)
    attn_bench_softmax(__half *S, int sq, int sk, float scale_log2e,
                       int causal, int offset) {
  const uint64_t r = blockIdx.x + (uint64_t)blockIdx.y * gridDim.x;
  __half *row = S + r * (uint64_t)sk;
  const int i = (int)(r % (uint64_t)sq);
  const int limit = causal ? min(sk, max(0, i + offset + 1)) : sk;
  const bool vec = (sk % 8) == 0;
  float m = -INFINITY, l = 0.f;
  if (vec) {
    const uint4 *row8 = reinterpret_cast<const uint4 *>(row);
    for (int c = threadIdx.x; c * 8 < limit; c += blockDim.x) {
      uint4 u = row8[c];
      const __half *h = reinterpret_cast<const __half *>(&u);
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        if (c * 8 + e >= limit)
          break;
        float x = __half2float(h[e]) * scale_log2e;
        if (x > m) {
          l = l * exp2f(m - x) + 1.f;
          m = x;
        } else {
          l += exp2f(x - m);
        }
      }
    }
  } else {
    for (int j = threadIdx.x; j < limit; j += blockDim.x) {
      float x = __half2float(row[j]) * scale_log2e;
      if (x > m) {
        l = l * exp2f(m - x) + 1.f;
        m = x;
      } else {
        l += exp2f(x - m);
      }
    }
  }
  // Block reduction of (m, l).
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    float m2 = __shfl_xor_sync(0xffffffffu, m, o);
    float l2 = __shfl_xor_sync(0xffffffffu, l, o);
    combine(m, l, m2, l2);
  }
  __shared__ float sm[32], sl[32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int nwarps = (blockDim.x + 31) / 32;
  if (lane == 0) {
    sm[warp] = m;
    sl[warp] = l;
  }
  __syncthreads();
  if (warp == 0) {
    m = lane < nwarps ? sm[lane] : -INFINITY;
    l = lane < nwarps ? sl[lane] : 0.f;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      float m2 = __shfl_xor_sync(0xffffffffu, m, o);
      float l2 = __shfl_xor_sync(0xffffffffu, l, o);
      combine(m, l, m2, l2);
    }
    if (lane == 0) {
      sm[0] = m;
      sl[0] = l;
    }
  }
  __syncthreads();
  const float M = sm[0];
  const bool empty = M == -INFINITY || sl[0] == 0.f; // fully masked row
  const float inv = empty ? 0.f : 1.f / sl[0];
  if (vec) {
    uint4 *row8 = reinterpret_cast<uint4 *>(row);
    for (int c = threadIdx.x; c * 8 < sk; c += blockDim.x) {
      uint4 u = row8[c];
      __half *h = reinterpret_cast<__half *>(&u);
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        float x = __half2float(h[e]) * scale_log2e;
        h[e] = __float2half_rn(c * 8 + e < limit && !empty
                                   ? exp2f(x - M) * inv
                                   : 0.f);
      }
      row8[c] = u;
    }
  } else {
    for (int j = threadIdx.x; j < sk; j += blockDim.x) {
      float x = __half2float(row[j]) * scale_log2e;
      row[j] = __float2half_rn(j < limit && !empty ? exp2f(x - M) * inv : 0.f);
    }
  }
}
