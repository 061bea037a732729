// RUN: attn-opt %s --attn-pipeline="target=cuda format=isa" | FileCheck %s --check-prefix=PTX
// RUN: attn-opt %s --attn-pipeline="target=cuda format=isa" -o %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d128_kernel > %t.d128.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d64_kernel > %t.d64.ptx

// The kernel runs on tensor cores, fed by ldmatrix and cp.async, with the
// softmax in ex2 and quad shuffles; the host side launches it.
// PTX-DAG: gpu.launch_func @attn_d128_kernel::@attn_d128_kernel
// PTX-DAG: gpu.launch_func @attn_d64_kernel::@attn_d64_kernel
// PTX-DAG: gpu.binary @attn_d128_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// PTX-DAG: gpu.binary @attn_d64_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">

// RUN: FileCheck %s --check-prefix=INSTR < %t.d128.ptx
// INSTR: .target sm_90a
// INSTR: .visible .entry attn_d128_kernel(
// INSTR-DAG: cp.async.cg.shared.global
// INSTR-DAG: cp.async.wait_group 0
// INSTR-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// INSTR-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// INSTR-DAG: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// INSTR-DAG: shfl.sync.bfly.b32
// INSTR-DAG: ex2.approx.f32

// ptxas allocates every fragment in registers at both head dims (causal
// defaults, 32-key tiles; the non-causal D = 128 default spills 92 bytes).
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.d128.ptx -o %t.d128.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.d64.ptx -o %t.d64.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// SPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// RUN: %if cuobjdump %{ %cuobjdump -sass %t.d128.cubin | FileCheck %s --check-prefix=SASS %}
// SASS: HMMA.16816.F32

func.func @attn_d128(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                     %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       causal<bottom_right> -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d64(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                    %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125) causal<top_left>
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}
