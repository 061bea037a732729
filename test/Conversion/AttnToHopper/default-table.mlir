// RUN: attn-opt %s --convert-attn-to-gpu-sm90 -split-input-file | FileCheck %s

// One case per row of DefaultConfigs.inc (the tuned table): block size,
// shared memory and the schedule each row selects.

// D = 64, not causal: 3 consumer warpgroups (BQ = 192) + producer, 2 stages
// of 128 keys, persistent (grid from the runtime's SM count).
// CHECK-LABEL: func.func @d64
// CHECK: func.call @attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c512, {{.*}}) {{.*}}dynamic_shared_memory_size %c91136_i32
// CHECK: nvvm.setmaxregister increase 160
// CHECK-NOT: nvvm.barrier id
// CHECK: return
func.func @d64(%q: tensor<2x4x1024x64xf16>, %k: tensor<2x4x1024x64xf16>,
               %v: tensor<2x4x1024x64xf16>, %o: tensor<2x4x1024x64xf16>)
    -> tensor<2x4x1024x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x1024x64xf16>,
         tensor<2x4x1024x64xf16>, tensor<2x4x1024x64xf16>)
       outs(%o : tensor<2x4x1024x64xf16>) scale(0.125)
       -> tensor<2x4x1024x64xf16>
  return %r : tensor<2x4x1024x64xf16>
}

// -----

// D = 64, causal: thread 0 loads, 2 stages of 64 keys, no producer.
// CHECK-LABEL: func.func @d64_causal
// CHECK-NOT: attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c256, {{.*}}) {{.*}}dynamic_shared_memory_size %c50176_i32
// CHECK-NOT: nvvm.setmaxregister
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

// D = 128 (either causality): producer + overlap, 3 stages of 128 keys,
// ping-pong between the two consumer warpgroups; one CTA per tile.
// CHECK-LABEL: func.func @d128
// CHECK-NOT: attnMultiprocessorCount
// CHECK: gpu.launch {{.*}} threads({{.*}} = %c384, {{.*}}) {{.*}}dynamic_shared_memory_size %c230400_i32
// CHECK: nvvm.setmaxregister increase 240
// CHECK: nvvm.barrier.arrive
// CHECK: nvvm.barrier id
// CHECK: return
func.func @d128(%q: tensor<2x4x1024x128xf16>, %k: tensor<2x4x1024x128xf16>,
                %v: tensor<2x4x1024x128xf16>, %o: tensor<2x4x1024x128xf16>)
    -> tensor<2x4x1024x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x1024x128xf16>,
         tensor<2x4x1024x128xf16>, tensor<2x4x1024x128xf16>)
       outs(%o : tensor<2x4x1024x128xf16>) scale(0.088) causal<bottom_right>
       -> tensor<2x4x1024x128xf16>
  return %r : tensor<2x4x1024x128xf16>
}

// -----

// D = 256: producer, 2 stages of 64 keys, no overlap (S then P·V per block).
// CHECK-LABEL: func.func @d256
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
