// target=cuda compiles ops with score_mod/mask_mod regions or sinks with a
// tensor-core kernel: the wgmma kernel on sm_90a, mma.sync on sm_80 (the
// conversions: tensor-core-score-mod.mlir).
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a format=isa" | FileCheck %s --check-prefixes=CUDA,SM90
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_80 format=isa" | FileCheck %s --check-prefixes=CUDA,SM80
// CUDA-NOT: attn.attention
// CUDA: gpu.binary @softcap_kernel
// SM90-SAME: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// SM80-SAME: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32

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
