// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-simt | FileCheck %s
// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-simt="warps=2 rows=4" | FileCheck %s --check-prefix=OPT

// f32, D = 64, every other size dynamic. The op becomes a launch over
// (query blocks * batch * heads, 1) of 4 warps x 8 rows (BQ = 32) on the
// buffers of its operands, skipped for an empty grid, writing in place into
// the buffer of outs. Shared memory (f32): Q 32x64, K 32x(64+4), V 32x64,
// P 32x32 = 29184 bytes.
// CHECK-LABEL: func.func @basic
// CHECK-DAG: %[[QSCALE:.*]] = arith.constant 0.180336878 : f32
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK-DAG: %[[KB:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK-DAG: %[[VB:.*]] = bufferization.to_buffer %arg2 read_only
// CHECK-DAG: %[[OB:.*]] = bufferization.to_buffer %arg3 :
// CHECK: %[[SQ:.*]] = memref.dim %[[QB]], %c2
// CHECK: %[[NQ:.*]] = arith.ceildivui %[[SQ]], %c32
// CHECK: %[[B:.*]] = memref.dim %[[QB]], %c0
// CHECK: %[[GB:.*]] = arith.muli %[[NQ]], %[[B]]
// CHECK: %[[H:.*]] = memref.dim %[[QB]], %c1
// CHECK: %[[GX:.*]] = arith.muli %[[GB]], %[[H]]
// CHECK: %[[ANY:.*]] = arith.cmpi ugt, %[[GX]], %c0
// CHECK: scf.if %[[ANY]] {
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GX]], %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads({{.*}}) in (%{{.*}} = %c128{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) dynamic_shared_memory_size %c29184_i32
// CHECK: gpu.dynamic_shared_memory
// CHECK: memref.view {{.*}} to memref<32x64xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<32x68xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<32x64xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<32x32xf32, #gpu.address_space<workgroup>>
// Q is staged once, 32 x 64 elements over 128 threads, scaled by
// scale * log2(e) = 0.125 * 1.4427:
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK: memref.load %[[QB]]
// CHECK: arith.mulf %{{.*}}, %[[QSCALE]] : f32
// CHECK: memref.store
// The K/V loop: a barrier, V and K staged, a barrier, S = Q·Kᵀ four columns
// at a time (one K row per lane, Q rows broadcast) where the warp has rows.
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args({{.*}}) -> (f32,
// CHECK: gpu.barrier
// CHECK: memref.load %[[VB]]
// CHECK: memref.load %[[KB]]
// CHECK: gpu.barrier
// CHECK: scf.if %{{.*}} -> (vector<4xf32>,
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c4
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<32x68xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK: vector.load %{{.*}} {alignment = 16 : i64} : memref<32x64xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK: vector.fma
// CHECK: vector.reduction <add>
// Online softmax per row: keys past Sk dropped, the row max over the warp,
// exp2, P to shared memory, a warp barrier, then O += P·V.
// CHECK: scf.if %{{.*}} -> (f32,
// CHECK: arith.cmpi slt, %{{.*}}, %[[SK:.*]] : index
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK: arith.maxnumf
// CHECK: math.exp2
// CHECK: math.exp2
// CHECK: memref.store %{{.*}} : memref<32x32xf32, #gpu.address_space<workgroup>>
// CHECK: nvvm.bar.warp.sync
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c4
// CHECK: vector.load {{.*}} : memref<32x32xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK: memref.load {{.*}} : memref<32x64xf32, #gpu.address_space<workgroup>>
// CHECK: math.fma
// Epilogue: the row sum over the warp, O / l (0 for a fully masked row)
// stored for rows < Sq and columns < Dv.
// CHECK: gpu.shuffle  xor
// CHECK: arith.divf
// CHECK: arith.select
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[OB]][{{.*}}] : memref<?x?x?x64xf32>
// CHECK: gpu.terminator
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OB]] restrict writable
// CHECK: return %[[R]]

// Block shape options: 2 warps x 4 rows (BQ = 8, 64 threads).
// OPT-LABEL: func.func @basic
// OPT: arith.ceildivui %{{.*}}, %c8
// OPT: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c64{{.*}}) dynamic_shared_memory_size %c19968_i32
func.func @basic(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>,
                 %v: tensor<?x?x?x64xf32>, %o: tensor<?x?x?x64xf32>)
    -> tensor<?x?x?x64xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf32>,
         tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>)
       outs(%o : tensor<?x?x?x64xf32>) scale(0.125)
       -> tensor<?x?x?x64xf32>
  return %r : tensor<?x?x?x64xf32>
}

// -----

// f16 in, bf16 out, D = 192 != Dv = 128, GQA (4 query heads on 2 key/value
// heads), an i1 mask [Hq, 1, Sk] whose dynamic dims may be 1 at run time,
// causal bottom-right and lse.
// Shared memory: Q 32x192, K 32x196, V 32x128, P 32x32 = 70144 bytes.
// CHECK-LABEL: func.func @d192_dv128
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK-DAG: %[[KB:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK-DAG: %[[MB:.*]] = bufferization.to_buffer %arg3 read_only
// CHECK-DAG: %[[OB:.*]] = bufferization.to_buffer %arg4 :
// CHECK-DAG: %[[LB:.*]] = bufferization.to_buffer %arg5 :
// CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %c70144_i32
// GQA: key/value head = query head / (Hq / Hkv) (static here: 4 / 2).
// CHECK: %[[SK:.*]] = memref.dim %[[KB]], %c2
// Grid indices divide in 32 bits.
// CHECK: %[[HEAD32:.*]] = arith.remui %{{.*}}, %c4_i32 : i32
// CHECK: %[[HEAD:.*]] = arith.index_castui %[[HEAD32]] : i32 to index
// CHECK: %[[HEADN:.*]] = arith.index_castui %[[HEAD]] : index to i32
// CHECK: %[[KV32:.*]] = arith.divui %[[HEADN]], %c2_i32 : i32
// CHECK: %[[HEADKV:.*]] = arith.index_castui %[[KV32]] : i32 to index
// CHECK: %[[OFF:.*]] = arith.subi %[[SK]], %{{.*}}
// CHECK: memref.view {{.*}} to memref<32x192xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<32x196xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<32x128xf32, #gpu.address_space<workgroup>>
// The mask's dynamic dims broadcast when they are 1 at run time.
// CHECK: %[[M0:.*]] = memref.dim %[[MB]], %c0
// CHECK: %[[M0ONE:.*]] = arith.cmpi eq, %[[M0]], %c1
// Causal: the block's last visible key bounds the K/V loop.
// CHECK: arith.minsi
// CHECK: arith.addi %{{.*}}, %[[OFF]]
// CHECK: arith.maxsi
// CHECK: arith.minsi %[[SK]],
// CHECK: memref.load %[[QB]]
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: memref.load %[[KB]][%{{.*}}, %[[HEADKV]], %{{.*}}, %{{.*}}] : memref<2x2x?x192xf16>
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c4
// Key kept if key < Sk, key <= row + Sk - Sq and the mask says so.
// CHECK: arith.cmpi sle
// CHECK: %[[HM:.*]] = arith.select %[[M0ONE]], %c0, %[[HEAD]]
// CHECK: %[[KEEP:.*]] = memref.load %[[MB]][%[[HM]], %c0, %{{.*}}] : memref<?x1x?xi1>
// CHECK: arith.andi %{{.*}}, %[[KEEP]]
// 128 columns: lane l owns columns l, l + 32, l + 64, l + 96.
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}}, %[[OB]]
// CHECK-COUNT-3: memref.store %{{.*}}, %[[OB]]
// lse = ln(l) + m * ln(2) (-inf when l = 0), by lane 0 of the first Dv slice.
// CHECK: math.log
// CHECK: memref.store %{{.*}}, %[[LB]][{{.*}}] : memref<2x4x?xf32>
func.func @d192_dv128(%q: tensor<2x4x?x192xf16>, %k: tensor<2x2x?x192xf16>,
    %v: tensor<2x2x?x128xf16>, %m: tensor<?x1x?xi1>,
    %o: tensor<2x4x?x128xbf16>, %l: tensor<2x4x?xf32>)
    -> (tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<2x4x?x192xf16>,
         tensor<2x2x?x192xf16>, tensor<2x2x?x128xf16>) mask(%m : tensor<?x1x?xi1>)
       outs(%o : tensor<2x4x?x128xbf16>) lse(%l : tensor<2x4x?xf32>)
       scale(0.125) causal<bottom_right>
       -> tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
  return %r#0, %r#1 : tensor<2x4x?x128xbf16>, tensor<2x4x?xf32>
}

// -----

// An additive bf16 mask [Sq, Sk]: in the exp2 domain it is added times
// log2(e). Causal top-left: no offset.
// CHECK-LABEL: func.func @additive_mask
// CHECK-DAG: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK-DAG: %[[MB:.*]] = bufferization.to_buffer %arg3 read_only
// CHECK: gpu.launch
// CHECK-NOT: arith.subi
// CHECK: %[[M:.*]] = memref.load %[[MB]][%{{.*}}, %{{.*}}] : memref<?x?xbf16>
// CHECK: %[[MF:.*]] = arith.extf %[[M]] : bf16 to f32
// CHECK: math.fma %[[MF]], %[[LOG2E]], %{{.*}} : f32
func.func @additive_mask(%q: tensor<1x2x?x32xbf16>, %k: tensor<1x2x?x32xbf16>,
    %v: tensor<1x2x?x32xbf16>, %m: tensor<?x?xbf16>, %o: tensor<1x2x?x32xf32>)
    -> tensor<1x2x?x32xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x?x32xbf16>,
         tensor<1x2x?x32xbf16>, tensor<1x2x?x32xbf16>) mask(%m : tensor<?x?xbf16>)
       outs(%o : tensor<1x2x?x32xf32>) scale(0.17677669529663687) causal<top_left>
       -> tensor<1x2x?x32xf32>
  return %r : tensor<1x2x?x32xf32>
}

// -----

// Dynamic head dims: D is walked in chunks of 128 columns (Q and K staged
// per chunk between two barriers), Dv split over gridDim.y in slices of 128
// (at least one). Shared memory: Q 32x128, K 32x132, V 32x128, P 32x32.
// CHECK-LABEL: func.func @dynamic_head_dims
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK-DAG: %[[VB:.*]] = bufferization.to_buffer %arg2 read_only
// CHECK: %[[DV:.*]] = memref.dim %[[VB]], %c3
// CHECK: %[[SLICES:.*]] = arith.ceildivui %[[DV]], %c128
// CHECK: %[[GY:.*]] = arith.maxui %[[SLICES]], %c1
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %[[GY]], %{{.*}}) {{.*}} dynamic_shared_memory_size %c53760_i32
// CHECK: %[[D:.*]] = memref.dim %[[QB]], %c3
// CHECK: memref.view {{.*}} to memref<32x128xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<32x132xf32, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.load %[[QB]]
// CHECK: scf.for %{{.*}} iter_args
// CHECK: gpu.barrier
// V is staged only when Dv > 0 (an empty V has no element to read).
// CHECK: scf.if
// CHECK: memref.load %[[VB]]
// CHECK: %[[CHUNKS:.*]] = arith.ceildivui %[[D]], %c128
// CHECK: scf.for %{{.*}} = %c0 to %[[CHUNKS]] step %c1 iter_args
// CHECK: memref.load %[[QB]]
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c4
// CHECK: gpu.barrier
func.func @dynamic_head_dims(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>,
    %v: tensor<?x?x?x?xf32>, %o: tensor<?x?x?x?xf16>) -> tensor<?x?x?x?xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x?xf32>,
         tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>)
       outs(%o : tensor<?x?x?x?xf16>) scale(0.1) -> tensor<?x?x?x?xf16>
  return %r : tensor<?x?x?x?xf16>
}

// -----

// The head dim need not be innermost: Q, K and O stored [B, H, D, S], V
// [B, S, H, D]. Every element is addressed at its stored indices, and
// staging walks rows (the innermost stored dim) fastest.
// CHECK-LABEL: func.func @head_dim_not_innermost
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK-DAG: %[[VB:.*]] = bufferization.to_buffer %arg2 read_only
// CHECK-DAG: %[[OB:.*]] = bufferization.to_buffer %arg3 :
// CHECK: gpu.launch
// Q: 32 rows x 64 columns over 128 threads.
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK: %[[R:.*]] = arith.remui %[[I:.*]], %c32 : index
// CHECK: %[[C:.*]] = arith.divui %[[I]], %c32 : index
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[R]] : index
// CHECK: %[[VALID:.*]] = arith.andi
// CHECK: %[[RS:.*]] = arith.select %[[VALID]], %[[ROW]], %c0 : index
// CHECK: %[[CS:.*]] = arith.select %[[VALID]], %[[C]], %c0 : index
// CHECK: memref.load %[[QB]][%{{.*}}, %{{.*}}, %[[CS]], %[[RS]]] : memref<?x?x64x?xf16>
// V [B, S, H, D]: columns fastest.
// CHECK: arith.divui %{{.*}}, %c64 : index
// CHECK: arith.remui %{{.*}}, %c64 : index
// CHECK: memref.load %[[VB]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<?x?x?x64xf16>
// CHECK: memref.store %{{.*}}, %[[OB]][%{{.*}}, %{{.*}}, %[[COL:.*]], %[[ROWO:.*]]] : memref<?x?x64x?xf16>
func.func @head_dim_not_innermost(%q: tensor<?x?x64x?xf16>,
    %k: tensor<?x?x64x?xf16>, %v: tensor<?x?x?x64xf16>,
    %o: tensor<?x?x64x?xf16>) -> tensor<?x?x64x?xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x64x?xf16>,
         tensor<?x?x64x?xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x64x?xf16>) scale(0.125)
       {query_perm = array<i64: 0, 1, 3, 2>, key_perm = array<i64: 0, 1, 3, 2>,
        value_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 1, 3, 2>}
       -> tensor<?x?x64x?xf16>
  return %r : tensor<?x?x64x?xf16>
}

// -----

// No batch dim and D = 1 (Q and K rows padded to 4 columns with zeros);
// the grid is query blocks * heads.
// CHECK-LABEL: func.func @rank3_d1
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK: %[[SQ:.*]] = memref.dim %[[QB]], %c1
// CHECK: %[[NQ:.*]] = arith.ceildivui %[[SQ]], %c32
// CHECK: %[[H:.*]] = memref.dim %[[QB]], %c0
// CHECK: %[[GX:.*]] = arith.muli %[[NQ]], %[[H]]
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GX]],
// CHECK: memref.view {{.*}} to memref<32x4xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<32x4xf32, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<32x32xf32, #gpu.address_space<workgroup>>
// CHECK: memref.load %[[QB]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<?x?x1xf32>
func.func @rank3_d1(%q: tensor<?x?x1xf32>, %k: tensor<?x?x1xf32>,
    %v: tensor<?x?x1xf32>, %o: tensor<?x?x1xf32>) -> tensor<?x?x1xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x1xf32>, tensor<?x?x1xf32>,
         tensor<?x?x1xf32>) outs(%o : tensor<?x?x1xf32>) scale(1.0)
       -> tensor<?x?x1xf32>
  return %r : tensor<?x?x1xf32>
}

// -----

// Two batch dims: the grid covers both, the block decodes both.
// CHECK-LABEL: func.func @rank5
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK: %[[NQ:.*]] = arith.ceildivui
// CHECK: %[[B0:.*]] = memref.dim %[[QB]], %c0
// CHECK: %[[G0:.*]] = arith.muli %[[NQ]], %[[B0]]
// CHECK: %[[B1:.*]] = memref.dim %[[QB]], %c1
// CHECK: %[[G1:.*]] = arith.muli %[[G0]], %[[B1]]
// CHECK: %[[H:.*]] = memref.dim %[[QB]], %c2
// CHECK: %[[GX:.*]] = arith.muli %[[G1]], %[[H]]
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GX]],
// CHECK: memref.load %[[QB]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<?x?x?x?x16xf32>
func.func @rank5(%q: tensor<?x?x?x?x16xf32>, %k: tensor<?x?x?x?x16xf32>,
    %v: tensor<?x?x?x?x16xf32>, %o: tensor<?x?x?x?x16xf32>)
    -> tensor<?x?x?x?x16xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x?x16xf32>,
         tensor<?x?x?x?x16xf32>, tensor<?x?x?x?x16xf32>)
       outs(%o : tensor<?x?x?x?x16xf32>) scale(0.25) -> tensor<?x?x?x?x16xf32>
  return %r : tensor<?x?x?x?x16xf32>
}

// -----

// D = 0: every score is 0 and nothing of Q or K is read.
// CHECK-LABEL: func.func @empty_head_dim
// CHECK-DAG: %[[QB:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK-DAG: %[[KB:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK: gpu.launch
// CHECK-NOT: memref.load %[[QB]]
// CHECK-NOT: memref.load %[[KB]]
// CHECK: gpu.terminator
func.func @empty_head_dim(%q: tensor<1x1x4x0xf32>, %k: tensor<1x1x5x0xf32>,
    %v: tensor<1x1x5x3xf32>, %o: tensor<1x1x4x3xf32>) -> tensor<1x1x4x3xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x1x4x0xf32>,
         tensor<1x1x5x0xf32>, tensor<1x1x5x3xf32>)
       outs(%o : tensor<1x1x4x3xf32>) scale(1.0) -> tensor<1x1x4x3xf32>
  return %r : tensor<1x1x4x3xf32>
}
