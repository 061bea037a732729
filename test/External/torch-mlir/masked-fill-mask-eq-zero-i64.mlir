// Modelled on harvardnlp/annotated-transformer (the_annotated_transformer.py,
// attention(): scores = q @ kᵀ / sqrt(d_k);
// scores = scores.masked_fill(mask == 0, -1e9); softmax; @ v), the way most
// hand-written PyTorch attention applies a padding mask, as llvm/torch-mlir
// lowers it (lib/Conversion/TorchToLinalg/Uncategorized.cpp: aten.eq.Scalar
// on the int64 mask is arith.cmpi eq with 0, masked_fill an arith.select;
// Linear.cpp: 4-D matmul as collapse + batch_matmul + expand). The mask is
// [B, 1, 1, S] int64 (1 attends); the fused op gets the i1 keep-mask
// mask != 0 computed over that shape. B=2, H=2, S=8, D=4.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --mask bool | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --mask bool | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @annotated_attention 1

// CHECK-LABEL: func.func @annotated_attention(
// CHECK: %[[KEEP:.*]] = linalg.generic {{.*}} ins(%arg3 : tensor<2x1x1x8xi64>)
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : {{.*}}) mask(%[[KEEP]] : tensor<2x1x1x8xi1>)
// CHECK-SAME: scale(5.000000e-01)
// CHECK: return

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#mask = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>
#red = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
func.func @annotated_attention(%q: tensor<2x2x8x4xf32>, %k: tensor<2x2x8x4xf32>, %v: tensor<2x2x8x4xf32>, %mask: tensor<2x1x1x8xi64>) -> tensor<2x2x8x4xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c0_i64 = arith.constant 0 : i64
  %e0 = tensor.empty() : tensor<2x2x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<2x2x8x4xf32>) outs(%e0 : tensor<2x2x4x8xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<2x2x4x8xf32> into tensor<4x4x8xf32>
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s3 = linalg.batch_matmul ins(%qc, %kc : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%f1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = tensor.expand_shape %s3 [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  // / math.sqrt(d_k)
  %e2 = tensor.empty() : tensor<2x2x8x8xf32>
  %sd = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<2x2x8x8xf32>) outs(%e2 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 2.000000e+00 : f32
    %r = arith.divf %in, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  // mask == 0
  %e3 = tensor.empty() : tensor<2x1x1x8xi1>
  %eq = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mask : tensor<2x1x1x8xi64>) outs(%e3 : tensor<2x1x1x8xi1>) {
  ^bb0(%in: i64, %out: i1):
    %r = arith.cmpi eq, %in, %c0_i64 : i64
    linalg.yield %r : i1
  } -> tensor<2x1x1x8xi1>
  // masked_fill(mask == 0, -1e9)
  %mf = linalg.generic {indexing_maps = [#map, #mask, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sd, %eq : tensor<2x2x8x8xf32>, tensor<2x1x1x8xi1>) outs(%e2 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %m: i1, %out: f32):
    %fill = arith.constant -1.000000e+09 : f32
    %r = arith.select %m, %fill, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  // F.softmax(scores, dim=-1)
  %e4 = tensor.empty() : tensor<2x2x8x1xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%e4 : tensor<2x2x8x1xf32>) -> tensor<2x2x8x1xf32>
  %mx = linalg.generic {indexing_maps = [#map, #red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%mf : tensor<2x2x8x8xf32>) outs(%mx0 : tensor<2x2x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x1xf32>
  %ex = linalg.generic {indexing_maps = [#map, #red, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mf, %mx : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%e2 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %su0 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x2x8x1xf32>) -> tensor<2x2x8x1xf32>
  %su = linalg.generic {indexing_maps = [#map, #red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<2x2x8x8xf32>) outs(%su0 : tensor<2x2x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x1xf32>
  %p = linalg.generic {indexing_maps = [#map, #red, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %su : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%e2 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %d: f32, %out: f32):
    %r = arith.divf %in, %d : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %pc = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
  %e5 = tensor.empty() : tensor<4x8x4xf32>
  %f5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  // expected-remark @below {{fused attention: mask, scale 0.5}}
  %o3 = linalg.batch_matmul ins(%pc, %vc : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%f5 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [2, 2, 8, 4] : tensor<4x8x4xf32> into tensor<2x2x8x4xf32>
  return %o : tensor<2x2x8x4xf32>
}
