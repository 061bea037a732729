// kernel=auto: each op takes the fastest kernel that supports it (sm_90a:
// TMA + wgmma, then mma.sync, both soft) and the general SIMT kernel takes
// every op left, so that no valid op fails to compile for the GPU. Head
// dim 80 runs on wgmma (padded to 128) on sm_90a, on SIMT on sm_80.
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a format=isa" -o %t.sm90a.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir plain_kernel | FileCheck %s --check-prefix=WGMMA
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir batch3_kernel | FileCheck %s --check-prefix=MMA
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir f32_kernel | FileCheck %s --check-prefix=SIMT
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir d80_kernel | FileCheck %s --check-prefix=WGMMA
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm90a.mlir head_dim_outer_kernel | FileCheck %s --check-prefix=SIMT
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_80 format=isa" -o %t.sm80.mlir
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm80.mlir plain_kernel | FileCheck %s --check-prefix=MMA
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm80.mlir f32_kernel | FileCheck %s --check-prefix=SIMT
// RUN: %python %S/../../Integration/GPU/extract_ptx.py %t.sm80.mlir d80_kernel | FileCheck %s --check-prefix=SIMT

// An explicit kernel=mma-sync still refuses what it cannot run.
// RUN: not attn-opt %s --attn-pipeline="target=cuda kernel=mma-sync format=isa" 2>&1 | FileCheck %s --check-prefix=STRICT
// STRICT: error: 'attn.attention' op cannot be lowered to GPU: target=cuda supports only f16 and bf16 query/key/value

// WGMMA: wgmma.mma_async
// WGMMA-NOT: mma.sync.aligned

// MMA-NOT: wgmma.mma_async
// MMA: mma.sync.aligned.m16n8k16
// MMA-NOT: wgmma.mma_async

// SIMT-NOT: mma
// SIMT: .maxntid 128, 1, 1
// SIMT-NOT: mma
// SIMT: fma.rn.f32
// SIMT-NOT: mma
// SIMT: shfl.sync.bfly.b32
// SIMT-NOT: mma

func.func @plain(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                 %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125) -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

// Three batch dims: no TMA tensor map (rank <= 5), so mma.sync.
func.func @batch3(%q: tensor<?x?x?x?x?x64xf16>, %k: tensor<?x?x?x?x?x64xf16>,
                  %v: tensor<?x?x?x?x?x64xf16>, %o: tensor<?x?x?x?x?x64xf16>)
    -> tensor<?x?x?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x?x?x64xf16>,
         tensor<?x?x?x?x?x64xf16>, tensor<?x?x?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x?x?x64xf16>) scale(0.125)
       -> tensor<?x?x?x?x?x64xf16>
  return %r : tensor<?x?x?x?x?x64xf16>
}

func.func @f32(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>,
               %v: tensor<?x?x?x64xf32>, %o: tensor<?x?x?x64xf32>)
    -> tensor<?x?x?x64xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf32>,
         tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>)
       outs(%o : tensor<?x?x?x64xf32>) scale(0.125) -> tensor<?x?x?x64xf32>
  return %r : tensor<?x?x?x64xf32>
}

func.func @d80(%q: tensor<?x?x?x80xf16>, %k: tensor<?x?x?x80xf16>,
               %v: tensor<?x?x?x80xf16>, %o: tensor<?x?x?x80xf16>)
    -> tensor<?x?x?x80xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x80xf16>,
         tensor<?x?x?x80xf16>, tensor<?x?x?x80xf16>)
       outs(%o : tensor<?x?x?x80xf16>) scale(0.11180339887498948) causal<top_left>
       -> tensor<?x?x?x80xf16>
  return %r : tensor<?x?x?x80xf16>
}

// K stored [B, H, D, S]: no tensor-core kernel takes a head dim that is not
// innermost.
func.func @head_dim_outer(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x64x?xf16>,
                          %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x64x?xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       {key_perm = array<i64: 0, 1, 3, 2>} -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}
