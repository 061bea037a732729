// BLOOM/MPT ALiBi: slope[h] * (j - i) from linalg.index through index_cast and sitofp, the slopes read by an indexing map, plus the causal select.
// RUN: attn-opt %s --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-fuse=remarks=true -verify-diagnostics -o /dev/null

// CHECK-LABEL: func.func @attn_alibi(
// CHECK-SAME: %[[SLOPES:[a-z0-9]+]]: tensor<2xf32>)
// CHECK: attn.attention {{.*}} scale(5.000000e-01) causal<top_left> score_mod {
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %{{.+}}: index, %[[H:.+]]: index, %[[I:.+]]: index, %[[J:.+]]: index):
// CHECK-NEXT: %[[SL:.+]] = tensor.extract %[[SLOPES]][%[[H]]] : tensor<2xf32>
// CHECK-NEXT: %[[NI:.+]] = arith.muli %[[I]], %c-1
// CHECK-NEXT: %[[D:.+]] = arith.addi %[[J]], %[[NI]] : index
// CHECK-NEXT: %[[DI:.+]] = arith.index_cast %[[D]] : index to i64
// CHECK-NEXT: %[[DF:.+]] = arith.sitofp %[[DI]] : i64 to f32
// CHECK-NEXT: %[[B:.+]] = arith.mulf %[[SL]], %[[DF]] : f32
// CHECK-NEXT: %[[R:.+]] = arith.addf %[[S]], %[[B]] : f32
// CHECK-NEXT: attn.yield %[[R]] : f32
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @attn_alibi(%q: tensor<2x2x6x4xf32>, %k: tensor<2x2x6x4xf32>, %v: tensor<2x2x6x4xf32>, %slopes: tensor<2xf32>) -> tensor<2x2x6x4xf32> {
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
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s0, %slopes : tensor<2x2x6x6xf32>, tensor<2xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %sl: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %d = arith.subi %j, %i : index
    %di = arith.index_cast %d : index to i64
    %df = arith.sitofp %di : i64 to f32
    %b = arith.mulf %sl, %df : f32
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %msk = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<2x2x6x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %causal = arith.cmpi sgt, %j, %i : index
    %y = arith.select %causal, %ninf, %x : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %rn0 = tensor.empty() : tensor<2x2x6xf32>
  %rn = linalg.fill ins(%ninf : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%msk : tensor<2x2x6x6xf32>) outs(%rn : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%msk, %mx : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
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
  // expected-remark @below {{fused attention: causal, score_mod (position bias), scale 0.5}}
  %out = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%pr, %v : tensor<2x2x6x6xf32>, tensor<2x2x6x4xf32>) outs(%oz : tensor<2x2x6x4xf32>) {
  ^bb0(%p: f32, %x: f32, %acc: f32):
    %m = arith.mulf %p, %x : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x4xf32>
  return %out : tensor<2x2x6x4xf32>
}
