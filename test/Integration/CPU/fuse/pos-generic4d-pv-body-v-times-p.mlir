// No scale; the P·V body multiplies V·P (operand order differs from the factor order).
// RUN: attn-opt %s --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-pipeline=target=cpu \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.unfused
// RUN: %attn-check reference %t.unfused --scale 1.0 --tol 1e-4 \
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
// CHECK-SAME: scale(1.000000e+00)
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
  %sm6 = linalg.softmax dimension(3) ins(%r4 : tensor<2x2x5x7xf32>) outs(%init5 : tensor<2x2x5x7xf32>) -> tensor<2x2x5x7xf32>
  %init7 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst8 = arith.constant 0.000000e+00 : f32
  %fill9 = linalg.fill ins(%cst8 : f32) outs(%init7 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{fused attention: scale 1}}
  %r10 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%sm6, %v : tensor<2x2x5x7xf32>, tensor<2x2x7x16xf32>) outs(%fill9 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a1, %a0 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  return %r10 : tensor<2x2x5x16xf32>
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
