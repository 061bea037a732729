// torch-mlir style collapsed batch_matmul chain where Q is scaled (a linalg
// computation) BEFORE being collapsed to [B*H,S,D]: the [B*H] batch is
// matched as the [B, H] it was collapsed from, so the fused op reads the 4-D
// function arguments in place.
// RUN: attn-opt %s --attn-fuse | FileCheck %s --check-prefix=FUSED
// RUN: attn-opt %s --attn-fuse --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.fused
// RUN: attn-opt %s --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.unfused
// RUN: %attn-check reference %t.unfused --scale 0.35355339 --tol 1e-4 | FileCheck %s
// RUN: %attn-check compare %t.fused %t.unfused --tol 1e-4 | FileCheck %s
// RUN: attn-opt %s --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// CHECK: PASS
// FUSED: func.func @torch_batch_matmul_transpose
// FUSED-NOT: tensor.collapse_shape
// FUSED: attn.attention ins(%arg0, %arg1, %arg2 : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>) outs(%{{.*}} : tensor<2x4x5x8xf32>) scale(0.353553
// FUSED-NOT: math.exp
// FUSED: func.func @main


func.func @torch_batch_matmul_transpose(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347E+38 : f32
  %qe = tensor.empty() : tensor<2x4x5x8xf32>
  %qs = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<2x4x5x8xf32>) outs(%qe : tensor<2x4x5x8xf32>) {
  ^bb0(%x0: f32, %out: f32):
    %c = arith.constant 0.35355339 : f32
    %y = arith.mulf %x0, %c : f32
    linalg.yield %y : f32
  } -> tensor<2x4x5x8xf32>
  %qc = tensor.collapse_shape %qs [[0, 1], [2], [3]] : tensor<2x4x5x8xf32> into tensor<8x5x8xf32>
  %kc = tensor.collapse_shape %k [[0, 1], [2], [3]] : tensor<2x4x7x8xf32> into tensor<8x7x8xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x4x7x8xf32> into tensor<8x7x8xf32>
  %se = tensor.empty() : tensor<8x5x7xf32>
  %sz = linalg.fill ins(%zero : f32) outs(%se : tensor<8x5x7xf32>) -> tensor<8x5x7xf32>
  %kte = tensor.empty() : tensor<8x8x7xf32>
  %kt = linalg.transpose ins(%kc : tensor<8x7x8xf32>) outs(%kte : tensor<8x8x7xf32>) permutation = [0, 2, 1]
  %s = linalg.batch_matmul ins(%qc, %kt : tensor<8x5x8xf32>, tensor<8x8x7xf32>) outs(%sz : tensor<8x5x7xf32>) -> tensor<8x5x7xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<8x5x7xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %out: f32):
    %c8 = arith.constant 1.0 : f32
    %y = arith.divf %x0, %c8 : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %re = tensor.empty() : tensor<8x5xf32>
  %rl = linalg.fill ins(%lowest : f32) outs(%re : tensor<8x5xf32>) -> tensor<8x5xf32>
  %rz = linalg.fill ins(%zero : f32) outs(%re : tensor<8x5xf32>) -> tensor<8x5xf32>
  %mx = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%sc : tensor<8x5x7xf32>) outs(%rl : tensor<8x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.maximumf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x5xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%sc, %mx : tensor<8x5x7xf32>, tensor<8x5xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %d = arith.subf %x0, %x1 : f32
    %y = math.exp %d : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %sm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ex : tensor<8x5x7xf32>) outs(%rz : tensor<8x5xf32>) {
  ^bb0(%a: f32, %c: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x5xf32>
  %pr = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %sm : tensor<8x5x7xf32>, tensor<8x5xf32>) outs(%se : tensor<8x5x7xf32>) {
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %y = arith.divf %x0, %x1 : f32
    linalg.yield %y : f32
  } -> tensor<8x5x7xf32>
  %oe = tensor.empty() : tensor<8x5x8xf32>
  %oz = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x5x8xf32>) -> tensor<8x5x8xf32>
  // expected-remark @below {{fused attention: scale 0.353553}}
  %o3 = linalg.batch_matmul ins(%pr, %vc : tensor<8x5x7xf32>, tensor<8x7x8xf32>) outs(%oz : tensor<8x5x8xf32>) -> tensor<8x5x8xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [2, 4, 5, 8] : tensor<8x5x8xf32> into tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

// Deterministic pseudo-random values in [-1, 1].
func.func @fill(%t: tensor<?x?x?x?xf32>, %seed: f32) -> tensor<?x?x?x?xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
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

func.func @main() {
  %s0 = arith.constant 1.0 : f32
  %e0 = tensor.empty() : tensor<2x4x5x8xf32>
  %d0 = tensor.cast %e0 : tensor<2x4x5x8xf32> to tensor<?x?x?x?xf32>
  %f0 = call @fill(%d0, %s0) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %q4 = tensor.cast %f0 : tensor<?x?x?x?xf32> to tensor<2x4x5x8xf32>
  %s1 = arith.constant 1.7 : f32
  %e1 = tensor.empty() : tensor<2x4x7x8xf32>
  %d1 = tensor.cast %e1 : tensor<2x4x7x8xf32> to tensor<?x?x?x?xf32>
  %f1 = call @fill(%d1, %s1) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %k4 = tensor.cast %f1 : tensor<?x?x?x?xf32> to tensor<2x4x7x8xf32>
  %s2 = arith.constant 2.3 : f32
  %e2 = tensor.empty() : tensor<2x4x7x8xf32>
  %d2 = tensor.cast %e2 : tensor<2x4x7x8xf32> to tensor<?x?x?x?xf32>
  %f2 = call @fill(%d2, %s2) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %v4 = tensor.cast %f2 : tensor<?x?x?x?xf32> to tensor<2x4x7x8xf32>

  %out = call @torch_batch_matmul_transpose(%q4, %k4, %v4) : (tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>) -> tensor<2x4x5x8xf32>
  %res = tensor.cast %out : tensor<2x4x5x8xf32> to tensor<?x?x?x?xf32>
  call @print(%f0) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%f1) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%f2) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%res) : (tensor<?x?x?x?xf32>) -> ()
  return
}
