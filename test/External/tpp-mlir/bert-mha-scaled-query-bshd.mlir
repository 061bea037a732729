// Modelled on plaidml/tpp-mlir test/Models/multi-head-attention.mlir: the
// self-attention of TensorFlow's small BERT (tfhub bert_en_uncased_L-2_H-128_A-2)
// lowered to linalg. As there: the linear layers' outputs are [B, S, H, D];
// the query is scaled by 1/sqrt(D) (a rank-0 constant broadcast by a generic)
// in [B, S, H, D], before the head transposes; the scores are computed as
// K·Qᵀ by a batch_matmul on heads collapsed to [B·H] and transposed back;
// the [B, 1, S, S] additive mask is broadcast over heads in the 4-D score
// space; the softmax is max (-inf init) / broadcast / sub / exp / sum (-0.0
// init) / broadcast / div; P·V is a batch_matmul on collapsed heads, expanded
// and transposed back to [B, S, H, D]. Shapes reduced to B=2, S=8, H=2, D=4.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --mask additive --query-perm 0,2,1,3 \
// RUN:   --key-perm 0,2,1,3 --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --mask additive --query-perm 0,2,1,3 \
// RUN:   --key-perm 0,2,1,3 --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @bert_mha 1

// CHECK-LABEL: func.func @bert_mha(
// CHECK-SAME: %[[Q:.*]]: tensor<2x8x2x4xf32>, %[[K:.*]]: tensor<2x8x2x4xf32>, %[[V:.*]]: tensor<2x8x2x4xf32>, %[[M:.*]]: tensor<2x1x8x8xf32>
// CHECK: attn.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) mask(%[[M]] : tensor<2x1x8x8xf32>)
// CHECK-SAME: scale(5.000000e-01)
// CHECK-SAME: key_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 2, 1, 3>, query_perm = array<i64: 0, 2, 1, 3>, value_perm = array<i64: 0, 2, 1, 3>
// CHECK-NOT: linalg.batch_matmul
// CHECK: return

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map_scalar = affine_map<(d0, d1, d2, d3) -> ()>
#map_bhsd = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
#map_bhds = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
#map_swap = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>
#map_mask = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
#map_row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map_col1 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
func.func @bert_mha(%q: tensor<2x8x2x4xf32>, %k: tensor<2x8x2x4xf32>,
                    %v: tensor<2x8x2x4xf32>, %mask: tensor<2x1x8x8xf32>) -> tensor<2x8x2x4xf32> {
  %cst = arith.constant 0xFF800000 : f32
  %cst_0 = arith.constant -0.000000e+00 : f32
  %cst_1 = arith.constant 0.000000e+00 : f32
  %cst_7 = arith.constant dense<5.000000e-01> : tensor<f32>
  %95 = tensor.empty() : tensor<2x8x2x4xf32>
  %96 = linalg.generic {indexing_maps = [#map_scalar, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%cst_7 : tensor<f32>) outs(%95 : tensor<2x8x2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x8x2x4xf32>
  %97 = tensor.empty() : tensor<2x8x2x4xf32>
  %98 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q, %96 : tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>) outs(%97 : tensor<2x8x2x4xf32>) {
  ^bb0(%in: f32, %in_74: f32, %out: f32):
    %490 = arith.mulf %in, %in_74 : f32
    linalg.yield %490 : f32
  } -> tensor<2x8x2x4xf32>
  %99 = tensor.empty() : tensor<2x2x8x4xf32>
  %100 = linalg.generic {indexing_maps = [#map_bhsd, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k : tensor<2x8x2x4xf32>) outs(%99 : tensor<2x2x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x4xf32>
  %101 = tensor.empty() : tensor<2x2x4x8xf32>
  %102 = linalg.generic {indexing_maps = [#map_bhds, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%98 : tensor<2x8x2x4xf32>) outs(%101 : tensor<2x2x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x4x8xf32>
  %collapsed_25 = tensor.collapse_shape %100 [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
  %collapsed_26 = tensor.collapse_shape %102 [[0, 1], [2], [3]] : tensor<2x2x4x8xf32> into tensor<4x4x8xf32>
  %103 = tensor.empty() : tensor<4x8x8xf32>
  %104 = linalg.fill ins(%cst_1 : f32) outs(%103 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %105 = linalg.batch_matmul ins(%collapsed_25, %collapsed_26 : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%104 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %expanded_27 = tensor.expand_shape %105 [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  %106 = tensor.empty() : tensor<2x2x8x8xf32>
  %107 = linalg.generic {indexing_maps = [#map_swap, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%expanded_27 : tensor<2x2x8x8xf32>) outs(%106 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %108 = tensor.empty() : tensor<2x2x8x8xf32>
  %109 = linalg.generic {indexing_maps = [#map_mask, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%mask : tensor<2x1x8x8xf32>) outs(%108 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %110 = tensor.empty() : tensor<2x2x8x8xf32>
  %111 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%107, %109 : tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) outs(%110 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_74: f32, %out: f32):
    %490 = arith.addf %in, %in_74 : f32
    linalg.yield %490 : f32
  } -> tensor<2x2x8x8xf32>
  %112 = tensor.empty() : tensor<2x2x8xf32>
  %113 = linalg.fill ins(%cst : f32) outs(%112 : tensor<2x2x8xf32>) -> tensor<2x2x8xf32>
  %114 = linalg.generic {indexing_maps = [#id, #map_row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%111 : tensor<2x2x8x8xf32>) outs(%113 : tensor<2x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %490 = arith.maximumf %out, %in : f32
    linalg.yield %490 : f32
  } -> tensor<2x2x8xf32>
  %expanded_28 = tensor.expand_shape %114 [[0], [1], [2, 3]] output_shape [2, 2, 8, 1] : tensor<2x2x8xf32> into tensor<2x2x8x1xf32>
  %115 = tensor.empty() : tensor<2x2x8x8xf32>
  %116 = linalg.generic {indexing_maps = [#map_col1, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%expanded_28 : tensor<2x2x8x1xf32>) outs(%115 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %117 = tensor.empty() : tensor<2x2x8x8xf32>
  %118 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%111, %116 : tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) outs(%117 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_74: f32, %out: f32):
    %490 = arith.subf %in, %in_74 : f32
    linalg.yield %490 : f32
  } -> tensor<2x2x8x8xf32>
  %119 = tensor.empty() : tensor<2x2x8x8xf32>
  %120 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%118 : tensor<2x2x8x8xf32>) outs(%119 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %490 = math.exp %in : f32
    linalg.yield %490 : f32
  } -> tensor<2x2x8x8xf32>
  %121 = tensor.empty() : tensor<2x2x8xf32>
  %122 = linalg.fill ins(%cst_0 : f32) outs(%121 : tensor<2x2x8xf32>) -> tensor<2x2x8xf32>
  %123 = linalg.generic {indexing_maps = [#id, #map_row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%120 : tensor<2x2x8x8xf32>) outs(%122 : tensor<2x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %490 = arith.addf %out, %in : f32
    linalg.yield %490 : f32
  } -> tensor<2x2x8xf32>
  %expanded_29 = tensor.expand_shape %123 [[0], [1], [2, 3]] output_shape [2, 2, 8, 1] : tensor<2x2x8xf32> into tensor<2x2x8x1xf32>
  %124 = tensor.empty() : tensor<2x2x8x8xf32>
  %125 = linalg.generic {indexing_maps = [#map_col1, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%expanded_29 : tensor<2x2x8x1xf32>) outs(%124 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %126 = tensor.empty() : tensor<2x2x8x8xf32>
  %127 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%120, %125 : tensor<2x2x8x8xf32>, tensor<2x2x8x8xf32>) outs(%126 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_74: f32, %out: f32):
    %490 = arith.divf %in, %in_74 : f32
    linalg.yield %490 : f32
  } -> tensor<2x2x8x8xf32>
  %135 = tensor.empty() : tensor<2x2x8x4xf32>
  %136 = linalg.generic {indexing_maps = [#map_bhsd, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v : tensor<2x8x2x4xf32>) outs(%135 : tensor<2x2x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x4xf32>
  %collapsed_32 = tensor.collapse_shape %127 [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %collapsed_33 = tensor.collapse_shape %136 [[0, 1], [2], [3]] : tensor<2x2x8x4xf32> into tensor<4x8x4xf32>
  %137 = tensor.empty() : tensor<4x8x4xf32>
  %138 = linalg.fill ins(%cst_1 : f32) outs(%137 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  // expected-remark @below {{fused attention: mask, scale 0.5}}
  %139 = linalg.batch_matmul ins(%collapsed_32, %collapsed_33 : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%138 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %expanded_34 = tensor.expand_shape %139 [[0, 1], [2], [3]] output_shape [2, 2, 8, 4] : tensor<4x8x4xf32> into tensor<2x2x8x4xf32>
  %140 = tensor.empty() : tensor<2x8x2x4xf32>
  %141 = linalg.generic {indexing_maps = [#map_bhsd, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%expanded_34 : tensor<2x2x8x4xf32>) outs(%140 : tensor<2x8x2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x8x2x4xf32>
  return %141 : tensor<2x8x2x4xf32>
}
