// Not fused: a softmax or contraction over the wrong axis.
// Each case checks that nothing is fused and the remark, if any.
// RUN: attn-opt %s -split-input-file --attn-fuse | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-fuse=remarks=true \
// RUN:   -verify-diagnostics -o /dev/null

// Softmax over the head axis (dimension 1): probabilities across heads. Not attention.

// CHECK-LABEL: func.func @softmax_over_head_axis
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.softmax dimension(1)
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: return

func.func @softmax_over_head_axis(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>) -> tensor<2x2x5x16xf32> {
  %init1 = tensor.empty() : tensor<2x2x5x7xf32>
  %cst2 = arith.constant 0.000000e+00 : f32
  %fill3 = linalg.fill ins(%cst2 : f32) outs(%init1 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %r4 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2x5x16xf32>, tensor<2x2x7x16xf32>) outs(%fill3 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x7xf32>
  %init5 = tensor.empty() : tensor<2x2x5x7xf32>
  %r6 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r4 : tensor<2x2x5x7xf32>) outs(%init5 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init7 = tensor.empty() : tensor<2x2x5x7xf32>
  %sm8 = linalg.softmax dimension(1) ins(%r6 : tensor<2x2x5x7xf32>) outs(%init7 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init9 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: softmax reduces dim 1, not the key axis}}
  %r12 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm8, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%fill11 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r12 : tensor<2x2x5x16xf32>
}

// -----

// Softmax normalises over the query axis (dimension 2), not the key axis:
// each column, not each row, sums to 1. Not attention.

// CHECK-LABEL: func.func @softmax_over_query_axis
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.softmax dimension(2)
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: return

func.func @softmax_over_query_axis(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>) -> tensor<2x2x5x16xf32> {
  %init1 = tensor.empty() : tensor<2x2x5x7xf32>
  %cst2 = arith.constant 0.000000e+00 : f32
  %fill3 = linalg.fill ins(%cst2 : f32) outs(%init1 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %r4 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2x5x16xf32>, tensor<2x2x7x16xf32>) outs(%fill3 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x7xf32>
  %init5 = tensor.empty() : tensor<2x2x5x7xf32>
  %r6 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r4 : tensor<2x2x5x7xf32>) outs(%init5 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init7 = tensor.empty() : tensor<2x2x5x7xf32>
  %sm8 = linalg.softmax dimension(2) ins(%r6 : tensor<2x2x5x7xf32>) outs(%init7 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init9 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: softmax reduces dim 2, not the key axis}}
  %r12 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm8, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%fill11 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r12 : tensor<2x2x5x16xf32>
}

// -----

// O = P^T V: the second contraction runs over the query axis of P (m), not
// the key axis, so the normalised rows are not what gets averaged. Not attention.

// CHECK-LABEL: func.func @pt_times_v
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.softmax dimension(3)
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: return

func.func @pt_times_v(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x5x16xf32>, %v: tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32> {
  %init1 = tensor.empty() : tensor<2x2x5x5xf32>
  %cst2 = arith.constant 0.000000e+00 : f32
  %fill3 = linalg.fill ins(%cst2 : f32) outs(%init1 : tensor<2x2x5x5xf32>) -> tensor<2x2x5x5xf32>
  %r4 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2x5x16xf32>, tensor<2x2x5x16xf32>) outs(%fill3 : tensor<2x2x5x5xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x5xf32>
  %init5 = tensor.empty() : tensor<2x2x5x5xf32>
  %r6 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r4 : tensor<2x2x5x5xf32>) outs(%init5 : tensor<2x2x5x5xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x5xf32>
  %init7 = tensor.empty() : tensor<2x2x5x5xf32>
  %sm8 = linalg.softmax dimension(3) ins(%r6 : tensor<2x2x5x5xf32>) outs(%init7 : tensor<2x2x5x5xf32>) -> tensor<2x2x5x5xf32>
  %init9 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: softmax reduces dim 3, not the key axis}}
  %r12 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>], iterator_types = ["parallel", "parallel", "reduction", "parallel", "parallel"]}
      ins(%sm8, %v : tensor<2x2x5x5xf32>, tensor<2x2x5x16xf32>) outs(%fill11 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r12 : tensor<2x2x5x16xf32>
}

// -----

// V is indexed by the query position m instead of the key position n inside the
// P*V contraction: sum_n P[m,n] * V[m,e] = V[m,e] * sum_n P[m,n]. Not attention.

// CHECK-LABEL: func.func @v_indexed_by_query_axis
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.softmax
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: return

func.func @v_indexed_by_query_axis(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x5x16xf32>, %v: tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32> {
  %init1 = tensor.empty() : tensor<2x2x5x5xf32>
  %cst2 = arith.constant 0.000000e+00 : f32
  %fill3 = linalg.fill ins(%cst2 : f32) outs(%init1 : tensor<2x2x5x5xf32>) -> tensor<2x2x5x5xf32>
  %r4 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2x5x16xf32>, tensor<2x2x5x16xf32>) outs(%fill3 : tensor<2x2x5x5xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x5xf32>
  %init5 = tensor.empty() : tensor<2x2x5x5xf32>
  %r6 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r4 : tensor<2x2x5x5xf32>) outs(%init5 : tensor<2x2x5x5xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x5xf32>
  %init7 = tensor.empty() : tensor<2x2x5x5xf32>
  %sm8 = linalg.softmax dimension(3) ins(%r6 : tensor<2x2x5x5xf32>) outs(%init7 : tensor<2x2x5x5xf32>) -> tensor<2x2x5x5xf32>
  %init9 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: the contraction is not P·V: an operand misses an output dimension}}
  %r12 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm8, %v : tensor<2x2x5x5xf32>, tensor<2x2x5x16xf32>) outs(%fill11 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r12 : tensor<2x2x5x16xf32>
}
