// RUN: attn-opt %s --attn-fuse="remarks=true" -split-input-file \
// RUN:   -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @generic_scale_mul
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>) outs(%{{.*}} : tensor<2x4x5x8xf32>) scale(0.353553{{[0-9]*}}) ->
// CHECK-NOT: linalg.generic

func.func @generic_scale_mul(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
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

// CHECK-LABEL: func.func @generic_scale_in_exp_reciprocal
// CHECK: attn.attention {{.*}} scale(5.000000e-01) ->

func.func @generic_scale_in_exp_reciprocal(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
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
  %rmax = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s : tensor<2x4x5x7xf32>) outs(%rowninf : tensor<2x4x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.maximumf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %rmax : tensor<2x4x5x7xf32>, tensor<2x4x5xf32>) outs(%sempty : tensor<2x4x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %c8 = arith.constant 2.0 : f32
    %d = arith.subf %x0, %x1 : f32
    %e = arith.divf %d, %c8 : f32
    %y = math.exp %e : f32
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
    %one = arith.constant 1.0 : f32
    %rc = arith.divf %one, %x1 : f32
    %y = arith.mulf %x0, %rc : f32
    linalg.yield %y : f32
  } -> tensor<2x4x5x7xf32>
  // expected-remark @below {{fused attention: scale 0.5}}
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

// CHECK-LABEL: func.func @generic_exp2_log2e
// CHECK: attn.attention {{.*}} scale(0.353553{{[0-9]*}}) ->

func.func @generic_exp2_log2e(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
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
  %rmax = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s : tensor<2x4x5x7xf32>) outs(%rowninf : tensor<2x4x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.maximumf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %rmax : tensor<2x4x5x7xf32>, tensor<2x4x5xf32>) outs(%sempty : tensor<2x4x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %c = arith.constant 0.5100697 : f32
    %a = arith.mulf %x0, %c : f32
    %bb = arith.mulf %x1, %c : f32
    %d = arith.subf %a, %bb : f32
    %y = math.exp2 %d : f32
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
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %v : tensor<2x4x5x7xf32>, tensor<2x4x7x8xf32>) outs(%ozero : tensor<2x4x5x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}
