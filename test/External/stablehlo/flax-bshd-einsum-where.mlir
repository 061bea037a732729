// Modelled on openxla/stablehlo stablehlo/conversions/linalg/tests
// (dot-product.mlir: a dot_general with several batching dims becomes one
// linalg.generic over (batch..., lhs free, rhs free, contracting);
// reduce.mlir: stablehlo.reduce becomes a reduction generic from a fill of
// the init) applied to the StableHLO that JAX emits for flax's
// dot_product_attention (flax/linen/attention.py): the query is divided by
// sqrt(depth) in [B, S, H, D]; einsum('...qhd,...khd->...hqk'); the boolean
// [B, 1, S, S] mask selects the scores or finfo(f32).min (jnp.where);
// jax.nn.softmax is exp(x - max) / sum; einsum('...hqk,...khd->...qhd') is a
// dot_general to [B, H, Q, D] and a transpose back to [B, Q, H, D].
// B=2, S=8, H=2, D=4.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --mask bool --query-perm 0,2,1,3 --key-perm 0,2,1,3 \
// RUN:   --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --mask bool --query-perm 0,2,1,3 --key-perm 0,2,1,3 \
// RUN:   --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @main_attention 1

// CHECK-LABEL: func.func @main_attention(
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : {{.*}}) mask(%arg3 : tensor<2x1x8x8xi1>)
// CHECK-SAME: scale(5.000000e-01)
// CHECK-SAME: output_perm = array<i64: 0, 2, 1, 3>
// CHECK: return

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map_s = affine_map<(d0, d1, d2, d3) -> ()>
#lhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
#rhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d4)>
#out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#pv_lhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#pv_rhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d1, d3)>
#mask = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
#red = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @main_attention(%arg0: tensor<2x8x2x4xf32>, %arg1: tensor<2x8x2x4xf32>, %arg2: tensor<2x8x2x4xf32>, %arg3: tensor<2x1x8x8xi1>) -> tensor<2x8x2x4xf32> {
  %cst = arith.constant dense<2.000000e+00> : tensor<f32>
  %cst_0 = arith.constant -3.40282347E+38 : f32
  %cst_1 = arith.constant 0.000000e+00 : f32
  %cst_2 = arith.constant 0xFF800000 : f32
  // query / sqrt(depth)
  %0 = tensor.empty() : tensor<2x8x2x4xf32>
  %1 = linalg.generic {indexing_maps = [#map, #map_s, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %cst : tensor<2x8x2x4xf32>, tensor<f32>) outs(%0 : tensor<2x8x2x4xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %r = arith.divf %in, %in_3 : f32
    linalg.yield %r : f32
  } -> tensor<2x8x2x4xf32>
  // dot_general batching_dims = [0, 2] x [0, 2], contracting_dims = [3] x [3]
  %2 = tensor.empty() : tensor<2x2x8x8xf32>
  %3 = linalg.fill ins(%cst_1 : f32) outs(%2 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %4 = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%1, %arg1 : tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>) outs(%3 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %m = arith.mulf %in, %in_3 : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<2x2x8x8xf32>
  // jnp.where(mask, attn_weights, big_neg), mask broadcast_in_dim over heads
  %5 = linalg.generic {indexing_maps = [#mask, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg3, %4 : tensor<2x1x8x8xi1>, tensor<2x2x8x8xf32>) outs(%2 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: i1, %in_3: f32, %out: f32):
    %r = arith.select %in, %in_3, %cst_0 : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  // jax.nn.softmax: reduce max (init -inf), broadcast_in_dim, subtract, exp, reduce add, broadcast_in_dim, divide
  %6 = tensor.empty() : tensor<2x2x8xf32>
  %7 = linalg.fill ins(%cst_2 : f32) outs(%6 : tensor<2x2x8xf32>) -> tensor<2x2x8xf32>
  %8 = linalg.generic {indexing_maps = [#map, #red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%5 : tensor<2x2x8x8xf32>) outs(%7 : tensor<2x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8xf32>
  %9 = linalg.generic {indexing_maps = [#map, #row, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%5, %8 : tensor<2x2x8x8xf32>, tensor<2x2x8xf32>) outs(%2 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %s = arith.subf %in, %in_3 : f32
    %e = math.exp %s : f32
    linalg.yield %e : f32
  } -> tensor<2x2x8x8xf32>
  %10 = linalg.fill ins(%cst_1 : f32) outs(%6 : tensor<2x2x8xf32>) -> tensor<2x2x8xf32>
  %11 = linalg.generic {indexing_maps = [#map, #red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%9 : tensor<2x2x8x8xf32>) outs(%10 : tensor<2x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8xf32>
  %12 = linalg.generic {indexing_maps = [#map, #row, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%9, %11 : tensor<2x2x8x8xf32>, tensor<2x2x8xf32>) outs(%2 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %r = arith.divf %in, %in_3 : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  // dot_general batching_dims = [0, 1] x [0, 2], contracting_dims = [3] x [1] -> [B, H, Q, D]
  %13 = tensor.empty() : tensor<2x2x8x4xf32>
  %14 = linalg.fill ins(%cst_1 : f32) outs(%13 : tensor<2x2x8x4xf32>) -> tensor<2x2x8x4xf32>
  // expected-remark @below {{fused attention: mask, scale 0.5}}
  %15 = linalg.generic {indexing_maps = [#pv_lhs, #pv_rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%12, %arg2 : tensor<2x2x8x8xf32>, tensor<2x8x2x4xf32>) outs(%14 : tensor<2x2x8x4xf32>) {
  ^bb0(%in: f32, %in_3: f32, %out: f32):
    %m = arith.mulf %in, %in_3 : f32
    %a = arith.addf %out, %m : f32
    linalg.yield %a : f32
  } -> tensor<2x2x8x4xf32>
  // transpose back to [B, Q, H, D]
  %16 = tensor.empty() : tensor<2x8x2x4xf32>
  %transposed = linalg.transpose ins(%15 : tensor<2x2x8x4xf32>) outs(%16 : tensor<2x8x2x4xf32>) permutation = [0, 2, 1, 3]
  return %transposed : tensor<2x8x2x4xf32>
}
