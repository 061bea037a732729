// Sigmoid attention (Apple's ml-sigmoid-attention, written in JAX:
// sigmoid(q·kᵀ·scale + b)·v, no normalisation over the keys) as
// openxla/stablehlo's stablehlo-legalize-to-linalg lowers it
// (stablehlo.logistic is 1 / (1 + exp(-x)), see MapStablehloToScalarOp.h):
// P is a function of an exponential but not a softmax. Not fused.
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RECALL: @sigmoid_attention 0

// CHECK-LABEL: func.func @sigmoid_attention(
// CHECK-NOT: attn.attention
// CHECK: return

#lhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
#rhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d4)>
#out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#pv_lhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#pv_rhs = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d1, d3)>
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @sigmoid_attention(%q: tensor<2x8x2x4xf32>, %k: tensor<2x8x2x4xf32>, %v: tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %e0 = tensor.empty() : tensor<2x2x8x8xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %s = linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x8x2x4xf32>, tensor<2x8x2x4xf32>) outs(%f0 : tensor<2x2x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %p = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<2x2x8x8xf32>) outs(%e0 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 5.000000e-01 : f32
    %b = arith.constant -2.079440e+00 : f32
    %one = arith.constant 1.000000e+00 : f32
    %x = arith.mulf %in, %c : f32
    %y = arith.addf %x, %b : f32
    %n = arith.negf %y : f32
    %ex = math.exp %n : f32
    %d = arith.addf %one, %ex : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %e1 = tensor.empty() : tensor<2x2x8x4xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x2x8x4xf32>) -> tensor<2x2x8x4xf32>
  // expected-remark @below {{not fused: softmax numerator is not an exponential}}
  %o = linalg.generic {indexing_maps = [#pv_lhs, #pv_rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%p, %v : tensor<2x2x8x8xf32>, tensor<2x8x2x4xf32>) outs(%f1 : tensor<2x2x8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x4xf32>
  return %o : tensor<2x2x8x4xf32>
}
