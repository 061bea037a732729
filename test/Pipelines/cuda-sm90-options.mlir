// The sm_90a tile options of --attn-pipeline reach --convert-attn-to-gpu-sm90.
// Both configurations are spelled out in full, so that neither depends on the
// default table (DefaultConfigs.inc).

// 1 consumer warpgroup, 64-key stages, 2 of them, thread 0 loads, no overlap:
// 128 threads; 64·128·2 + 2·2·64·128·2 + 1024 = 82944 bytes of shared memory.
// RUN: attn-opt %s --attn-pipeline="target=cuda kernel=wgmma format=isa gpu-warpgroups=1 gpu-block-kv=64 gpu-stages=2 gpu-overlap=0 gpu-producer-warp=0" -o %t.a.mlir
// RUN: FileCheck %s --check-prefix=HOST-A < %t.a.mlir
// RUN: %python %S/../Integration/GPU/extract_ptx.py %t.a.mlir attn_kernel > %t.a.ptx
// RUN: FileCheck %s --check-prefixes=PTX,PTX-A < %t.a.ptx
// HOST-A: %[[SMEM:.*]] = llvm.mlir.constant(82944 : i32) : i32
// HOST-A: gpu.launch_func {{.*}}@attn_kernel::@attn_kernel {{.*}} dynamic_shared_memory_size %[[SMEM]]
// PTX-A: .maxntid 128, 1, 1
// PTX-A-NOT: setmaxnreg
// PTX-A-NOT: wgmma.wait_group.sync.aligned {{[[:space:]]*}}1;

// 3 consumer warpgroups plus a producer warpgroup, 2 stages, overlap: 512
// threads; 3·64·128·2 + 2·2·64·128·2 + 1024 = 115712 bytes.
// RUN: attn-opt %s --attn-pipeline="target=cuda kernel=wgmma format=isa gpu-warpgroups=3 gpu-block-kv=64 gpu-stages=2 gpu-overlap=1 gpu-producer-warp=1" -o %t.b.mlir
// RUN: FileCheck %s --check-prefix=HOST-B < %t.b.mlir
// RUN: %python %S/../Integration/GPU/extract_ptx.py %t.b.mlir attn_kernel > %t.b.ptx
// RUN: FileCheck %s --check-prefixes=PTX,PTX-B < %t.b.ptx
// HOST-B: %[[SMEM:.*]] = llvm.mlir.constant(115712 : i32) : i32
// HOST-B: gpu.launch_func {{.*}}@attn_kernel::@attn_kernel {{.*}} dynamic_shared_memory_size %[[SMEM]]
// PTX-B: .maxntid 512, 1, 1
// PTX-B-DAG: setmaxnreg.dec.sync.aligned.u32
// PTX-B-DAG: setmaxnreg.inc.sync.aligned.u32
// PTX-B-DAG: wgmma.wait_group.sync.aligned {{[[:space:]]*}}1;

// 64-key stages: S = Q·Kᵀ is an m64n64 wgmma in both.
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16

// Negative sizes and out-of-range flags are rejected before any pass runs.
// RUN: not attn-opt %s --attn-pipeline="target=cuda gpu-warpgroups=-1" 2>&1 | FileCheck %s --check-prefix=ERR-WG
// ERR-WG: error: attn-pipeline: gpu-warpgroups (-1) and gpu-stages (0) must be non-negative (0: the default table)
// RUN: not attn-opt %s --attn-pipeline="target=cuda gpu-stages=-2" 2>&1 | FileCheck %s --check-prefix=ERR-ST
// ERR-ST: error: attn-pipeline: gpu-warpgroups (0) and gpu-stages (-2) must be non-negative (0: the default table)
// RUN: not attn-opt %s --attn-pipeline="target=cuda gpu-overlap=2" 2>&1 | FileCheck %s --check-prefix=ERR-OV
// ERR-OV: for the --gpu-overlap option: unknown value '2' (expected auto, 0 or 1)
// RUN: not attn-opt %s --attn-pipeline="target=cuda gpu-producer-warp=-2" 2>&1 | FileCheck %s --check-prefix=ERR-PW
// ERR-PW: for the --gpu-producer-warp option: unknown value '-2' (expected auto, 0 or 1)
// RUN: not attn-opt %s --attn-pipeline="target=cuda gpu-pingpong=3" 2>&1 | FileCheck %s --check-prefix=ERR-PP
// ERR-PP: for the --gpu-pingpong option: unknown value '3' (expected auto, 0 or 1)
// The pass's switches are the same enum: `auto` is the default table's
// choice, and other spellings are rejected.
// RUN: not attn-opt %s --convert-attn-to-gpu-sm90="persistent=yes" 2>&1 | FileCheck %s --check-prefix=ERR-PERS
// ERR-PERS: for the --persistent option: unknown value 'yes' (expected auto, 0 or 1)
// RUN: attn-opt %s --convert-attn-to-gpu-sm90 -o %t.default.mlir
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="overlap=auto producer-warp=auto pingpong=auto persistent=auto" -o %t.auto.mlir
// RUN: diff %t.default.mlir %t.auto.mlir
// RUN: attn-opt %s --attn-pipeline="target=cuda kernel=wgmma format=isa gpu-pingpong=1" -o %t.pp.mlir
// RUN: %python %S/../Integration/GPU/extract_ptx.py %t.pp.mlir attn_kernel | FileCheck %s --check-prefix=PTX-PP
// PTX-PP: bar.arrive
// PTX-PP: bar.sync {{.*}}, 256;

// A configuration the kernel cannot take fails in the pass, with kernel=wgmma.
// RUN: not attn-opt %s --attn-pipeline="target=cuda kernel=wgmma gpu-warpgroups=4" 2>&1 | FileCheck %s --check-prefix=ERR-CFG
// ERR-CFG: cannot be lowered to the sm_90a kernel: tile config: warpgroups 1..3

func.func @attn(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}
