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

// bf16 runs on nvvm.mma.sync (nvgpu.mma.sync lowers no bf16 m16n8k16):
// ldmatrix rows of two bf16 are bitcast to i32 registers; P is truncated to
// bf16.
// CHECK-LABEL: func.func @bf16
// CHECK: nvgpu.device_async_copy {{.*}} : memref<1x4x64x64xbf16> to memref<128x72xbf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.ldmatrix {{.*}} -> vector<4x2xbf16>
// CHECK: vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: arith.truncf %{{.*}} : vector<2x2xf32> to vector<2x2xbf16>
// CHECK-NOT: nvgpu.mma.sync
func.func @bf16(%q: tensor<1x4x64x64xbf16>, %o: tensor<1x4x64x64xbf16>)
    -> tensor<1x4x64x64xbf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xbf16>,
         tensor<1x4x64x64xbf16>, tensor<1x4x64x64xbf16>)
       outs(%o : tensor<1x4x64x64xbf16>) scale(0.125)
       -> tensor<1x4x64x64xbf16>
  return %r : tensor<1x4x64x64xbf16>
}

// -----

// D = 256: 8 warps of one row tile (BQ = 128), 32-key tiles: (128 + 4 *
// 32) * 264 * 2 bytes of shared memory; Q is re-read from shared memory, 32
// of D at a time, inside the loop.
// CHECK-LABEL: func.func @head_dim_256
// CHECK: arith.constant 135168 : i32
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: nvgpu.ldmatrix %{{.*}} : memref<128x264xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
func.func @head_dim_256(%q: tensor<1x4x64x256xf16>, %o: tensor<1x4x64x256xf16>)
    -> tensor<1x4x64x256xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x256xf16>,
         tensor<1x4x64x256xf16>, tensor<1x4x64x256xf16>)
       outs(%o : tensor<1x4x64x256xf16>) scale(0.0625)
       -> tensor<1x4x64x256xf16>
  return %r : tensor<1x4x64x256xf16>
}

// -----

func.func @head_dim_96(%q: tensor<1x4x64x96xf16>, %o: tensor<1x4x64x96xf16>)
    -> tensor<1x4x64x96xf16> {
  // expected-error @below {{cannot be lowered to GPU: head dim must be static, equal for query and value, and 64, 128 or 256}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x96xf16>,
         tensor<1x4x64x96xf16>, tensor<1x4x64x96xf16>)
       outs(%o : tensor<1x4x64x96xf16>) scale(0.125)
       -> tensor<1x4x64x96xf16>
  return %r : tensor<1x4x64x96xf16>
}

// -----

func.func @f32_inputs(%q: tensor<1x4x64x64xf32>, %o: tensor<1x4x64x64xf32>)
    -> tensor<1x4x64x64xf32> {
  // expected-error @below {{cannot be lowered to GPU: target=cuda supports only f16 and bf16 query/key/value}}
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xf32>,
         tensor<1x4x64x64xf32>, tensor<1x4x64x64xf32>)
       outs(%o : tensor<1x4x64x64xf32>) scale(0.125)
       -> tensor<1x4x64x64xf32>
  return %r : tensor<1x4x64x64xf32>
}

// -----

// An i1 keep-mask [Sq, Sk] broadcast over batch and heads: one load per
// score element in every block, dropped keys to -inf. With a mask the
// default tiles have 32 keys: (128 + 4 * 32) * 72 * 2 bytes.
// CHECK-LABEL: func.func @bool_mask
// CHECK-DAG: arith.constant 36864 : i32
// CHECK-DAG: %[[MB:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<64x64xi1> to memref<64x64xi1>
// CHECK: scf.for
// CHECK: nvgpu.mma.sync
// CHECK: %[[KEEP:.*]] = memref.load %[[MB]][%{{.*}}, %{{.*}}] : memref<64x64xi1>
// CHECK: arith.select %[[KEEP]], %{{.*}}, %cst{{.*}} : f32
func.func @bool_mask(%q: tensor<1x4x64x64xf16>, %m: tensor<64x64xi1>,
                     %o: tensor<1x4x64x64xf16>) -> tensor<1x4x64x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xf16>,
         tensor<1x4x64x64xf16>, tensor<1x4x64x64xf16>)
       mask(%m : tensor<64x64xi1>)
       outs(%o : tensor<1x4x64x64xf16>) scale(0.125)
       -> tensor<1x4x64x64xf16>
  return %r : tensor<1x4x64x64xf16>
}

// -----

// An additive f16 mask [B, 1, Sq, Sk]: the static 1 broadcasts (index 0),
// dynamic dims broadcast when they are 1 at run time; the mask is added in
// raw-score units (times 1 / scale = 8) before the online softmax. The lse
// result, ln(l) + scale * m, is stored by the first thread of each quad.
// CHECK-LABEL: func.func @add_mask_lse
// CHECK-DAG: %[[MB:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x1x?x?xf16> to memref<?x1x?x?xf16>
// CHECK-DAG: %[[LB:.*]] = bufferization.to_buffer %{{.*}} : tensor<?x?x?xf32> to memref<?x?x?xf32>
// CHECK-DAG: %[[C8:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: gpu.launch
// CHECK: memref.dim %[[MB]], %c0
// CHECK: scf.for
// CHECK: %[[M:.*]] = memref.load %[[MB]][%{{.*}}, %c0, %{{.*}}, %{{.*}}] : memref<?x1x?x?xf16>
// CHECK: %[[MF:.*]] = arith.extf %[[M]] : f16 to f32
// CHECK: %[[MS:.*]] = arith.mulf %[[MF]], %[[C8]] : f32
// CHECK: arith.addf %{{.*}}, %[[MS]] : f32
// CHECK: math.log
// CHECK: memref.store %{{.*}}, %[[LB]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<?x?x?xf32>
// CHECK: %[[O:.*]] = bufferization.to_tensor %{{.*}} restrict writable
// CHECK: %[[L:.*]] = bufferization.to_tensor %[[LB]] restrict writable
// CHECK: return %[[O]], %[[L]]
func.func @add_mask_lse(%q: tensor<?x4x?x64xf16>, %k: tensor<?x4x?x64xf16>,
                        %m: tensor<?x1x?x?xf16>, %o: tensor<?x4x?x64xf16>,
                        %l: tensor<?x?x?xf32>)
    -> (tensor<?x4x?x64xf16>, tensor<?x?x?xf32>) {
  %r:2 = attn.attention ins(%q, %k, %k : tensor<?x4x?x64xf16>,
         tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>)
       mask(%m : tensor<?x1x?x?xf16>)
       outs(%o : tensor<?x4x?x64xf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.125) -> tensor<?x4x?x64xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x4x?x64xf16>, tensor<?x?x?xf32>
}

// -----

// Operands need not be function arguments: the launch works on the buffers
// that bufferization gives them (device memory on target=cuda).
// CHECK-LABEL: func.func @outs_not_argument
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x4x64x64xf16>
// CHECK: %[[EB:.*]] = bufferization.to_buffer %[[E]] :
// CHECK: gpu.launch
// CHECK: bufferization.to_tensor %[[EB]] restrict writable
func.func @outs_not_argument(%q: tensor<1x4x64x64xf16>)
    -> tensor<1x4x64x64xf16> {
  %e = tensor.empty() : tensor<1x4x64x64xf16>
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xf16>,
         tensor<1x4x64x64xf16>, tensor<1x4x64x64xf16>)
       outs(%e : tensor<1x4x64x64xf16>) scale(0.125)
       -> tensor<1x4x64x64xf16>
  return %r : tensor<1x4x64x64xf16>
}
