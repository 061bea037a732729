// RUN: attn-opt %s --split-input-file --convert-attn-to-gpu-sm90="overlap=0" | FileCheck %s
// RUN: attn-opt %s --split-input-file --convert-attn-to-gpu-sm90="overlap=1" | FileCheck %s --check-prefix=OVERLAP

// Lazy rescaling: a row keeps its running max unless a block's max lies
// more than 2^8 above it (P stays below 256), and O is rescaled only when
// some row of the warp took a new max: one vote over the warp, then an
// scf.if around the multiplies by alpha.

// CHECK-LABEL: func.func @d128
// CHECK: %[[EIGHT:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[GROW0:.*]] = arith.subf %[[MAX0:.*]], %[[OLD0:.*]] : f32
// CHECK: %[[BIG0:.*]] = arith.cmpf ogt, %[[GROW0]], %[[EIGHT]] : f32
// CHECK: arith.select %[[BIG0]], %[[MAX0]], %[[OLD0]] : f32
// CHECK: %[[BIG1:.*]] = arith.cmpf ogt, %{{.*}}, %[[EIGHT]] : f32
// CHECK: %[[ANY:.*]] = arith.ori %[[BIG0]], %[[BIG1]] : i1
// CHECK: %[[VOTE:.*]] = nvvm.vote.sync any %{{.*}}, %[[ANY]] -> i1
// CHECK: scf.if %[[VOTE]] -> (f32, f32
// CHECK-COUNT-64: arith.mulf
// CHECK: scf.yield
// CHECK: } else {
// CHECK-NEXT: scf.yield
// CHECK: nvvm.wgmma.fence.aligned

// With overlap, the wait for the in-flight P·V is in both arms of the
// branch, after the softmax: ptxas hoisted it to the top of the softmax's
// basic block otherwise.

// OVERLAP-LABEL: func.func @d128
// OVERLAP: nvvm.wgmma.wait.group.sync.aligned 1
// OVERLAP: %[[VOTE:.*]] = nvvm.vote.sync any
// OVERLAP-NOT: nvvm.wgmma.wait.group.sync.aligned
// OVERLAP: scf.if %[[VOTE]] -> (f32, f32
// OVERLAP-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// OVERLAP-COUNT-64: arith.mulf
// OVERLAP: } else {
// OVERLAP-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
func.func @d128(%q: tensor<2x4x256x128xf16>, %k: tensor<2x4x256x128xf16>,
                %v: tensor<2x4x256x128xf16>, %o: tensor<2x4x256x128xf16>)
    -> tensor<2x4x256x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x256x128xf16>,
         tensor<2x4x256x128xf16>, tensor<2x4x256x128xf16>)
       outs(%o : tensor<2x4x256x128xf16>) scale(0.088)
       -> tensor<2x4x256x128xf16>
  return %r : tensor<2x4x256x128xf16>
}

// -----

// D = 64 keeps the unconditional rescale in the overlapped loop (lazy
// rescaling was 1-28% slower there on the H200), and takes it without.

// CHECK-LABEL: func.func @d64
// CHECK: nvvm.vote.sync any

// OVERLAP-LABEL: func.func @d64
// OVERLAP-NOT: nvvm.vote.sync
// OVERLAP: return
func.func @d64(%q: tensor<2x4x256x64xf16>, %k: tensor<2x4x256x64xf16>,
               %v: tensor<2x4x256x64xf16>, %o: tensor<2x4x256x64xf16>)
    -> tensor<2x4x256x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x256x64xf16>,
         tensor<2x4x256x64xf16>, tensor<2x4x256x64xf16>)
       outs(%o : tensor<2x4x256x64xf16>) scale(0.125)
       -> tensor<2x4x256x64xf16>
  return %r : tensor<2x4x256x64xf16>
}

// -----

// Fewer query rows than a warpgroup's (decoding, 8 packed query heads): the
// kernel is memory bound and keeps the eager rescale, whose earlier wait
// releases each K/V stage sooner.

// OVERLAP-LABEL: func.func @d128_eight_rows
// OVERLAP-NOT: nvvm.vote.sync
// OVERLAP: return
func.func @d128_eight_rows(%q: tensor<2x4x8x128xf16>,
                           %k: tensor<2x4x4096x128xf16>,
                           %v: tensor<2x4x4096x128xf16>,
                           %o: tensor<2x4x8x128xf16>)
    -> tensor<2x4x8x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x8x128xf16>,
         tensor<2x4x4096x128xf16>, tensor<2x4x4096x128xf16>)
       outs(%o : tensor<2x4x8x128xf16>) scale(0.088)
       -> tensor<2x4x8x128xf16>
  return %r : tensor<2x4x8x128xf16>
}
