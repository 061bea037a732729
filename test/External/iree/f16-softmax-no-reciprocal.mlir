// Modelled on iree-org/iree compiler/src/iree/compiler/GlobalOptimization/test/raise_special_ops.mlir:
// the linalg IREE's torch import produces around a softmax, with K
// transposed by a generic before linalg.batch_matmul (@aTransposeBBatchMatmul)
// and the f16 softmax of @softmax_no_rcp (max initialised with -65504, the
// lowest f16; sub, exp, sum, div, all in f16), P·V a batch_matmul in f16.
// The scores are scaled by a generic multiplying with an f16 constant.
// B·H=4, S=8, D=8.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.35351562 --tol 2e-2 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.35351562 --tol 2e-2 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused --tol 2e-2 | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @attention_f16 1

// CHECK-LABEL: func.func @attention_f16(
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : tensor<4x8x8xf16>, tensor<4x8x8xf16>, tensor<4x8x8xf16>) outs({{.*}} : tensor<4x8x8xf16>) scale(0.35
// CHECK: return

#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#mapt = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @attention_f16(%q: tensor<4x8x8xf16>, %k: tensor<4x8x8xf16>, %v: tensor<4x8x8xf16>) -> tensor<4x8x8xf16> {
  %cst_158 = arith.constant -6.550400e+04 : f16
  %cst_121 = arith.constant 0.000000e+00 : f16
  %0 = tensor.empty() : tensor<4x8x8xf16>
  %1 = linalg.generic {indexing_maps = [#map, #mapt], iterator_types = ["parallel", "parallel", "parallel"]} ins(%k : tensor<4x8x8xf16>) outs(%0 : tensor<4x8x8xf16>) {
  ^bb0(%b0 : f16, %b1 : f16):
    linalg.yield %b0 : f16
  } -> tensor<4x8x8xf16>
  %4 = linalg.fill ins(%cst_121 : f16) outs(%0 : tensor<4x8x8xf16>) -> tensor<4x8x8xf16>
  %5 = linalg.batch_matmul ins(%q, %1 : tensor<4x8x8xf16>, tensor<4x8x8xf16>) outs(%4 : tensor<4x8x8xf16>) -> tensor<4x8x8xf16>
  %6 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%5 : tensor<4x8x8xf16>) outs(%0 : tensor<4x8x8xf16>) {
  ^bb0(%in: f16, %out: f16):
    %c = arith.constant 3.535160e-01 : f16
    %r = arith.mulf %in, %c : f16
    linalg.yield %r : f16
  } -> tensor<4x8x8xf16>
  %224 = tensor.empty() : tensor<4x8xf16>
  %225 = linalg.fill ins(%cst_158 : f16) outs(%224 : tensor<4x8xf16>) -> tensor<4x8xf16>
  %226 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "reduction"]} ins(%6 : tensor<4x8x8xf16>) outs(%225 : tensor<4x8xf16>) {
  ^bb0(%in: f16, %out: f16):
    %5290 = arith.maximumf %in, %out : f16
    linalg.yield %5290 : f16
  } -> tensor<4x8xf16>
  %227 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%6, %226 : tensor<4x8x8xf16>, tensor<4x8xf16>) outs(%0 : tensor<4x8x8xf16>) {
  ^bb0(%in: f16, %in_1572: f16, %out: f16):
    %5290 = arith.subf %in, %in_1572 : f16
    linalg.yield %5290 : f16
  } -> tensor<4x8x8xf16>
  %228 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%227 : tensor<4x8x8xf16>) outs(%0 : tensor<4x8x8xf16>) {
  ^bb0(%in: f16, %out: f16):
    %5290 = math.exp %in : f16
    linalg.yield %5290 : f16
  } -> tensor<4x8x8xf16>
  %230 = linalg.fill ins(%cst_121 : f16) outs(%224 : tensor<4x8xf16>) -> tensor<4x8xf16>
  %231 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel", "reduction"]} ins(%228 : tensor<4x8x8xf16>) outs(%230 : tensor<4x8xf16>) {
  ^bb0(%in: f16, %out: f16):
    %5290 = arith.addf %in, %out : f16
    linalg.yield %5290 : f16
  } -> tensor<4x8xf16>
  %232 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%228, %231 : tensor<4x8x8xf16>, tensor<4x8xf16>) outs(%0 : tensor<4x8x8xf16>) {
  ^bb0(%in: f16, %in_1572: f16, %out: f16):
    %5290 = arith.divf %in, %in_1572 : f16
    linalg.yield %5290 : f16
  } -> tensor<4x8x8xf16>
  // expected-remark @below {{fused attention: scale 0.353516}}
  %o = linalg.batch_matmul ins(%232, %v : tensor<4x8x8xf16>, tensor<4x8x8xf16>) outs(%4 : tensor<4x8x8xf16>) -> tensor<4x8x8xf16>
  return %o : tensor<4x8x8xf16>
}
