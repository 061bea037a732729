// RUN: attn-opt %s --attn-decompose-aggregated-ops -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @softmax_becomes_generics
// CHECK-NOT: linalg.softmax
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maxnumf
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax_becomes_generics(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %r = linalg.softmax dimension(1) ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// attn.attention implements AggregatedOpInterface too: the same reference
// decomposition as --attn-decompose (scores contraction, scaled and causally
// masked, stable softmax, P·V).
// CHECK-LABEL: func.func @attention_becomes_generics
// CHECK-NOT: attn.attention
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.cmpi sle
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK-NOT: attn.attention
func.func @attention_becomes_generics(%q: tensor<2x5x8xf32>, %k: tensor<2x7x8xf32>, %v: tensor<2x7x8xf32>,
                                      %init: tensor<2x5x8xf32>) -> tensor<2x5x8xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x5x8xf32>, tensor<2x7x8xf32>, tensor<2x7x8xf32>)
         outs(%init : tensor<2x5x8xf32>) scale(0.25) causal<top_left> -> tensor<2x5x8xf32>
  return %r : tensor<2x5x8xf32>
}
