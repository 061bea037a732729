// T5-style bidirectional buckets (an integer select on the sign of j - i,
// then a clamp): unfused and fused (+ --attn-tile) against float64 numpy
// (attn_check.py --t5-buckets M: bucket = (j - i < 0 ? 0 : M) +
// clip(j - i, -(M-1), M-1) + (M-1), here M = 3).
// RUN: attn-opt %s --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.unfused
// RUN: %attn-check reference %t.unfused --scale 1.0 --t5-buckets 3 | FileCheck %s
// RUN: attn-opt %s --attn-fuse --attn-tile="block-q=4 block-kv=4" --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.fused
// RUN: %attn-check reference %t.fused --scale 1.0 --t5-buckets 3 | FileCheck %s
// RUN: attn-opt %s --attn-fuse | FileCheck %s --check-prefix=FUSED
// CHECK: PASS
// FUSED: attn.attention

#id4 = affine_map<(a, b, c, d) -> (a, b, c, d)>

func.func private @printMemrefF32(tensor<*xf32>)

// Deterministic pseudo-random values in [-1, 1], times %amp.
func.func @fill(%t: tensor<?x?x?x?xf32>, %seed: f32, %amp: f32) -> tensor<?x?x?x?xf32> {
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
    %w = arith.mulf %v, %amp : f32
    linalg.yield %w : f32
  } -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

func.func @print(%t: tensor<?x?x?x?xf32>) {
  %u = tensor.cast %t : tensor<?x?x?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

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
  %out = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%pr, %v : tensor<2x2x6x6xf32>, tensor<2x2x6x4xf32>) outs(%oz : tensor<2x2x6x4xf32>) {
  ^bb0(%p: f32, %x: f32, %acc: f32):
    %m = arith.mulf %p, %x : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x2x6x4xf32>
  return %out : tensor<2x2x6x4xf32>
}

func.func @main() {
  %seed_q = arith.constant 1.0 : f32
  %amp_q = arith.constant 2.0 : f32
  %eq = tensor.empty() : tensor<2x2x6x4xf32>
  %dq = tensor.cast %eq : tensor<2x2x6x4xf32> to tensor<?x?x?x?xf32>
  %fq = call @fill(%dq, %seed_q, %amp_q) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %q = tensor.cast %fq : tensor<?x?x?x?xf32> to tensor<2x2x6x4xf32>
  %seed_k = arith.constant 1.7 : f32
  %amp_k = arith.constant 2.0 : f32
  %ek = tensor.empty() : tensor<2x2x6x4xf32>
  %dk = tensor.cast %ek : tensor<2x2x6x4xf32> to tensor<?x?x?x?xf32>
  %fk = call @fill(%dk, %seed_k, %amp_k) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %k = tensor.cast %fk : tensor<?x?x?x?xf32> to tensor<2x2x6x4xf32>
  %seed_v = arith.constant 2.3 : f32
  %amp_v = arith.constant 1.0 : f32
  %ev = tensor.empty() : tensor<2x2x6x4xf32>
  %dv = tensor.cast %ev : tensor<2x2x6x4xf32> to tensor<?x?x?x?xf32>
  %fv = call @fill(%dv, %seed_v, %amp_v) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %v = tensor.cast %fv : tensor<?x?x?x?xf32> to tensor<2x2x6x4xf32>
  %table = arith.constant dense<[[0.5, -0.25, 1.0, 0.0, -1.0, 0.75, 0.1, 0.3], [-0.5, 0.2, 0.3, 1.5, -0.1, 0.0, -2.0, 0.9]]> : tensor<2x8xf32>
  %o = call @attn_t5_select_bucket(%q, %k, %v, %table) : (tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>, tensor<2x8xf32>) -> tensor<2x2x6x4xf32>
  %p_q = tensor.cast %q : tensor<2x2x6x4xf32> to tensor<?x?x?x?xf32>
  call @print(%p_q) : (tensor<?x?x?x?xf32>) -> ()
  %p_k = tensor.cast %k : tensor<2x2x6x4xf32> to tensor<?x?x?x?xf32>
  call @print(%p_k) : (tensor<?x?x?x?xf32>) -> ()
  %p_v = tensor.cast %v : tensor<2x2x6x4xf32> to tensor<?x?x?x?xf32>
  call @print(%p_v) : (tensor<?x?x?x?xf32>) -> ()
  %u_table = tensor.cast %table : tensor<2x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u_table) : (tensor<*xf32>) -> ()
  %p_o = tensor.cast %o : tensor<2x2x6x4xf32> to tensor<?x?x?x?xf32>
  call @print(%p_o) : (tensor<?x?x?x?xf32>) -> ()
  return
}
