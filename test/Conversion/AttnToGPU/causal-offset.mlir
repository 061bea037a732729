// RUN: attn-opt %s -convert-attn-to-gpu -verify-diagnostics -o /dev/null
// RUN: not attn-opt %s --convert-attn-to-gpu-sm90 2>&1 | FileCheck %s --check-prefix=SM90

// A tile of a larger causal op (causal_offset, made by tiling through the
// TilingInterface) is refused by both GPU lowerings: they lower whole ops.
// SM90: causal-offset.mlir:[[@LINE+5]]:8: error: {{.*}}cannot be lowered to the sm_90a kernel: a causal_offset (a tile of a larger op) is not supported: lower the whole op
func.func @tile_of_causal_op(%q: tensor<1x2x64x64xf16>, %k: tensor<1x2x64x64xf16>,
                             %v: tensor<1x2x64x64xf16>, %o: tensor<1x2x64x64xf16>,
                             %off: index) -> tensor<1x2x64x64xf16> {
  // expected-error @below {{cannot be lowered to GPU: a causal_offset (a tile of a larger op) is not supported: lower the whole op}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x64x64xf16>,
         tensor<1x2x64x64xf16>, tensor<1x2x64x64xf16>)
       outs(%o : tensor<1x2x64x64xf16>) scale(0.125) causal<top_left> causal_offset(%off)
       -> tensor<1x2x64x64xf16>
  return %r : tensor<1x2x64x64xf16>
}

// The general SIMT kernel takes it: the tile's offset shifts the diagonal
// (top_left: keys j <= i + offset), so --attn-pipeline target=cuda (kernel=auto)
// still compiles a tiled op.
// RUN: attn-opt %s --convert-attn-to-gpu-simt | FileCheck %s --check-prefix=SIMT
// SIMT-LABEL: func.func @tile_of_causal_op
// SIMT-SAME: %[[OFF:[^:]*]]: index
// SIMT: gpu.launch
// SIMT: arith.addi %{{.*}}, %[[OFF]] : index
// SIMT: arith.cmpi sle
