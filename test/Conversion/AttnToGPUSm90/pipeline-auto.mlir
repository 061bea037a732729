// kernel=auto (the default): on sm_90a every op the TMA + wgmma kernel
// supports (here also bf16, D = 256, lse and an explicit mask) takes it,
// the others the mma.sync kernel; on sm_80 everything takes mma.sync.
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a format=isa" -o %t.sm90a.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir plain_kernel | FileCheck %s --check-prefix=WGMMA
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir masked_kernel | FileCheck %s --check-prefix=WGMMA
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir bf16_d256_lse_kernel | FileCheck %s --check-prefix=WGMMA
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_80 format=isa" -o %t.sm80.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm80.mlir plain_kernel | FileCheck %s --check-prefix=MMA
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm80.mlir masked_kernel | FileCheck %s --check-prefix=MMA

// WGMMA: cp.async.bulk.tensor
// WGMMA: wgmma.mma_async
// WGMMA-NOT: mma.sync.aligned

// MMA-NOT: wgmma.mma_async
// MMA: mma.sync.aligned.m16n8k16
// MMA-NOT: wgmma.mma_async

func.func @plain(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                 %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.088388) causal<top_left>
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @masked(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                  %v: tensor<?x?x?x128xf16>, %m: tensor<?x?xi1>,
                  %o: tensor<?x?x?x128xf16>) -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       mask(%m : tensor<?x?xi1>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.088388)
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @bf16_d256_lse(%q: tensor<?x?x?x256xbf16>, %k: tensor<?x?x?x256xbf16>,
                         %v: tensor<?x?x?x256xbf16>, %o: tensor<?x?x?x256xbf16>,
                         %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x256xbf16>, tensor<?x?x?xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xbf16>,
         tensor<?x?x?x256xbf16>, tensor<?x?x?x256xbf16>)
       outs(%o : tensor<?x?x?x256xbf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.0625) -> tensor<?x?x?x256xbf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x256xbf16>, tensor<?x?x?xf32>
}
