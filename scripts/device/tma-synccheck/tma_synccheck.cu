//===- tma_synccheck.cu - Which TMA/mbarrier form breaks under synccheck? -===//
//
// Issue 17: the sm_90a attention kernel computes all-NaN output under
// `compute-sanitizer --tool synccheck` (and only there). This program loads
// f16 tiles with TMA into shared memory, completing on an mbarrier, in a
// number of variants that each add one property of our kernel to a plain
// baseline (or, for `ours*`, all of them), and checks what the threads read
// back against the source. Run every variant with and without the tool
// (run.sh): the first property whose variant fails only under the tool is
// the suspect.
//
// Per CTA and iteration, a 64 x 128 f16 tile is loaded as two 64 x 64 boxes
// with a 128-byte swizzle (as our kernel loads a D = 128 tile); the second
// iteration reuses the buffer (full barrier phase 1, after the consumers
// released it on an "empty" barrier). The consumers copy the tile out,
// undoing the swizzle, and with `wgmma` also compute its Gram matrix
// T * T^T (64 x 64, f32) on the tensor cores from the swizzled tile.
//
//   tma_synccheck [variant...]   (no argument: all; `--list`: names only)
//
// One line per variant: `RESULT <variant> PASS|FAIL copy: ... gram: ...`
// with the largest error against the host reference, the NaN count and the
// count of elements the kernel left unwritten (still the sentinel), plus
// the number of mbarrier waits that gave up (bounded waits only).
//
//===----------------------------------------------------------------------===//

#include <cuda.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr int kCols = 128;    // one tile row: two boxes of 64 f16
constexpr int kBoxCols = 64;  // 128 bytes: one 128B-swizzle row
constexpr int kTileRows = 64; // box rows
constexpr int kIters = 2;     // tiles per CTA, through one buffer
constexpr int kCtas = 2;
constexpr int kRows = kCtas * kIters * kTileRows;
constexpr int kBoxBytes = kTileRows * kBoxCols * 2;
constexpr int kTileBytes = 2 * kBoxBytes;
constexpr int kGramElems = kTileRows * kTileRows;
constexpr int kMaxConsumerGroups = 2;
constexpr int kBigSmemBytes = 230400;
constexpr uint64_t kWaitLimitNs = 2000000000;   // bounded waits give up
constexpr uint16_t kHalfSentinel = 0x7e5a;      // a NaN no correct run writes
constexpr uint32_t kFloatSentinel = 0x7fc0dead; // likewise

/// Kernel properties, each off in the baseline.
enum Flag : unsigned {
  /// fence.proxy.tensormap::generic.acquire.gpu on the map before first use.
  kFenceAcquire = 1u << 0,
  /// prefetch.tensormap before first use.
  kPrefetch = 1u << 1,
  /// Our wait: a PTX loop around try_wait.parity with a suspend-time hint
  /// (10 ms), unbounded. Otherwise a bounded C++ loop without a hint.
  kSuspendHint = 1u << 2,
  /// fence.mbarrier_init.release.cluster after mbarrier.init (ours) instead
  /// of fence.proxy.async.shared::cta (the CUDA programming guide's).
  kInitFenceCluster = 1u << 3,
  /// Two consumer warpgroups and a producer warpgroup whose thread 256 alone
  /// issues the loads (ours). Otherwise one warpgroup; thread 0 issues them.
  kWarpSpecialized = 1u << 4,
  /// With kWarpSpecialized: setmaxnreg.dec 24 / setmaxnreg.inc 240.
  kSetMaxNReg = 1u << 5,
  /// With kWarpSpecialized: FA3's ping-pong named barriers (bar.sync /
  /// bar.arrive 1 + w, 256) around each consumer warpgroup's wgmma.
  kPingpong = 1u << 6,
  /// Consumers also compute T * T^T with wgmma from the swizzled tile.
  kWgmma = 1u << 7,
  /// A rank-4 map [1, kCtas, kIters * 64, 128] (ours: [B, H, S, D]) instead
  /// of the rank-2 [kRows, 128], over the same memory.
  kRank4 = 1u << 8,
  /// 230400 bytes of dynamic shared memory, as ours asks for (all but the
  /// static part of the 227 KiB limit), the tile in its last kilobytes.
  kBigSmem = 1u << 9,
};

constexpr unsigned kOurs = kSuspendHint | kInitFenceCluster | kWarpSpecialized |
                           kSetMaxNReg | kPingpong | kWgmma | kRank4 | kBigSmem;

/// Where the kernel reads the tensor map from.
enum class MapPlace {
  Param,       // const __grid_constant__ CUtensorMap kernel parameter
  GlobalSync,  // global memory, uploaded with cudaMemcpy (synchronous)
  GlobalAsync, // global memory, cudaMemcpyAsync from pinned memory on the
               // launch stream right before the launch (our runtime)
};

struct Variant {
  const char *name;
  MapPlace place;
  unsigned flags;
  const char *what;
};

const Variant kVariants[] = {
    {"param", MapPlace::Param, 0, "map as __grid_constant__ parameter"},
    {"global-sync", MapPlace::GlobalSync, 0,
     "map in global memory, cudaMemcpy"},
    {"global-async", MapPlace::GlobalAsync, 0,
     "map in global memory, async copy from pinned memory (our runtime)"},
    {"global-fence", MapPlace::GlobalSync, kFenceAcquire,
     "global-sync + fence.proxy.tensormap::generic.acquire.gpu"},
    {"global-prefetch", MapPlace::GlobalSync, kPrefetch,
     "global-sync + prefetch.tensormap"},
    {"hint", MapPlace::GlobalSync, kSuspendHint,
     "global-sync + our try_wait loop with suspend-time hint"},
    {"init-fence", MapPlace::GlobalSync, kInitFenceCluster,
     "global-sync + fence.mbarrier_init.release.cluster"},
    {"ws", MapPlace::GlobalSync, kWarpSpecialized,
     "global-sync + producer warpgroup (thread 256 issues)"},
    {"ws-setmaxnreg", MapPlace::GlobalSync, kWarpSpecialized | kSetMaxNReg,
     "ws + setmaxnreg 24/240"},
    {"ws-pingpong", MapPlace::GlobalSync, kWarpSpecialized | kWgmma | kPingpong,
     "ws + wgmma + ping-pong named barriers"},
    {"wgmma", MapPlace::GlobalSync, kWgmma, "global-sync + wgmma on the tile"},
    {"rank4", MapPlace::GlobalSync, kRank4, "global-sync + rank-4 map"},
    {"big-smem", MapPlace::GlobalSync, kBigSmem,
     "global-sync + 230400 bytes of dynamic shared memory"},
    {"ours", MapPlace::GlobalAsync, kOurs, "every property of our kernel"},
    {"ours-sync", MapPlace::GlobalSync, kOurs,
     "ours, map copied with cudaMemcpy"},
    {"ours-fence", MapPlace::GlobalAsync, kOurs | kFenceAcquire,
     "ours + fence.proxy.tensormap acquire"},
    {"ours-param", MapPlace::Param, kOurs,
     "ours, map as __grid_constant__ parameter (CUTLASS)"},
};

/// What the kernel writes.
struct Outputs {
  __half *copy;       // [kRows][kCols]
  float *gram;        // [kCtas * kIters][kMaxConsumerGroups][64][64]
  unsigned *timeouts; // waits that gave up
};

//===----------------------------------------------------------------------===//
// Device side
//===----------------------------------------------------------------------===//

// wgmma and setmaxnreg exist in sm_90a code only. Plain `nvcc -arch=sm_90a`
// also builds compute_90 PTX, which a Hopper GPU never runs (it takes the
// sm_90a cubin); there they trap.
#if defined(__CUDA_ARCH__) && !defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define SM90A_ASM(...) __trap()
#else
#define SM90A_ASM(...) asm volatile(__VA_ARGS__)
#endif

__device__ __forceinline__ uint32_t smemAddr(const void *p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ void mbarrierInit(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared.b64 [%0], %1;" ::"r"(bar), "r"(count)
               : "memory");
}

__device__ __forceinline__ void mbarrierArrive(uint32_t bar) {
  asm volatile("{\n\t.reg .b64 state;\n\t"
               "mbarrier.arrive.shared.b64 state, [%0];\n\t}" ::"r"(bar)
               : "memory");
}

__device__ __forceinline__ void mbarrierExpectTx(uint32_t bar, uint32_t bytes) {
  asm volatile(
      "{\n\t.reg .b64 state;\n\t"
      "mbarrier.arrive.expect_tx.shared.b64 state, [%0], %1;\n\t}" ::"r"(bar),
      "r"(bytes)
      : "memory");
}

__device__ __forceinline__ uint64_t globalTimer() {
  uint64_t ns;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(ns));
  return ns;
}

/// Waits for completion `parity` of `bar`.
template <unsigned F>
__device__ __forceinline__ void mbarrierWait(uint32_t bar, uint32_t parity,
                                             unsigned *timeouts) {
  if constexpr (F & kSuspendHint) {
    // What NVVM's mbarrier.try_wait.parity lowering emits for our kernel.
    asm volatile("{\n\t.reg .pred P1;\n\t"
                 "LAB_WAIT:\n\t"
                 "mbarrier.try_wait.parity.shared.b64 P1, [%0], %1, %2;\n\t"
                 "@P1 bra.uni DONE;\n\t"
                 "bra.uni LAB_WAIT;\n\t"
                 "DONE:\n\t}" ::"r"(bar),
                 "r"(parity), "r"(10000000)
                 : "memory");
  } else {
    // Bounded (2 s), so that a load that never completes shows as a count
    // instead of a hang.
    for (uint64_t start = globalTimer();
         globalTimer() - start < kWaitLimitNs;) {
      uint32_t done;
      asm volatile("{\n\t.reg .pred p;\n\t"
                   "mbarrier.try_wait.parity.shared.b64 p, [%1], %2;\n\t"
                   "selp.u32 %0, 1, 0, p;\n\t}"
                   : "=r"(done)
                   : "r"(bar), "r"(parity)
                   : "memory");
      if (done)
        return;
    }
    atomicAdd(timeouts, 1u);
  }
}

/// Issues the two box loads of tile `iter` of this CTA into `tile`.
template <unsigned F>
__device__ void issueTile(const CUtensorMap *map, uint32_t tile, uint32_t full,
                          int iter) {
  mbarrierExpectTx(full, kTileBytes);
  auto mapAddr = reinterpret_cast<uint64_t>(map);
  for (int box = 0; box < 2; ++box) {
    uint32_t dst = tile + box * kBoxBytes;
    int col = box * kBoxCols;
    if constexpr (F & kRank4) {
      asm volatile("cp.async.bulk.tensor.4d.shared::cluster.global.tile"
                   ".mbarrier::complete_tx::bytes"
                   " [%0], [%1, {%2, %3, %4, %5}], [%6];" ::"r"(dst),
                   "l"(mapAddr), "r"(col), "r"(iter * kTileRows),
                   "r"(static_cast<int>(blockIdx.x)), "r"(0), "r"(full)
                   : "memory");
    } else {
      int row = (blockIdx.x * kIters + iter) * kTileRows;
      asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile"
                   ".mbarrier::complete_tx::bytes"
                   " [%0], [%1, {%2, %3}], [%4];" ::"r"(dst),
                   "l"(mapAddr), "r"(col), "r"(row), "r"(full)
                   : "memory");
    }
  }
}

/// What the issuing thread does once, before its first load.
template <unsigned F> __device__ void prepareMap(const CUtensorMap *map) {
  auto mapAddr = reinterpret_cast<uint64_t>(map);
  if constexpr (F & kFenceAcquire)
    asm volatile(
        "fence.proxy.tensormap::generic.acquire.gpu [%0], 128;" ::"l"(mapAddr)
        : "memory");
  if constexpr (F & kPrefetch)
    asm volatile("prefetch.tensormap [%0];" ::"l"(mapAddr) : "memory");
}

/// A wgmma shared-memory descriptor of a K-major, 128B-swizzled operand at
/// `addr`: 8-row core-matrix groups 1024 bytes apart.
__device__ __forceinline__ uint64_t wgmmaDesc(uint32_t addr) {
  return ((addr & 0x3ffffu) >> 4) | (uint64_t(1) << 16) |
         (uint64_t(1024 >> 4) << 32) | (uint64_t(1) << 62);
}

/// d (+)= A * B^T over one k16 slice, m64n64k16, f16 in, f32 accumulate.
__device__ __forceinline__ void wgmma64x64(float (&d)[32], uint64_t a,
                                           uint64_t b, int accumulate) {
  SM90A_ASM(
      "{\n\t.reg .pred acc;\n\t"
      "setp.ne.b32 acc, %34, 0;\n\t"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 "
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, "
      "%15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, "
      "%29, %30, %31}, %32, %33, acc, 1, 1, 0, 0;\n\t}" : "+f"(d[0]),
      "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
      "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]),
      "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]),
      "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]),
      "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]),
      "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]) : "l"(a), "l"(b),
      "r"(accumulate) : "memory");
}

/// This warpgroup's T * T^T of the 64 x 128 tile at `tile`, into `out`.
template <unsigned F>
__device__ void gram(uint32_t tile, int group, float *out) {
  // Ping-pong: warpgroup w waits on named barrier 1 + w, then lets the
  // other one go; each barrier counts both warpgroups.
  if constexpr (F & kPingpong)
    asm volatile("bar.sync %0, 256;" ::"r"(group + 1) : "memory");
  float d[32];
  for (float &x : d)
    x = 0.0f;
  SM90A_ASM("wgmma.fence.sync.aligned;" :: : "memory");
#pragma unroll
  for (int k = 0; k < kCols / 16; ++k) {
    // K slice k: box k / 4, 32 bytes per slice within a 128-byte row.
    uint64_t desc = wgmmaDesc(tile + (k / 4) * kBoxBytes + (k % 4) * 32);
    wgmma64x64(d, desc, desc, k);
  }
  SM90A_ASM("wgmma.commit_group.sync.aligned;" :: : "memory");
  if constexpr (F & kPingpong)
    asm volatile("bar.arrive %0, 256;" ::"r"((group + 1) % 2 + 1) : "memory");
  SM90A_ASM("wgmma.wait_group.sync.aligned 0;" :: : "memory");
  // The m64nN f32 accumulator layout: warp w holds rows 16w..16w+15.
  int lane = threadIdx.x % 32, warp = (threadIdx.x / 32) % 4;
#pragma unroll
  for (int j = 0; j < 32; ++j) {
    int row = 16 * warp + lane / 4 + 8 * ((j / 2) % 2);
    int col = 8 * (j / 4) + 2 * (lane % 4) + j % 2;
    out[row * kTileRows + col] = d[j];
  }
}

/// Copies the swizzled tile at `tilePtr` to rows `row0`.. of `copy`.
__device__ void copyTile(const unsigned char *tilePtr, int consumer,
                         int consumers, int row0, __half *copy) {
  for (int e = consumer; e < kTileRows * kCols; e += consumers) {
    int r = e / kCols, c = e % kCols, x = c % kBoxCols;
    // 128B swizzle: 16-byte chunk x / 8 of row r sits at chunk x / 8 ^ r % 8.
    int byte = (c / kBoxCols) * kBoxBytes + r * 128 +
               (((x / 8) ^ (r % 8)) * 16) + (x % 8) * 2;
    copy[(row0 + r) * kCols + c] =
        *reinterpret_cast<const __half *>(tilePtr + byte);
  }
}

template <unsigned F>
__device__ void body(const CUtensorMap *map, const Outputs &out) {
  constexpr bool ws = F & kWarpSpecialized;
  constexpr int consumers = ws ? 256 : 128;
  __shared__ alignas(8) uint64_t bars[2]; // full, empty
  extern __shared__ unsigned char dyn[];
  // The tile starts at a 1 KiB swizzle atom, found at run time (as ours).
  uint32_t base = smemAddr(dyn), tile = (base + 1023) & ~1023u;
  if constexpr (F & kBigSmem)
    tile += (kBigSmemBytes - 1024 - kTileBytes) & ~1023;
  const unsigned char *tilePtr = dyn + (tile - base);
  uint32_t full = smemAddr(&bars[0]), empty = smemAddr(&bars[1]);
  int tid = threadIdx.x;
  if (tid == 0) {
    mbarrierInit(full, 1);
    mbarrierInit(empty, consumers);
    if constexpr (F & kInitFenceCluster)
      asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    else
      asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  }
  __syncthreads();

  if constexpr (ws) {
    if (tid >= consumers) {
      if constexpr (F & kSetMaxNReg)
        SM90A_ASM("setmaxnreg.dec.sync.aligned.u32 24;" :: : "memory");
      if (tid != consumers)
        return;
      prepareMap<F>(map);
      for (int i = 0; i < kIters; ++i) {
        if (i > 0)
          mbarrierWait<F>(empty, (i - 1) & 1, out.timeouts);
        issueTile<F>(map, tile, full, i);
      }
      return;
    }
    if constexpr (F & kSetMaxNReg)
      SM90A_ASM("setmaxnreg.inc.sync.aligned.u32 240;" :: : "memory");
    if constexpr (F & kPingpong)
      if (tid < 128) // warpgroup 0 goes first
        asm volatile("bar.arrive 1, 256;" ::: "memory");
  }

  int group = tid / 128;
  for (int i = 0; i < kIters; ++i) {
    if (!ws && tid == 0) {
      if (i == 0)
        prepareMap<F>(map);
      else
        mbarrierWait<F>(empty, (i - 1) & 1, out.timeouts);
      issueTile<F>(map, tile, full, i);
    }
    mbarrierWait<F>(full, i & 1, out.timeouts);
    int tileIdx = blockIdx.x * kIters + i;
    copyTile(tilePtr, tid, consumers, tileIdx * kTileRows, out.copy);
    if constexpr (F & kWgmma)
      gram<F>(tile, group,
              out.gram + (tileIdx * kMaxConsumerGroups + group) * kGramElems);
    mbarrierArrive(empty);
  }
}

template <unsigned F>
__global__ void __launch_bounds__(384, 1)
    paramKernel(const __grid_constant__ CUtensorMap map, Outputs out) {
  body<F>(&map, out);
}

template <unsigned F>
__global__ void __launch_bounds__(384, 1)
    globalKernel(const CUtensorMap *map, Outputs out) {
  body<F>(map, out);
}

//===----------------------------------------------------------------------===//
// Host side
//===----------------------------------------------------------------------===//

#define CHECK(call)                                                            \
  do {                                                                         \
    cudaError_t err_ = (call);                                                 \
    if (err_ != cudaSuccess) {                                                 \
      std::snprintf(error, sizeof(error), "%s: %s", #call,                     \
                    cudaGetErrorName(err_));                                   \
      return false;                                                            \
    }                                                                          \
  } while (0)

char error[256];

/// Source values: multiples of 1/8 in [-1, 1], so that every product and
/// sum of the Gram matrix is exact in f32.
float sourceValue(int row, int col) {
  return static_cast<float>((row * 37 + col * 11) % 17 - 8) / 8.0f;
}

bool encodeMap(CUtensorMap &map, void *src, bool rank4) {
  cuuint64_t dims2[] = {kCols, kRows};
  cuuint64_t strides2[] = {kCols * 2};
  cuuint32_t box2[] = {kBoxCols, kTileRows};
  cuuint64_t dims4[] = {kCols, kIters * kTileRows, kCtas, 1};
  cuuint64_t strides4[] = {kCols * 2, kIters * kTileRows * kCols * 2,
                           kRows * kCols * 2};
  cuuint32_t box4[] = {kBoxCols, kTileRows, 1, 1};
  cuuint32_t elementStrides[] = {1, 1, 1, 1};
  // The arguments our runtime passes (f16, no interleave, 128B swizzle,
  // 128B L2 promotion, zero fill).
  CUresult res = cuTensorMapEncodeTiled(
      &map, CU_TENSOR_MAP_DATA_TYPE_FLOAT16, rank4 ? 4 : 2, src,
      rank4 ? dims4 : dims2, rank4 ? strides4 : strides2, rank4 ? box4 : box2,
      elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
      CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (res != CUDA_SUCCESS) {
    const char *name = "?";
    cuGetErrorName(res, &name);
    std::snprintf(error, sizeof(error), "cuTensorMapEncodeTiled: %s", name);
    return false;
  }
  return true;
}

template <unsigned F>
bool launch(MapPlace place, const CUtensorMap &map, Outputs out,
            cudaStream_t stream) {
  constexpr int threads = (F & kWarpSpecialized) ? 384 : 128;
  constexpr int smem = (F & kBigSmem) ? kBigSmemBytes : kTileBytes + 1024;
  if (place == MapPlace::Param) {
    if (F & kBigSmem)
      CHECK(cudaFuncSetAttribute(
          paramKernel<F>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    paramKernel<F><<<kCtas, threads, smem, stream>>>(map, out);
    CHECK(cudaGetLastError());
    return true;
  }
  CUtensorMap *device = nullptr, *pinned = nullptr;
  CHECK(cudaMalloc(&device, sizeof(CUtensorMap)));
  if (place == MapPlace::GlobalSync) {
    CHECK(cudaMemcpy(device, &map, sizeof(map), cudaMemcpyHostToDevice));
  } else {
    CHECK(cudaHostAlloc(&pinned, sizeof(CUtensorMap), cudaHostAllocDefault));
    std::memcpy(pinned, &map, sizeof(map));
    CHECK(cudaMemcpyAsync(device, pinned, sizeof(map), cudaMemcpyHostToDevice,
                          stream));
  }
  if (F & kBigSmem)
    CHECK(cudaFuncSetAttribute(
        globalKernel<F>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  globalKernel<F><<<kCtas, threads, smem, stream>>>(device, out);
  CHECK(cudaGetLastError());
  CHECK(cudaStreamSynchronize(stream));
  CHECK(cudaFree(device));
  if (pinned)
    CHECK(cudaFreeHost(pinned));
  return true;
}

/// Launches the kernel instance of `flags` (one per listed variant).
bool dispatch(unsigned flags, MapPlace place, const CUtensorMap &map,
              Outputs out, cudaStream_t stream) {
  switch (flags) {
#define FLAGS(f)                                                               \
  case (f):                                                                    \
    return launch<(f)>(place, map, out, stream);
    FLAGS(0)
    FLAGS(kFenceAcquire)
    FLAGS(kPrefetch)
    FLAGS(kSuspendHint)
    FLAGS(kInitFenceCluster)
    FLAGS(kWarpSpecialized)
    FLAGS(kWarpSpecialized | kSetMaxNReg)
    FLAGS(kWarpSpecialized | kWgmma | kPingpong)
    FLAGS(kWgmma)
    FLAGS(kRank4)
    FLAGS(kBigSmem)
    FLAGS(kOurs)
    FLAGS(kOurs | kFenceAcquire)
#undef FLAGS
  }
  std::snprintf(error, sizeof(error), "no kernel instance for flags %#x",
                flags);
  return false;
}

struct Stats {
  double maxError = 0;
  long nan = 0, unwritten = 0;
  /// The copy must be exact; the Gram sums are exact in f32 too, but the
  /// tolerance leaves the tensor cores' accumulation order alone.
  bool ok(double tolerance) const {
    return maxError <= tolerance && nan == 0 && unwritten == 0;
  }
};

/// Compares what the kernel wrote with the host reference.
void check(const Variant &v, const std::vector<__half> &copy,
           const std::vector<float> &gram, Stats &copyStats, Stats &gramStats) {
  for (int r = 0; r < kRows; ++r)
    for (int c = 0; c < kCols; ++c) {
      __half h = copy[r * kCols + c];
      uint16_t bits;
      std::memcpy(&bits, &h, 2);
      float x = __half2float(h);
      if (bits == kHalfSentinel)
        ++copyStats.unwritten;
      else if (std::isnan(x))
        ++copyStats.nan;
      else
        copyStats.maxError =
            std::fmax(copyStats.maxError, std::fabs(x - sourceValue(r, c)));
    }
  if (!(v.flags & kWgmma))
    return;
  int groups = (v.flags & kWarpSpecialized) ? 2 : 1;
  for (int t = 0; t < kCtas * kIters; ++t)
    for (int g = 0; g < groups; ++g)
      for (int i = 0; i < kTileRows; ++i)
        for (int j = 0; j < kTileRows; ++j) {
          float x =
              gram[((t * kMaxConsumerGroups + g) * kTileRows + i) * kTileRows +
                   j];
          uint32_t bits;
          std::memcpy(&bits, &x, 4);
          double ref = 0;
          for (int k = 0; k < kCols; ++k)
            ref += double(sourceValue(t * kTileRows + i, k)) *
                   sourceValue(t * kTileRows + j, k);
          if (bits == kFloatSentinel)
            ++gramStats.unwritten;
          else if (std::isnan(x))
            ++gramStats.nan;
          else
            gramStats.maxError =
                std::fmax(gramStats.maxError, std::fabs(x - ref));
        }
}

/// Runs one variant on fresh buffers; false on a CUDA error (in `error`).
bool runVariant(const Variant &v, bool &pass, unsigned &timeouts,
                Stats &copyStats, Stats &gramStats) {
  std::vector<__half> src(kRows * kCols);
  for (int r = 0; r < kRows; ++r)
    for (int c = 0; c < kCols; ++c)
      src[r * kCols + c] = __float2half(sourceValue(r, c));
  std::vector<__half> copy(kRows * kCols);
  std::vector<float> gram(kCtas * kIters * kMaxConsumerGroups * kGramElems);
  for (__half &h : copy)
    std::memcpy(&h, &kHalfSentinel, 2);
  for (float &f : gram)
    std::memcpy(&f, &kFloatSentinel, 4);

  cudaStream_t stream;
  CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  __half *dSrc;
  Outputs out;
  size_t copyBytes = copy.size() * 2, gramBytes = gram.size() * 4;
  CHECK(cudaMalloc(&dSrc, copyBytes));
  CHECK(cudaMalloc(&out.copy, copyBytes));
  CHECK(cudaMalloc(&out.gram, gramBytes));
  CHECK(cudaMalloc(&out.timeouts, sizeof(unsigned)));
  CHECK(cudaMemcpy(dSrc, src.data(), copyBytes, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(out.copy, copy.data(), copyBytes, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(out.gram, gram.data(), gramBytes, cudaMemcpyHostToDevice));
  CHECK(cudaMemset(out.timeouts, 0, sizeof(unsigned)));

  CUtensorMap map;
  if (!encodeMap(map, dSrc, v.flags & kRank4) ||
      !dispatch(v.flags, v.place, map, out, stream))
    return false;
  CHECK(cudaStreamSynchronize(stream));
  CHECK(cudaMemcpy(copy.data(), out.copy, copyBytes, cudaMemcpyDeviceToHost));
  CHECK(cudaMemcpy(gram.data(), out.gram, gramBytes, cudaMemcpyDeviceToHost));
  CHECK(cudaMemcpy(&timeouts, out.timeouts, sizeof(unsigned),
                   cudaMemcpyDeviceToHost));
  CHECK(cudaFree(dSrc));
  CHECK(cudaFree(out.copy));
  CHECK(cudaFree(out.gram));
  CHECK(cudaFree(out.timeouts));
  CHECK(cudaStreamDestroy(stream));
  check(v, copy, gram, copyStats, gramStats);
  pass = copyStats.ok(0.0) && gramStats.ok(1e-3) && timeouts == 0;
  return true;
}

void printStats(const char *what, const Stats &s) {
  std::printf(" %s: maxerr=%g nan=%ld unwritten=%ld", what, s.maxError, s.nan,
              s.unwritten);
}

} // namespace

int main(int argc, char **argv) {
  std::vector<const Variant *> chosen;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--list")) {
      for (const Variant &v : kVariants)
        std::printf("%-16s %s\n", v.name, v.what);
      return 0;
    }
    const Variant *found = nullptr;
    for (const Variant &v : kVariants)
      if (!std::strcmp(argv[i], v.name))
        found = &v;
    if (!found) {
      std::fprintf(stderr, "unknown variant '%s' (see --list)\n", argv[i]);
      return 2;
    }
    chosen.push_back(found);
  }
  if (chosen.empty())
    for (const Variant &v : kVariants)
      chosen.push_back(&v);

  int failures = 0;
  for (const Variant *v : chosen) {
    bool pass = false;
    unsigned timeouts = 0;
    Stats copyStats, gramStats;
    if (!runVariant(*v, pass, timeouts, copyStats, gramStats)) {
      std::printf("RESULT %-16s FAIL cuda error: %s\n", v->name, error);
      std::fflush(stdout);
      return 1; // the context may be unusable
    }
    std::printf("RESULT %-16s %s", v->name, pass ? "PASS" : "FAIL");
    printStats("copy", copyStats);
    if (v->flags & kWgmma)
      printStats("gram", gramStats);
    std::printf(" timeouts=%u\n", timeouts);
    std::fflush(stdout);
    failures += !pass;
  }
  return failures ? 1 : 0;
}
