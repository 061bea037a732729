// The tensor-core kernels refuse ops with score_mod/mask_mod regions or
// sinks (with a reason, or leave them with soft); the general SIMT kernel
// takes them (simt-score-mod.mlir).
// RUN: not attn-opt %s --convert-attn-to-gpu 2>&1 | FileCheck %s --check-prefix=MMA
// RUN: not attn-opt %s --convert-attn-to-gpu-sm90 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: attn-opt %s --convert-attn-to-gpu=soft=1 | FileCheck %s --check-prefix=LEFT
// RUN: attn-opt %s --convert-attn-to-gpu-sm90=soft=1 | FileCheck %s --check-prefix=LEFT
// target=cuda compiles it with the SIMT kernel: no tensor-core kernel.
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a format=isa" | FileCheck %s --check-prefix=CUDA
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_80 format=isa" | FileCheck %s --check-prefix=CUDA
// CUDA-NOT: mma
// CUDA-NOT: attn.attention
// CUDA: gpu.binary @softcap_kernel
// CUDA-NOT: mma

// MMA: error: 'attn.attention' op cannot be lowered to GPU: score_mod/mask_mod regions and sinks are not supported by the mma.sync kernel
// SM90: error: 'attn.attention' op cannot be lowered to the sm_90a kernel: score_mod/mask_mod regions and sinks are not supported by the sm_90a kernel

// LEFT-LABEL: func.func @softcap
// LEFT-NOT: gpu.launch
// LEFT: attn.attention
// LEFT-SAME: score_mod
// LEFT-NOT: gpu.launch
func.func @softcap(%q: tensor<1x2x128x64xf16>, %o: tensor<1x2x128x64xf16>)
    -> tensor<1x2x128x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x2x128x64xf16>,
         tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>)
       outs(%o : tensor<1x2x128x64xf16>) scale(0.125) causal<top_left> score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %c = arith.constant 50.0 : f32
         %d = arith.divf %s, %c : f32
         %t = math.tanh %d : f32
         %m = arith.mulf %t, %c : f32
         attn.yield %m : f32
       } -> tensor<1x2x128x64xf16>
  return %r : tensor<1x2x128x64xf16>
}
