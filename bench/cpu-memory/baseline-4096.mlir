// Baseline for run.sh: same inputs and print, no attention (runner + JIT
// overhead and the 1 MiB operands).
func.func private @printMemrefF32(tensor<*xf32>)
func.func @main() {
  %c = arith.constant 0.01 : f32
  %e = tensor.empty() : tensor<1x1x4096x64xf32>
  %x = linalg.fill ins(%c : f32) outs(%e : tensor<1x1x4096x64xf32>) -> tensor<1x1x4096x64xf32>
  %s = tensor.extract_slice %x[0, 0, 0, 0] [1, 1, 1, 4] [1, 1, 1, 1] : tensor<1x1x4096x64xf32> to tensor<1x1x1x4xf32>
  %u = tensor.cast %s : tensor<1x1x1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
