// Not fused: an intermediate result is used elsewhere, or the
// output accumulates into existing data.
// Each case checks that nothing is fused and the remark, if any.
// RUN: attn-opt %s -split-input-file --attn-fuse | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-fuse=remarks=true \
// RUN:   -verify-diagnostics -o /dev/null

// The softmax probabilities are also returned (attention weights output, as
// nn.MultiheadAttention need_weights=True): not expressible by attn.attention.

// CHECK-LABEL: func.func @probs_second_user
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

func.func @probs_second_user(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>) -> (tensor<2x2x5x16xf32>, tensor<2x2x5x7xf32>) {
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
  %sm8 = linalg.softmax dimension(3) ins(%r6 : tensor<2x2x5x7xf32>) outs(%init7 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init9 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: an intermediate result has another user}}
  %r12 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm8, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%fill11 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r12, %sm8 : tensor<2x2x5x16xf32>, tensor<2x2x5x7xf32>
}

// -----

// The scaled scores are also returned: fusing would have to keep the QK^T
// contraction alive anyway (attn.attention does not expose scores). Must not fuse.

// CHECK-LABEL: func.func @scores_second_user
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

func.func @scores_second_user(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>) -> (tensor<2x2x5x16xf32>, tensor<2x2x5x7xf32>) {
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
  %sm8 = linalg.softmax dimension(3) ins(%r6 : tensor<2x2x5x7xf32>) outs(%init7 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init9 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: an intermediate result has another user}}
  %r12 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm8, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%fill11 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r12, %r6 : tensor<2x2x5x16xf32>, tensor<2x2x5x7xf32>
}

// -----

// P·V accumulating into a non-zero `outs` (a residual accumulated in place,
// O = R + softmax(S)·V): attn.attention overwrites its output, so this is not
// fused, and it is reported as a near miss (it used to be silent).

// CHECK-LABEL: func.func @pv_into_residual
// CHECK-NOT: attn.attention
// CHECK: linalg.softmax
// CHECK-NOT: attn.attention
// CHECK: return

func.func @pv_into_residual(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>, %residual: tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32> {
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
  %init7 = tensor.empty() : tensor<2x2x5x7xf32>
  %sm8 = linalg.softmax dimension(3) ins(%r4 : tensor<2x2x5x7xf32>) outs(%init7 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  // expected-remark @below {{not fused: P·V accumulates into a non-zero output tensor (outs is not a fill with 0)}}
  %r12 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm8, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%residual : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r12 : tensor<2x2x5x16xf32>
}
