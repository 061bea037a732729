// RUN: attn-opt %s --attn-fuse="remarks=true" -split-input-file \
// RUN:   -verify-diagnostics | FileCheck %s

// The [B*H] batch is matched as the [B, H] it was collapsed from: the op
// reads the 4-D arguments in place and writes the expanded result.
// CHECK-LABEL: func.func @torch_batch_matmul_transpose
// CHECK-NOT: tensor.collapse_shape
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>) outs(%{{.*}} : tensor<2x4x5x8xf32>) scale(0.353553{{[0-9]*}})
// CHECK-NOT: linalg.batch_matmul
// CHECK: return

func.func @torch_batch_matmul_transpose(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347E+38 : f32
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x4x5x8xf32> into tensor<8x5x8xf32>
  %kc = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<2x4x7x8xf32> into tensor<8x7x8xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x4x7x8xf32> into tensor<8x7x8xf32>
  %se = tensor.empty() : tensor<8x5x7xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%se : tensor<8x5x7xf32>) -> tensor<8x5x7xf32>
  %kte = tensor.empty() : tensor<8x8x7xf32>
  %kt = linalg.transpose ins(%kc : tensor<8x7x8xf32>) outs(%kte : tensor<8x8x7xf32>) permutation = [0, 2, 1]
  %s = linalg.batch_matmul ins(%qc, %kt : tensor<8x5x8xf32>, tensor<8x8x7xf32>) outs(%sz : tensor<8x5x7xf32>) -> tensor<8x5x7xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<8x5x7xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %out: f32):
    %c8 = arith.constant 2.828427 : f32
    %y = arith.divf %x0, %c8 : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %re = tensor.empty() : tensor<8x5xf32>
  %rl = linalg.fill ins(%lowest : f32) outs(%re : tensor<8x5xf32>) -> tensor<8x5xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%re : tensor<8x5xf32>) -> tensor<8x5xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%sc : tensor<8x5x7xf32>) outs(%rl : tensor<8x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.maximumf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x5xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%sc, %mx : tensor<8x5x7xf32>, tensor<8x5xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %d = arith.subf %x0, %x1 : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ex : tensor<8x5x7xf32>) outs(%rz : tensor<8x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x5xf32>
  %pr = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %sm : tensor<8x5x7xf32>, tensor<8x5xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %y = arith.divf %x0, %x1 : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %oe = tensor.empty() : tensor<8x5x8xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x5x8xf32>) -> tensor<8x5x8xf32>
  // expected-remark @below {{fused attention: scale 0.353553}}
  %o3 = linalg.batch_matmul ins(%pr, %vc : tensor<8x5x7xf32>, tensor<8x7x8xf32>) outs(%oz : tensor<8x5x8xf32>) -> tensor<8x5x8xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [2, 4, 5, 8] : tensor<8x5x8xf32> into tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// The [B*H] batch is matched as the [B, H] it was collapsed from: the op
// reads the 4-D arguments in place and writes the expanded result.
// CHECK-LABEL: func.func @batch_matmul_transposed_map
// CHECK-NOT: tensor.collapse_shape
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>) outs(%{{.*}} : tensor<2x4x5x8xf32>) scale(0.353553{{[0-9]*}})
// CHECK-NOT: linalg.batch_matmul
// CHECK: return

func.func @batch_matmul_transposed_map(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347E+38 : f32
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x4x5x8xf32> into tensor<8x5x8xf32>
  %kc = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<2x4x7x8xf32> into tensor<8x7x8xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x4x7x8xf32> into tensor<8x7x8xf32>
  %se = tensor.empty() : tensor<8x5x7xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%se : tensor<8x5x7xf32>) -> tensor<8x5x7xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%qc, %kc : tensor<8x5x8xf32>, tensor<8x7x8xf32>) outs(%sz : tensor<8x5x7xf32>) -> tensor<8x5x7xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<8x5x7xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %out: f32):
    %c8 = arith.constant 2.828427 : f32
    %y = arith.divf %x0, %c8 : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %re = tensor.empty() : tensor<8x5xf32>
  %rl = linalg.fill ins(%lowest : f32) outs(%re : tensor<8x5xf32>) -> tensor<8x5xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%re : tensor<8x5xf32>) -> tensor<8x5xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%sc : tensor<8x5x7xf32>) outs(%rl : tensor<8x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.maximumf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x5xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%sc, %mx : tensor<8x5x7xf32>, tensor<8x5xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %d = arith.subf %x0, %x1 : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ex : tensor<8x5x7xf32>) outs(%rz : tensor<8x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x5xf32>
  %pr = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %sm : tensor<8x5x7xf32>, tensor<8x5xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %y = arith.divf %x0, %x1 : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %oe = tensor.empty() : tensor<8x5x8xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x5x8xf32>) -> tensor<8x5x8xf32>
  // expected-remark @below {{fused attention: scale 0.353553}}
  %o3 = linalg.batch_matmul ins(%pr, %vc : tensor<8x5x7xf32>, tensor<8x7x8xf32>) outs(%oz : tensor<8x5x8xf32>) -> tensor<8x5x8xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [2, 4, 5, 8] : tensor<8x5x8xf32> into tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}
