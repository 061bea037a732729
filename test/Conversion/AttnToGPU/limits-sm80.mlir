// RUN: attn-opt %s -convert-attn-to-gpu="chip=sm_80 warps=4 row-tiles=1 block-kv=64" -verify-diagnostics
// RUN: attn-opt %s -convert-attn-to-gpu="chip=sm_90a warps=4 row-tiles=1 block-kv=64" | FileCheck %s

// sm_80 lets a block opt into 163 KiB of shared memory, sm_90 227 KiB:
// (64 + 4 * 64) rows * (256 + 8) * 2 bytes = 168960 fits only the latter.
// CHECK: arith.constant 168960 : i32
// CHECK: gpu.launch
func.func @smem(%q: tensor<1x4x64x256xbf16>, %o: tensor<1x4x64x256xf32>)
    -> tensor<1x4x64x256xf32> {
  // expected-error @below {{cannot be lowered to GPU: tile config needs 168960 bytes of shared memory, over the limit of 166912 (163 KiB on sm_80)}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x256xbf16>,
         tensor<1x4x64x256xbf16>, tensor<1x4x64x256xbf16>)
       outs(%o : tensor<1x4x64x256xf32>) scale(0.0625)
       -> tensor<1x4x64x256xf32>
  return %r : tensor<1x4x64x256xf32>
}
