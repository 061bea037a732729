// One head, Sq = Sk = 4096, D = 64, f32: the unfused score matrix alone is
// 4096 * 4096 * 4 B = 64 MiB; Q, K, V and O are 1 MiB each.
func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %c = arith.constant 0.01 : f32
  %e = tensor.empty() : tensor<1x1x4096x64xf32>
  %x = linalg.fill ins(%c : f32) outs(%e : tensor<1x1x4096x64xf32>) -> tensor<1x1x4096x64xf32>
  %init = tensor.empty() : tensor<1x1x4096x64xf32>
  %o = attn.attention ins(%x, %x, %x : tensor<1x1x4096x64xf32>, tensor<1x1x4096x64xf32>, tensor<1x1x4096x64xf32>)
         outs(%init : tensor<1x1x4096x64xf32>) scale(0.125) -> tensor<1x1x4096x64xf32>
  %s = tensor.extract_slice %o[0, 0, 0, 0] [1, 1, 1, 4] [1, 1, 1, 1] : tensor<1x1x4096x64xf32> to tensor<1x1x1x4xf32>
  %u = tensor.cast %s : tensor<1x1x1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
