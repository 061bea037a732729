// RUN: attn-opt %s -split-input-file --attn-map-linalg-to-gpu | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-map-linalg-to-gpu=mma-sync=false | FileCheck %s --check-prefix=GENERIC

// An f16 matmul with f32 accumulation runs on the tensor cores: blocks of
// 128 threads own 128 x 128 tiles of C (x over n, y over m), each warp
// 4 x 8 mma.sync m16n8k16 fragments; a k loop of step 16 whose interior
// steps load without bounds checks.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.*]]: memref<?x?xf16>, %[[B:.*]]: memref<?x?xf16>, %[[C:.*]]: memref<?x?xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[A]], %c0
// CHECK: %[[N:.*]] = memref.dim %[[B]], %c1
// CHECK-DAG: %[[GX:.*]] = arith.ceildivui %[[N]], %c128
// CHECK-DAG: %[[GY:.*]] = arith.ceildivui %[[M]], %c128
// CHECK: scf.if
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[GX]], {{.*}} = %[[GY]], {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128
// CHECK: scf.for {{.*}} step %c16
// CHECK: scf.if
// CHECK-COUNT-32: nvgpu.mma.sync
// CHECK: } else {
// CHECK-COUNT-32: nvgpu.mma.sync
// CHECK: memref.store {{.*}}, %[[C]]
// CHECK-NOT: linalg.matmul
// GENERIC-LABEL: func.func @matmul
// GENERIC-NOT: nvgpu.mma.sync
// GENERIC: gpu.launch
func.func @matmul(%a: memref<?x?xf16>, %b: memref<?x?xf16>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf16>, memref<?x?xf16>)
                outs(%c : memref<?x?xf32>)
  return
}

// -----

// A batch of contractions with a transposed right operand (Q·Kᵀ of
// unfused attention): the batch loops go to blockIdx.z, the operands are
// read through their indexing maps.
// CHECK-LABEL: func.func @scores
// CHECK: %[[Z0:.*]] = arith.muli %c1, %c2
// CHECK: %[[Z:.*]] = arith.muli %[[Z0]], %c3
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}} = %{{.*}}, {{.*}} = %[[Z]])
// CHECK: nvgpu.mma.sync
#q = affine_map<(b, h, m, n, d) -> (b, h, m, d)>
#k = affine_map<(b, h, m, n, d) -> (b, h, n, d)>
#s = affine_map<(b, h, m, n, d) -> (b, h, m, n)>
func.func @scores(%q: memref<2x3x40x64xf16>, %k: memref<2x3x50x64xf16>,
                  %s: memref<2x3x40x50xf32>) {
  linalg.generic {indexing_maps = [#q, #k, #s],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<2x3x40x64xf16>, memref<2x3x50x64xf16>)
      outs(%s : memref<2x3x40x50xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// f32 inputs, an f16 accumulator, and a product that is not a plain
// multiply-add stay generic kernels.
// CHECK-LABEL: func.func @not_f16_with_f32_accumulation
// CHECK-NOT: nvgpu.mma.sync
// CHECK: return
func.func @not_f16_with_f32_accumulation(%a: memref<64x64xf32>, %b: memref<64x64xf32>,
                                         %c: memref<64x64xf32>, %h: memref<64x64xf16>,
                                         %hc: memref<64x64xf16>) {
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>)
                outs(%c : memref<64x64xf32>)
  linalg.matmul ins(%h, %h : memref<64x64xf16>, memref<64x64xf16>)
                outs(%hc : memref<64x64xf16>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %h : memref<64x64xf16>, memref<64x64xf16>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f16, %y: f16, %acc: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %m = arith.maximumf %acc, %p : f32
    linalg.yield %m : f32
  }
  return
}
