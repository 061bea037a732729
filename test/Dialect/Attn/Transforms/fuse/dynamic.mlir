// RUN: attn-opt %s --attn-fuse="remarks=true" -split-input-file \
// RUN:   -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @dynamic_shapes
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%{{.*}} : tensor<?x?x?x?xf32>)

func.func @dynamic_shapes(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %nb = tensor.dim %q, %c0 : tensor<?x?x?x?xf32>
  %nh = tensor.dim %q, %c1 : tensor<?x?x?x?xf32>
  %sq = tensor.dim %q, %c2 : tensor<?x?x?x?xf32>
  %sk = tensor.dim %k, %c2 : tensor<?x?x?x?xf32>
  %dv = tensor.dim %v, %c3 : tensor<?x?x?x?xf32>
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %sempty = tensor.empty(%nb, %nh, %sq, %sk) : tensor<?x?x?x?xf32>
  %szero = linalg.fill ins(%zero : f32) outs(%sempty : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %rempty = tensor.empty(%nb, %nh, %sq) : tensor<?x?x?xf32>
  %rowninf = linalg.fill ins(%ninf : f32) outs(%rempty : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %rowzero = linalg.fill ins(%zero : f32) outs(%rempty : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %oempty = tensor.empty(%nb, %nh, %sq, %dv) : tensor<?x?x?x?xf32>
  %ozero = linalg.fill ins(%zero : f32) outs(%oempty : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%szero : tensor<?x?x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x?x?x?xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<?x?x?x?xf32>) outs(%sempty : tensor<?x?x?x?xf32>) {
  ^bb0(%x0: f32, %out: f32):
    %cst = arith.constant 0.35355339 : f32
    %y = arith.mulf %x0, %cst : f32
    linalg.yield %y : f32
  } -> tensor<?x?x?x?xf32>
  %rmax = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%sc : tensor<?x?x?x?xf32>) outs(%rowninf : tensor<?x?x?xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.maximumf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<?x?x?xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sc, %rmax : tensor<?x?x?x?xf32>, tensor<?x?x?xf32>) outs(%sempty : tensor<?x?x?x?xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %d = arith.subf %x0, %x1 : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<?x?x?x?xf32>
  %rsum = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ex : tensor<?x?x?x?xf32>) outs(%rowzero : tensor<?x?x?xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<?x?x?xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex, %rsum : tensor<?x?x?x?xf32>, tensor<?x?x?xf32>) outs(%sempty : tensor<?x?x?x?xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %y = arith.divf %x0, %x1 : f32
    linalg.yield %y : f32
  } -> tensor<?x?x?x?xf32>
  // expected-remark @below {{fused attention: scale 0.353553}}
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%ozero : tensor<?x?x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
