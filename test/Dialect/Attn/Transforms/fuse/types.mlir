// RUN: attn-opt %s --attn-fuse="remarks=true" -split-input-file \
// RUN:   -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @f16_extf_bodies
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : tensor<2x4x5x8xf16>, tensor<2x4x7x8xf16>, tensor<2x4x7x8xf16>) outs(%{{.*}} : tensor<2x4x5x8xf32>)

func.func @f16_extf_bodies(%q: tensor<2x4x5x8xf16>, %k: tensor<2x4x7x8xf16>, %v: tensor<2x4x7x8xf16>) -> tensor<2x4x5x8xf32> {
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
      ins(%q, %k : tensor<2x4x5x8xf16>, tensor<2x4x7x8xf16>) outs(%szero : tensor<2x4x5x7xf32>) {
  ^bb0(%a: f16, %b: f16, %c: f32):
    %ax = arith.extf %a : f16 to f32
    %bx = arith.extf %b : f16 to f32
    %p = arith.mulf %ax, %bx : f32
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
  %ph0 = tensor.empty() : tensor<2x4x5x7xf16>
  %ph = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%probs : tensor<2x4x5x7xf32>) outs(%ph0 : tensor<2x4x5x7xf16>) {
  ^bb0(%a: f32, %c: f16):
    %t = arith.truncf %a : f32 to f16
    linalg.yield %t : f16
  } -> tensor<2x4x5x7xf16>
  // expected-remark @below {{fused attention: scale 0.353553}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%ph, %v : tensor<2x4x5x7xf16>, tensor<2x4x7x8xf16>) outs(%ozero : tensor<2x4x5x8xf32>) {
  ^bb0(%a: f16, %b: f16, %c: f32):
    %ax = arith.extf %a : f16 to f32
    %bx = arith.extf %b : f16 to f32
    %p = arith.mulf %ax, %bx : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}
