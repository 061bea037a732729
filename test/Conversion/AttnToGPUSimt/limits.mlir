// The general kernel takes every op the verifier accepts
// (attn-to-gpu-simt.mlir and Inputs/attn_general_e2e.mlir cover the forms).
// What it refuses: a block shape out of range, one that needs more shared
// memory than sm_80's 163 KiB, and operands that are not device buffers.
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-simt="warps=32 rows=16" -verify-diagnostics

// 512 query rows of 256 f32 columns, K 32 x 260, V 32 x 256, P 512 x 32.
func.func @smem(%q: tensor<1x4x64x256xf32>, %o: tensor<1x4x64x256xf32>)
    -> tensor<1x4x64x256xf32> {
  // expected-error @below {{cannot be lowered to GPU: block shape needs 655872 bytes of shared memory, over the limit of 166912 (163 KiB on sm_80); use fewer warps or rows}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x256xf32>,
         tensor<1x4x64x256xf32>, tensor<1x4x64x256xf32>)
       outs(%o : tensor<1x4x64x256xf32>) scale(0.0625) -> tensor<1x4x64x256xf32>
  return %r : tensor<1x4x64x256xf32>
}

// -----

// The same block shape with D = 8 fits (87552 bytes).
func.func @small_d(%q: tensor<1x4x64x8xf32>, %o: tensor<1x4x64x8xf32>)
    -> tensor<1x4x64x8xf32> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x8xf32>,
         tensor<1x4x64x8xf32>, tensor<1x4x64x8xf32>)
       outs(%o : tensor<1x4x64x8xf32>) scale(0.35) -> tensor<1x4x64x8xf32>
  return %r : tensor<1x4x64x8xf32>
}
