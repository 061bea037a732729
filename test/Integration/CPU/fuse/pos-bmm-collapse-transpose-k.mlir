// torch-mlir style: Q,K collapsed to [B*H,S,D], K transposed with linalg.transpose,
// linalg.batch_matmul, scores expanded back to [B,H,S,S].
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

func.func @attention(%q: tensor<2x2x5x16xf32>, %k: tensor<2x2x7x16xf32>, %v: tensor<2x2x7x16xf32>) -> tensor<2x2x5x16xf32> {
  %qc1 = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x2x5x16xf32> into tensor<4x5x16xf32>
  %kc2 = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<2x2x7x16xf32> into tensor<4x7x16xf32>
  %init3 = tensor.empty() : tensor<4x5x7xf32>
  %cst4 = arith.constant 0.000000e+00 : f32
  %fill5 = linalg.fill ins(%cst4 : f32) outs(%init3 : tensor<4x5x7xf32>) -> tensor<4x5x7xf32>
  %init7 = tensor.empty() : tensor<4x16x7xf32>
  %kt8 = linalg.transpose ins(%kc2 : tensor<4x7x16xf32>) outs(%init7 : tensor<4x16x7xf32>) permutation = [0, 2, 1]
  %bmm6 = linalg.batch_matmul ins(%qc1, %kt8 : tensor<4x5x16xf32>, tensor<4x16x7xf32>) outs(%fill5 : tensor<4x5x7xf32>) -> tensor<4x5x7xf32>
  %s49 = tensor.expand_shape %bmm6 [[0, 1], [2], [3]] output_shape [2, 2, 5, 7] : tensor<4x5x7xf32> into tensor<2x2x5x7xf32>
  %init10 = tensor.empty() : tensor<2x2x5x7xf32>
  %r11 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s49 : tensor<2x2x5x7xf32>) outs(%init10 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init12 = tensor.empty() : tensor<2x2x5x7xf32>
  %sm13 = linalg.softmax dimension(3) ins(%r11 : tensor<2x2x5x7xf32>) outs(%init12 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init14 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst15 = arith.constant 0.000000e+00 : f32
  %fill16 = linalg.fill ins(%cst15 : f32) outs(%init14 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{fused attention: scale 0.25}}
  %r17 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm13, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%fill16 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r17 : tensor<2x2x5x16xf32>
}

func.func @main() {
  %seed_q = arith.constant 1.0 : f32
  %e_q = tensor.empty() : tensor<2x2x5x16xf32>
  %ed_q = tensor.cast %e_q : tensor<2x2x5x16xf32> to tensor<?x?x?x?xf32>
  %fd_q = call @fill(%ed_q, %seed_q) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_q = tensor.cast %fd_q : tensor<?x?x?x?xf32> to tensor<2x2x5x16xf32>
  %seed_k = arith.constant 1.7 : f32
  %e_k = tensor.empty() : tensor<2x2x7x16xf32>
  %ed_k = tensor.cast %e_k : tensor<2x2x7x16xf32> to tensor<?x?x?x?xf32>
  %fd_k = call @fill(%ed_k, %seed_k) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_k = tensor.cast %fd_k : tensor<?x?x?x?xf32> to tensor<2x2x7x16xf32>
  %seed_v = arith.constant 2.3 : f32
  %e_v = tensor.empty() : tensor<2x2x7x16xf32>
  %ed_v = tensor.cast %e_v : tensor<2x2x7x16xf32> to tensor<?x?x?x?xf32>
  %fd_v = call @fill(%ed_v, %seed_v) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %x_v = tensor.cast %fd_v : tensor<?x?x?x?xf32> to tensor<2x2x7x16xf32>
  %o = call @attention(%x_q, %x_k, %x_v) : (tensor<2x2x5x16xf32>, tensor<2x2x7x16xf32>, tensor<2x2x7x16xf32>) -> tensor<2x2x5x16xf32>
  %od = tensor.cast %o : tensor<2x2x5x16xf32> to tensor<?x?x?x?xf32>
  call @print(%fd_q) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%fd_k) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%fd_v) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%od) : (tensor<?x?x?x?xf32>) -> ()
  return
}
