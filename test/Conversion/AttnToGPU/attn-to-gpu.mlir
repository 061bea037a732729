// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu -verify-diagnostics | FileCheck %s
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu="warps=2 block-kv=32 row-tiles=1" -verify-diagnostics | FileCheck %s --check-prefix=OPT

// The op becomes a launch over (query blocks, batch * heads) on the buffers of
// its operands, writing in place into the buffer of outs.
// Default tile without causal mask (4 warps x 2 row tiles x 64 keys): 128
// threads, 128 query rows per block, Q's fragments re-read inside the loop.
// CHECK-LABEL: func.func @basic
// CHECK-SAME: (%[[Q:.*]]: tensor<?x?x?x128xf16>, %{{.*}}: tensor<?x?x?x128xf16>, %{{.*}}: tensor<?x?x?x128xf16>, %[[O:.*]]: tensor<?x?x?x128xf16>)
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %[[Q]] read_only
// CHECK-DAG: %[[OB:.*]] = bufferization.to_buffer %[[O]] :
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 104448 : i32
// CHECK: %[[SQ:.*]] = memref.dim %[[QB]], %c2
// CHECK: %[[GX:.*]] = arith.ceildivui %[[SQ]], %[[C128]]
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[GX]], {{.*}}) threads({{.*}}) in (%{{.*}} = %[[C128]], {{.*}}) dynamic_shared_memory_size %[[SMEM]]
// CHECK: gpu.dynamic_shared_memory
// CHECK: nvgpu.device_async_copy {{.*}}, 8, %{{.*}} {bypassL1}
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for
// CHECK: nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK: scf.if
// CHECK: nvgpu.device_async_copy
// CHECK: nvgpu.device_async_create_group
// CHECK-NOT: gpu.barrier
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: gpu.shuffle  xor
// CHECK: math.exp2
// CHECK: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = true}
// CHECK: vector.store %{{.*}}, %[[OB]]
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OB]] restrict writable
// CHECK: return %[[R]]

// With one row tile per warp, Q's A fragments are loaded once, before the
// K/V loop.
// OPT-LABEL: func.func @basic
// OPT: arith.constant 43520 : i32
// OPT: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c64,
// OPT: nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// OPT: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false}
// OPT: scf.for
func.func @basic(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                 %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

// -----

// Causal: 32-key tiles by default, and the K/V loop stops at the diagonal
// (min with the last visible key).
// CHECK-LABEL: func.func @causal
// CHECK: arith.constant 36864 : i32
// CHECK: gpu.launch
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: scf.for
func.func @causal(%q: tensor<1x4x100x64xf16>, %k: tensor<1x4x300x64xf16>,
                  %v: tensor<1x4x300x64xf16>, %o: tensor<1x4x100x64xf32>)
    -> tensor<1x4x100x64xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x100x64xf16>,
         tensor<1x4x300x64xf16>, tensor<1x4x300x64xf16>)
       outs(%o : tensor<1x4x100x64xf32>) scale(0.125) causal<bottom_right>
       -> tensor<1x4x100x64xf32>
  return %r : tensor<1x4x100x64xf32>
}

// -----

func.func @bf16(%q: tensor<1x4x64x64xbf16>, %o: tensor<1x4x64x64xbf16>)
    -> tensor<1x4x64x64xbf16> {
  // expected-error @below {{cannot be lowered to GPU: target=cuda supports only f16 query/key/value}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xbf16>,
         tensor<1x4x64x64xbf16>, tensor<1x4x64x64xbf16>)
       outs(%o : tensor<1x4x64x64xbf16>) scale(0.125)
       -> tensor<1x4x64x64xbf16>
  return %r : tensor<1x4x64x64xbf16>
}

// -----

func.func @head_dim_256(%q: tensor<1x4x64x256xf16>, %o: tensor<1x4x64x256xf16>)
    -> tensor<1x4x64x256xf16> {
  // expected-error @below {{head dim must be static, equal for query and value, and 64 or 128}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x256xf16>,
         tensor<1x4x64x256xf16>, tensor<1x4x64x256xf16>)
       outs(%o : tensor<1x4x64x256xf16>) scale(0.0625)
       -> tensor<1x4x64x256xf16>
  return %r : tensor<1x4x64x256xf16>
}

// -----

func.func @mask(%q: tensor<1x4x64x64xf16>, %m: tensor<64x64xi1>,
                %o: tensor<1x4x64x64xf16>) -> tensor<1x4x64x64xf16> {
  // expected-error @below {{explicit masks are not supported on target=cuda}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xf16>,
         tensor<1x4x64x64xf16>, tensor<1x4x64x64xf16>)
       mask(%m : tensor<64x64xi1>)
       outs(%o : tensor<1x4x64x64xf16>) scale(0.125)
       -> tensor<1x4x64x64xf16>
  return %r : tensor<1x4x64x64xf16>
}

// -----

func.func @outs_not_argument(%q: tensor<1x4x64x64xf16>)
    -> tensor<1x4x64x64xf16> {
  %e = tensor.empty() : tensor<1x4x64x64xf16>
  // expected-error @below {{query, key, value and outs must be function arguments (device buffers)}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xf16>,
         tensor<1x4x64x64xf16>, tensor<1x4x64x64xf16>)
       outs(%e : tensor<1x4x64x64xf16>) scale(0.125)
       -> tensor<1x4x64x64xf16>
  return %r : tensor<1x4x64x64xf16>
}
