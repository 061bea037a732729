// torch.nn.MultiheadAttention(need_weights=True, average_attn_weights=True)
// (torch/nn/functional.py, multi_head_attention_forward: the probabilities
// are returned averaged over heads next to the output) as llvm/torch-mlir
// lowers it: the probabilities have a second user, the head-average, so the
// chain would stay alive next to a fused op. Not fused.
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RECALL: @mha_need_weights 0

// CHECK-LABEL: func.func @mha_need_weights(
// CHECK-NOT: attn.attention
// CHECK: return

#map3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#red3 = affine_map<(d0, d1, d2) -> (d0, d1)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#avg = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
func.func @mha_need_weights(%q: tensor<4x8x4xf32>, %kt: tensor<4x4x8xf32>, %v: tensor<4x8x4xf32>) -> (tensor<4x8x4xf32>, tensor<2x8x8xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4x8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  // q is scaled before baddbmm in multi_head_attention_forward
  %eq = tensor.empty() : tensor<4x8x4xf32>
  %qs = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q : tensor<4x8x4xf32>) outs(%eq : tensor<4x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 5.000000e-01 : f32
    %r = arith.mulf %in, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x8x4xf32>
  %s = linalg.batch_matmul ins(%qs, %kt : tensor<4x8x4xf32>, tensor<4x4x8xf32>) outs(%f : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %e2 = tensor.empty() : tensor<4x8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %m = linalg.generic {indexing_maps = [#map3, #red3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%s : tensor<4x8x8xf32>) outs(%m0 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %x = linalg.generic {indexing_maps = [#map3, #red3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s, %m : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %mm: f32, %out: f32):
    %d = arith.subf %in, %mm : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %su = linalg.generic {indexing_maps = [#map3, #red3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<4x8x8xf32>) outs(%s0 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#map3, #red3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %su : tensor<4x8x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8x8xf32>) {
  ^bb0(%in: f32, %d: f32, %out: f32):
    %r = arith.divf %in, %d : f32
    linalg.yield %r : f32
  } -> tensor<4x8x8xf32>
  %eo = tensor.empty() : tensor<4x8x4xf32>
  %fo = linalg.fill ins(%zero : f32) outs(%eo : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  // expected-remark @below {{not fused: an intermediate result has another user}}
  %o = linalg.batch_matmul ins(%p, %v : tensor<4x8x8xf32>, tensor<4x8x4xf32>) outs(%fo : tensor<4x8x4xf32>) -> tensor<4x8x4xf32>
  // attn_output_weights.view(bsz, num_heads, tgt_len, src_len).mean(dim=1)
  %p4 = tensor.expand_shape %p [[0, 1], [2], [3]] output_shape [2, 2, 8, 8] : tensor<4x8x8xf32> into tensor<2x2x8x8xf32>
  %ea = tensor.empty() : tensor<2x8x8xf32>
  %fa = linalg.fill ins(%zero : f32) outs(%ea : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %sum = linalg.generic {indexing_maps = [#map4, #avg], iterator_types = ["parallel", "reduction", "parallel", "parallel"]} ins(%p4 : tensor<2x2x8x8xf32>) outs(%fa : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  %mean = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sum : tensor<2x8x8xf32>) outs(%ea : tensor<2x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 2.000000e+00 : f32
    %r = arith.divf %in, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x8x8xf32>
  return %o, %mean : tensor<4x8x4xf32>, tensor<2x8x8xf32>
}
