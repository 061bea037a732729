// RUN: attn-opt %s --convert-attn-to-gpu-sm90 | FileCheck %s

// bf16: two exponentiated scores (keys 2c and 2c + 1 of a row) become one
// wgmma A register with nvvm.convert.f32x2.to.bf16x2, round to nearest, the
// second as the high half, once the block's exponentials are all done;
// exp2 is ex2.approx.ftz through its intrinsic.
// CHECK-LABEL: func.func @bf16
// CHECK: math.fma
// CHECK-NEXT: %[[P0:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK-NEXT: math.fma
// CHECK-NEXT: %[[P1:.*]] = llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK-NEXT: arith.addf %[[P0]], %[[P1]]
// CHECK: %[[PAIR:.*]] = nvvm.convert.f32x2.to.bf16x2 %[[P1]], %[[P0]] {rnd = #nvvm.fp_rnd_mode<rn>} : vector<2xbf16>
// CHECK-NEXT: llvm.bitcast %[[PAIR]] : vector<2xbf16> to i32
func.func @bf16(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x128x64xbf16>,
                %v: tensor<1x2x128x64xbf16>, %o: tensor<1x2x128x64xbf16>)
    -> tensor<1x2x128x64xbf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x128x64xbf16>,
         tensor<1x2x128x64xbf16>, tensor<1x2x128x64xbf16>)
       outs(%o : tensor<1x2x128x64xbf16>) scale(0.125)
       -> tensor<1x2x128x64xbf16>
  return %r : tensor<1x2x128x64xbf16>
}
