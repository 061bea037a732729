// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a kernel=wgmma format=isa" -o %t.isa.mlir
// RUN: FileCheck %s --check-prefix=HOST < %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d128_kernel > %t.d128.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d128_kernel_0 > %t.d128short.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d64_causal_kernel_1 > %t.d64mid.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d64_causal_kernel > %t.d64long.ptx
// RUN: FileCheck %s --check-prefix=D64LONG < %t.d64long.ptx
// RUN: FileCheck %s --check-prefix=PERS < %t.d64mid.ptx
// RUN: FileCheck %s --check-prefix=PERS < %t.d128short.ptx
// RUN: FileCheck %s --check-prefixes=PTX,D128 < %t.d128.ptx
// RUN: FileCheck %s --check-prefixes=PTX,D64 < %t.d64mid.ptx
// RUN: FileCheck %s --check-prefix=STORE < %t.d128.ptx

// The epilogue stores four f16 of O at a time: neighbouring lanes of a quad
// exchange one pair per two 8-column groups, so each of a thread's two rows
// takes 8 stores of 8 bytes at D = 128 (16 groups), none narrower.
// STORE-NOT: st.global.b16
// STORE-NOT: st.global.b32
// STORE-COUNT-16: st.global.v2.b32
// STORE-NOT: st.global

// kernel=wgmma: the host makes the tensor maps through the runtime and
// launches the kernel with them; both kernels end up in gpu.binary ops.
// HOST-DAG: llvm.call @mgpuTensorMapEncodeTiledMemref(
// HOST-DAG: gpu.launch_func {{.*}}@attn_d128_kernel::@attn_d128_kernel
// HOST-DAG: gpu.binary @attn_d128_kernel <#attn.lazy_object> [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// HOST-DAG: gpu.binary @attn_d64_causal_kernel <#attn.lazy_object> [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// HOST-DAG: gpu.binary @attn_d64_causal_kernel_1 <#attn.lazy_object> [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// HOST-DAG: gpu.binary @attn_d128_kernel_0 <#attn.lazy_object> [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">

// D = 64 causal has two table rows: from 8192 keys the 3-warpgroup kernel
// (attn_d64_causal_kernel), below the persistent one (..._1). D = 128 has
// two as well: below 4096 keys, persistent (attn_d128_kernel_0).
// D64LONG: .maxntid 512, 1, 1
// D64LONG: setmaxnreg.inc.sync.aligned.u32 160
// D64LONG: bar.sync
// PERS: .maxntid 384, 1, 1
// PERS: setmaxnreg.dec.sync.aligned.u32 40
// PERS: setmaxnreg.inc.sync.aligned.u32 232

// The PTX loads tiles with the tensor copy engine onto mbarriers and
// multiplies on wgmma (shared-memory A for S = Q·Kᵀ, register A for P·V);
// D = 128 is warp-specialised with setmaxnreg and overlaps S(j) with
// P(j-1)·V(j-1), and so is the persistent D = 64 kernel (128-key stages).
// PTX: .target sm_90a
// PTX-DAG: mbarrier.init.shared.b64
// PTX-DAG: mbarrier.arrive.expect_tx.shared.b64
// PTX-DAG: mbarrier.try_wait.parity.shared.b64
// PTX-DAG: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX-DAG: wgmma.fence.sync.aligned
// D128-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {
// D128-DAG: setmaxnreg.dec.sync.aligned.u32 24
// D128-DAG: setmaxnreg.inc.sync.aligned.u32 240
// D128-DAG: wgmma.wait_group.sync.aligned 1
// D64-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {
// PTX-DAG: wgmma.commit_group.sync.aligned
// PTX-DAG: wgmma.wait_group.sync.aligned 0
// PTX-DAG: ex2.approx.ftz.f32
// PTX-NOT: mma.sync.aligned.m16n8k16

// No spills in any of the kernels.
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.d128.ptx -o %t.d128.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.d64mid.ptx -o %t.d64mid.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.d64long.ptx -o %t.d64long.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.d128short.ptx -o %t.d128short.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// SPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// The SASS of both cubins (where the toolkit has cuobjdump: not in the
// CUDA 13.0 image of the build machines, so this runs on the GPU machine's
// toolkit): wgmma as HGMMA, TMA loads as UTMALDG.
// RUN: %if cuobjdump %{ %cuobjdump -sass %t.d128.cubin | FileCheck %s --check-prefix=SASS %}
// RUN: %if cuobjdump %{ %cuobjdump -sass %t.d64mid.cubin | FileCheck %s --check-prefix=SASS %}
// SASS-DAG: UTMALDG
// SASS-DAG: HGMMA.64x{{[0-9]+}}x16.F32

// RUN: not attn-opt %s --attn-pipeline="target=cuda chip=sm_80 kernel=wgmma" 2>&1 | FileCheck %s --check-prefix=ERR
// ERR: kernel=wgmma needs chip=sm_90a
// RUN: not attn-opt %s --attn-pipeline="target=cuda kernel=bogus" 2>&1 | FileCheck %s --check-prefix=ERR2
// ERR2: for the --kernel option: unknown value 'bogus' (expected auto, mma-sync, wgmma or simt)

func.func @attn_d128(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                     %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d64_causal(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                           %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       causal<bottom_right> -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}
