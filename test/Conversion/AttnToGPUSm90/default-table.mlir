// RUN: attn-opt %s --convert-attn-to-gpu-sm90 -split-input-file | FileCheck %s

// One case per row of DefaultConfigs.inc (the tuned table): block size,
// shared memory and the schedule each row selects.

// D = 64, not causal, Sk >= 8192: 3 consumer warpgroups (BQ = 192) +
// producer, 2 stages of 128 keys, ping-pong between the consumers (named
// barriers), one tile per CTA. A static Sk picks one row at compile time.
// CHECK-LABEL: func.func @d64
// CHECK-NOT: attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c512, {{.*}}) {{.*}}dynamic_shared_memory_size %c91136_i32
// CHECK: nvvm.setmaxregister increase 160
// CHECK: nvvm.barrier id
// CHECK: return
func.func @d64(%q: tensor<2x4x8192x64xf16>, %k: tensor<2x4x8192x64xf16>,
               %v: tensor<2x4x8192x64xf16>, %o: tensor<2x4x8192x64xf16>)
    -> tensor<2x4x8192x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x8192x64xf16>,
         tensor<2x4x8192x64xf16>, tensor<2x4x8192x64xf16>)
       outs(%o : tensor<2x4x8192x64xf16>) scale(0.125)
       -> tensor<2x4x8192x64xf16>
  return %r : tensor<2x4x8192x64xf16>
}

// -----

// D = 64, not causal, Sk < 8192: 2 consumer warpgroups + producer,
// 3 stages of 128 keys, ping-pong, persistent (one CTA per SM, the
// producer with 40 registers, the consumers with 232).
// CHECK-LABEL: func.func @d64_mid
// CHECK: call @attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}}) {{.*}}dynamic_shared_memory_size %c115712_i32
// CHECK: nvvm.setmaxregister decrease 40
// CHECK: nvvm.setmaxregister increase 232
// CHECK: return
func.func @d64_mid(%q: tensor<2x4x2048x64xf16>, %k: tensor<2x4x2048x64xf16>,
                   %v: tensor<2x4x2048x64xf16>, %o: tensor<2x4x2048x64xf16>)
    -> tensor<2x4x2048x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x2048x64xf16>,
         tensor<2x4x2048x64xf16>, tensor<2x4x2048x64xf16>)
       outs(%o : tensor<2x4x2048x64xf16>) scale(0.125)
       -> tensor<2x4x2048x64xf16>
  return %r : tensor<2x4x2048x64xf16>
}

// -----

// D = 64, not causal, dynamic Sk: both rows are compiled; the host code
// launches the first whose minKeys Sk reaches.
// CHECK-LABEL: func.func @d64_dynamic
// CHECK: %[[KB:.*]] = bufferization.to_buffer %arg1
// CHECK: %[[SK:.*]] = memref.dim %[[KB]], %c2 : memref<?x?x?x64xf16>
// CHECK-NEXT: %[[LONG:.*]] = arith.cmpi sge, %[[SK]], %c8192 : index
// CHECK-NEXT: scf.if %[[LONG]]
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c512, {{.*}})
// CHECK: } else {
// CHECK-NOT: arith.cmpi sge, %[[SK]]
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}})
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @d64_dynamic(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                       %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

// -----

// Any tile option selects the table's catch-all row: one kernel.
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="block-kv=64" -split-input-file | FileCheck %s --check-prefix=OPT
// OPT-LABEL: func.func @d64_dynamic_option
// OPT-NOT: arith.cmpi sge
// OPT-COUNT-1: gpu.launch
// OPT: return
func.func @d64_dynamic_option(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                              %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

// -----

// D = 64, causal, Sk < 8192: as not causal, the persistent 2-warpgroup
// kernel with 3 stages of 128 keys.
// CHECK-LABEL: func.func @d64_causal
// CHECK: call @attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}}) {{.*}}dynamic_shared_memory_size %c115712_i32
// CHECK: nvvm.setmaxregister decrease 40
// CHECK: return
func.func @d64_causal(%q: tensor<2x4x1024x64xbf16>, %k: tensor<2x4x1024x64xbf16>,
                      %v: tensor<2x4x1024x64xbf16>, %o: tensor<2x4x1024x64xbf16>)
    -> tensor<2x4x1024x64xbf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x1024x64xbf16>,
         tensor<2x4x1024x64xbf16>, tensor<2x4x1024x64xbf16>)
       outs(%o : tensor<2x4x1024x64xbf16>) scale(0.125) causal<top_left>
       -> tensor<2x4x1024x64xbf16>
  return %r : tensor<2x4x1024x64xbf16>
}

// -----

// D = 128, not causal, Sk >= 4096 (causal: Sk >= 2048): producer +
// overlap, 3 stages of 128 keys, ping-pong between the two consumer
// warpgroups; one CTA per tile.
// CHECK-LABEL: func.func @d128
// CHECK-NOT: attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}}) {{.*}}dynamic_shared_memory_size %c230400_i32
// CHECK: nvvm.setmaxregister increase 240
// CHECK: nvvm.barrier.arrive
// CHECK: nvvm.barrier id
// CHECK: return
func.func @d128(%q: tensor<2x4x4096x128xf16>, %k: tensor<2x4x4096x128xf16>,
                %v: tensor<2x4x4096x128xf16>, %o: tensor<2x4x4096x128xf16>)
    -> tensor<2x4x4096x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x4096x128xf16>,
         tensor<2x4x4096x128xf16>, tensor<2x4x4096x128xf16>)
       outs(%o : tensor<2x4x4096x128xf16>) scale(0.088) causal<bottom_right>
       -> tensor<2x4x4096x128xf16>
  return %r : tensor<2x4x4096x128xf16>
}

// -----

// D = 128, not causal, Sk < 4096: the same, persistent.
// CHECK-LABEL: func.func @d128_short
// CHECK: call @attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}}) {{.*}}dynamic_shared_memory_size %c230400_i32
// CHECK: nvvm.setmaxregister increase 232
// CHECK: return
func.func @d128_short(%q: tensor<2x4x1024x128xf16>, %k: tensor<2x4x1024x128xf16>,
                      %v: tensor<2x4x1024x128xf16>, %o: tensor<2x4x1024x128xf16>)
    -> tensor<2x4x1024x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x1024x128xf16>,
         tensor<2x4x1024x128xf16>, tensor<2x4x1024x128xf16>)
       outs(%o : tensor<2x4x1024x128xf16>) scale(0.088)
       -> tensor<2x4x1024x128xf16>
  return %r : tensor<2x4x1024x128xf16>
}

// -----

// D = 128, causal, Sk < 2048: thread 0 loads, 2 stages of 64 keys, no
// producer: 97 KiB and 256 threads, two CTAs per SM.
// CHECK-LABEL: func.func @d128_causal_short
// CHECK-NOT: attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c256, {{.*}}) {{.*}}dynamic_shared_memory_size %c99328_i32
// CHECK-NOT: nvvm.setmaxregister
// CHECK: return
func.func @d128_causal_short(%q: tensor<2x4x1024x128xf16>,
                             %k: tensor<2x4x1024x128xf16>,
                             %v: tensor<2x4x1024x128xf16>,
                             %o: tensor<2x4x1024x128xf16>)
    -> tensor<2x4x1024x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x1024x128xf16>,
         tensor<2x4x1024x128xf16>, tensor<2x4x1024x128xf16>)
       outs(%o : tensor<2x4x1024x128xf16>) scale(0.088) causal<bottom_right>
       -> tensor<2x4x1024x128xf16>
  return %r : tensor<2x4x1024x128xf16>
}

// -----

// D = 256, not causal, Sk < 16384: producer, 2 stages of 64 keys, no
// overlap (S then P·V per block), persistent.
// CHECK-LABEL: func.func @d256
// CHECK: call @attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}}) {{.*}}dynamic_shared_memory_size %c197632_i32
// CHECK-NOT: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: return
func.func @d256(%q: tensor<1x2x512x256xf16>, %k: tensor<1x2x512x256xf16>,
                %v: tensor<1x2x512x256xf16>, %o: tensor<1x2x512x256xf16>)
    -> tensor<1x2x512x256xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x512x256xf16>,
         tensor<1x2x512x256xf16>, tensor<1x2x512x256xf16>)
       outs(%o : tensor<1x2x512x256xf16>) scale(0.0625)
       -> tensor<1x2x512x256xf16>
  return %r : tensor<1x2x512x256xf16>
}

// -----

// D = 64 with an explicit mask, dynamic Sk: the 3-warpgroup row (512
// threads, 128 registers per thread) is passed over, where the mask's
// per-score reads spill; the 2-warpgroup row takes every Sk, without
// persistence (one CTA per tile).
// CHECK-LABEL: func.func @d64_masked_dynamic
// CHECK-NOT: attnMultiprocessorCount
// CHECK-NOT: arith.cmpi sge, %{{.*}}, %c8192
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}})
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @d64_masked_dynamic(%q: tensor<?x?x?x64xf16>,
                              %k: tensor<?x?x?x64xf16>,
                              %v: tensor<?x?x?x64xf16>,
                              %m: tensor<?x1x1x?xf16>,
                              %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       mask(%m : tensor<?x1x1x?xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

// -----

// D = 128 with an explicit mask, dynamic Sk: the rows for Sk >= 4096 and
// below differ only in persistence, which masked ops go without (the mask's
// reads spill in the persistent kernel): one kernel for every Sk.
// CHECK-LABEL: func.func @d128_masked_dynamic
// CHECK-NOT: attnMultiprocessorCount
// CHECK-NOT: arith.cmpi sge, %{{.*}}, %c4096
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}})
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @d128_masked_dynamic(%q: tensor<?x?x?x128xf16>,
                               %k: tensor<?x?x?x128xf16>,
                               %v: tensor<?x?x?x128xf16>,
                               %m: tensor<?x?x?x?xf16>,
                               %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       mask(%m : tensor<?x?x?x?xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.088)
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}
