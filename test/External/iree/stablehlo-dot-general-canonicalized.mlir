// Modelled on iree-org/iree compiler/plugins/input/StableHLO/Conversion/
// Preprocessing/test/canonicalize_dot_general.mlir (IREE rewrites every
// dot_general into transposes, reshapes and a rank-3 dot_general, i.e. a
// linalg.batch_matmul on collapsed batch dims) applied to a JAX BERT
// attention: q and k [B, S, H, D] are transposed to [B, H, S, D] and
// [B, H, D, S] and collapsed to [B·H, ...]; the softmax runs on the collapsed
// [B·H, S, S] scores, to which the [B, 1, 1, S] padding mask is added after
// a broadcast_in_dim to [B, H, S, S] and a reshape to [B·H, S, S] (the mask
// in another view of the score space than the one it is given in).
// B=2, S=8, H=2, D=4, scale 1/sqrt(4) applied to the scores.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --mask additive --query-perm 0,2,1,3 --key-perm 0,2,1,3 \
// RUN:   --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --mask additive --query-perm 0,2,1,3 --key-perm 0,2,1,3 \
// RUN:   --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @jax_bert_attention 1

// CHECK-LABEL: func.func @jax_bert_attention(
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : {{.*}}) mask(%arg3 : tensor<2x1x1x8xf32>)
// CHECK-SAME: output_perm = array<i64: 0, 2, 1, 3>
// CHECK: return

#map3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#red3 = affine_map<(d0, d1, d2) -> (d0, d1)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bmask = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>
func.func @jax_bert_attention(%q: tensor<2x8x2x4xf32>, %k: tensor<2x8x2x4xf32>, %v: tensor<2x8x2x4xf32>, %mask: tensor<2x1x1x8xf32>) -> tensor<2x8x2x4xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<2x2x8x4xf32>
  %qt = linalg.transpose ins(%q : tensor<2x8x2x4xf32>) outs(%e0 : tensor<2x2x8x4xf32>) permutation = [0, 2, 1, 3]
  %e1 = tensor.empty() : tensor<2x2x4x8xf32>
  %kt = linalg.transpose ins(%k : tensor<2x8x2x4xf32>) outs(%e1 : tensor<2x2x4x8xf32>) permutation = [0, 2, 3, 1]
  %qr = tensor.collapse_shape %qt [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
  %kr = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<2x2x4x8xf32> into tensor<4x4x8xf32>
  %e2 = tensor.empty() : tensor<4x8x8xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%qr, %kr : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%f2 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  // mask: broadcast_in_dim to [B, H, S, S], reshape to [B·H, S, S]
  %e3 = tensor.empty() : tensor<2x2x8x8xf32>
  %mb = linalg.generic {indexing_maps = [#bmask, #map4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mask : tensor<2x1x1x8xf32>) outs(%e3 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %mr = tensor.collapse_shape %mb [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %x = linalg.generic {indexing_maps = [#map3, #map3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %mr : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%e2 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %c = arith.constant 5.000000e-01 : f32
    %a = arith.mulf %in, %c : f32
    %r = arith.addf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %e4 = tensor.empty() : tensor<4x8xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%e4 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %mx = linalg.generic {indexing_maps = [#map3, #red3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<4x8x8xf32>) outs(%mx0 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %ex = linalg.generic {indexing_maps = [#map3, #red3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %mx : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e2 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %su0 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %su = linalg.generic {indexing_maps = [#map3, #red3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%su0 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %out, %in : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#map3, #red3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %su : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e2 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %d: f32, %out: f32):
    %r = arith.divf %in, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %e5 = tensor.empty() : tensor<2x2x8x4xf32>
  %vt = linalg.transpose ins(%v : tensor<2x8x2x4xf32>) outs(%e5 : tensor<2x2x8x4xf32>) permutation = [0, 2, 1, 3]
  %vr = tensor.collapse_shape %vt [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
  %e6 = tensor.empty() : tensor<4x8x4xf32>
  %f6 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  // expected-remark @below {{fused attention: mask, scale 0.5}}
  %o = linalg.batch_matmul ins(%p, %vr : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%f6 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [2, 2, 8, 4] : tensor<4x8x4xf32> into tensor<2x2x8x4xf32>
  %e7 = tensor.empty() : tensor<2x8x2x4xf32>
  %ot = linalg.transpose ins(%oe : tensor<2x2x8x4xf32>) outs(%e7 : tensor<2x8x2x4xf32>) permutation = [0, 2, 1, 3]
  return %ot : tensor<2x8x2x4xf32>
}
