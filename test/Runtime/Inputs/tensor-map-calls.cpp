// mgpuTensorMapEncodeTiledMemref (the host side of
// nvgpu.tma.create.descriptor) over a driver without cuTensorMapEncodeTiled.
#include "attn/Runtime.h"

#include <cstdint>
#include <cstdio>

extern "C" void *mgpuTensorMapEncodeTiledMemref(int64_t rank, void *desc,
                                                int64_t dataType,
                                                int64_t interleave,
                                                int64_t swizzle,
                                                int64_t l2Promotion,
                                                int64_t oobFill,
                                                int64_t *boxDims);

int main() {
  static uint16_t data[2 * 64 * 64];
  // A rank-2 memref descriptor: allocated, aligned, offset, sizes, strides.
  int64_t desc[7] = {(int64_t)data, (int64_t)data, 0, 128, 64, 64, 1};
  int64_t box[2] = {64, 64};
  void *none = mgpuTensorMapEncodeTiledMemref(2, nullptr, 6, 0, 3, 2, 0, box);
  std::printf("null descriptor: %p status: %d\n", none, (int)attnGetStatus());
  std::printf("error: %s\n", attnGetLastError());
  attnClearError();
  void *map = mgpuTensorMapEncodeTiledMemref(2, desc, 6, 0, 3, 2, 0, box);
  std::printf("map: %p status: %d\n", map, (int)attnGetStatus());
  std::printf("error: %s\n", attnGetLastError());
  return map ? 0 : 1;
}
