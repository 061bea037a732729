// RUN: attn-opt %s --convert-attn-to-gpu-sm90 -split-input-file -verify-diagnostics
// RUN: attn-opt %s --convert-attn-to-gpu-sm90=soft -split-input-file | FileCheck %s --check-prefix=SOFT

// SOFT-COUNT-2: attn.attention

func.func @d256(%q: tensor<1x2x64x256xf16>, %k: tensor<1x2x64x256xf16>,
                %v: tensor<1x2x64x256xf16>, %o: tensor<1x2x64x256xf16>)
    -> tensor<1x2x64x256xf16> {
  // expected-error @+1 {{cannot be lowered to the sm_90a kernel: head dim must be static, equal for query and value, and 64 or 128}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x64x256xf16>,
         tensor<1x2x64x256xf16>, tensor<1x2x64x256xf16>)
       outs(%o : tensor<1x2x64x256xf16>) scale(0.0625)
       -> tensor<1x2x64x256xf16>
  return %r : tensor<1x2x64x256xf16>
}

// -----

func.func @bf16(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>,
                %v: tensor<1x2x64x64xbf16>, %o: tensor<1x2x64x64xbf16>)
    -> tensor<1x2x64x64xbf16> {
  // expected-error @+1 {{cannot be lowered to the sm_90a kernel: the sm_90a kernel supports only f16 query/key/value}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x64x64xbf16>,
         tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>)
       outs(%o : tensor<1x2x64x64xbf16>) scale(0.125)
       -> tensor<1x2x64x64xbf16>
  return %r : tensor<1x2x64x64xbf16>
}
