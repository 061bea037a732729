// RUN: attn-opt %s --convert-attn-to-gpu-sm90 | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="block-kv=64 stages=3" | FileCheck %s --check-prefix=CFG

// Host: one 128B-swizzled tensor map per operand (box: rows x 64 columns),
// then one launch of 2 warpgroups (BQ = 128) with Q + 2 K/V stages + 1 KiB.
// CHECK-LABEL: func.func @attn
// CHECK: nvgpu.tma.create.descriptor %{{.*}} box[%{{.*}}] : memref<*xf16> -> <tensor = memref<1x1x128x64xf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_128b, oob = zero, interleave = none>
// CHECK: nvgpu.tma.create.descriptor
// CHECK: nvgpu.tma.create.descriptor
// CHECK: gpu.launch
// CHECK-SAME: threads({{.*}}) in ({{.*}} = %c256, {{.*}}) dynamic_shared_memory_size %c164864_i32
// CHECK: nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 3>
// CHECK: nvgpu.mbarrier.init
// CHECK: nvgpu.mbarrier.arrive.expect_tx
// CHECK: nvgpu.tma.async.load
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: scf.for
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: ex2.approx.ftz.f32
// CHECK: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// CHECK: gpu.barrier
// CHECK: nvgpu.tma.async.load

// CFG: nvgpu.tma.create.descriptor {{.*}}memref<1x1x64x64xf16
// CFG: dynamic_shared_memory_size %c132096_i32
// CFG: num_barriers = 4
// CFG: <m = 64, n = 64, k = 16>

func.func @attn(%q: tensor<2x8x256x128xf16>, %k: tensor<2x2x256x128xf16>,
                %v: tensor<2x2x256x128xf16>, %o: tensor<2x8x256x128xf16>)
    -> tensor<2x8x256x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x8x256x128xf16>,
         tensor<2x2x256x128xf16>, tensor<2x2x256x128xf16>)
       outs(%o : tensor<2x8x256x128xf16>) scale(0.08838834764831845)
       -> tensor<2x8x256x128xf16>
  return %r : tensor<2x8x256x128xf16>
}
