// RUN: attn-opt %s --convert-attn-to-gpu-sm90="producer-warp=0 overlap=0 stages=2 block-kv=64" | FileCheck %s
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a kernel=wgmma format=isa gpu-producer-warp=0 gpu-overlap=0 gpu-stages=2 gpu-block-kv=64" -o %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir > %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx

// Issue 17. The tiles start at the first 1 KiB boundary strictly above the
// dynamic-shared-memory base: pad = 1024 - base % 1024, 1 to 1024 bytes,
// with no second `% 1024` that would make it 0 for a base on a boundary.
// The Q tile's TMA destination and the wgmma descriptors use that pad.
// CHECK-LABEL: func.func @attn_d64
// CHECK: %[[SMEM:.*]] = gpu.dynamic_shared_memory
// CHECK: %[[RAW:.*]] = memref.extract_aligned_pointer_as_index %[[SMEM]]
// CHECK: %[[REM:.*]] = arith.remui %[[RAW]], %c1024
// CHECK: %[[PAD:.*]] = arith.subi %c1024, %[[REM]]
// CHECK-NOT: arith.remui %[[PAD]]
// CHECK: %[[ALIGNED:.*]] = arith.addi %[[RAW]], %[[PAD]]
// CHECK: arith.index_castui %[[ALIGNED]]
// CHECK: nvgpu.mbarrier.arrive.expect_tx
// CHECK: %[[QDST:.*]] = memref.view %[[SMEM]][%[[PAD]]][]
// CHECK: nvgpu.tma.async.load %{{.*}} to %[[QDST]]

// Why a base on a boundary cannot keep a pad of 0: the base is a 1-byte
// static variable (LLVM demotes the internal zero-size global), declared
// before the mbarriers, and ptxas places it first, at 0x400, the mbarriers
// right after it. The PTX takes the base modulo 1 KiB and adds 1024 to the
// base rounded down, i.e. 0x400 -> 0x800, past the mbarriers.
// PTX: .shared .align 16 .b8 __dynamic_shmem__0;
// PTX-NEXT: // demoted variable
// PTX-NEXT: .shared .align 8 .b8 __mbarrier[24];
// PTX: mov.b64 %rd[[BASE:[0-9]+]], __dynamic_shmem__0;
// PTX: and.b64 %rd[[REM:[0-9]+]], %rd[[BASE]], 1008;
// PTX: mbarrier.arrive.expect_tx.shared.b64 {{.*}}, [__mbarrier],
// PTX: sub.s64 %rd[[DOWN:[0-9]+]], %rd[[BASE]], %rd[[REM]];
// PTX-NEXT: add.s64 %rd[[Q:[0-9]+]], %rd[[DOWN]], 1024;
// PTX-NEXT: cvta.shared.u64 %rd[[QG:[0-9]+]], %rd[[Q]];
// PTX-NEXT: cvta.to.shared::cluster.u64 %rd[[QC:[0-9]+]], %rd[[QG]];
// PTX: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%rd[[QC]]], {{.*}}, [__mbarrier];

func.func @attn_d64(%q: tensor<1x2x256x64xf16>, %k: tensor<1x2x256x64xf16>,
                    %v: tensor<1x2x256x64xf16>, %o: tensor<1x2x256x64xf32>)
    -> tensor<1x2x256x64xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x256x64xf16>,
         tensor<1x2x256x64xf16>, tensor<1x2x256x64xf16>)
       outs(%o : tensor<1x2x256x64xf32>) scale(0.125) causal<top_left>
       -> tensor<1x2x256x64xf32>
  return %r : tensor<1x2x256x64xf32>
}
