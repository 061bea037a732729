// RUN: attn-opt %s --attn-fuse="remarks=true" -split-input-file \
// RUN:   -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @bshd_layout
// CHECK: attn.attention {{.*}} {key_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 2, 1, 3>, query_perm = array<i64: 0, 2, 1, 3>, value_perm = array<i64: 0, 2, 1, 3>}

func.func @bshd_layout(%q: tensor<2x5x4x8xf32>, %k: tensor<2x7x4x8xf32>, %v: tensor<2x7x4x8xf32>) -> tensor<2x5x4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %sempty = tensor.empty() : tensor<2x4x5x7xf32>
  %szero = linalg.fill ins(%zero : f32) outs(%sempty : tensor<2x4x5x7xf32>) -> tensor<2x4x5x7xf32>
  %rempty = tensor.empty() : tensor<2x4x5xf32>
  %rowninf = linalg.fill ins(%ninf : f32) outs(%rempty : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %rowzero = linalg.fill ins(%zero : f32) outs(%rempty : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %oempty = tensor.empty() : tensor<2x5x4x8xf32>
  %ozero = linalg.fill ins(%zero : f32) outs(%oempty : tensor<2x5x4x8xf32>) -> tensor<2x5x4x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, m, h, d)>, affine_map<(b, h, m, n, d) -> (b, n, h, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x5x4x8xf32>, tensor<2x7x4x8xf32>) outs(%szero : tensor<2x4x5x7xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x7xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<2x4x5x7xf32>) outs(%sempty : tensor<2x4x5x7xf32>) {
  ^bb0(%x0: f32, %out: f32):
    %cst = arith.constant 0.35355339 : f32
    %y = arith.mulf %x0, %cst : f32
    linalg.yield %y : f32
  } -> tensor<2x4x5x7xf32>
  %rmax = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%sc : tensor<2x4x5x7xf32>) outs(%rowninf : tensor<2x4x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.maximumf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sc, %rmax : tensor<2x4x5x7xf32>, tensor<2x4x5xf32>) outs(%sempty : tensor<2x4x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %d = arith.subf %x0, %x1 : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<2x4x5x7xf32>
  %rsum = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ex : tensor<2x4x5x7xf32>) outs(%rowzero : tensor<2x4x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex, %rsum : tensor<2x4x5x7xf32>, tensor<2x4x5xf32>) outs(%sempty : tensor<2x4x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %y = arith.divf %x0, %x1 : f32
    linalg.yield %y : f32
  } -> tensor<2x4x5x7xf32>
  // expected-remark @below {{fused attention: scale 0.353553}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, n, h, e)>, affine_map<(b, h, m, e, n) -> (b, m, h, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %v : tensor<2x4x5x7xf32>, tensor<2x7x4x8xf32>) outs(%ozero : tensor<2x5x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x5x4x8xf32>
  return %o : tensor<2x5x4x8xf32>
}
