// RUN: attn-opt %s --convert-attn-to-gpu-sm90 -split-input-file | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-gpu-sm90 -split-input-file | FileCheck %s --check-prefix=HOST
// RUN: not attn-opt %s --convert-attn-to-gpu-sm90=explicit-masks=0 -split-input-file 2>&1 | FileCheck %s --check-prefix=OFF

// With explicit-masks=0 every masked op is refused, with the reason.
// OFF-COUNT-4: error: 'attn.attention' op cannot be lowered to the sm_90a kernel: explicit masks are off (explicit-masks=0)

// The host checks the mask's descriptor before the launch, like the other
// operands' (lib/Conversion/Common/HostChecks.cpp): its dims against the
// scores' and the function's type.
// HOST-DAG: llvm.mlir.global internal constant @{{.*}}("bool_mask: mask dim 0 is %lld, the function's type says %lld\00")
// HOST-DAG: llvm.mlir.global internal constant @{{.*}}("bias_b11s: mask dim 0 is %lld, it must be 1 or %lld (broadcastable to [batch..., Hq, Sq, Sk])\00")
// HOST-DAG: llvm.mlir.global internal constant @{{.*}}("bias_b11s: mask dim 3 is %lld, it must be 1 or %lld (broadcastable to [batch..., Hq, Sq, Sk])\00")

// An i1 keep-mask [Sq, Sk]: each of the 64 accumulator elements of a thread's
// S (m64n128) reads its keep bit, the row and key clamped to 0 past Sq / Sk
// (scores the bounds mask drops), and dropped keys become -inf; then the
// ragged-tail/causal mask (keys >= Sk) and the exp2 of the softmax.
// CHECK-LABEL: func.func @bool_mask
// CHECK: %[[MB:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<128x128xi1> to memref<128x128xi1>
// CHECK: gpu.launch
// CHECK: nvvm.wgmma.mma_async
// CHECK: %[[ROW_IN:.*]] = arith.cmpi slt, %[[ROW:.*]], %c128 : index
// CHECK: %[[ROW_C:.*]] = arith.select %[[ROW_IN]], %[[ROW]], %c0{{.*}} : index
// CHECK: %[[KEY_IN:.*]] = arith.cmpi slt, %[[KEY:.*]], %c128 : index
// CHECK: %[[KEY_C:.*]] = arith.select %[[KEY_IN]], %[[KEY]], %c0{{.*}} : index
// CHECK: %[[KEEP:.*]] = memref.load %[[MB]][%[[ROW_C]], %[[KEY_C]]] : memref<128x128xi1>
// CHECK: arith.select %[[KEEP]], %{{.*}}, %cst{{.*}} : f32
// CHECK-COUNT-63: memref.load %[[MB]]
// CHECK-NOT: memref.load %[[MB]]
// CHECK: arith.cmpi sle, %{{.*}}, %c0_i32 : i32
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
func.func @bool_mask(%q: tensor<1x2x128x64xf16>, %k: tensor<1x2x128x64xf16>,
                     %v: tensor<1x2x128x64xf16>, %m: tensor<128x128xi1>,
                     %o: tensor<1x2x128x64xf16>) -> tensor<1x2x128x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x128x64xf16>,
         tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>)
       mask(%m : tensor<128x128xi1>)
       outs(%o : tensor<1x2x128x64xf16>) scale(0.125)
       -> tensor<1x2x128x64xf16>
  return %r : tensor<1x2x128x64xf16>
}

// -----

// An additive f16 mask [Sq, Sk] is a logit: S stays raw Q·Kᵀ (the scale is
// folded into exp2), so the bias is added times 1 / scale = 8.
// CHECK-LABEL: func.func @bias_2d
// CHECK-DAG: %[[MB:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x?xf16> to memref<?x?xf16>
// CHECK-DAG: %[[C8:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: gpu.launch
// CHECK: %[[D0:.*]] = memref.dim %[[MB]], %c0
// CHECK: %[[ONE0:.*]] = arith.cmpi eq, %[[D0]], %c1
// CHECK: %[[D1:.*]] = memref.dim %[[MB]], %c1
// CHECK: %[[ONE1:.*]] = arith.cmpi eq, %[[D1]], %c1
// CHECK: nvvm.wgmma.mma_async
// CHECK: %[[ROW:.*]] = arith.select %[[ONE0]], %c0{{.*}}, %{{.*}} : index
// CHECK: %[[KEY:.*]] = arith.select %[[ONE1]], %c0{{.*}}, %{{.*}} : index
// CHECK: %[[M:.*]] = memref.load %[[MB]][%[[ROW]], %[[KEY]]] : memref<?x?xf16>
// CHECK: %[[MF:.*]] = arith.extf %[[M]] : f16 to f32
// CHECK: %[[MS:.*]] = arith.mulf %[[MF]], %[[C8]] : f32
// CHECK: arith.addf %{{.*}}, %[[MS]] : f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
func.func @bias_2d(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                   %v: tensor<?x?x?x128xf16>, %m: tensor<?x?xf16>,
                   %o: tensor<?x?x?x128xf16>) -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       mask(%m : tensor<?x?xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.125)
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

// -----

// A key-padding bias [B, 1, 1, Sk]: the static 1s read index 0, the batch
// index of the block and the key index the others (both dynamic, so they
// broadcast too where they are 1 at run time).
// CHECK-LABEL: func.func @bias_b11s
// CHECK: %[[MB:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x1x1x?xf16> to memref<?x1x1x?xf16>
// CHECK: gpu.launch
// CHECK: %[[D0:.*]] = memref.dim %[[MB]], %c0
// CHECK: %[[ONE0:.*]] = arith.cmpi eq, %[[D0]], %c1
// CHECK: %[[D3:.*]] = memref.dim %[[MB]], %c3
// CHECK: %[[ONE3:.*]] = arith.cmpi eq, %[[D3]], %c1
// CHECK: nvvm.wgmma.mma_async
// CHECK: %[[B:.*]] = arith.select %[[ONE0]], %c0{{.*}}, %{{.*}} : index
// CHECK: %[[KEY:.*]] = arith.select %[[ONE3]], %c0{{.*}}, %{{.*}} : index
// CHECK: memref.load %[[MB]][%[[B]], %c0{{.*}}, %c0{{.*}}, %[[KEY]]] : memref<?x1x1x?xf16>
func.func @bias_b11s(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                     %v: tensor<?x?x?x64xf16>, %m: tensor<?x1x1x?xf16>,
                     %o: tensor<?x?x?x64xf16>) -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       mask(%m : tensor<?x1x1x?xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

// -----

// With a score_mod, S is already scaled when the bias is added: no 1 / scale
// factor. As in the decomposition, the bias follows score_mod (a soft-cap
// here) and precedes mask_mod (a window, under the scf.if of the tiles it may
// drop from) and the exp2, whose factor is log2(e) alone.
// CHECK-LABEL: func.func @bias_after_score_mod
// CHECK: gpu.launch
// CHECK: nvvm.wgmma.mma_async
// CHECK: math.tanh
// CHECK: %[[M:.*]] = memref.load %{{.*}} : memref<?x?xf32>
// CHECK-NOT: arith.mulf %[[M]]
// CHECK: %[[BIASED:.*]] = arith.addf %{{.*}}, %[[M]] : f32
// CHECK: scf.if
// CHECK: arith.select %{{.*}}, %[[BIASED]], %cst{{.*}} : f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
func.func @bias_after_score_mod(%q: tensor<?x?x?x64xf16>,
                                %k: tensor<?x?x?x64xf16>,
                                %v: tensor<?x?x?x64xf16>,
                                %m: tensor<?x?xf32>,
                                %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       mask(%m : tensor<?x?xf32>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %c = arith.constant 30.0 : f32
         %d = arith.divf %s, %c : f32
         %t = math.tanh %d : f32
         %r2 = arith.mulf %t, %c : f32
         attn.yield %r2 : f32
       }
       mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %w = arith.constant 100 : index
         %lo = arith.subi %i, %w : index
         %keep = arith.cmpi sge, %j, %lo : index
         attn.yield %keep : i1
       }
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}
