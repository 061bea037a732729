// 2-D matmuls on dynamic shapes.
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
// RUN: attn-opt %s --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// REF: PASS
// CMP: PASS

// CHECK-LABEL: func.func @attention
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.softmax
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.transpose
// CHECK: attn.attention
// CHECK-SAME: scale(2.500000e-01)
// CHECK-NOT: causal
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.softmax
// CHECK-NOT: linalg.matmul
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

func.func @attention(%q: tensor<?x?xf32>, %k: tensor<?x?xf32>, %v: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0_M = arith.constant 0 : index
  %M = tensor.dim %q, %c0_M : tensor<?x?xf32>
  %c1_D = arith.constant 1 : index
  %D = tensor.dim %q, %c1_D : tensor<?x?xf32>
  %c0_N = arith.constant 0 : index
  %N = tensor.dim %k, %c0_N : tensor<?x?xf32>
  %c1_E = arith.constant 1 : index
  %E = tensor.dim %v, %c1_E : tensor<?x?xf32>
  %init1 = tensor.empty(%M, %N) : tensor<?x?xf32>
  %cst2 = arith.constant 0.000000e+00 : f32
  %fill3 = linalg.fill ins(%cst2 : f32) outs(%init1 : tensor<?x?xf32>) -> tensor<?x?xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%q, %k : tensor<?x?xf32>, tensor<?x?xf32>) outs(%fill3 : tensor<?x?xf32>) -> tensor<?x?xf32>
  %init5 = tensor.empty(%M, %N) : tensor<?x?xf32>
  %r6 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%mm4 : tensor<?x?xf32>) outs(%init5 : tensor<?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 4.0 : f32
    %x = arith.divf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<?x?xf32>
  %init7 = tensor.empty(%M, %N) : tensor<?x?xf32>
  %sm8 = linalg.softmax dimension(1) ins(%r6 : tensor<?x?xf32>) outs(%init7 : tensor<?x?xf32>) -> tensor<?x?xf32>
  %init9 = tensor.empty(%M, %E) : tensor<?x?xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<?x?xf32>) -> tensor<?x?xf32>
  // expected-remark @below {{fused attention: scale 0.25}}
  %mm12 = linalg.matmul ins(%sm8, %v : tensor<?x?xf32>, tensor<?x?xf32>) outs(%fill11 : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %mm12 : tensor<?x?xf32>
}

func.func @main() {
  %seed_q = arith.constant 1.0 : f32
  %e_q = tensor.empty() : tensor<1x1x5x16xf32>
  %ed_q = tensor.cast %e_q : tensor<1x1x5x16xf32> to tensor<?x?x?x?xf32>
  %fd_q = call @fill(%ed_q, %seed_q) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_q = tensor.cast %fd_q : tensor<?x?x?x?xf32> to tensor<1x1x5x16xf32>
  %c2_q = tensor.collapse_shape %x_q [[0, 1, 2], [3]] : tensor<1x1x5x16xf32> into tensor<5x16xf32>
  %dy_q = tensor.cast %c2_q : tensor<5x16xf32> to tensor<?x?xf32>
  %seed_k = arith.constant 1.7 : f32
  %e_k = tensor.empty() : tensor<1x1x7x16xf32>
  %ed_k = tensor.cast %e_k : tensor<1x1x7x16xf32> to tensor<?x?x?x?xf32>
  %fd_k = call @fill(%ed_k, %seed_k) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_k = tensor.cast %fd_k : tensor<?x?x?x?xf32> to tensor<1x1x7x16xf32>
  %c2_k = tensor.collapse_shape %x_k [[0, 1, 2], [3]] : tensor<1x1x7x16xf32> into tensor<7x16xf32>
  %dy_k = tensor.cast %c2_k : tensor<7x16xf32> to tensor<?x?xf32>
  %seed_v = arith.constant 2.3 : f32
  %e_v = tensor.empty() : tensor<1x1x7x16xf32>
  %ed_v = tensor.cast %e_v : tensor<1x1x7x16xf32> to tensor<?x?x?x?xf32>
  %fd_v = call @fill(%ed_v, %seed_v) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_v = tensor.cast %fd_v : tensor<?x?x?x?xf32> to tensor<1x1x7x16xf32>
  %c2_v = tensor.collapse_shape %x_v [[0, 1, 2], [3]] : tensor<1x1x7x16xf32> into tensor<7x16xf32>
  %dy_v = tensor.cast %c2_v : tensor<7x16xf32> to tensor<?x?xf32>
  %o = call @attention(%dy_q, %dy_k, %dy_v) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  %os = tensor.cast %o : tensor<?x?xf32> to tensor<5x16xf32>
  %o4 = tensor.expand_shape %os [[0, 1, 2], [3]] output_shape [1, 1, 5, 16] : tensor<5x16xf32> into tensor<1x1x5x16xf32>
  %od = tensor.cast %o4 : tensor<1x1x5x16xf32> to tensor<?x?x?x?xf32>
  call @print(%fd_q) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%fd_k) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%fd_v) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%od) : (tensor<?x?x?x?xf32>) -> ()
  return
}
