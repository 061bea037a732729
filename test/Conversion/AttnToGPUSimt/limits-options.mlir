// RUN: attn-opt %s -convert-attn-to-gpu-simt="warps=33" -verify-diagnostics
// RUN: attn-opt %s -convert-attn-to-gpu-simt="rows=0" -verify-diagnostics

func.func @shape(%q: tensor<1x4x64x64xf32>, %o: tensor<1x4x64x64xf32>)
    -> tensor<1x4x64x64xf32> {
  // expected-error @below {{cannot be lowered to GPU: block shape: warps must be in 1..32 and rows in 1..16}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xf32>,
         tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>)
       outs(%o : tensor<1x4x64x64xf32>) scale(0.125) -> tensor<1x4x64x64xf32>
  return %r : tensor<1x4x64x64xf32>
}
