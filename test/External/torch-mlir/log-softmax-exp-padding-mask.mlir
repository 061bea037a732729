// Modelled on llvm/torch-mlir lib/Dialect/Torch/Transforms/DecomposeComplexOps.cpp
// (getLogSoftmaxResult: x - max, exp, sum, log, shifted - log) lowered by
// lib/Conversion/TorchToLinalg: attention written as
// torch.exp(F.log_softmax(scores, -1)) @ v, as some exporters emit a softmax
// computed in log space. The scores are q @ kᵀ / sqrt(D) on 3-D tensors
// ([B·H, S, D], torch.bmm) plus a BERT padding mask [B·H, 1, S] broadcast
// over the queries. B·H=4, S=8, D=4.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --mask additive | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --mask additive | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @exp_log_softmax 1

// CHECK-LABEL: func.func @exp_log_softmax(
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : tensor<4x8x4xf32>, tensor<4x8x4xf32>, tensor<4x8x4xf32>) mask(%arg3 : tensor<4x1x8xf32>)
// CHECK-SAME: scale(5.000000e-01)
// CHECK-NOT: math.log
// CHECK: return

#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map_kt = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#map_mask = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
#map_red = affine_map<(d0, d1, d2) -> (d0, d1)>
#map_row = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
func.func @exp_log_softmax(%q: tensor<4x8x4xf32>, %k: tensor<4x8x4xf32>, %v: tensor<4x8x4xf32>, %mask: tensor<4x1x8xf32>) -> tensor<4x8x4xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %c0_i64 = arith.constant 0 : i64
  %scale = arith.constant 2.000000e+00 : f64
  %e0 = tensor.empty() : tensor<4x4x8xf32>
  %kt = linalg.generic {indexing_maps = [#map_kt, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%k : tensor<4x8x4xf32>) outs(%e0 : tensor<4x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x4x8xf32>
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%f1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  // aten.div.Scalar(scores, sqrt(D)), aten.add.Tensor(scores, mask, alpha=1)
  %sd = linalg.generic {indexing_maps = [#map, #map_mask, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %mask : tensor<4x8x8xf32>, tensor<4x1x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %c = arith.truncf %scale : f64 to f32
    %d = arith.divf %in, %c : f32
    %r = arith.addf %d, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  // aten._log_softmax(x, -1): max.dim (values, indices), x - max, exp, sum, log, shifted - log
  %e2 = tensor.empty() : tensor<4x8xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %e3 = tensor.empty() : tensor<4x8xi64>
  %ix0 = linalg.fill ins(%c0_i64 : i64) outs(%e3 : tensor<4x8xi64>) -> tensor<4x8xi64>
  %mx:2 = linalg.generic {indexing_maps = [#map, #map_red, #map_red], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sd : tensor<4x8x8xf32>) outs(%mx0, %ix0 : tensor<4x8xf32>, tensor<4x8xi64>) {
  ^bb0(%in: f32, %out: f32, %oi: i64):
    %i = linalg.index 2 : index
    %i64 = arith.index_cast %i : index to i64
    %m = arith.maximumf %in, %out : f32
    %gt = arith.cmpf ogt, %in, %out : f32
    %si = arith.select %gt, %i64, %oi : i64
    linalg.yield %m, %si : f32, i64
  } -> (tensor<4x8xf32>, tensor<4x8xi64>)
  %mxe = tensor.expand_shape %mx#0 [[0], [1, 2]] output_shape [4, 8, 1] : tensor<4x8xf32> into tensor<4x8x1xf32>
  %shifted = linalg.generic {indexing_maps = [#map, #map_row, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sd, %mxe : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %a = arith.mulf %m, %one : f32
    %r = arith.subf %in, %a : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %ex = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%shifted : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %e4 = tensor.empty() : tensor<4x8x1xf32>
  %su0 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<4x8x1xf32>) -> tensor<4x8x1xf32>
  %su = linalg.generic {indexing_maps = [#map, #map_row], iterator_types = ["parallel", "parallel", "reduction"]} ins(%ex : tensor<4x8x8xf32>) outs(%su0 : tensor<4x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %lg = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%su : tensor<4x8x1xf32>) outs(%e4 : tensor<4x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.log %in : f32
    linalg.yield %r : f32
  } -> tensor<4x8x1xf32>
  %ls = linalg.generic {indexing_maps = [#map, #map_row, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%shifted, %lg : tensor<4x8x8xf32>, tensor<4x8x1xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %l: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %a = arith.mulf %l, %one : f32
    %r = arith.subf %in, %a : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  // aten.exp
  %p = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ls : tensor<4x8x8xf32>) outs(%e1 : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %e5 = tensor.empty() : tensor<4x8x4xf32>
  %f5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  // expected-remark @below {{fused attention: mask, scale 0.5}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%f5 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  return %o : tensor<4x8x4xf32>
}
