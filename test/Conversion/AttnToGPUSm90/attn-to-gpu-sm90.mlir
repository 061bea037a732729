// RUN: attn-opt %s --convert-attn-to-gpu-sm90 | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="producer-warp=0 overlap=0 stages=2" | FileCheck %s --check-prefix=SIMPLE
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="block-kv=64" | FileCheck %s --check-prefix=CFG
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="pingpong=1" | FileCheck %s --check-prefix=PING
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="warpgroups=3 block-kv=64 stages=2 producer-warp=1" | FileCheck %s --check-prefix=WG3
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="persistent=1" | FileCheck %s --check-prefix=PERS
// RUN: not attn-opt %s --convert-attn-to-gpu-sm90="persistent=1 producer-warp=0" 2>&1 | FileCheck %s --check-prefix=PERSERR

// persistent=1: min(tiles, SMs) CTAs; producer and consumers loop over the
// CTA's tiles carrying the running K/V block count; the producer waits for
// the Q-empty barrier (7, one arrival per consumer thread) before loading
// the next Q; consumers release Q once the tile's last S GEMM is complete
// (after block 0's when it is the only block, in the loop's last
// iteration otherwise, at once for a tile without blocks), so that the
// next Q's load overlaps the last softmax, P·V and epilogue. Its producer
// keeps 40 registers (persistent-registers.mlir says why), the consumers
// 232.
// PERS: func.func private @attnMultiprocessorCount() -> i32
// PERS: %[[SMS:.*]] = func.call @attnMultiprocessorCount() : () -> i32
// PERS: %[[SMSI:.*]] = arith.index_cast %[[SMS]] : i32 to index
// PERS: %[[MIN:.*]] = arith.minui %[[SMSI]], %c32 : index
// PERS: %[[GRID:.*]] = arith.maxui %[[MIN]], %c1 : index
// PERS: gpu.launch blocks({{.*}}) in ({{.*}} = %[[GRID]], {{.*}} = %c1, {{.*}} = %c1)
// PERS: num_barriers = 8
// PERS: nvgpu.mbarrier.init %{{.*}}[%c7], %c256
// PERS: nvvm.setmaxregister decrease 40
// PERS: scf.for {{.*}} iter_args(%{{.*}} = %c0) -> (index)
// PERS: nvgpu.mbarrier.try_wait.parity %{{.*}}[%c7]
// PERS: nvgpu.mbarrier.arrive.expect_tx %{{.*}}[%c0]
// PERS: nvvm.setmaxregister increase 232
// PERS: scf.for {{.*}} iter_args(%{{.*}} = %c0) -> (index)
// PERS: nvgpu.mbarrier.try_wait.parity %{{.*}}[%c0]
// PERS: nvvm.wgmma.wait.group.sync.aligned 0
// PERS-NEXT: scf.if %false {
// PERS-NEXT: nvgpu.mbarrier.arrive %{{.*}}[%c7]
// PERS: scf.for %[[J:.*]] = %c1 to %c32
// PERS: nvvm.wgmma.wait.group.sync.aligned 1
// PERS-NEXT: %[[LAST:.*]] = arith.cmpi eq, %[[J]], %c31
// PERS-NEXT: scf.if %[[LAST]] {
// PERS-NEXT: nvgpu.mbarrier.arrive %{{.*}}[%c7]
// PERS: nvvm.wgmma.wait.group.sync.aligned 0
// PERS: scf.if %false {
// PERS-NEXT: nvgpu.mbarrier.arrive %{{.*}}[%c7]
// PERS-NOT: nvgpu.mbarrier.arrive %{{.*}}[%c7]
// PERS: vector.store
// PERSERR: persistent needs producer-warp=1

// Three consumer warpgroups get 160 registers each (128 * 24 + 384 * 160
// <= 64K); 240 would leave setmaxnreg.inc waiting forever.
// WG3: nvvm.setmaxregister decrease 24
// WG3: nvvm.setmaxregister increase 160
// RUN: not attn-opt %s --convert-attn-to-gpu-sm90="pingpong=1 producer-warp=0" 2>&1 | FileCheck %s --check-prefix=PINGERR

// pingpong=1: warpgroup 0 pre-arrives on its named barrier (1); each
// warpgroup waits on barrier 1 + w before its GEMMs and, once they are
// issued, arrives on the next one's, for the peeled block 0 and the loop.
// PING: nvvm.setmaxregister increase 240
// PING: scf.if
// PING: nvvm.barrier.arrive id = %c1_i32 number_of_threads = %c256_i32
// PING: nvvm.barrier id = %{{.*}} number_of_threads = %{{.*}}
// PING: nvvm.wgmma.mma_async
// PING: nvvm.wgmma.commit.group.sync.aligned
// PING: nvvm.barrier.arrive
// PING: scf.for
// PING: nvvm.barrier id
// PING: nvvm.wgmma.mma_async
// PING: llvm.inline_asm
// PING: nvvm.wgmma.commit.group.sync.aligned
// PING: nvvm.barrier.arrive
// PING: nvvm.wgmma.wait.group.sync.aligned 1
// PINGERR: pingpong needs producer-warp=1 and at least 2 warpgroups

// Host: one 128B-swizzled tensor map per operand (box: rows x 64 columns).
// Default at D = 128 from 4096 keys (below, the persistent variant): 2 consumer warpgroups (BQ = 128) + 1 producer
// warpgroup, Q + 3 stages of 128 keys + 1 KiB = 230400 bytes, 1 + 2 * 3
// mbarriers (Q, full, empty).
// CHECK-LABEL: func.func @attn
// CHECK: nvgpu.tma.create.descriptor %{{.*}} box[%{{.*}}] : memref<*xf16> -> <tensor = memref<1x1x128x64xf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_128b, oob = zero, interleave = none>
// CHECK: nvgpu.tma.create.descriptor
// CHECK: nvgpu.tma.create.descriptor
// CHECK: gpu.launch
// CHECK-SAME: threads({{.*}}) in ({{.*}} = %c384, {{.*}}) dynamic_shared_memory_size %c230400_i32
// CHECK: nvgpu.mbarrier.create -> <memorySpace = #gpu.address_space<workgroup>, num_barriers = 7>
// CHECK: nvgpu.mbarrier.init
// Producer warpgroup: gives registers away, loads Q, then each K/V tile
// once its stage is empty.
// CHECK: nvvm.setmaxregister decrease 24
// CHECK: nvgpu.mbarrier.arrive.expect_tx
// CHECK: nvgpu.tma.async.load
// CHECK: scf.for
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: nvgpu.tma.async.load
// Consumers: block 0's S and softmax, then per block S(j) and P(j-1)·V(j-1)
// in flight together (wait_group 1 for S), then release of the stage.
// CHECK: nvvm.setmaxregister increase 240
// CHECK: nvgpu.mbarrier.try_wait.parity
// CHECK: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 16>, D[<f32>, <zero>], A[<f16>, <one>, <row>], B[<f16>, <one>, <col>]
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK: scf.for
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: nvvm.wgmma.mma_async
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: llvm.call_intrinsic "llvm.nvvm.ex2.approx.ftz.f32"
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvgpu.mbarrier.arrive
// CHECK-NOT: gpu.barrier
// CHECK: vector.store

// Thread 0 loads between block barriers, one block at a time.
// SIMPLE: gpu.launch
// SIMPLE-SAME: threads({{.*}}) in ({{.*}} = %c256, {{.*}}) dynamic_shared_memory_size %c164864_i32
// SIMPLE: num_barriers = 3
// SIMPLE-NOT: setmaxregister
// SIMPLE: scf.for
// SIMPLE: nvgpu.mbarrier.try_wait.parity
// SIMPLE: nvvm.wgmma.wait.group.sync.aligned 0
// SIMPLE: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// SIMPLE: nvvm.wgmma.wait.group.sync.aligned 0
// SIMPLE: gpu.barrier
// SIMPLE: nvgpu.tma.async.load

// CFG: nvgpu.tma.create.descriptor {{.*}}memref<1x1x64x64xf16
// CFG: dynamic_shared_memory_size %c132096_i32
// CFG: num_barriers = 7
// CFG: <m = 64, n = 64, k = 16>

func.func @attn(%q: tensor<2x8x256x128xf16>, %k: tensor<2x2x4096x128xf16>,
                %v: tensor<2x2x4096x128xf16>, %o: tensor<2x8x256x128xf16>)
    -> tensor<2x8x256x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x8x256x128xf16>,
         tensor<2x2x4096x128xf16>, tensor<2x2x4096x128xf16>)
       outs(%o : tensor<2x8x256x128xf16>) scale(0.08838834764831845)
       -> tensor<2x8x256x128xf16>
  return %r : tensor<2x8x256x128xf16>
}
