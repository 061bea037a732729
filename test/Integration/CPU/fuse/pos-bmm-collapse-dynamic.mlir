// XFAIL: *
// Missing: --attn-fuse cannot see through a collapse/expand with dynamic
// inner sizes. K is collapsed with tensor.dim %k[1] as inner size while the
// scores are expanded with tensor.dim %q[1], and nothing local proves them
// equal (remark: "no Q·Kᵀ contraction feeds the softmax ..."), so the first
// RUN line finds no attn.attention. Its unfused twin runs:
// test/Integration/CPU/pipeline/collapsed-batch-matmul-dynamic.mlir.
// batch_matmul with collapse/expand_shape, dynamic shapes.
// RUN: attn-opt %s --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-pipeline=target=cpu \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.unfused
// RUN: %attn-check reference %t.unfused --scale 0.25 --tol 1e-4 \
// RUN:   | FileCheck %s --check-prefix=REF
// RUN: attn-opt %s --attn-fuse --attn-pipeline=target=cpu \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.fused
// RUN: %attn-check compare %t.fused %t.unfused --tol 1e-4 \
// RUN:   | FileCheck %s --check-prefix=CMP
// REF: PASS
// CMP: PASS

// CHECK-LABEL: func.func @attention
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.softmax
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.broadcast
// CHECK-NOT: linalg.transpose
// CHECK: attn.attention
// CHECK-SAME: scale(2.500000e-01)
// CHECK-NOT: causal
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.softmax
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.broadcast
// CHECK-NOT: linalg.transpose
// CHECK: return
// CHECK-LABEL: func.func @main

#fill_map = affine_map<(a, b, c, d) -> (a, b, c, d)>

func.func private @printMemrefF32(tensor<*xf32>)

// Deterministic pseudo-random values in [-1, 1].
func.func @fill(%t: tensor<?x?x?x?xf32>, %seed: f32) -> tensor<?x?x?x?xf32> {
  %r = linalg.generic {indexing_maps = [#fill_map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%t : tensor<?x?x?x?xf32>) {
  ^bb0(%o: f32):
    %i0 = linalg.index 0 : index
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %f0 = arith.index_cast %i0 : index to i32
    %f1 = arith.index_cast %i1 : index to i32
    %f2 = arith.index_cast %i2 : index to i32
    %f3 = arith.index_cast %i3 : index to i32
    %g0 = arith.sitofp %f0 : i32 to f32
    %g1 = arith.sitofp %f1 : i32 to f32
    %g2 = arith.sitofp %f2 : i32 to f32
    %g3 = arith.sitofp %f3 : i32 to f32
    %c0 = arith.constant 1.37 : f32
    %c1 = arith.constant 2.71 : f32
    %c2 = arith.constant 0.577 : f32
    %c3 = arith.constant 1.913 : f32
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

func.func @attention(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %c0_B = arith.constant 0 : index
  %B = tensor.dim %q, %c0_B : tensor<?x?x?x?xf32>
  %c1_H = arith.constant 1 : index
  %H = tensor.dim %q, %c1_H : tensor<?x?x?x?xf32>
  %c2_M = arith.constant 2 : index
  %M = tensor.dim %q, %c2_M : tensor<?x?x?x?xf32>
  %c3_D = arith.constant 3 : index
  %D = tensor.dim %q, %c3_D : tensor<?x?x?x?xf32>
  %c1_K = arith.constant 1 : index
  %K = tensor.dim %k, %c1_K : tensor<?x?x?x?xf32>
  %c2_N = arith.constant 2 : index
  %N = tensor.dim %k, %c2_N : tensor<?x?x?x?xf32>
  %c3_E = arith.constant 3 : index
  %E = tensor.dim %v, %c3_E : tensor<?x?x?x?xf32>
  %qc1 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<?x?x?x?xf32> into tensor<?x?x?xf32>
  %kc2 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<?x?x?x?xf32> into tensor<?x?x?xf32>
  %X = arith.muli %B, %H : index
  %init3 = tensor.empty(%X, %M, %N) : tensor<?x?x?xf32>
  %cst4 = arith.constant 0.000000e+00 : f32
  %fill5 = linalg.fill ins(%cst4 : f32) outs(%init3 : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %bmm6 = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%qc1, %kc2 : tensor<?x?x?xf32>, tensor<?x?x?xf32>) outs(%fill5 : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %s47 = tensor.expand_shape %bmm6 [[0, 1], [2], [3]] output_shape [%B, %H, %M, %N] : tensor<?x?x?xf32> into tensor<?x?x?x?xf32>
  %init8 = tensor.empty(%B, %H, %M, %N) : tensor<?x?x?x?xf32>
  %r9 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s47 : tensor<?x?x?x?xf32>) outs(%init8 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<?x?x?x?xf32>
  %init10 = tensor.empty(%B, %H, %M, %N) : tensor<?x?x?x?xf32>
  %sm11 = linalg.softmax dimension(3) ins(%r9 : tensor<?x?x?x?xf32>) outs(%init10 : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %init12 = tensor.empty(%B, %H, %M, %E) : tensor<?x?x?x?xf32>
  %cst13 = arith.constant 0.000000e+00 : f32
  %fill14 = linalg.fill ins(%cst13 : f32) outs(%init12 : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %r15 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm11, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%fill14 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x?x?x?xf32>
  return %r15 : tensor<?x?x?x?xf32>
}

func.func @main() {
  %seed_q = arith.constant 1.0 : f32
  %e_q = tensor.empty() : tensor<2x2x5x16xf32>
  %ed_q = tensor.cast %e_q : tensor<2x2x5x16xf32> to tensor<?x?x?x?xf32>
  %fd_q = call @fill(%ed_q, %seed_q) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_q = tensor.cast %fd_q : tensor<?x?x?x?xf32> to tensor<2x2x5x16xf32>
  %dy_q = tensor.cast %x_q : tensor<2x2x5x16xf32> to tensor<?x?x?x?xf32>
  %seed_k = arith.constant 1.7 : f32
  %e_k = tensor.empty() : tensor<2x2x7x16xf32>
  %ed_k = tensor.cast %e_k : tensor<2x2x7x16xf32> to tensor<?x?x?x?xf32>
  %fd_k = call @fill(%ed_k, %seed_k) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_k = tensor.cast %fd_k : tensor<?x?x?x?xf32> to tensor<2x2x7x16xf32>
  %dy_k = tensor.cast %x_k : tensor<2x2x7x16xf32> to tensor<?x?x?x?xf32>
  %seed_v = arith.constant 2.3 : f32
  %e_v = tensor.empty() : tensor<2x2x7x16xf32>
  %ed_v = tensor.cast %e_v : tensor<2x2x7x16xf32> to tensor<?x?x?x?xf32>
  %fd_v = call @fill(%ed_v, %seed_v) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_v = tensor.cast %fd_v : tensor<?x?x?x?xf32> to tensor<2x2x7x16xf32>
  %dy_v = tensor.cast %x_v : tensor<2x2x7x16xf32> to tensor<?x?x?x?xf32>
  %o = call @attention(%dy_q, %dy_k, %dy_v) : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %os = tensor.cast %o : tensor<?x?x?x?xf32> to tensor<2x2x5x16xf32>
  %od = tensor.cast %os : tensor<2x2x5x16xf32> to tensor<?x?x?x?xf32>
  call @print(%fd_q) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%fd_k) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%fd_v) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%od) : (tensor<?x?x?x?xf32>) -> ()
  return
}
