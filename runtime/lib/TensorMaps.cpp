//===- TensorMaps.cpp - TMA descriptors for nvgpu.tma.create.descriptor ---===//
//
// The host code of the sm_90a kernel encodes a tensor map per operand and
// call. Encoding is host-only; the device copy is cached by content per
// context, so a call on buffers seen before costs an encode and a lookup. A
// new map is copied asynchronously, on the current stream, from a pinned host
// copy that is never rewritten (a captured graph replays the copy), into a
// slot of a device slab; slabs are allocated 512 maps at a time, so only
// every 512th new map allocates.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cstring>

using namespace attn::runtime;

namespace {

constexpr size_t kMapBytes = sizeof(CUtensorMap);
constexpr size_t kSlabMaps = 512;

/// Encodes the tiled tensor map of the ranked memref behind `descriptor`
/// (sizes and strides in elements, outermost first) with box `boxDims`.
bool encode(CUtensorMap &map, int64_t rank, void *descriptor, int64_t dataType,
            int64_t interleave, int64_t swizzle, int64_t l2Promotion,
            int64_t oobFill, const int64_t *boxDims, const char *api) {
  static const int elementBytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (rank < 1 || rank > 5 || dataType < 0 || dataType > 12) {
    record(static_cast<attnStatus>(CUDA_ERROR_INVALID_VALUE),
           std::string(api) + ": unsupported rank " + std::to_string(rank) +
               " or data type " + std::to_string(dataType));
    return false;
  }
  // A ranked memref descriptor: allocated, aligned, offset, sizes[rank],
  // strides[rank]. Tensor maps list dims innermost first, strides in bytes.
  auto *words = static_cast<int64_t *>(descriptor);
  char *aligned = reinterpret_cast<char *>(words[1]);
  int64_t *sizes = words + 3, *strides = words + 3 + rank;
  int64_t bytes = elementBytes[dataType];
  void *base = aligned + words[2] * bytes;
  cuuint64_t globalDim[5] = {1, 1, 1, 1, 1}, globalStrides[5] = {0};
  cuuint32_t box[5] = {1, 1, 1, 1, 1}, elementStrides[5] = {1, 1, 1, 1, 1};
  for (int64_t i = 0; i < rank; ++i) {
    globalDim[i] = static_cast<cuuint64_t>(sizes[rank - 1 - i]);
    box[i] = static_cast<cuuint32_t>(boxDims[rank - 1 - i]);
  }
  for (int64_t i = 0; i + 1 < rank; ++i)
    globalStrides[i] = static_cast<cuuint64_t>(strides[rank - 2 - i] * bytes);
  std::memset(&map, 0, sizeof(map));
  return CU_CHECK(api, cuTensorMapEncodeTiled(
                           &map, static_cast<CUtensorMapDataType>(dataType),
                           static_cast<cuuint32_t>(rank), base, globalDim,
                           globalStrides, box, elementStrides,
                           static_cast<CUtensorMapInterleave>(interleave),
                           static_cast<CUtensorMapSwizzle>(swizzle),
                           static_cast<CUtensorMapL2promotion>(l2Promotion),
                           static_cast<CUtensorMapFloatOOBfill>(oobFill)));
}

CUdeviceptr lookup(State &s, CUcontext ctx, const std::string &key) {
  std::lock_guard<std::mutex> lock(s.mutex);
  auto &maps = contextState(s, ctx).tensorMaps.byContent;
  auto it = maps.find(key);
  return it == maps.end() ? 0 : it->second;
}

/// A fresh slab of device and pinned host memory for `pool`. The old one is
/// kept: graphs and earlier calls may still read its maps.
bool growPool(TensorMapPool &pool, const char *api) {
  CUdeviceptr device = 0;
  void *host = nullptr;
  size_t bytes = kSlabMaps * kMapBytes;
  if (!CU_CHECK(api, cuMemAlloc(&device, bytes)) ||
      !CU_CHECK(api, cuMemHostAlloc(&host, bytes, 0)))
    return false;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  pool.deviceSlab = device;
  pool.hostSlab = static_cast<char *>(host);
  pool.used = 0;
  pool.capacity = bytes;
  return true;
}

/// Copies a map seen for the first time in `ctx` to the device.
CUdeviceptr upload(CUcontext ctx, const std::string &key, const char *api) {
  State &s = state();
  std::lock_guard<std::mutex> loadLock(s.loadMutex);
  if (CUdeviceptr device = lookup(s, ctx, key))
    return device;
  TensorMapPool *pool;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    pool = &contextState(s, ctx).tensorMaps;
  }
  // Only this thread (holding loadMutex) changes the pool's slab.
  if (pool->used + kMapBytes > pool->capacity && !growPool(*pool, api))
    return 0;
  char *host = pool->hostSlab + pool->used;
  CUdeviceptr device = pool->deviceSlab + pool->used;
  std::memcpy(host, key.data(), kMapBytes);
  CUstream stream = currentStream(ctx, api);
  if (!stream ||
      !CU_CHECK(api, cuMemcpyHtoDAsync(device, host, kMapBytes, stream)))
    return 0;
  std::lock_guard<std::mutex> lock(s.mutex);
  pool->used += kMapBytes;
  pool->byContent.emplace(key, device);
  return device;
}

} // namespace

/// Called by the host code of nvgpu.tma.create.descriptor (NVGPUToNVVM's
/// lowering): encodes a tiled tensor map of the ranked memref behind
/// `rankedDescriptor` with box `boxDims` (outermost first) and returns a
/// device pointer to it, valid for the life of the process.
ATTN_EXPORT void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *rankedDescriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims) {
  const char *api = "mgpuTensorMapEncodeTiledMemref";
  if (!nonNull(rankedDescriptor, api, "memref descriptor") ||
      !nonNull(boxDims, api, "box dimensions"))
    return nullptr;
  CUcontext ctx = currentContext(api);
  if (!ctx)
    return nullptr;
  State &s = state();
  if (!s.cu.cuTensorMapEncodeTiled) {
    record(static_cast<attnStatus>(CUDA_ERROR_NOT_SUPPORTED),
           std::string(api) +
               ": the CUDA driver lacks cuTensorMapEncodeTiled (CUDA 12+)");
    return nullptr;
  }
  CUtensorMap map;
  if (!encode(map, rank, rankedDescriptor, dataType, interleave, swizzle,
              l2Promotion, oobFill, boxDims, api))
    return nullptr;
  std::string key(reinterpret_cast<const char *>(&map), sizeof(map));
  CUdeviceptr device = lookup(s, ctx, key);
  if (!device)
    device = upload(ctx, key, api);
  return reinterpret_cast<void *>(device);
}
