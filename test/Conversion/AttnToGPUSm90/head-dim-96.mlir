// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a format=isa" -o %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir d96_kernel > %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}

// D = 96 is not a whole number of 64-column panels: the tiles in shared
// memory are 128 columns wide (two panels, D = 128's default rows) and the
// TMA loads of the second panel zero-fill columns 96..127. The GEMMs skip
// those zero columns: S = Q·Kᵀ takes 6 k-steps of 16 per block (block 0,
// then the loop), P·V is m64n96 (8 per block: the loop's, then the last
// block's), and the epilogue stores 96 columns: 12 groups of 8 columns
// for each of a thread's two rows, two groups per 8-byte store.
// CHECK: .maxntid
// CHECK-COUNT-6: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// CHECK-NOT: wgmma.mma_async
// CHECK: mbarrier.try_wait
// CHECK-COUNT-6: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// CHECK-COUNT-16: wgmma.mma_async.sync.aligned.m64n96k16.f32.f16.f16
// CHECK-NOT: wgmma.mma_async
// CHECK-COUNT-12: st.global.v2.b32
// CHECK-NOT: st.global
// SPILL: 0 bytes spill stores, 0 bytes spill loads

func.func @d96(%q: tensor<?x?x?x96xf16>, %k: tensor<?x?x?x96xf16>,
               %v: tensor<?x?x?x96xf16>, %o: tensor<?x?x?x96xf16>)
    -> tensor<?x?x?x96xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x96xf16>,
         tensor<?x?x?x96xf16>, tensor<?x?x?x96xf16>)
       outs(%o : tensor<?x?x?x96xf16>) scale(0.10206207261596575)
       -> tensor<?x?x?x96xf16>
  return %r : tensor<?x?x?x96xf16>
}
