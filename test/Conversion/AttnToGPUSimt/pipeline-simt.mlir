// kernel=simt: every op on the general SIMT kernel, compiled to PTX for
// sm_90a and sm_80: f32 FMAs on 16-byte shared-memory loads, warp shuffles,
// exp2, no tensor-core instruction.
// RUN: attn-opt %s --attn-pipeline="target=cuda kernel=simt format=isa" -o %t.sm90a.mlir
// RUN: attn-opt %s --attn-pipeline="target=cuda kernel=simt chip=sm_80 format=isa" -o %t.sm80.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir > %t.sm90a.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm80.mlir > %t.sm80.ptx
// RUN: FileCheck %s --check-prefix=PTX90 < %t.sm90a.ptx
// RUN: FileCheck %s --check-prefix=PTX80 < %t.sm80.ptx
// RUN: FileCheck %s --check-prefix=NOMMA < %t.sm90a.ptx

// PTX90: .target sm_90a
// PTX80: .target sm_80
// PTX90-LABEL: .visible .entry f32_d64_kernel(
// PTX80-LABEL: .visible .entry f32_d64_kernel(
// PTX90: .maxntid 128, 1, 1
// PTX90-DAG: ld.shared.v4.b32
// PTX90-DAG: fma.rn.f32
// PTX90-DAG: shfl.sync.bfly.b32
// PTX90-DAG: bar.warp.sync
// PTX90-DAG: bar.sync
// PTX90-DAG: ex2.approx.f32
// PTX80-DAG: ld.shared.v4.b32
// PTX80-DAG: fma.rn.f32
// PTX80-DAG: shfl.sync.bfly.b32
// NOMMA-NOT: mma.sync
// NOMMA-NOT: wgmma

// ptxas (CUDA 13) allocates these kernels without spilling. Not checked:
// D = 192 / Dv = 128 and the masked D = 80 kernel on the other chip, where
// ptxas may stop at 168 registers (three 128-thread blocks per SM) and
// spill 4 to 24 bytes (docs/gpu.md).
// RUN: %if ptxas %{ %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir f32_d64_kernel > %t.a.ptx %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.a.ptx -o %t.a.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %python %S/../../Integration/GPU/extract_ptx.py %t.sm80.mlir f32_d64_kernel > %t.b.ptx %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_80 %t.b.ptx -o %t.b.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir f16_d128_causal_lse_kernel > %t.c.ptx %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.c.ptx -o %t.c.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %python %S/../../Integration/GPU/extract_ptx.py %t.sm80.mlir f16_d128_causal_lse_kernel > %t.d.ptx %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_80 %t.d.ptx -o %t.d.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir bf16_d80_boolmask_kernel > %t.g.ptx %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.g.ptx -o %t.g.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// SPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

func.func @f32_d64(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>,
    %v: tensor<?x?x?x64xf32>, %o: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf32>,
         tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>)
       outs(%o : tensor<?x?x?x64xf32>) scale(0.125) -> tensor<?x?x?x64xf32>
  return %r : tensor<?x?x?x64xf32>
}

func.func @f16_d128_causal_lse(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
    %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x128xf16>, tensor<?x?x?xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.08838834764831843) causal<top_left>
       -> tensor<?x?x?x128xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x128xf16>, tensor<?x?x?xf32>
}

func.func @f16_d192_dv128(%q: tensor<?x?x?x192xf16>, %k: tensor<?x?x?x192xf16>,
    %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xbf16>) -> tensor<?x?x?x128xbf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x192xf16>,
         tensor<?x?x?x192xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xbf16>) scale(0.07216878364870323)
       causal<bottom_right> -> tensor<?x?x?x128xbf16>
  return %r : tensor<?x?x?x128xbf16>
}

func.func @bf16_d80_boolmask(%q: tensor<?x?x?x80xbf16>, %k: tensor<?x?x?x80xbf16>,
    %v: tensor<?x?x?x80xbf16>, %m: tensor<?x1x?x?xi1>, %o: tensor<?x?x?x80xf32>)
    -> tensor<?x?x?x80xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x80xbf16>,
         tensor<?x?x?x80xbf16>, tensor<?x?x?x80xbf16>)
       mask(%m : tensor<?x1x?x?xi1>)
       outs(%o : tensor<?x?x?x80xf32>) scale(0.11180339887498948)
       -> tensor<?x?x?x80xf32>
  return %r : tensor<?x?x?x80xf32>
}
