// RUN: attn-opt %s -split-input-file | attn-opt -split-input-file | FileCheck %s
// RUN: attn-opt %s -split-input-file --mlir-print-op-generic | attn-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @minimal_rank3
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>) outs(%{{.*}} : tensor<4x5x8xf32>) scale(2.500000e-01) -> tensor<4x5x8xf32>
func.func @minimal_rank3(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>,
                         %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(0.25) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @gqa_bool_mask_causal_bottom_right
// CHECK: attn.attention
// CHECK-SAME: mask(%{{.*}} : tensor<1x7xi1>)
// CHECK-SAME: causal<bottom_right>
func.func @gqa_bool_mask_causal_bottom_right(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x7x8xf32>,
    %v: tensor<2x2x7x8xf32>, %mask: tensor<1x7xi1>, %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x2x7x8xf32>, tensor<2x2x7x8xf32>)
         mask(%mask : tensor<1x7xi1>) outs(%init : tensor<2x4x5x8xf32>)
         scale(0.25) causal<bottom_right> -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @additive_mask_f32_full_shape
// CHECK: attn.attention
// CHECK-SAME: mask(%{{.*}} : tensor<2x4x5x7xf32>)
// CHECK-SAME: scale(1.250000e-01) -> tensor<2x4x5x8xf32>
func.func @additive_mask_f32_full_shape(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>,
    %v: tensor<2x4x7x8xf32>, %mask: tensor<2x4x5x7xf32>, %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         mask(%mask : tensor<2x4x5x7xf32>) outs(%init : tensor<2x4x5x8xf32>)
         scale(0.125) -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @additive_mask_f16_broadcast_over_batch_and_heads
// CHECK: attn.attention
// CHECK-SAME: mask(%{{.*}} : tensor<1x1x5x7xf16>)
func.func @additive_mask_f16_broadcast_over_batch_and_heads(%q: tensor<2x4x5x8xf16>, %k: tensor<2x4x7x8xf16>,
    %v: tensor<2x4x7x8xf16>, %mask: tensor<1x1x5x7xf16>, %init: tensor<2x4x5x8xf16>) -> tensor<2x4x5x8xf16> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf16>, tensor<2x4x7x8xf16>, tensor<2x4x7x8xf16>)
         mask(%mask : tensor<1x1x5x7xf16>) outs(%init : tensor<2x4x5x8xf16>)
         scale(0.125) -> tensor<2x4x5x8xf16>
  return %o : tensor<2x4x5x8xf16>
}

// -----

// CHECK-LABEL: func.func @additive_mask_bf16_per_key_row
// CHECK: attn.attention
// CHECK-SAME: mask(%{{.*}} : tensor<7xbf16>)
func.func @additive_mask_bf16_per_key_row(%q: tensor<4x5x8xbf16>, %k: tensor<4x7x8xbf16>,
    %v: tensor<4x7x8xbf16>, %mask: tensor<7xbf16>, %init: tensor<4x5x8xbf16>) -> tensor<4x5x8xbf16> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xbf16>, tensor<4x7x8xbf16>, tensor<4x7x8xbf16>)
         mask(%mask : tensor<7xbf16>) outs(%init : tensor<4x5x8xbf16>)
         scale(0.125) -> tensor<4x5x8xbf16>
  return %o : tensor<4x5x8xbf16>
}

// -----

// CHECK-LABEL: func.func @bool_mask_per_head_broadcast_over_queries
// CHECK: attn.attention
// CHECK-SAME: mask(%{{.*}} : tensor<2x4x1x7xi1>)
func.func @bool_mask_per_head_broadcast_over_queries(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>,
    %v: tensor<2x4x7x8xf32>, %mask: tensor<2x4x1x7xi1>, %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         mask(%mask : tensor<2x4x1x7xi1>) outs(%init : tensor<2x4x5x8xf32>)
         scale(0.125) -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @causal_top_left
// CHECK: attn.attention
// CHECK-SAME: scale(1.000000e+00) causal<top_left> -> tensor<4x5x8xf32>
func.func @causal_top_left(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>,
                           %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(1.0) causal<top_left> -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @causal_bottom_right
// CHECK: attn.attention
// CHECK-SAME: scale(1.000000e+00) causal<bottom_right> -> tensor<4x5x8xf32>
func.func @causal_bottom_right(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>,
                               %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(1.0) causal<bottom_right> -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @lse_result
// CHECK: %{{.*}}:2 = attn.attention
// CHECK-SAME: outs(%{{.*}} : tensor<2x4x5x8xf32>) lse(%{{.*}} : tensor<2x4x5xf32>) scale(5.000000e-01) causal<top_left> -> tensor<2x4x5x8xf32>, tensor<2x4x5xf32>
func.func @lse_result(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>,
    %init: tensor<2x4x5x8xf32>, %linit: tensor<2x4x5xf32>) -> (tensor<2x4x5x8xf32>, tensor<2x4x5xf32>) {
  %o:2 = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
           outs(%init : tensor<2x4x5x8xf32>) lse(%linit : tensor<2x4x5xf32>)
           scale(0.5) causal<top_left> -> tensor<2x4x5x8xf32>, tensor<2x4x5xf32>
  return %o#0, %o#1 : tensor<2x4x5x8xf32>, tensor<2x4x5xf32>
}

// -----

// CHECK-LABEL: func.func @lse_with_mask
// CHECK: %{{.*}}:2 = attn.attention
// CHECK-SAME: mask(%{{.*}} : tensor<5x7xi1>) outs(%{{.*}} : tensor<4x5x8xf32>) lse(%{{.*}} : tensor<4x5xf32>)
func.func @lse_with_mask(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>,
    %mask: tensor<5x7xi1>, %init: tensor<4x5x8xf32>, %linit: tensor<4x5xf32>) -> (tensor<4x5x8xf32>, tensor<4x5xf32>) {
  %o:2 = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
           mask(%mask : tensor<5x7xi1>) outs(%init : tensor<4x5x8xf32>) lse(%linit : tensor<4x5xf32>)
           scale(0.5) -> tensor<4x5x8xf32>, tensor<4x5xf32>
  return %o#0, %o#1 : tensor<4x5x8xf32>, tensor<4x5xf32>
}

// -----

// [B, S, H, D] storage for every operand.
// CHECK-LABEL: func.func @perms_bshd
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x4x8xf32>, tensor<2x7x2x8xf32>, tensor<2x7x2x16xf32>) outs(%{{.*}} : tensor<2x5x4x16xf32>)
// CHECK-SAME: key_perm = array<i64: 0, 2, 1, 3>
// CHECK-SAME: output_perm = array<i64: 0, 2, 1, 3>
// CHECK-SAME: query_perm = array<i64: 0, 2, 1, 3>
// CHECK-SAME: value_perm = array<i64: 0, 2, 1, 3>
// CHECK-SAME: -> tensor<2x5x4x16xf32>
func.func @perms_bshd(%q: tensor<2x5x4x8xf32>, %k: tensor<2x7x2x8xf32>, %v: tensor<2x7x2x16xf32>,
                      %init: tensor<2x5x4x16xf32>) -> tensor<2x5x4x16xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x5x4x8xf32>, tensor<2x7x2x8xf32>, tensor<2x7x2x16xf32>)
         outs(%init : tensor<2x5x4x16xf32>) scale(0.25)
         {query_perm = array<i64: 0, 2, 1, 3>, key_perm = array<i64: 0, 2, 1, 3>,
          value_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 2, 1, 3>} -> tensor<2x5x4x16xf32>
  return %o : tensor<2x5x4x16xf32>
}

// -----

// Only the key is stored transposed: [B, H, D, Sk].
// CHECK-LABEL: func.func @key_perm_transposed_only
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x5x8xf32>, tensor<2x4x8x7xf32>, tensor<2x4x7x8xf32>)
// CHECK-SAME: {key_perm = array<i64: 0, 1, 3, 2>}
func.func @key_perm_transposed_only(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x8x7xf32>, %v: tensor<2x4x7x8xf32>,
                                    %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x8x7xf32>, tensor<2x4x7x8xf32>)
         outs(%init : tensor<2x4x5x8xf32>) scale(0.25) {key_perm = array<i64: 0, 1, 3, 2>} -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_dims
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>)
// CHECK-SAME: mask(%{{.*}} : tensor<?x?xf32>) outs(%{{.*}} : tensor<?x?x?x?xf32>)
// CHECK-SAME: causal<bottom_right> -> tensor<?x?x?x?xf32>
func.func @dynamic_dims(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                        %mask: tensor<?x?xf32>, %init: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>)
         mask(%mask : tensor<?x?xf32>) outs(%init : tensor<?x?x?x?xf32>)
         scale(0.125) causal<bottom_right> -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}

// -----

// Static heads and head dim, dynamic batch and sequence lengths.
// CHECK-LABEL: func.func @dynamic_batch_and_seq
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x4x?x8xf16>, tensor<?x2x?x8xf16>, tensor<?x2x?x8xf16>) outs(%{{.*}} : tensor<?x4x?x8xf16>)
func.func @dynamic_batch_and_seq(%q: tensor<?x4x?x8xf16>, %k: tensor<?x2x?x8xf16>, %v: tensor<?x2x?x8xf16>,
                                 %init: tensor<?x4x?x8xf16>) -> tensor<?x4x?x8xf16> {
  %o = attn.attention ins(%q, %k, %v : tensor<?x4x?x8xf16>, tensor<?x2x?x8xf16>, tensor<?x2x?x8xf16>)
         outs(%init : tensor<?x4x?x8xf16>) scale(0.125) -> tensor<?x4x?x8xf16>
  return %o : tensor<?x4x?x8xf16>
}

// -----

// CHECK-LABEL: func.func @f16_inputs_f32_output
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x5x8xf16>, tensor<4x7x8xf16>, tensor<4x7x8xf16>) outs(%{{.*}} : tensor<4x5x8xf32>)
func.func @f16_inputs_f32_output(%q: tensor<4x5x8xf16>, %k: tensor<4x7x8xf16>, %v: tensor<4x7x8xf16>,
                                 %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf16>, tensor<4x7x8xf16>, tensor<4x7x8xf16>)
         outs(%init : tensor<4x5x8xf32>) scale(0.125) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @bf16
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x5x8xbf16>, tensor<4x7x8xbf16>, tensor<4x7x8xbf16>) outs(%{{.*}} : tensor<4x5x8xbf16>)
func.func @bf16(%q: tensor<4x5x8xbf16>, %k: tensor<4x7x8xbf16>, %v: tensor<4x7x8xbf16>,
                %init: tensor<4x5x8xbf16>) -> tensor<4x5x8xbf16> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xbf16>, tensor<4x7x8xbf16>, tensor<4x7x8xbf16>)
         outs(%init : tensor<4x5x8xbf16>) scale(0.125) -> tensor<4x5x8xbf16>
  return %o : tensor<4x5x8xbf16>
}

// -----

// Two batch dimensions.
// CHECK-LABEL: func.func @two_batch_dims
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3x4x5x8xf32>, tensor<2x3x4x7x8xf32>, tensor<2x3x4x7x8xf32>)
// CHECK-SAME: mask(%{{.*}} : tensor<3x1x5x7xi1>)
func.func @two_batch_dims(%q: tensor<2x3x4x5x8xf32>, %k: tensor<2x3x4x7x8xf32>, %v: tensor<2x3x4x7x8xf32>,
                          %mask: tensor<3x1x5x7xi1>, %init: tensor<2x3x4x5x8xf32>) -> tensor<2x3x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x3x4x5x8xf32>, tensor<2x3x4x7x8xf32>, tensor<2x3x4x7x8xf32>)
         mask(%mask : tensor<3x1x5x7xi1>) outs(%init : tensor<2x3x4x5x8xf32>)
         scale(0.125) -> tensor<2x3x4x5x8xf32>
  return %o : tensor<2x3x4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @mqa_single_kv_head
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x8x5x8xf32>, tensor<2x1x7x8xf32>, tensor<2x1x7x8xf32>)
func.func @mqa_single_kv_head(%q: tensor<2x8x5x8xf32>, %k: tensor<2x1x7x8xf32>, %v: tensor<2x1x7x8xf32>,
                              %init: tensor<2x8x5x8xf32>) -> tensor<2x8x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x8x5x8xf32>, tensor<2x1x7x8xf32>, tensor<2x1x7x8xf32>)
         outs(%init : tensor<2x8x5x8xf32>) scale(0.125) -> tensor<2x8x5x8xf32>
  return %o : tensor<2x8x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @gqa_dv_differs_from_d
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<6x5x8xf32>, tensor<2x7x8xf32>, tensor<2x7x16xf32>) outs(%{{.*}} : tensor<6x5x16xf32>)
func.func @gqa_dv_differs_from_d(%q: tensor<6x5x8xf32>, %k: tensor<2x7x8xf32>, %v: tensor<2x7x16xf32>,
                                 %init: tensor<6x5x16xf32>) -> tensor<6x5x16xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<6x5x8xf32>, tensor<2x7x8xf32>, tensor<2x7x16xf32>)
         outs(%init : tensor<6x5x16xf32>) scale(0.125) -> tensor<6x5x16xf32>
  return %o : tensor<6x5x16xf32>
}

// -----

// The generic form parses and prints back in the custom form.
// CHECK-LABEL: func.func @generic_form_input
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>) mask(%{{.*}} : tensor<5x7xi1>) outs(%{{.*}} : tensor<4x5x8xf32>) scale(2.500000e-01) causal<top_left> -> tensor<4x5x8xf32>
func.func @generic_form_input(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>,
                              %mask: tensor<5x7xi1>, %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  %o = "attn.attention"(%q, %k, %v, %mask, %init)
         <{causal = #attn.causal<top_left>, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 1, 0>, scale = 2.500000e-01 : f64}> ({}, {})
         : (tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>, tensor<5x7xi1>, tensor<4x5x8xf32>) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// A tile of a causal op carries its diagonal in causal_offset; the mask, the
// offset and the lse keep their order in the custom form.
// CHECK-LABEL: func.func @causal_offset_tile
// CHECK-SAME: %[[OFF:[a-z0-9]+]]: index
// CHECK: attn.attention ins({{.*}}) mask(%{{.*}} : tensor<1x7xi1>) outs(%{{.*}} : tensor<1x2x5x8xf32>) lse(%{{.*}} : tensor<1x2x5xf32>) scale(2.500000e-01) causal<top_left> causal_offset(%[[OFF]]) -> tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
func.func @causal_offset_tile(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x7x8xf32>, %v: tensor<1x2x7x8xf32>,
                              %mask: tensor<1x7xi1>, %init: tensor<1x2x5x8xf32>, %linit: tensor<1x2x5xf32>,
                              %off: index) -> (tensor<1x2x5x8xf32>, tensor<1x2x5xf32>) {
  %o:2 = attn.attention ins(%q, %k, %v : tensor<1x2x5x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>)
         mask(%mask : tensor<1x7xi1>) outs(%init : tensor<1x2x5x8xf32>) lse(%linit : tensor<1x2x5xf32>)
         scale(0.25) causal<top_left> causal_offset(%off) -> tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
  return %o#0, %o#1 : tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
}
