// RUN: attn-opt %s --attn-pipeline="target=cuda kernel=mma-sync format=isa" | FileCheck %s --check-prefix=PTX
// RUN: attn-opt %s --attn-pipeline="target=cuda kernel=mma-sync format=isa" -o %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d128_kernel > %t.attn_d128.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d128_causal_kernel > %t.attn_d128_causal.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d64_kernel > %t.attn_d64.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d64_causal_kernel > %t.attn_d64_causal.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_bf16_d128_kernel > %t.attn_bf16_d128.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_bf16_d64_causal_kernel > %t.attn_bf16_d64_causal.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d256_kernel > %t.attn_d256.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir attn_d256_causal_kernel > %t.attn_d256_causal.ptx

// The kernels run on tensor cores, fed by ldmatrix and cp.async, with the
// softmax in ex2 and quad shuffles; the host side launches them.
// PTX-DAG: gpu.launch_func {{.*}}@attn_d128_kernel::@attn_d128_kernel
// PTX-DAG: gpu.launch_func {{.*}}@attn_bf16_d128_kernel::@attn_bf16_d128_kernel
// PTX-DAG: gpu.binary @attn_d128_kernel <#attn.lazy_object> [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// PTX-DAG: gpu.binary @attn_d64_kernel <#attn.lazy_object> [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">

// RUN: FileCheck %s --check-prefix=INSTR < %t.attn_d128_causal.ptx
// INSTR: .target sm_90a
// INSTR: .visible .entry attn_d128_causal_kernel(
// INSTR-DAG: cp.async.cg.shared.global
// INSTR-DAG: cp.async.wait_group 0
// INSTR-DAG: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// INSTR-DAG: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// INSTR-DAG: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// INSTR-DAG: shfl.sync.bfly.b32
// INSTR-DAG: ex2.approx.f32

// bf16 inputs: the same instruction on bf16 (through nvvm.mma.sync), and
// no f16 mma.
// RUN: FileCheck %s --check-prefix=BF16 < %t.attn_bf16_d128.ptx
// RUN: FileCheck %s --check-prefix=BF16 < %t.attn_bf16_d64_causal.ptx
// BF16: .visible .entry attn_bf16_{{d128|d64_causal}}_kernel(
// BF16-NOT: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// BF16: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// BF16-NOT: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// RUN: FileCheck %s --check-prefix=D256 < %t.attn_d256.ptx
// D256: .visible .entry attn_d256_kernel(
// D256: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32

// ptxas (-v) allocates every fragment in registers for the default configs,
// except D = 128 without causal mask (4 warps x 2 row tiles x 64 keys): it
// spills 92 bytes (CUDA 13), measured faster all the same than the
// spill-free 32-key tiles (304 against 289-291 TFLOPS, docs/gpu.md).
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.attn_d128.ptx -o %t.attn_d128.cubin 2>&1 | FileCheck %s --check-prefix=SPILLY %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.attn_d128_causal.ptx -o %t.attn_d128_causal.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.attn_d64.ptx -o %t.attn_d64.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.attn_d64_causal.ptx -o %t.attn_d64_causal.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.attn_bf16_d128.ptx -o %t.attn_bf16_d128.cubin 2>&1 | FileCheck %s --check-prefix=SPILLY %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.attn_bf16_d64_causal.ptx -o %t.attn_bf16_d64_causal.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.attn_d256.ptx -o %t.attn_d256.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.attn_d256_causal.ptx -o %t.attn_d256_causal.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// SPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// SPILLY: {{[0-9]+}} bytes spill stores

// RUN: %if cuobjdump %{ %cuobjdump -sass %t.attn_d128_causal.cubin | FileCheck %s --check-prefix=SASS %}
// SASS: HMMA.16816.F32

func.func @attn_d128(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
    %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>) -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831843) -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d128_causal(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
    %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>) -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831843) causal<bottom_right> -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d64(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
    %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>) -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125) -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

func.func @attn_d64_causal(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
    %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>) -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125) causal<top_left> -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

func.func @attn_bf16_d128(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>,
    %v: tensor<?x?x?x128xbf16>, %o: tensor<?x?x?x128xbf16>) -> tensor<?x?x?x128xbf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xbf16>,
         tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>)
       outs(%o : tensor<?x?x?x128xbf16>) scale(0.08838834764831843) -> tensor<?x?x?x128xbf16>
  return %r : tensor<?x?x?x128xbf16>
}

func.func @attn_bf16_d64_causal(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>,
    %v: tensor<?x?x?x64xbf16>, %o: tensor<?x?x?x64xbf16>) -> tensor<?x?x?x64xbf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xbf16>,
         tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>)
       outs(%o : tensor<?x?x?x64xbf16>) scale(0.125) causal<bottom_right> -> tensor<?x?x?x64xbf16>
  return %r : tensor<?x?x?x64xbf16>
}

func.func @attn_d256(%q: tensor<?x?x?x256xf16>, %k: tensor<?x?x?x256xf16>,
    %v: tensor<?x?x?x256xf16>, %o: tensor<?x?x?x256xf16>) -> tensor<?x?x?x256xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xf16>,
         tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>)
       outs(%o : tensor<?x?x?x256xf16>) scale(0.0625) -> tensor<?x?x?x256xf16>
  return %r : tensor<?x?x?x256xf16>
}

func.func @attn_d256_causal(%q: tensor<?x?x?x256xf16>, %k: tensor<?x?x?x256xf16>,
    %v: tensor<?x?x?x256xf16>, %o: tensor<?x?x?x256xf16>) -> tensor<?x?x?x256xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xf16>,
         tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>)
       outs(%o : tensor<?x?x?x256xf16>) scale(0.0625) causal<bottom_right> -> tensor<?x?x?x256xf16>
  return %r : tensor<?x?x?x256xf16>
}
