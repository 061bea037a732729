// Not fused: score modifications attn.attention cannot absorb.
// Each case checks that nothing is fused and the remark, if any.
// RUN: attn-opt %s -split-input-file --attn-fuse | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-fuse=remarks=true \
// RUN:   -verify-diagnostics -o /dev/null

// Not fused: tanh applied to the probabilities: a modification after the softmax.

// CHECK-LABEL: func.func @attn_after_softmax
// CHECK-NOT: attn.attention
// CHECK: return
func.func @attn_after_softmax(%q: tensor<2x2x6x4xf32>, %k: tensor<2x2x6x4xf32>, %v: tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<2x2x6x6xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%se : tensor<2x2x6x6xf32>) -> tensor<2x2x6x6xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>) outs(%sz : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x6xf32>
  %s0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<2x2x6x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %o: f32):
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %rn0 = tensor.empty() : tensor<2x2x6xf32>
  %rn = linalg.fill ins(%ninf : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s0 : tensor<2x2x6x6xf32>) outs(%rn : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s0, %mx : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<2x2x6x6xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ex : tensor<2x2x6x6xf32>) outs(%rz : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %pr = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex, %sm : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<2x2x6x6xf32>
  %prt = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%pr : tensor<2x2x6x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.tanh %x : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %oe = tensor.empty() : tensor<2x2x6x4xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32>
  // expected-remark @below {{not fused: P is not a normalised exponential}}
  %out = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%prt, %v : tensor<2x2x6x6xf32>, tensor<2x2x6x4xf32>) outs(%oz : tensor<2x2x6x4xf32>) {
  ^bb0(%p: f32, %x: f32, %acc: f32):
    %m = arith.mulf %p, %x : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x4xf32>
  return %out : tensor<2x2x6x4xf32>
}

// -----

// Not fused: s[i, j] + s[j, i]: the modification reads another score (the transpose).

// CHECK-LABEL: func.func @attn_reads_another_score
// CHECK-NOT: attn.attention
// CHECK: return
func.func @attn_reads_another_score(%q: tensor<2x2x6x4xf32>, %k: tensor<2x2x6x4xf32>, %v: tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<2x2x6x6xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%se : tensor<2x2x6x6xf32>) -> tensor<2x2x6x6xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>) outs(%sz : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x6xf32>
  %s0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<2x2x6x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %o: f32):
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %sym = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s0, %s0 : tensor<2x2x6x6xf32>, tensor<2x2x6x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %t: f32, %o: f32):
    %y = arith.addf %x, %t : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %rn0 = tensor.empty() : tensor<2x2x6xf32>
  %rn = linalg.fill ins(%ninf : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%sym : tensor<2x2x6x6xf32>) outs(%rn : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sym, %mx : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<2x2x6x6xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ex : tensor<2x2x6x6xf32>) outs(%rz : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %pr = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex, %sm : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<2x2x6x6xf32>
  %oe = tensor.empty() : tensor<2x2x6x4xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32>
  // expected-remark @below {{not fused: a score modification reads another score or a reduction}}
  %out = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%pr, %v : tensor<2x2x6x6xf32>, tensor<2x2x6x4xf32>) outs(%oz : tensor<2x2x6x4xf32>) {
  ^bb0(%p: f32, %x: f32, %acc: f32):
    %m = arith.mulf %p, %x : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x4xf32>
  return %out : tensor<2x2x6x4xf32>
}

// -----

// Not fused: s[i, j] - mean_i s[i, j]: a reduction over the query axis between the scores and the softmax.

// CHECK-LABEL: func.func @attn_reduction_between
// CHECK-NOT: attn.attention
// CHECK: return
func.func @attn_reduction_between(%q: tensor<2x2x6x4xf32>, %k: tensor<2x2x6x4xf32>, %v: tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<2x2x6x6xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%se : tensor<2x2x6x6xf32>) -> tensor<2x2x6x6xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>) outs(%sz : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x6xf32>
  %s0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<2x2x6x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %o: f32):
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %ce0 = tensor.empty() : tensor<2x2x6xf32>
  %cz = linalg.fill ins(%zero : f32) outs(%ce0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %colsum = linalg.generic {indexing_maps = [affine_map<(d0, d1, d3, d2) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d3, d2) -> (d0, d1, d3)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s0 : tensor<2x2x6x6xf32>) outs(%cz : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %cen = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s0, %colsum : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %cs: f32, %o: f32):
    %c = arith.constant 0.16666667 : f32
    %m = arith.mulf %cs, %c : f32
    %y = arith.subf %x, %m : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %rn0 = tensor.empty() : tensor<2x2x6xf32>
  %rn = linalg.fill ins(%ninf : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%cen : tensor<2x2x6x6xf32>) outs(%rn : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%cen, %mx : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<2x2x6x6xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ex : tensor<2x2x6x6xf32>) outs(%rz : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %pr = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex, %sm : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<2x2x6x6xf32>
  %oe = tensor.empty() : tensor<2x2x6x4xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32>
  // expected-remark @below {{not fused: a score modification reads another score or a reduction}}
  %out = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%pr, %v : tensor<2x2x6x6xf32>, tensor<2x2x6x4xf32>) outs(%oz : tensor<2x2x6x4xf32>) {
  ^bb0(%p: f32, %x: f32, %acc: f32):
    %m = arith.mulf %p, %x : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x4xf32>
  return %out : tensor<2x2x6x4xf32>
}

// -----

// Not fused: a sink term exp(sink[h]) in the denominator while the
// numerator subtracts the row max: not the same softmax with a sink.

// CHECK-LABEL: func.func @attn_sink_without_max
// CHECK-NOT: attn.attention
// CHECK: return
func.func @attn_sink_without_max(%q: tensor<2x2x6x4xf32>, %k: tensor<2x2x6x4xf32>, %v: tensor<2x2x6x4xf32>, %sinks: tensor<2xf32>) -> tensor<2x2x6x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %se = tensor.empty() : tensor<2x2x6x6xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%se : tensor<2x2x6x6xf32>) -> tensor<2x2x6x6xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>) outs(%sz : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x6xf32>
  %s0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<2x2x6x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %o: f32):
    %c = arith.constant 0.5 : f32
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %rn0 = tensor.empty() : tensor<2x2x6xf32>
  %rn = linalg.fill ins(%ninf : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%s0 : tensor<2x2x6x6xf32>) outs(%rn : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %mxs = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%mx, %sinks : tensor<2x2x6xf32>, tensor<2xf32>) outs(%rn0 : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.maximumf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s0, %mxs : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<2x2x6x6xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ex : tensor<2x2x6x6xf32>) outs(%rz : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %sms = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%sm, %sinks, %mxs : tensor<2x2x6xf32>, tensor<2xf32>, tensor<2x2x6xf32>) outs(%rn0 : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %b: f32, %m: f32, %o: f32):
    %e = math.exp %b : f32
    %r = arith.addf %a, %e : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %pr = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex, %sms : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.divf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<2x2x6x6xf32>
  %oe = tensor.empty() : tensor<2x2x6x4xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32>
  // expected-remark @below {{not fused: the sink term does not subtract the numerator's row maximum}}
  %out = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%pr, %v : tensor<2x2x6x6xf32>, tensor<2x2x6x4xf32>) outs(%oz : tensor<2x2x6x4xf32>) {
  ^bb0(%p: f32, %x: f32, %acc: f32):
    %m = arith.mulf %p, %x : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x4xf32>
  return %out : tensor<2x2x6x4xf32>
}
