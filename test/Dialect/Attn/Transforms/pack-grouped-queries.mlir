// RUN: attn-opt %s -split-input-file --attn-pack-grouped-queries | FileCheck %s

// GQA decoding in BHSD: the 4 query heads of each of the 2 key/value heads
// become 4 query rows of one head; the output is reshaped back.
// CHECK-LABEL: func.func @bhsd
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x1x64xf16>, %[[K:.*]]: tensor<2x2x?x64xf16>, %[[V:.*]]: tensor<2x2x?x64xf16>, %[[O:.*]]: tensor<2x8x1x64xf16>)
// CHECK: %[[QC:.*]] = tensor.collapse_shape %[[Q]] {{\[}}[0], [1, 2], [3]] : tensor<2x8x1x64xf16> into tensor<2x8x64xf16>
// CHECK: %[[QP:.*]] = tensor.expand_shape %[[QC]] {{\[}}[0], [1, 2], [3]] output_shape [2, 2, 4, 64] : tensor<2x8x64xf16> into tensor<2x2x4x64xf16>
// CHECK: %[[OP:.*]] = tensor.expand_shape {{.*}} into tensor<2x2x4x64xf16>
// CHECK: %[[R:.*]] = attn.attention ins(%[[QP]], %[[K]], %[[V]] : tensor<2x2x4x64xf16>, tensor<2x2x?x64xf16>, tensor<2x2x?x64xf16>) outs(%[[OP]] : tensor<2x2x4x64xf16>) scale(1.250000e-01) -> tensor<2x2x4x64xf16>
// CHECK: %[[RC:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0], [1, 2], [3]] : tensor<2x2x4x64xf16> into tensor<2x8x64xf16>
// CHECK: %[[RE:.*]] = tensor.expand_shape %[[RC]] {{\[}}[0], [1, 2], [3]] output_shape [2, 8, 1, 64] : tensor<2x8x64xf16> into tensor<2x8x1x64xf16>
// CHECK: return %[[RE]]
func.func @bhsd(%q: tensor<2x8x1x64xf16>, %k: tensor<2x2x?x64xf16>,
                %v: tensor<2x2x?x64xf16>, %o: tensor<2x8x1x64xf16>)
    -> tensor<2x8x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x8x1x64xf16>,
           tensor<2x2x?x64xf16>, tensor<2x2x?x64xf16>)
         outs(%o : tensor<2x8x1x64xf16>) scale(0.125) -> tensor<2x8x1x64xf16>
  return %r : tensor<2x8x1x64xf16>
}

// -----

// BSHD (FlashAttention's layout) with a bottom-right causal mask, a no-op for
// one row, and a key-padding mask [B, 1, 1, Sk] that means the same for
// every packed row. The log-sum-exp is packed too.
// CHECK-LABEL: func.func @bshd_causal_mask_lse
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<3x1x8x32xbf16> into tensor<3x8x32xbf16>
// CHECK: %[[L:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [3, 4, 2] : tensor<3x8xf32> into tensor<3x4x2xf32>
// CHECK: %[[R:.*]]:2 = attn.attention
// CHECK-SAME: mask(%{{.*}} : tensor<3x1x1x?xi1>)
// CHECK-SAME: lse(%[[L]] : tensor<3x4x2xf32>)
// CHECK-SAME: scale(2.500000e-01) {key_perm = array<i64: 0, 2, 1, 3>, value_perm = array<i64: 0, 2, 1, 3>} -> tensor<3x4x2x32xbf16>, tensor<3x4x2xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2], [3]] output_shape [3, 1, 8, 32] : tensor<3x8x32xbf16> into tensor<3x1x8x32xbf16>
// CHECK: tensor.collapse_shape %[[R]]#1 {{\[}}[0], [1, 2]] : tensor<3x4x2xf32> into tensor<3x8xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [3, 8, 1] : tensor<3x8xf32> into tensor<3x8x1xf32>
func.func @bshd_causal_mask_lse(%q: tensor<3x1x8x32xbf16>,
    %k: tensor<3x?x4x32xbf16>, %v: tensor<3x?x4x32xbf16>,
    %m: tensor<3x1x1x?xi1>, %o: tensor<3x1x8x32xbf16>, %l: tensor<3x8x1xf32>)
    -> (tensor<3x1x8x32xbf16>, tensor<3x8x1xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<3x1x8x32xbf16>,
           tensor<3x?x4x32xbf16>, tensor<3x?x4x32xbf16>)
         mask(%m : tensor<3x1x1x?xi1>)
         outs(%o : tensor<3x1x8x32xbf16>) lse(%l : tensor<3x8x1xf32>)
         scale(0.25) causal<bottom_right>
         {query_perm = array<i64: 0, 2, 1, 3>, key_perm = array<i64: 0, 2, 1, 3>,
          value_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 2, 1, 3>}
         -> tensor<3x1x8x32xbf16>, tensor<3x8x1xf32>
  return %r#0, %r#1 : tensor<3x1x8x32xbf16>, tensor<3x8x1xf32>
}

// -----

// Not packed: more than one query row (prefill), where rows differ.
// CHECK-LABEL: func.func @two_rows
// CHECK: attn.attention ins(%{{.*}} : tensor<1x8x2x64xf16>
func.func @two_rows(%q: tensor<1x8x2x64xf16>, %k: tensor<1x2x16x64xf16>,
                    %v: tensor<1x2x16x64xf16>, %o: tensor<1x8x2x64xf16>)
    -> tensor<1x8x2x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x2x64xf16>,
           tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>)
         outs(%o : tensor<1x8x2x64xf16>) scale(0.125) -> tensor<1x8x2x64xf16>
  return %r : tensor<1x8x2x64xf16>
}

// -----

// Not packed: a mask that differs between query heads.
// CHECK-LABEL: func.func @per_head_mask
// CHECK: attn.attention ins(%{{.*}} : tensor<1x8x1x64xf16>
func.func @per_head_mask(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x16x64xf16>,
                         %v: tensor<1x2x16x64xf16>, %m: tensor<1x8x1x16xf32>,
                         %o: tensor<1x8x1x64xf16>) -> tensor<1x8x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x1x64xf16>,
           tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>)
         mask(%m : tensor<1x8x1x16xf32>)
         outs(%o : tensor<1x8x1x64xf16>) scale(0.125) -> tensor<1x8x1x64xf16>
  return %r : tensor<1x8x1x64xf16>
}

// -----

// Not packed: a top-left causal mask lets the one row see only key 0, which
// packed rows 1..G-1 would not respect.
// CHECK-LABEL: func.func @top_left_causal
// CHECK: attn.attention ins(%{{.*}} : tensor<1x8x1x64xf16>
func.func @top_left_causal(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x16x64xf16>,
                           %v: tensor<1x2x16x64xf16>, %o: tensor<1x8x1x64xf16>)
    -> tensor<1x8x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x1x64xf16>,
           tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>)
         outs(%o : tensor<1x8x1x64xf16>) scale(0.125) causal<top_left>
         -> tensor<1x8x1x64xf16>
  return %r : tensor<1x8x1x64xf16>
}

// -----

// Not packed: multi-head attention (nothing to share).
// CHECK-LABEL: func.func @mha
// CHECK: attn.attention ins(%{{.*}} : tensor<1x8x1x64xf16>
func.func @mha(%q: tensor<1x8x1x64xf16>, %k: tensor<1x8x16x64xf16>,
               %v: tensor<1x8x16x64xf16>, %o: tensor<1x8x1x64xf16>)
    -> tensor<1x8x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x1x64xf16>,
           tensor<1x8x16x64xf16>, tensor<1x8x16x64xf16>)
         outs(%o : tensor<1x8x1x64xf16>) scale(0.125) -> tensor<1x8x1x64xf16>
  return %r : tensor<1x8x1x64xf16>
}

// -----

// Not packed: sinks are per query head, which packing would make rows.
// CHECK-LABEL: func.func @sinks
// CHECK: attn.attention ins(%{{.*}} : tensor<1x8x1x64xf16>
func.func @sinks(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x16x64xf16>,
                 %v: tensor<1x2x16x64xf16>, %s: tensor<8xf32>,
                 %o: tensor<1x8x1x64xf16>) -> tensor<1x8x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x1x64xf16>,
           tensor<1x2x16x64xf16>, tensor<1x2x16x64xf16>)
         sinks(%s : tensor<8xf32>)
         outs(%o : tensor<1x8x1x64xf16>) scale(0.125) -> tensor<1x8x1x64xf16>
  return %r : tensor<1x8x1x64xf16>
}
