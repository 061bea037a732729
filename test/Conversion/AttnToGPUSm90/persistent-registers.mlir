// RUN: attn-opt %s -split-input-file --attn-pipeline="target=cuda chip=sm_90a format=isa kernel=wgmma gpu-warpgroups=2 gpu-block-kv=128 gpu-stages=3 gpu-overlap=1 gpu-producer-warp=1 gpu-pingpong=1 gpu-persistent=1" -o %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir > %t.ptx
// RUN: FileCheck %s < %t.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir d128_kernel > %t.1.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir d128_causal_kernel > %t.2.ptx
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir d64_causal_kernel > %t.3.ptx
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.1.ptx -o %t.1.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.2.ptx -o %t.2.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.3.ptx -o %t.3.cubin 2>&1 | FileCheck %s --check-prefix=SPILL %}

// The persistent rows of the default table (D = 64 from 1k or 2k keys,
// D = 128 below 2k keys). A persistent CTA keeps what is live across its
// tile loop live across every tile's main loop too. With dynamic shapes
// that once cost 92 bytes of spill at D = 128 (ptxas): the ragged-tail
// mask's blockKV / 4 column offsets, hoisted out of the tile loop as
// 64-bit values, and 64-bit divisions decoding each tile, whose slow path
// did not fit the producer's 24 registers. Now the masks
// compare one limit per block with immediates, the tile decoding divides
// in 32 bits, and a persistent producer keeps 40 registers (the consumers
// 232: 128 * 40 + 256 * 232 fit the 384 * 168 registers the CTA is
// launched with).
// CHECK-LABEL: .entry d128_kernel
// CHECK: setmaxnreg.dec.sync.aligned.u32 40
// CHECK: setmaxnreg.inc.sync.aligned.u32 232
// CHECK-NOT: div.u64
// CHECK-NOT: rem.u64
// CHECK-LABEL: .entry d128_causal_kernel
// CHECK: setmaxnreg.dec.sync.aligned.u32 40
// CHECK-NOT: div.u64
// CHECK-NOT: rem.u64
// CHECK-LABEL: .entry d64_causal_kernel
// CHECK: wgmma.mma_async.sync.aligned.m64n128k16
// SPILL: 0 bytes spill stores, 0 bytes spill loads
// SPILL-NOT: spill

func.func @d128(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

// -----

func.func @d128_causal(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>,
                       %v: tensor<?x?x?x128xbf16>, %o: tensor<?x?x?x128xbf16>)
    -> tensor<?x?x?x128xbf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xbf16>,
         tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>)
       outs(%o : tensor<?x?x?x128xbf16>) scale(0.08838834764831845)
       causal<bottom_right> -> tensor<?x?x?x128xbf16>
  return %r : tensor<?x?x?x128xbf16>
}

// -----

func.func @d64_causal(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                      %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125) causal<top_left>
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}
