// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu="warps=8 row-tiles=2 block-kv=64" -verify-diagnostics

// Shared memory is checked against the 227 KiB a block may opt into:
// (256 + 4 * 64) rows * (256 + 8) * 2 bytes = 270336.
func.func @smem(%q: tensor<1x4x64x256xf16>, %o: tensor<1x4x64x256xf16>)
    -> tensor<1x4x64x256xf16> {
  // expected-error @below {{cannot be lowered to GPU: tile config needs 270336 bytes of shared memory, over the limit of 232448 (227 KiB on sm_90a)}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x256xf16>,
         tensor<1x4x64x256xf16>, tensor<1x4x64x256xf16>)
       outs(%o : tensor<1x4x64x256xf16>) scale(0.0625)
       -> tensor<1x4x64x256xf16>
  return %r : tensor<1x4x64x256xf16>
}

// -----

func.func @dynamic_head_dim(%q: tensor<1x4x64x?xf16>, %o: tensor<1x4x64x?xf16>)
    -> tensor<1x4x64x?xf16> {
  // expected-error @below {{cannot be lowered to GPU: head dim must be static, equal for query and value, and 64, 128 or 256}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x?xf16>,
         tensor<1x4x64x?xf16>, tensor<1x4x64x?xf16>)
       outs(%o : tensor<1x4x64x?xf16>) scale(0.0625)
       -> tensor<1x4x64x?xf16>
  return %r : tensor<1x4x64x?xf16>
}

