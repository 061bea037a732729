// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a format=isa kernel=wgmma gpu-warpgroups=2 gpu-block-kv=64 gpu-stages=2 gpu-overlap=0 gpu-producer-warp=0" -o %t.isa.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.isa.mlir > %t.ptx
// RUN: %if ptxas %{ %ptxas -v -arch=sm_90a %t.ptx -o %t.cubin 2>&1 | FileCheck %s %}
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx

// The default table's D = 128 causal row below 2k keys: thread-0 loads and
// two 64-key stages, 97 KiB of shared memory and 256 threads, chosen
// because two CTAs fit on an SM. They fit only in 128 registers per
// thread; the descriptor bases' operand fence is what kept ptxas there
// (149 registers without it, one CTA per SM: D = 128 causal at S = 512 fell
// from 0.71x to 0.56x cuDNN on an H200, 2026-12-03).
// PTX-LABEL: .entry attn_d128_causal_kernel
// PTX-NOT: setmaxnreg
// PTX: wgmma.mma_async
// CHECK: 0 bytes spill stores
// CHECK: Used {{(12[0-8]|1[01][0-9]|[1-9][0-9])}} registers
func.func @attn_d128_causal(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                            %v: tensor<?x?x?x128xf16>,
                            %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.088) causal<top_left>
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}
