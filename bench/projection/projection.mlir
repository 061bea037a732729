// A projection as exporters write it (a linear layer without bias): f16
// activations [M, K] times f16 weights [K, N], f32 accumulation, f16
// result. bench/projection.py times it from PyTorch next to torch.matmul
// (cuBLAS). Under --attn-pipeline=target=cuda it is one of the generic
// kernels of --attn-map-linalg-to-gpu (docs/gpu.md).
func.func @projection(%x: tensor<?x?xf16>, %w: tensor<?x?xf16>) -> tensor<?x?xf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %x, %c0 : tensor<?x?xf16>
  %n = tensor.dim %w, %c1 : tensor<?x?xf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%m, %n) : tensor<?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %acc = linalg.matmul ins(%x, %w : tensor<?x?xf16>, tensor<?x?xf16>)
                       outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  %o = tensor.empty(%m, %n) : tensor<?x?xf16>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%acc : tensor<?x?xf32>) outs(%o : tensor<?x?xf16>) {
  ^bb0(%a: f32, %b: f16):
    %t = arith.truncf %a : f32 to f16
    linalg.yield %t : f16
  } -> tensor<?x?xf16>
  return %r : tensor<?x?xf16>
}
