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
