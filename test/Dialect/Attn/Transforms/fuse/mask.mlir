// RUN: attn-opt %s --attn-fuse="remarks=true" -split-input-file \
// RUN:   -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @causal_top_left
// CHECK: attn.attention {{.*}} causal<top_left>

func.func @causal_top_left(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
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
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %keep = arith.cmpi sle, %j, %i : index
    %ni = arith.constant 0xFF800000 : f32
    %cst = arith.constant 0.35355339 : f32
    %sx = arith.mulf %x0, %cst : f32
    %y = arith.select %keep, %sx, %ni : f32
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
  // expected-remark @below {{fused attention: causal, scale 0.353553}}
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

// CHECK-LABEL: func.func @causal_bottom_right
// CHECK: attn.attention {{.*}} causal<bottom_right>

func.func @causal_bottom_right(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
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
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %off = arith.constant 2 : index
    %io = arith.addi %i, %off : index
    %keep = arith.cmpi sle, %j, %io : index
    %ni = arith.constant 0xFF800000 : f32
    %cst = arith.constant 0.35355339 : f32
    %sx = arith.mulf %x0, %cst : f32
    %y = arith.select %keep, %sx, %ni : f32
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
  // expected-remark @below {{fused attention: causal, scale 0.353553}}
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

// CHECK-LABEL: func.func @causal_inverted_large_negative
// CHECK: attn.attention {{.*}} causal<top_left>

func.func @causal_inverted_large_negative(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
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
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %keep = arith.cmpi sgt, %j, %i : index
    %ni = arith.constant -1.0e+09 : f32
    %cst = arith.constant 0.35355339 : f32
    %sx = arith.mulf %x0, %cst : f32
    %y = arith.select %keep, %ni, %sx : f32
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
  // expected-remark @below {{fused attention: causal, scale 0.353553}}
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

// CHECK-LABEL: func.func @additive_mask
// CHECK: attn.attention {{.*}} mask(%arg3 : tensor<5x7xf32>)

func.func @additive_mask(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>, %mask: tensor<5x7xf32>) -> tensor<2x4x5x8xf32> {
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
  %sc = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (m, n)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %mask : tensor<2x4x5x7xf32>, tensor<5x7xf32>) outs(%sempty : tensor<2x4x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %cst = arith.constant 0.35355339 : f32
    %sx = arith.mulf %x0, %cst : f32
    %y = arith.addf %sx, %x1 : f32
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
  // expected-remark @below {{fused attention: mask, scale 0.353553}}
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

// CHECK-LABEL: func.func @bool_mask_select
// CHECK: attn.attention {{.*}} mask(%arg3 : tensor<2x1x1x7xi1>)

func.func @bool_mask_select(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>, %mask: tensor<2x1x1x7xi1>) -> tensor<2x4x5x8xf32> {
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
  %sc = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, 0, 0, n)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %mask : tensor<2x4x5x7xf32>, tensor<2x1x1x7xi1>) outs(%sempty : tensor<2x4x5x7xf32>) {
  ^bb0(%x0: f32, %x1: i1, %out: f32):
    %ni = arith.constant 0xFF800000 : f32
    %cst = arith.constant 0.35355339 : f32
    %sx = arith.mulf %x0, %cst : f32
    %y = arith.select %x1, %sx, %ni : f32
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
  // expected-remark @below {{fused attention: mask, scale 0.353553}}
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

// CHECK-LABEL: func.func @constant_triangular_mask
// CHECK: %[[TRI:.*]] = arith.constant dense<
// CHECK: attn.attention {{.*}} mask(%[[TRI]] : tensor<5x7xf32>)

func.func @constant_triangular_mask(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %sempty = tensor.empty() : tensor<2x4x5x7xf32>
  %szero = linalg.fill ins(%zero : f32) outs(%sempty : tensor<2x4x5x7xf32>) -> tensor<2x4x5x7xf32>
  %rempty = tensor.empty() : tensor<2x4x5xf32>
  %rowninf = linalg.fill ins(%ninf : f32) outs(%rempty : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %rowzero = linalg.fill ins(%zero : f32) outs(%rempty : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %oempty = tensor.empty() : tensor<2x4x5x8xf32>
  %ozero = linalg.fill ins(%zero : f32) outs(%oempty : tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32>
  %tri = arith.constant dense<[[0.0, 0.0, 0.0, -1.0e+09, -1.0e+09, -1.0e+09, -1.0e+09], [0.0, 0.0, 0.0, 0.0, -1.0e+09, -1.0e+09, -1.0e+09], [0.0, 0.0, 0.0, 0.0, 0.0, -1.0e+09, -1.0e+09], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0e+09], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<5x7xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>) outs(%szero : tensor<2x4x5x7xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x7xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (m, n)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %tri : tensor<2x4x5x7xf32>, tensor<5x7xf32>) outs(%sempty : tensor<2x4x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %cst = arith.constant 0.35355339 : f32
    %sx = arith.mulf %x0, %cst : f32
    %y = arith.addf %sx, %x1 : f32
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
  // expected-remark @below {{fused attention: mask, scale 0.353553}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %v : tensor<2x4x5x7xf32>, tensor<2x4x7x8xf32>) outs(%ozero : tensor<2x4x5x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}
