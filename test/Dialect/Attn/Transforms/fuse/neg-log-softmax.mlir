// log_softmax (s - max - log(sum exp(s - max))) feeding P*V instead of softmax.
// RUN: attn-opt %s --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-fuse=remarks=true -verify-diagnostics -o /dev/null

// CHECK-LABEL: func.func @log_softmax
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: math.exp
// CHECK-NOT: attn.attention
// CHECK: math.log
// CHECK-NOT: attn.attention
// CHECK: arith.subf
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK-NOT: attn.attention
// CHECK: return

func.func @log_softmax(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>) -> tensor<2x2x5x16xf32> {
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
  %init7 = tensor.empty() : tensor<2x2x5xf32>
  %cst8 = arith.constant 0xFF800000 : f32
  %fill9 = linalg.fill ins(%cst8 : f32) outs(%init7 : tensor<2x2x5xf32>) -> tensor<2x2x5xf32>
  %r10 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%r6 : tensor<2x2x5x7xf32>) outs(%fill9 : tensor<2x2x5xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = arith.maximumf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5xf32>
  %init11 = tensor.empty() : tensor<2x2x5x7xf32>
  %r12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r6, %r10 : tensor<2x2x5x7xf32>, tensor<2x2x5xf32>) outs(%init11 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %x = arith.subf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init13 = tensor.empty() : tensor<2x2x5x7xf32>
  %r14 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r12 : tensor<2x2x5x7xf32>) outs(%init13 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init15 = tensor.empty() : tensor<2x2x5xf32>
  %cst16 = arith.constant 0.000000e+00 : f32
  %fill17 = linalg.fill ins(%cst16 : f32) outs(%init15 : tensor<2x2x5xf32>) -> tensor<2x2x5xf32>
  %r18 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%r14 : tensor<2x2x5x7xf32>) outs(%fill17 : tensor<2x2x5xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = arith.addf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5xf32>
  %init19 = tensor.empty() : tensor<2x2x5xf32>
  %r20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%r18 : tensor<2x2x5xf32>) outs(%init19 : tensor<2x2x5xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = math.log %a0 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5xf32>
  %init21 = tensor.empty() : tensor<2x2x5x7xf32>
  %r22 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r12, %r20 : tensor<2x2x5x7xf32>, tensor<2x2x5xf32>) outs(%init21 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %x = arith.subf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init23 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst24 = arith.constant 0.000000e+00 : f32
  %fill25 = linalg.fill ins(%cst24 : f32) outs(%init23 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{not fused: P is not a normalised exponential}}
  %r26 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%r22, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%fill25 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r26 : tensor<2x2x5x16xf32>
}
