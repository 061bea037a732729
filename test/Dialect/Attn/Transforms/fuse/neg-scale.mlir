// Not fused: scores multiplied by something that is not a constant scale.
// Each case checks that nothing is fused and the remark, if any.
// RUN: attn-opt %s -split-input-file --attn-fuse | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-fuse=remarks=true \
// RUN:   -verify-diagnostics -o /dev/null

// Scale is a runtime function argument, not a constant: attn.attention's scale
// is a compile-time F64Attr, so this cannot be raised.

// CHECK-LABEL: func.func @scale_function_argument
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK-NOT: attn.attention
// CHECK: linalg.softmax
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: return

func.func @scale_function_argument(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>, %scale: f32) -> tensor<2x2x5x16xf32> {
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
    %x = arith.mulf %a0, %scale : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init7 = tensor.empty() : tensor<2x2x5x7xf32>
  %sm8 = linalg.softmax dimension(3) ins(%r6 : tensor<2x2x5x7xf32>) outs(%init7 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init9 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: a scalar operand is not a constant}}
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

// Scores multiplied elementwise by a tensor argument: a per-element factor is
// neither a scalar scale nor an additive mask.

// CHECK-LABEL: func.func @scale_per_element_tensor
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

func.func @scale_per_element_tensor(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>, %w: tensor<2x2x5x7xf32>) -> tensor<2x2x5x16xf32> {
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
  %r6 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r4, %w : tensor<2x2x5x7xf32>, tensor<2x2x5x7xf32>) outs(%init5 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %x = arith.mulf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init7 = tensor.empty() : tensor<2x2x5x7xf32>
  %sm8 = linalg.softmax dimension(3) ins(%r6 : tensor<2x2x5x7xf32>) outs(%init7 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init9 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: the scores are multiplied by a tensor, not by a constant scale}}
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

// A [Sq,Sk] mask multiplied into the scores (s * m): masked entries become 0,
// not -inf, so they still get weight exp(0 - max). Neither an additive nor a keep-mask.

// CHECK-LABEL: func.func @mask_applied_with_mulf
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
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

func.func @mask_applied_with_mulf(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>, %mask: tensor<5x7xf32>) -> tensor<2x2x5x16xf32> {
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
  %r8 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r6, %mask : tensor<2x2x5x7xf32>, tensor<5x7xf32>) outs(%init7 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %x = arith.mulf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init9 = tensor.empty() : tensor<2x2x5x7xf32>
  %sm10 = linalg.softmax dimension(3) ins(%r8 : tensor<2x2x5x7xf32>) outs(%init9 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init11 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst12 = arith.constant 0.000000e+00 : f32
  %fill13 = linalg.fill ins(%cst12 : f32) outs(%init11 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: the scores are multiplied by a tensor, not by a constant scale}}
  %r14 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm10, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%fill13 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r14 : tensor<2x2x5x16xf32>
}
