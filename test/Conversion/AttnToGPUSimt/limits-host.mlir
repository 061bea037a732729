// Until the host side keeps tensors made inside a function in device memory,
// every operand must be a function argument (a device buffer).
// RUN: attn-opt %s -convert-attn-to-gpu-simt -verify-diagnostics

func.func @output_not_argument(%q: tensor<1x4x64x64xf32>)
    -> tensor<1x4x64x64xf32> {
  %e = tensor.empty() : tensor<1x4x64x64xf32>
  // expected-error @below {{cannot be lowered to GPU: query, key, value, mask, outs and lse must be function arguments (device buffers) on target=cuda}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xf32>,
         tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>)
       outs(%e : tensor<1x4x64x64xf32>) scale(0.125) -> tensor<1x4x64x64xf32>
  return %r : tensor<1x4x64x64xf32>
}
