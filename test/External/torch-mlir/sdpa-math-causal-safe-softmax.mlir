// Modelled on PyTorch's math SDPA (aten/src/ATen/native/transformers/
// attention.cpp, _scaled_dot_product_attention_math), as torch.export emits it
// and llvm/torch-mlir lowers it: lib/Dialect/Torch/Transforms/
// DecomposeComplexOps.cpp (DecomposeAten_SafeSoftmaxOp: softmax, then zero the
// rows whose inputs all equal -inf; getSoftmaxResult) and
// lib/Conversion/TorchToLinalg/Uncategorized.cpp (tril: a generic comparing
// i64 indices; logical_not: uitofp then cmpf oeq 0.0; masked_fill: select).
// F.scaled_dot_product_attention(q, k, v, is_causal=True): both q and kᵀ
// are multiplied by sqrt(scale); the causal mask is ones(L, S).tril(),
// negated, turned into 0 / -inf by masked_fill and added to the scores.
// B=1, H=2, L=S=8, D=4 (scale 1/2, sqrt 0.70710678).
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --causal top_left | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --causal top_left | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @sdpa_causal 1

// CHECK-LABEL: func.func @sdpa_causal(
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : {{.*}}) outs({{.*}}) scale({{0.50*1*|5.0*e-01}}) causal<top_left>
// CHECK-NOT: math.exp
// CHECK: return

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map_kt = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
#map_m = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map_row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#map_red = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @sdpa_causal(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %sqrt_scale = arith.constant 0.70710678118654757 : f64
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %true = arith.constant true
  %c0_i64 = arith.constant 0 : i64
  // query * sqrt(scale)
  %e0 = tensor.empty() : tensor<1x2x8x4xf32>
  %qs = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%q : tensor<1x2x8x4xf32>) outs(%e0 : tensor<1x2x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.truncf %sqrt_scale : f64 to f32
    %r = arith.mulf %in, %t : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x4xf32>
  // key.transpose(-2, -1) * sqrt(scale)
  %e1 = tensor.empty() : tensor<1x2x4x8xf32>
  %kt = linalg.generic {indexing_maps = [#map_kt, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%k : tensor<1x2x8x4xf32>) outs(%e1 : tensor<1x2x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x4x8xf32>
  %kts = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%kt : tensor<1x2x4x8xf32>) outs(%e1 : tensor<1x2x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.truncf %sqrt_scale : f64 to f32
    %r = arith.mulf %in, %t : f32
    linalg.yield %r : f32
  } -> tensor<1x2x4x8xf32>
  // matmul: collapse, batch_matmul, expand
  %qc = tensor.collapse_shape %qs [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
  %kc = tensor.collapse_shape %kts [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %e2 = tensor.empty() : tensor<2x8x8xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s3 = linalg.batch_matmul ins(%qc, %kc : tensor<2x8x4xf32>, tensor<2x4x8xf32>) outs(%f2 : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = tensor.expand_shape %s3 [[0, 1], [2], [3]] output_shape [1, 2, 8, 8] : tensor<2x8x8xf32> into tensor<1x2x8x8xf32>
  // attn_mask = ones(L, S, dtype=bool).tril(diagonal=0)
  %ones = arith.constant dense<true> : tensor<8x8xi1>
  %e3 = tensor.empty() : tensor<8x8xi1>
  %tril = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%ones : tensor<8x8xi1>) outs(%e3 : tensor<8x8xi1>) {
  ^bb0(%in: i1, %out: i1):
    %row = linalg.index 0 : index
    %row64 = arith.index_cast %row : index to i64
    %col = linalg.index 1 : index
    %col64 = arith.index_cast %col : index to i64
    %sum = arith.addi %row64, %c0_i64 : i64
    %pred = arith.cmpi sle, %col64, %sum : i64
    %false = arith.constant false
    %sel = arith.select %pred, %in, %false : i1
    linalg.yield %sel : i1
  } -> tensor<8x8xi1>
  // attn_mask.logical_not()
  %notm = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%tril : tensor<8x8xi1>) outs(%e3 : tensor<8x8xi1>) {
  ^bb0(%in: i1, %out: i1):
    %f = arith.uitofp %in : i1 to f64
    %z = arith.constant 0.000000e+00 : f64
    %eq = arith.cmpf oeq, %f, %z : f64
    linalg.yield %eq : i1
  } -> tensor<8x8xi1>
  // zeros(L, S).masked_fill(not_mask, -inf)
  %zeros = arith.constant dense<0.000000e+00> : tensor<8x8xf32>
  %e4 = tensor.empty() : tensor<8x8xf32>
  %bias = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%zeros, %notm : tensor<8x8xf32>, tensor<8x8xi1>) outs(%e4 : tensor<8x8xf32>) {
  ^bb0(%in: f32, %m: i1, %out: f32):
    %r = arith.select %m, %ninf, %in : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  // attn + attn_bias (aten.add.Tensor, alpha 1)
  %e5 = tensor.empty() : tensor<1x2x8x8xf32>
  %sb = linalg.generic {indexing_maps = [#map, #map_m, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %bias : tensor<1x2x8x8xf32>, tensor<8x8xf32>) outs(%e5 : tensor<1x2x8x8xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %one = arith.constant 1.000000e+00 : f32
    %m = arith.mulf %b, %one : f32
    %r = arith.addf %in, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  // _safe_softmax(attn, -1) = where(all(attn == -inf, -1), 0, softmax(attn, -1))
  %e6 = tensor.empty() : tensor<1x2x8xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%e6 : tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  %mx = linalg.generic {indexing_maps = [#map, #map_red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%sb : tensor<1x2x8x8xf32>) outs(%mx0 : tensor<1x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8xf32>
  %mxe = tensor.expand_shape %mx [[0], [1], [2, 3]] output_shape [1, 2, 8, 1] : tensor<1x2x8xf32> into tensor<1x2x8x1xf32>
  %ex = linalg.generic {indexing_maps = [#map, #map_row, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sb, %mxe : tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) outs(%e5 : tensor<1x2x8x8xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %e7 = tensor.empty() : tensor<1x2x8x1xf32>
  %su0 = linalg.fill ins(%zero : f32) outs(%e7 : tensor<1x2x8x1xf32>) -> tensor<1x2x8x1xf32>
  %su = linalg.generic {indexing_maps = [#map, #map_row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<1x2x8x8xf32>) outs(%su0 : tensor<1x2x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x1xf32>
  %sm = linalg.generic {indexing_maps = [#map, #map_row, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %su : tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) outs(%e5 : tensor<1x2x8x8xf32>) {
  ^bb0(%in: f32, %d: f32, %out: f32):
    %r = arith.divf %in, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  %e8 = tensor.empty() : tensor<1x2x8x8xi1>
  %isninf = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sb : tensor<1x2x8x8xf32>) outs(%e8 : tensor<1x2x8x8xi1>) {
  ^bb0(%in: f32, %out: i1):
    %r = arith.cmpf oeq, %in, %ninf : f32
    linalg.yield %r : i1
  } -> tensor<1x2x8x8xi1>
  %e9 = tensor.empty() : tensor<1x2x8x1xi1>
  %all0 = linalg.fill ins(%true : i1) outs(%e9 : tensor<1x2x8x1xi1>) -> tensor<1x2x8x1xi1>
  %all = linalg.generic {indexing_maps = [#map, #map_row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%isninf : tensor<1x2x8x8xi1>) outs(%all0 : tensor<1x2x8x1xi1>) {
  ^bb0(%in: i1, %out: i1):
    %r = arith.andi %in, %out : i1
    linalg.yield %r : i1
  } -> tensor<1x2x8x1xi1>
  %p = linalg.generic {indexing_maps = [#map_row, #map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%all, %sm : tensor<1x2x8x1xi1>, tensor<1x2x8x8xf32>) outs(%e5 : tensor<1x2x8x8xf32>) {
  ^bb0(%c: i1, %in: f32, %out: f32):
    %r = arith.select %c, %zero, %in : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x8xf32>
  // attn @ value
  %pc = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<1x2x8x8xf32> into tensor<2x8x8xf32>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
  %e10 = tensor.empty() : tensor<2x8x4xf32>
  %f10 = linalg.fill ins(%zero : f32) outs(%e10 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  // expected-remark @below {{fused attention: causal, scale 0.5}}
  %o3 = linalg.batch_matmul ins(%pc, %vc : tensor<2x8x8xf32>, tensor<2x8x4xf32>) outs(%f10 : tensor<2x8x4xf32>) -> tensor<2x8x4xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [1, 2, 8, 4] : tensor<2x8x4xf32> into tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
