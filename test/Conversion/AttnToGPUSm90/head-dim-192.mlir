// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a format=isa" -o %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir d192_kernel > %t.ptx
// RUN: FileCheck %s --check-prefix=QK < %t.ptx
// RUN: FileCheck %s --check-prefix=PV < %t.ptx
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}

// D = 192 is three 64-column panels: under kernel=auto it runs on the
// wgmma kernel (it went to the SIMT kernel before), with the D = 256 row's
// 64-key stages. S = Q·Kᵀ takes 12 k-steps of 16 over the head dim, and
// P·V one m64n192 wgmma per 16 keys.
// QK: .maxntid 384, 1, 1
// QK-COUNT-12: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16
// QK-NOT: wgmma.mma_async.sync.aligned.m64n64k16
// PV-COUNT-4: wgmma.mma_async.sync.aligned.m64n192k16.f32.f16.f16
// PV-NOT: wgmma.mma_async.sync.aligned.m64n192k16
// SPILL: 0 bytes spill stores, 0 bytes spill loads

func.func @d192(%q: tensor<?x?x?x192xf16>, %k: tensor<?x?x?x192xf16>,
                %v: tensor<?x?x?x192xf16>, %o: tensor<?x?x?x192xf16>)
    -> tensor<?x?x?x192xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x192xf16>,
         tensor<?x?x?x192xf16>, tensor<?x?x?x192xf16>)
       outs(%o : tensor<?x?x?x192xf16>) scale(0.07216878364870323)
       -> tensor<?x?x?x192xf16>
  return %r : tensor<?x?x?x192xf16>
}
