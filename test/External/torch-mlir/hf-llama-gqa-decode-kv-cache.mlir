// Modelled on Hugging Face transformers' LlamaAttention decoding one token
// (models/llama/modeling_llama.py: repeat_kv expands [B, Hkv, S, D] to
// [B, Hkv, G, S, D] and reshapes to [B, Hkv·G, S, D]; eager_attention_forward
// with q_len = 1 against a KV cache of S keys, no mask needed) as
// llvm/torch-mlir lowers it: aten.expand is a broadcasting linalg.generic
// (lib/Conversion/TorchToLinalg/DataMovement.cpp), aten.view a
// collapse_shape, aten.matmul collapse + batch_matmul + expand, the softmax
// of getSoftmaxResult. Hq=4, Hkv=2, Sq=1, Sk=8, D=4.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @decode_step 1

// CHECK-LABEL: func.func @decode_step(
// CHECK: attn.attention ins(%arg0, %arg1, %arg2 : tensor<1x4x1x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
// CHECK: return

#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bcast = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, 0, d3, d4)>
#id5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
#red = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
func.func @decode_step(%q: tensor<1x4x1x4xf32>, %k_cache: tensor<1x2x8x4xf32>, %v_cache: tensor<1x2x8x4xf32>) -> tensor<1x4x1x4xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scaling = arith.constant 5.000000e-01 : f64
  // repeat_kv: hidden[:, :, None, :, :].expand(b, kv, n_rep, s, d).reshape(b, kv * n_rep, s, d)
  %ku = tensor.expand_shape %k_cache [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 8, 4] : tensor<1x2x8x4xf32> into tensor<1x2x1x8x4xf32>
  %e0 = tensor.empty() : tensor<1x2x2x8x4xf32>
  %kx = linalg.generic {indexing_maps = [#bcast, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%ku : tensor<1x2x1x8x4xf32>) outs(%e0 : tensor<1x2x2x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x2x8x4xf32>
  %kr = tensor.collapse_shape %kx [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x4xf32> into tensor<1x4x8x4xf32>
  %vu = tensor.expand_shape %v_cache [[0], [1, 2], [3], [4]] output_shape [1, 2, 1, 8, 4] : tensor<1x2x8x4xf32> into tensor<1x2x1x8x4xf32>
  %vx = linalg.generic {indexing_maps = [#bcast, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%vu : tensor<1x2x1x8x4xf32>) outs(%e0 : tensor<1x2x2x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x2x8x4xf32>
  %vr = tensor.collapse_shape %vx [[0], [1, 2], [3], [4]] : tensor<1x2x2x8x4xf32> into tensor<1x4x8x4xf32>
  // q @ k.transpose(2, 3) * scaling
  %e1 = tensor.empty() : tensor<1x4x4x8xf32>
  %kt = linalg.transpose ins(%kr : tensor<1x4x8x4xf32>) outs(%e1 : tensor<1x4x4x8xf32>) permutation = [0, 1, 3, 2]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x4x1x4xf32> into tensor<4x1x4xf32>
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x4x4x8xf32> into tensor<4x4x8xf32>
  %e2 = tensor.empty() : tensor<4x1x8xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x1x8xf32>) -> tensor<4x1x8xf32>
  %s3 = linalg.batch_matmul ins(%qc, %kc : tensor<4x1x4xf32>, tensor<4x4x8xf32>) outs(%f2 : tensor<4x1x8xf32>) -> tensor<4x1x8xf32>
  %s = tensor.expand_shape %s3 [[0, 1], [2], [3]] output_shape [1, 4, 1, 8] : tensor<4x1x8xf32> into tensor<1x4x1x8xf32>
  %e3 = tensor.empty() : tensor<1x4x1x8xf32>
  %ss = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<1x4x1x8xf32>) outs(%e3 : tensor<1x4x1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.truncf %scaling : f64 to f32
    %r = arith.mulf %in, %c : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1x8xf32>
  // softmax(dim=-1)
  %e4 = tensor.empty() : tensor<1x4x1x1xf32>
  %mx0 = linalg.fill ins(%ninf : f32) outs(%e4 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %mx = linalg.generic {indexing_maps = [#map, #red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ss : tensor<1x4x1x8xf32>) outs(%mx0 : tensor<1x4x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1x1xf32>
  %ex = linalg.generic {indexing_maps = [#map, #red, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ss, %mx : tensor<1x4x1x8xf32>, tensor<1x4x1x1xf32>) outs(%e3 : tensor<1x4x1x8xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %d = arith.subf %in, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1x8xf32>
  %su0 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<1x4x1x1xf32>) -> tensor<1x4x1x1xf32>
  %su = linalg.generic {indexing_maps = [#map, #red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<1x4x1x8xf32>) outs(%su0 : tensor<1x4x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1x1xf32>
  %p = linalg.generic {indexing_maps = [#map, #red, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %su : tensor<1x4x1x8xf32>, tensor<1x4x1x1xf32>) outs(%e3 : tensor<1x4x1x8xf32>) {
  ^bb0(%in: f32, %d: f32, %out: f32):
    %r = arith.divf %in, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x4x1x8xf32>
  %pc = tensor.collapse_shape %p [[0, 1], [2], [3]] : tensor<1x4x1x8xf32> into tensor<4x1x8xf32>
  %vc = tensor.collapse_shape %vr [[0, 1], [2], [3]] : tensor<1x4x8x4xf32> into tensor<4x8x4xf32>
  %e5 = tensor.empty() : tensor<4x1x4xf32>
  %f5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<4x1x4xf32>) -> tensor<4x1x4xf32>
  // expected-remark @below {{fused attention: scale 0.5, GQA 2}}
  %o3 = linalg.batch_matmul ins(%pc, %vc : tensor<4x1x8xf32>, tensor<4x8x4xf32>) outs(%f5 : tensor<4x1x4xf32>) -> tensor<4x1x4xf32>
  %o = tensor.expand_shape %o3 [[0, 1], [2], [3]] output_shape [1, 4, 1, 4] : tensor<4x1x4xf32> into tensor<1x4x1x4xf32>
  return %o : tensor<1x4x1x4xf32>
}
