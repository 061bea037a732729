// Unfused causal attention (examples/attention.mlir without the printing
// driver): Q, K, V are 4x64x32, scale 0.1767767, top-left causal mask.

#id3 = affine_map<(b, m, n) -> (b, m, n)>

func.func @attention(%q: tensor<4x64x32xf32>, %k: tensor<4x64x32xf32>,
                     %v: tensor<4x64x32xf32>) -> tensor<4x64x32xf32> {
  %cst0 = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.1767767 : f32
  %kt0 = tensor.empty() : tensor<4x32x64xf32>
  %kt = linalg.transpose ins(%k : tensor<4x64x32xf32>) outs(%kt0 : tensor<4x32x64xf32>) permutation = [0, 2, 1]
  %s0 = tensor.empty() : tensor<4x64x64xf32>
  %sz = linalg.fill ins(%cst0 : f32) outs(%s0 : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x64x32xf32>, tensor<4x32x64xf32>) outs(%sz : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %masked = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<4x64x64xf32>) outs(%s0 : tensor<4x64x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %y = arith.mulf %x, %scale : f32
    %keep = arith.cmpi sle, %j, %i : index
    %r = arith.select %keep, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<4x64x64xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<4x64x64xf32>) outs(%s0 : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %o0 = tensor.empty() : tensor<4x64x32xf32>
  %oz = linalg.fill ins(%cst0 : f32) outs(%o0 : tensor<4x64x32xf32>) -> tensor<4x64x32xf32>
  %out = linalg.batch_matmul ins(%p, %v : tensor<4x64x64xf32>, tensor<4x64x32xf32>) outs(%oz : tensor<4x64x32xf32>) -> tensor<4x64x32xf32>
  return %out : tensor<4x64x32xf32>
}
