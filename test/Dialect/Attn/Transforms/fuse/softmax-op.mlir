// RUN: attn-opt %s --attn-fuse="remarks=true" -split-input-file \
// RUN:   -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @softmax_op_no_scale
// CHECK: attn.attention {{.*}} scale(1.000000e+00) ->
// CHECK-NOT: linalg.softmax

func.func @softmax_op_no_scale(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %sempty = tensor.empty() : tensor<2x4x5x7xf32>
  %szero = linalg.fill ins(%zero : f32) outs(%sempty : tensor<2x4x5x7xf32>) -> tensor<2x4x5x7xf32>
  %rempty = tensor.empty() : tensor<2x4x5xf32>
  %rowninf = linalg.fill ins(%ninf : f32) outs(%rempty : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %rowzero = linalg.fill ins(%zero : f32) outs(%rempty : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %oempty = tensor.empty() : tensor<2x4x5x8xf32>
  %ozero = linalg.fill ins(%zero : f32) outs(%oempty : tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>) outs(%szero : tensor<2x4x5x7xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x7xf32>
  %probs = linalg.softmax dimension(3) ins(%s : tensor<2x4x5x7xf32>) outs(%sempty : tensor<2x4x5x7xf32>) -> tensor<2x4x5x7xf32>
  // expected-remark @below {{fused attention: scale 1}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %v : tensor<2x4x5x7xf32>, tensor<2x4x7x8xf32>) outs(%ozero : tensor<2x4x5x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// CHECK-LABEL: func.func @softmax_op_scaled_query
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : {{.*}} scale(2.500000e-01) ->

func.func @softmax_op_scaled_query(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %sempty = tensor.empty() : tensor<2x4x5x7xf32>
  %szero = linalg.fill ins(%zero : f32) outs(%sempty : tensor<2x4x5x7xf32>) -> tensor<2x4x5x7xf32>
  %rempty = tensor.empty() : tensor<2x4x5xf32>
  %rowninf = linalg.fill ins(%ninf : f32) outs(%rempty : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %rowzero = linalg.fill ins(%zero : f32) outs(%rempty : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %oempty = tensor.empty() : tensor<2x4x5x8xf32>
  %ozero = linalg.fill ins(%zero : f32) outs(%oempty : tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32>
  %qempty = tensor.empty() : tensor<2x4x5x8xf32>
  %qs = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%q : tensor<2x4x5x8xf32>) outs(%qempty : tensor<2x4x5x8xf32>) {
  ^bb0(%a: f32, %c: f32):
    %cst = arith.constant 0.25 : f32
    %y = arith.mulf %a, %cst : f32
    linalg.yield %y : f32
  } -> tensor<2x4x5x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%qs, %k : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>) outs(%szero : tensor<2x4x5x7xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x7xf32>
  %probs = linalg.softmax dimension(3) ins(%s : tensor<2x4x5x7xf32>) outs(%sempty : tensor<2x4x5x7xf32>) -> tensor<2x4x5x7xf32>
  // expected-remark @below {{fused attention: scale 0.25}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %v : tensor<2x4x5x7xf32>, tensor<2x4x7x8xf32>) outs(%ozero : tensor<2x4x5x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}
