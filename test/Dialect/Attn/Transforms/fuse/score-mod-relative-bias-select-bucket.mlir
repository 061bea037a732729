// T5-style bidirectional buckets: the bucket of j - i picks a half of the
// table by the sign of the distance (an integer select) and clamps within
// it; the select and the clamps are re-emitted in the score_mod.
// RUN: attn-opt %s --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-fuse=remarks=true -verify-diagnostics -o /dev/null

// CHECK-LABEL: func.func @attn_t5_select_bucket(
// CHECK-SAME: %[[TABLE:[a-z0-9]+]]: tensor<2x8xf32>)
// CHECK: attn.attention {{.*}} scale(1.000000e+00) score_mod {
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %{{.+}}: index, %[[H:.+]]: index, %[[I:.+]]: index, %[[J:.+]]: index):
// CHECK: %[[NEG:.+]] = arith.cmpi slt, %[[D:.+]], %c0 : index
// CHECK: %[[BASE:.+]] = arith.select %[[NEG]], %c0, %c3 : index
// CHECK: arith.maxsi %[[D]], %c-2 : index
// CHECK: arith.minsi
// CHECK: %[[BK:.+]] = arith.addi %[[BASE]], %{{.+}} : index
// CHECK: %[[BK2:.+]] = arith.addi %[[BK]], %c2 : index
// CHECK: %[[B:.+]] = tensor.extract %[[TABLE]][%[[H]], %[[BK2]]] : tensor<2x8xf32>
// CHECK: %[[R:.+]] = arith.addf %[[S]], %[[B]] : f32
// CHECK-NEXT: attn.yield %[[R]] : f32
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @attn_t5_select_bucket(%q: tensor<2x2x6x4xf32>, %k: tensor<2x2x6x4xf32>, %v: tensor<2x2x6x4xf32>, %table: tensor<2x8xf32>) -> tensor<2x2x6x4xf32> {
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
    %c = arith.constant 1.0 : f32
    %y = arith.mulf %x, %c : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s0 : tensor<2x2x6x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %ii = arith.index_cast %i : index to i64
    %ji = arith.index_cast %j : index to i64
    %d = arith.subi %ji, %ii : i64
    %zero64 = arith.constant 0 : i64
    %half = arith.constant 3 : i64
    %neg = arith.cmpi slt, %d, %zero64 : i64
    %base = arith.select %neg, %zero64, %half : i64
    %lo = arith.constant -2 : i64
    %hi = arith.constant 2 : i64
    %c1 = arith.maxsi %d, %lo : i64
    %c2 = arith.minsi %c1, %hi : i64
    %bk = arith.addi %base, %c2 : i64
    %bk2 = arith.addi %bk, %hi : i64
    %bx = arith.index_cast %bk2 : i64 to index
    %h = linalg.index 1 : index
    %b = tensor.extract %table[%h, %bx] : tensor<2x8xf32>
    %y = arith.addf %x, %b : f32
    linalg.yield %y : f32
  } -> tensor<2x2x6x6xf32>
  %rn0 = tensor.empty() : tensor<2x2x6xf32>
  %rn = linalg.fill ins(%ninf : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%rn0 : tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%bias : tensor<2x2x6x6xf32>) outs(%rn : tensor<2x2x6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias, %mx : tensor<2x2x6x6xf32>, tensor<2x2x6xf32>) outs(%se : tensor<2x2x6x6xf32>) {
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
  // expected-remark @below {{fused attention: score_mod (gathered bias table), scale 1}}
  %out = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%pr, %v : tensor<2x2x6x6xf32>, tensor<2x2x6x4xf32>) outs(%oz : tensor<2x2x6x4xf32>) {
  ^bb0(%p: f32, %x: f32, %acc: f32):
    %m = arith.mulf %p, %x : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x4xf32>
  return %out : tensor<2x2x6x4xf32>
}
