// bf16 inputs, D = 256 and lse on the sm_90a kernel: PTX and spills.
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a kernel=wgmma format=isa" -o %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir bf16_d128_kernel > %t.bf16.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir d256_causal_kernel > %t.d256.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir d128_lse_kernel > %t.lse.ptx
// RUN: FileCheck %s --check-prefix=BF16 < %t.bf16.ptx
// RUN: FileCheck %s --check-prefix=D256 < %t.d256.ptx
// RUN: FileCheck %s --check-prefix=LSE < %t.lse.ptx
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.bf16.ptx -o %t.bf16.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.d256.ptx -o %t.d256.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.lse.ptx -o %t.lse.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// SPILL: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// bf16: both products on bf16 wgmma, P packed with one cvt per pair.
// BF16-DAG: wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {
// BF16-DAG: cvt.rn.bf16x2.f32
// BF16-NOT: .f16.f16
func.func @bf16_d128(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>,
                     %v: tensor<?x?x?x128xbf16>, %o: tensor<?x?x?x128xbf16>)
    -> tensor<?x?x?x128xbf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xbf16>,
         tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>)
       outs(%o : tensor<?x?x?x128xbf16>) scale(0.08838834764831845)
       -> tensor<?x?x?x128xbf16>
  return %r : tensor<?x?x?x128xbf16>
}

// D = 256: S on m64n64k16 (64-key stages), P·V on m64n256k16 with 128 f32
// accumulators per thread, with the producer warpgroup.
// D256-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {
// D256-DAG: wgmma.mma_async.sync.aligned.m64n256k16.f32.f16.f16 {
// D256-DAG: setmaxnreg.inc.sync.aligned.u32 240
func.func @d256_causal(%q: tensor<?x?x?x256xf16>, %k: tensor<?x?x?x256xf16>,
                       %v: tensor<?x?x?x256xf16>, %o: tensor<?x?x?x256xf16>)
    -> tensor<?x?x?x256xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xf16>,
         tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>)
       outs(%o : tensor<?x?x?x256xf16>) scale(0.0625) causal<top_left>
       -> tensor<?x?x?x256xf16>
  return %r : tensor<?x?x?x256xf16>
}

// lse: ln(l) (libdevice's logf) plus m·ln 2 (0f3F317218), stored before
// the row's outputs.
// LSE: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// LSE: fma.rn.f32 {{.*}}, 0f3F317218, %r
// LSE: st.global.b32
func.func @d128_lse(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                    %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>,
                    %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x128xf16>, tensor<?x?x?xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.08838834764831845)
       -> tensor<?x?x?x128xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x128xf16>, tensor<?x?x?xf32>
}
