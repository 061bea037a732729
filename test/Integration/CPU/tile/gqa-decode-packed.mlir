// Grouped-query decoding (Sq = 1, Hq = 4, Hkv = 2) in BSHD with a
// key-padding-style additive mask [B, 1, 1, Sk], causal<bottom_right> and
// the lse, computed as written and after --attn-pack-grouped-queries (the 2
// query heads of each group as 2 rows of one head), both against float64.
// RUN: attn-opt %s --attn-pipeline="target=cpu" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.plain
// RUN: %attn-check reference %t.plain --scale 0.25 --causal bottom_right --mask additive --lse --query-perm 0,2,1,3 --key-perm 0,2,1,3 --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s
// RUN: attn-opt %s --attn-pack-grouped-queries --attn-pipeline="target=cpu" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.packed
// RUN: %attn-check reference %t.packed --scale 0.25 --causal bottom_right --mask additive --lse --query-perm 0,2,1,3 --key-perm 0,2,1,3 --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s
// RUN: attn-opt %s --attn-pack-grouped-queries | FileCheck %s --check-prefix=IR
// CHECK: PASS
// IR: attn.attention ins({{.*}} : tensor<2x2x2x8xf32>

#id4 = affine_map<(a, b, c, d) -> (a, b, c, d)>

func.func private @printMemrefF32(tensor<*xf32>)

// Deterministic pseudo-random values in [-1, 1].
func.func @fill(%t: tensor<?x?x?x?xf32>, %seed: f32) -> tensor<?x?x?x?xf32> {
  %r = linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%t : tensor<?x?x?x?xf32>) {
  ^bb0(%o: f32):
    %i0 = linalg.index 0 : index
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %c0 = arith.constant 1.37 : f32
    %c1 = arith.constant 2.71 : f32
    %c2 = arith.constant 0.577 : f32
    %c3 = arith.constant 1.913 : f32
    %f0 = arith.index_cast %i0 : index to i32
    %f1 = arith.index_cast %i1 : index to i32
    %f2 = arith.index_cast %i2 : index to i32
    %f3 = arith.index_cast %i3 : index to i32
    %g0 = arith.sitofp %f0 : i32 to f32
    %g1 = arith.sitofp %f1 : i32 to f32
    %g2 = arith.sitofp %f2 : i32 to f32
    %g3 = arith.sitofp %f3 : i32 to f32
    %a0 = arith.mulf %g0, %c0 : f32
    %a1 = arith.mulf %g1, %c1 : f32
    %a2 = arith.mulf %g2, %c2 : f32
    %a3 = arith.mulf %g3, %c3 : f32
    %s0 = arith.addf %a0, %a1 : f32
    %s1 = arith.addf %a2, %a3 : f32
    %s2 = arith.addf %s0, %s1 : f32
    %s3 = arith.mulf %s2, %seed : f32
    %v = math.sin %s3 : f32
    linalg.yield %v : f32
  } -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

func.func @print(%t: tensor<?x?x?x?xf32>) {
  %u = tensor.cast %t : tensor<?x?x?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %seed_q = arith.constant 1.0 : f32
  %eq = tensor.empty() : tensor<2x1x4x8xf32>
  %dq = tensor.cast %eq : tensor<2x1x4x8xf32> to tensor<?x?x?x?xf32>
  %fq = call @fill(%dq, %seed_q) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %q = tensor.cast %fq : tensor<?x?x?x?xf32> to tensor<2x1x4x8xf32>
  %seed_k = arith.constant 1.7 : f32
  %ek = tensor.empty() : tensor<2x9x2x8xf32>
  %dk = tensor.cast %ek : tensor<2x9x2x8xf32> to tensor<?x?x?x?xf32>
  %fk = call @fill(%dk, %seed_k) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %k = tensor.cast %fk : tensor<?x?x?x?xf32> to tensor<2x9x2x8xf32>
  %seed_v = arith.constant 2.3 : f32
  %ev = tensor.empty() : tensor<2x9x2x8xf32>
  %dv = tensor.cast %ev : tensor<2x9x2x8xf32> to tensor<?x?x?x?xf32>
  %fv = call @fill(%dv, %seed_v) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %v = tensor.cast %fv : tensor<?x?x?x?xf32> to tensor<2x9x2x8xf32>
  %seed_m = arith.constant 0.9 : f32
  %em = tensor.empty() : tensor<2x1x1x9xf32>
  %dm = tensor.cast %em : tensor<2x1x1x9xf32> to tensor<?x?x?x?xf32>
  %fm = call @fill(%dm, %seed_m) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %m = tensor.cast %fm : tensor<?x?x?x?xf32> to tensor<2x1x1x9xf32>
  %init = tensor.empty() : tensor<2x1x4x8xf32>
  %linit = tensor.empty() : tensor<2x4x1xf32>
  %r:2 = attn.attention ins(%q, %k, %v : tensor<2x1x4x8xf32>, tensor<2x9x2x8xf32>, tensor<2x9x2x8xf32>)
           mask(%m : tensor<2x1x1x9xf32>)
           outs(%init : tensor<2x1x4x8xf32>) lse(%linit : tensor<2x4x1xf32>)
           scale(0.25) causal<bottom_right>
           {query_perm = array<i64: 0, 2, 1, 3>, key_perm = array<i64: 0, 2, 1, 3>, value_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 2, 1, 3>}
           -> tensor<2x1x4x8xf32>, tensor<2x4x1xf32>
  %p1 = tensor.cast %q : tensor<2x1x4x8xf32> to tensor<?x?x?x?xf32>
  call @print(%p1) : (tensor<?x?x?x?xf32>) -> ()
  %p2 = tensor.cast %k : tensor<2x9x2x8xf32> to tensor<?x?x?x?xf32>
  call @print(%p2) : (tensor<?x?x?x?xf32>) -> ()
  %p3 = tensor.cast %v : tensor<2x9x2x8xf32> to tensor<?x?x?x?xf32>
  call @print(%p3) : (tensor<?x?x?x?xf32>) -> ()
  %p4 = tensor.cast %m : tensor<2x1x1x9xf32> to tensor<?x?x?x?xf32>
  call @print(%p4) : (tensor<?x?x?x?xf32>) -> ()
  %p5 = tensor.cast %r#0 : tensor<2x1x4x8xf32> to tensor<?x?x?x?xf32>
  call @print(%p5) : (tensor<?x?x?x?xf32>) -> ()
  %lse = tensor.cast %r#1 : tensor<2x4x1xf32> to tensor<*xf32>
  call @printMemrefF32(%lse) : (tensor<*xf32>) -> ()
  return
}
