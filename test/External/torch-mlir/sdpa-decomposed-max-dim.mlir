// Modelled on llvm/torch-mlir: DecomposeAtenScaledDotProductAttentionOp and
// getSoftmaxResult in lib/Dialect/Torch/Transforms/DecomposeComplexOps.cpp,
// lowered by lib/Conversion/TorchToLinalg (Linear.cpp: 4-D aten.matmul is a
// broadcast of both operands, a collapse of the batch dims into
// linalg.batch_matmul and an expand back; Reduction.cpp: aten.max.dim is a
// two-result generic, running max and its index; aten.sub.Tensor multiplies
// its operand by alpha). F.scaled_dot_product_attention(q, k, v) without a
// mask: Kᵀ by linalg.transpose, scores * scale (an f64 constant truncated
// in the body), x - max(x) (keepdim), exp, sum (keepdim), div, P·V.
// B=2, H=2, S=8, D=8 (scale 1/sqrt(8)).
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.35355339 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.35355339 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @sdpa 1

// CHECK-LABEL: func.func @sdpa(
// CHECK-SAME: %[[Q:.*]]: tensor<2x2x8x8xf32>, %[[K:.*]]: tensor<2x2x8x8xf32>, %[[V:.*]]: tensor<2x2x8x8xf32>
// CHECK: %[[O:.*]] = attn.attention ins(%[[Q]], %[[K]], %[[V]] : {{.*}}) outs({{.*}}) scale(0.353553
// CHECK-NOT: linalg.batch_matmul
// CHECK: return %[[O]]

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
func.func @sdpa(%arg0: tensor<2x2x8x8xf32>, %arg1: tensor<2x2x8x8xf32>, %arg2: tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32> {
  %cst = arith.constant 0.35355339059327379 : f64
  %cst_0 = arith.constant 0.000000e+00 : f32
  %cst_1 = arith.constant 0xFF800000 : f32
  %c0_i64 = arith.constant 0 : i64
  %c1_i64 = arith.constant 1 : i64
  %0 = tensor.empty() : tensor<2x2x8x8xf32>
  %transposed = linalg.transpose ins(%arg1 : tensor<2x2x8x8xf32>) outs(%0 : tensor<2x2x8x8xf32>) permutation = [0, 1, 3, 2]
  // aten.matmul: broadcast of the batch dims (here of equal shapes), collapse, batch_matmul, expand.
  %1 = tensor.empty() : tensor<2x2x8x8xf32>
  %2 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0 : tensor<2x2x8x8xf32>) outs(%1 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %3 = tensor.empty() : tensor<2x2x8x8xf32>
  %4 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%transposed : tensor<2x2x8x8xf32>) outs(%3 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %collapsed = tensor.collapse_shape %2 [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %collapsed_2 = tensor.collapse_shape %4 [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %5 = tensor.empty() : tensor<4x8x8xf32>
  %6 = linalg.fill ins(%cst_0 : f32) outs(%5 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %7 = linalg.batch_matmul ins(%collapsed, %collapsed_2 : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%6 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %expanded = tensor.expand_shape %7 [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  %cast = tensor.cast %expanded : tensor<2x2x8x8xf32> to tensor<2x2x8x8xf32>
  // aten.mul.Scalar
  %8 = tensor.empty() : tensor<2x2x8x8xf32>
  %9 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%cast : tensor<2x2x8x8xf32>) outs(%8 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %40 = arith.truncf %cst : f64 to f32
    %41 = arith.mulf %in, %40 : f32
    linalg.yield %41 : f32
  } -> tensor<2x2x8x8xf32>
  // aten.max.dim(dim=-1, keepdim=True): values and indices.
  %10 = tensor.empty() : tensor<2x2x8xi64>
  %11 = linalg.fill ins(%c0_i64 : i64) outs(%10 : tensor<2x2x8xi64>) -> tensor<2x2x8xi64>
  %12 = tensor.empty() : tensor<2x2x8xf32>
  %13 = linalg.fill ins(%cst_1 : f32) outs(%12 : tensor<2x2x8xf32>) -> tensor<2x2x8xf32>
  %14:2 = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%9 : tensor<2x2x8x8xf32>) outs(%13, %11 : tensor<2x2x8xf32>, tensor<2x2x8xi64>) {
  ^bb0(%in: f32, %out: f32, %out_4: i64):
    %40 = linalg.index 3 : index
    %41 = arith.index_cast %40 : index to i64
    %42 = arith.maximumf %in, %out : f32
    %43 = arith.cmpf ogt, %in, %out : f32
    %44 = arith.select %43, %41, %out_4 : i64
    linalg.yield %42, %44 : f32, i64
  } -> (tensor<2x2x8xf32>, tensor<2x2x8xi64>)
  %expanded_3 = tensor.expand_shape %14#0 [[0], [1], [2, 3]] output_shape [2, 2, 8, 1] : tensor<2x2x8xf32> into tensor<2x2x8x1xf32>
  // aten.sub.Tensor(x, max, alpha=1)
  %15 = tensor.empty() : tensor<2x2x8x8xf32>
  %16 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%9, %expanded_3 : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%15 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_5: f32, %out: f32):
    %40 = arith.sitofp %c1_i64 : i64 to f32
    %41 = arith.mulf %in_5, %40 : f32
    %42 = arith.subf %in, %41 : f32
    linalg.yield %42 : f32
  } -> tensor<2x2x8x8xf32>
  %17 = tensor.empty() : tensor<2x2x8x8xf32>
  %18 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%16 : tensor<2x2x8x8xf32>) outs(%17 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %40 = math.exp %in : f32
    linalg.yield %40 : f32
  } -> tensor<2x2x8x8xf32>
  // aten.sum.dim_IntList(dim=[-1], keepdim=True)
  %19 = tensor.empty() : tensor<2x2x8x1xf32>
  %20 = linalg.fill ins(%cst_0 : f32) outs(%19 : tensor<2x2x8x1xf32>) -> tensor<2x2x8x1xf32>
  %21 = linalg.generic {indexing_maps = [#map, #map2], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%18 : tensor<2x2x8x8xf32>) outs(%20 : tensor<2x2x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %40 = arith.addf %in, %out : f32
    linalg.yield %40 : f32
  } -> tensor<2x2x8x1xf32>
  // aten.div.Tensor
  %22 = tensor.empty() : tensor<2x2x8x8xf32>
  %23 = linalg.generic {indexing_maps = [#map, #map2, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%18, %21 : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%22 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %in_5: f32, %out: f32):
    %40 = arith.divf %in, %in_5 : f32
    linalg.yield %40 : f32
  } -> tensor<2x2x8x8xf32>
  // aten.matmul(softmax, v)
  %24 = tensor.empty() : tensor<2x2x8x8xf32>
  %25 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%23 : tensor<2x2x8x8xf32>) outs(%24 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %26 = tensor.empty() : tensor<2x2x8x8xf32>
  %27 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg2 : tensor<2x2x8x8xf32>) outs(%26 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x2x8x8xf32>
  %collapsed_6 = tensor.collapse_shape %25 [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %collapsed_7 = tensor.collapse_shape %27 [[0, 1], [2], [3]] : tensor<2x2x8x8xf32> into tensor<4x8x8xf32>
  %28 = tensor.empty() : tensor<4x8x8xf32>
  %29 = linalg.fill ins(%cst_0 : f32) outs(%28 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  // expected-remark @below {{fused attention: scale 0.353553}}
  %30 = linalg.batch_matmul ins(%collapsed_6, %collapsed_7 : tensor<4x8x8xf32>, tensor<4x8x8xf32>) outs(%29 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %expanded_8 = tensor.expand_shape %30 [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  %cast_9 = tensor.cast %expanded_8 : tensor<2x2x8x8xf32> to tensor<2x2x8x8xf32>
  return %cast_9 : tensor<2x2x8x8xf32>
}
