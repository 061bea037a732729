// Modelled on Hugging Face transformers' eager_attention_forward (e.g.
// models/llama/modeling_llama.py: attn_weights = q @ kᵀ * scaling;
// attn_weights = attn_weights + causal_mask[:, :, :, : key.shape[-2]];
// softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype);
// attn_output = attn_weights @ v) in bf16, as llvm/torch-mlir lowers it
// (lib/Conversion/TorchToLinalg/Linear.cpp: 4-D aten.matmul is
// collapse + batch_matmul accumulating in f32 + truncation + expand;
// Reduction.cpp and Uncategorized.cpp for the rest). The additive
// [B, 1, S, S] mask is sliced from a longer one and added in the 4-D score
// view while both matmuls run on [B·H] heads. B=2, H=2, S=8, D=4.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --mask additive --mask-slice :,:,:,:8 --tol 2e-2 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --mask additive --mask-slice :,:,:,:8 --tol 2e-2 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused --tol 2e-2 | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @eager_attention 1

// CHECK-LABEL: func.func @eager_attention(
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : tensor<2x2x8x4xbf16>, tensor<2x2x8x4xbf16>, tensor<2x2x8x4xbf16>) mask({{.*}} : tensor<2x1x8x8xbf16>)
// CHECK-SAME: scale(5.000000e-01)
// CHECK-SAME: -> tensor<2x2x8x4xbf16>
// CHECK: return

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map_mask = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
#map_red = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map_row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
func.func @eager_attention(%q: tensor<2x2x8x4xbf16>, %k: tensor<2x2x8x4xbf16>, %v: tensor<2x2x8x4xbf16>, %causal_mask: tensor<2x1x8x16xbf16>) -> tensor<2x2x8x4xbf16> {
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scaling = arith.constant 5.000000e-01 : f64
  %e0 = tensor.empty() : tensor<2x2x4x8xbf16>
  %kt = linalg.transpose ins(%k : tensor<2x2x8x4xbf16>) outs(%e0 : tensor<2x2x4x8xbf16>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<2x2x8x4xbf16> into tensor<4x8x4xbf16>
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<2x2x4x8xbf16> into tensor<4x4x8xbf16>
  %e1 = tensor.empty() : tensor<4x8x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %s32 = linalg.batch_matmul ins(%qc, %kc : tensor<4x8x4xbf16>, tensor<4x4x8xbf16>) outs(%f1 : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8x8xbf16>
  %s16 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s32 : tensor<4x8x8xf32>) outs(%e2 : tensor<4x8x8xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %r = arith.truncf %in : f32 to bf16
    linalg.yield %r : bf16
  } -> tensor<4x8x8xbf16>
  %s = tensor.expand_shape %s16 [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xbf16> into tensor<2x2x8x8xbf16>
  // * scaling, + causal_mask[:, :, :, :8]
  %m = tensor.extract_slice %causal_mask[0, 0, 0, 0] [2, 1, 8, 8] [1, 1, 1, 1] : tensor<2x1x8x16xbf16> to tensor<2x1x8x8xbf16>
  %e3 = tensor.empty() : tensor<2x2x8x8xbf16>
  %sm = linalg.generic {indexing_maps = [#map, #map_mask, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s, %m : tensor<2x2x8x8xbf16>, tensor<2x1x8x8xbf16>) outs(%e3 : tensor<2x2x8x8xbf16>) {
  ^bb0(%in: bf16, %mk: bf16, %out: bf16):
    %c = arith.truncf %scaling : f64 to bf16
    %x = arith.mulf %in, %c : bf16
    %r = arith.addf %x, %mk : bf16
    linalg.yield %r : bf16
  } -> tensor<2x2x8x8xbf16>
  // softmax(dtype=float32): to f32, max, sub, exp, sum, div; .to(bf16)
  %e4 = tensor.empty() : tensor<2x2x8x8xf32>
  %x32 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sm : tensor<2x2x8x8xbf16>) outs(%e4 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %r = arith.extf %in : bf16 to f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %e5 = tensor.empty() : tensor<2x2x8xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%e5 : tensor<2x2x8xf32>) -> tensor<2x2x8xf32>
  %mx = linalg.generic {indexing_maps = [#map, #map_red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x32 : tensor<2x2x8x8xf32>) outs(%mx0 : tensor<2x2x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8xf32>
  %mxe = tensor.expand_shape %mx [[0], [1], [2, 3]] output_shape [2, 2, 8, 1] : tensor<2x2x8xf32> into tensor<2x2x8x1xf32>
  %ex = linalg.generic {indexing_maps = [#map, #map_row, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x32, %mxe : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%e4 : tensor<2x2x8x8xf32>) {
  ^bb0(%in: f32, %mm: f32, %out: f32):
    %d = arith.subf %in, %mm : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x8xf32>
  %e6 = tensor.empty() : tensor<2x2x8x1xf32>
  %su0 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x2x8x1xf32>) -> tensor<2x2x8x1xf32>
  %su = linalg.generic {indexing_maps = [#map, #map_row], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<2x2x8x8xf32>) outs(%su0 : tensor<2x2x8x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x2x8x1xf32>
  %e7 = tensor.empty() : tensor<2x2x8x8xbf16>
  %p = linalg.generic {indexing_maps = [#map, #map_row, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %su : tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) outs(%e7 : tensor<2x2x8x8xbf16>) {
  ^bb0(%in: f32, %d: f32, %out: bf16):
    %r = arith.divf %in, %d : f32
    %t = arith.truncf %r : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<2x2x8x8xbf16>
  %pc = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<2x2x8x8xbf16> into tensor<4x8x8xbf16>
  %vc = tensor.collapse_shape %v [[0, 1], [2], [3]] : tensor<2x2x8x4xbf16> into tensor<4x8x4xbf16>
  %e8 = tensor.empty() : tensor<4x8x4xf32>
  %f8 = linalg.fill ins(%zero : f32) outs(%e8 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  // expected-remark @below {{fused attention: mask, scale 0.5}}
  %o32 = linalg.batch_matmul ins(%pc, %vc : tensor<4x8x8xbf16>, tensor<4x8x4xbf16>) outs(%f8 : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  %e9 = tensor.empty() : tensor<4x8x4xbf16>
  %o16 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%o32 : tensor<4x8x4xf32>) outs(%e9 : tensor<4x8x4xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %r = arith.truncf %in : f32 to bf16
    linalg.yield %r : bf16
  } -> tensor<4x8x4xbf16>
  %o = tensor.expand_shape %o16 [[0, 1], [2], [3]] output_shape [2, 2, 8, 4] : tensor<4x8x4xbf16> into tensor<2x2x8x4xbf16>
  return %o : tensor<2x2x8x4xbf16>
}
