// Both tensor-core kernels evaluate score_mod/mask_mod regions and sinks
// on their accumulator fragments (the general SIMT kernel:
// simt-score-mod.mlir).
// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu=soft=1 | FileCheck %s
// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu-sm90=soft=1 | FileCheck %s --check-prefix=SM90
// RUN: not attn-opt %s -split-input-file --convert-attn-to-gpu 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not attn-opt %s -split-input-file --convert-attn-to-gpu-sm90 2>&1 | FileCheck %s --check-prefix=ERR90
// ERR: error: 'attn.attention' op cannot be lowered to GPU: a score_mod/mask_mod region computes on tensors (left to the decomposition)
// ERR90: error: 'attn.attention' op cannot be lowered to the sm_90a kernel: a score_mod/mask_mod region computes on tensors (left to the decomposition)

// Without score_mod the kernels keep S in raw units (the scale folded into
// exp2). With it, the region sees S * scale on every element of the C
// fragments, before the masks and the online softmax, and its result stays
// in those units: the softmax scales by log2(e) alone, and nothing divides
// by the scale again.
// CHECK-LABEL: func.func @softcap
// CHECK-NOT: arith.constant 8.000000e+00 : f32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// CHECK: gpu.launch
// CHECK: nvgpu.mma.sync
// CHECK: %[[X:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK: %[[D:.*]] = arith.divf %[[X]], %{{.*}} : f32
// CHECK: %[[T:.*]] = math.tanh %[[D]] : f32
// CHECK: arith.mulf %[[T]], %{{.*}} : f32
// CHECK: arith.mulf %{{.*}}, %[[LOG2E]] : f32
// CHECK: math.exp2
// CHECK: gpu.terminator
// CHECK-NOT: attn.attention
// SM90-LABEL: func.func @softcap
// SM90-NOT: arith.constant 8.000000e+00 : f32
// SM90-DAG: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
// SM90-DAG: %[[LOG2E:.*]] = arith.constant 1.44269502 : f32
// SM90: gpu.launch
// SM90: nvvm.wgmma.mma_async
// SM90: %[[X:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// SM90: %[[D:.*]] = arith.divf %[[X]], %{{.*}} : f32
// SM90: %[[T:.*]] = math.tanh %[[D]] : f32
// SM90: arith.mulf %[[T]], %{{.*}} : f32
// SM90: arith.mulf %{{.*}}, %[[LOG2E]] : f32
// SM90: gpu.terminator
func.func @softcap(%q: tensor<1x2x128x64xf16>, %o: tensor<1x2x128x64xf16>)
    -> tensor<1x2x128x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x2x128x64xf16>,
         tensor<1x2x128x64xf16>, tensor<1x2x128x64xf16>)
       outs(%o : tensor<1x2x128x64xf16>) scale(0.125) causal<top_left> score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %c = arith.constant 50.0 : f32
         %d = arith.divf %s, %c : f32
         %t = math.tanh %d : f32
         %m = arith.mulf %t, %c : f32
         attn.yield %m : f32
       } -> tensor<1x2x128x64xf16>
  return %r : tensor<1x2x128x64xf16>
}

// -----

// Captured tables become read-only buffers on the host; in the kernel the
// ALiBi slope is read at the head index and a document mask_mod gathers the
// segment ids of the row and the key, sending other keys to -inf. Gathers
// are clamped into their tensors (the kernels evaluate the regions on rows
// and keys past the ends too); with these sizes the indices and the
// key-query distance are within i32, so the clamps and the conversion to
// f32 are made on 32 bits.
// CHECK-LABEL: func.func @alibi_document
// CHECK-SAME: (%{{.*}}: tensor<1x4x64x64xbf16>, %[[SLOPES:.*]]: tensor<4xf32>, %[[SEG:.*]]: tensor<64xi32>
// CHECK-DAG: %[[SB:.*]] = bufferization.to_buffer %[[SLOPES]] read_only : tensor<4xf32> to memref<4xf32>
// CHECK-DAG: %[[GB:.*]] = bufferization.to_buffer %[[SEG]] read_only : tensor<64xi32> to memref<64xi32>
// CHECK: gpu.launch
// CHECK: nvvm.mma.sync
// CHECK: %[[H:.*]] = arith.minui %{{.*}}, %c3_i32 : i32
// CHECK: %[[HX:.*]] = arith.index_castui %[[H]] : i32 to index
// CHECK: memref.load %[[SB]][%[[HX]]] : memref<4xf32>
// CHECK: %[[DIST:.*]] = arith.trunci %{{.*}} : i64 to i32
// CHECK: arith.sitofp %[[DIST]] : i32 to f32
// CHECK: %[[I:.*]] = arith.minui %{{.*}}, %c63_i32 : i32
// CHECK: %[[IX:.*]] = arith.index_castui %[[I]] : i32 to index
// CHECK: memref.load %[[GB]][%[[IX]]] : memref<64xi32>
// CHECK: memref.load %[[GB]][%{{.*}}] : memref<64xi32>
// CHECK: %[[SAME:.*]] = arith.cmpi eq
// CHECK: arith.select %[[SAME]], %{{.*}}, %{{.*}} : f32
// CHECK: gpu.terminator
// SM90-LABEL: func.func @alibi_document
// SM90-SAME: (%{{.*}}: tensor<1x4x64x64xbf16>, %[[SLOPES:.*]]: tensor<4xf32>, %[[SEG:.*]]: tensor<64xi32>
// SM90-DAG: %[[SB:.*]] = bufferization.to_buffer %[[SLOPES]] read_only : tensor<4xf32> to memref<4xf32>
// SM90-DAG: %[[GB:.*]] = bufferization.to_buffer %[[SEG]] read_only : tensor<64xi32> to memref<64xi32>
// SM90: gpu.launch
// SM90: nvvm.wgmma.mma_async
// SM90: %[[H:.*]] = arith.minui %{{.*}}, %c3_i32 : i32
// SM90: %[[HX:.*]] = arith.index_castui %[[H]] : i32 to index
// SM90: memref.load %[[SB]][%[[HX]]] : memref<4xf32>
// SM90: %[[DIST:.*]] = arith.trunci %{{.*}} : i64 to i32
// SM90: arith.sitofp %[[DIST]] : i32 to f32
// SM90: %[[I:.*]] = arith.minui %{{.*}}, %c63_i32 : i32
// SM90: %[[IX:.*]] = arith.index_castui %[[I]] : i32 to index
// SM90: memref.load %[[GB]][%[[IX]]] : memref<64xi32>
// SM90: memref.load %[[GB]][%{{.*}}] : memref<64xi32>
// SM90: %[[SAME:.*]] = arith.cmpi eq
// SM90: arith.select %[[SAME]], %{{.*}}, %{{.*}} : f32
// SM90: gpu.terminator
func.func @alibi_document(%q: tensor<1x4x64x64xbf16>, %slopes: tensor<4xf32>,
                          %seg: tensor<64xi32>, %o: tensor<1x4x64x64xf32>)
    -> tensor<1x4x64x64xf32> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x64xbf16>,
         tensor<1x4x64x64xbf16>, tensor<1x4x64x64xbf16>)
       outs(%o : tensor<1x4x64x64xf32>) scale(0.125) score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %slope = tensor.extract %slopes[%h] : tensor<4xf32>
         %d = arith.subi %j, %i : index
         %di = arith.index_cast %d : index to i64
         %df = arith.sitofp %di : i64 to f32
         %bias = arith.mulf %slope, %df : f32
         %y = arith.addf %s, %bias : f32
         attn.yield %y : f32
       } mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %si = tensor.extract %seg[%i] : tensor<64xi32>
         %sj = tensor.extract %seg[%j] : tensor<64xi32>
         %same = arith.cmpi eq, %si, %sj : i32
         attn.yield %same : i1
       } -> tensor<1x4x64x64xf32>
  return %r : tensor<1x4x64x64xf32>
}

// -----

// Sinks: each row starts with the sink logit as its running max (raw units:
// sink / scale) and a partial sum of 1 in the first thread of the quad, so
// that the quad's sum includes exp(sink - max) once.
// CHECK-LABEL: func.func @sinks
// CHECK-SAME: %[[SINKS:[a-z0-9]*]]: tensor<2xf32>
// CHECK-DAG: %[[INV:.*]] = arith.constant 4.000000e+00 : f32
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[SINKS]] read_only
// CHECK: gpu.launch
// CHECK: %[[SINK:.*]] = memref.load %[[BUF]][%{{.*}}] : memref<2xf32>
// CHECK: %[[M0:.*]] = arith.mulf %[[SINK]], %[[INV]] : f32
// CHECK: %[[L0:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: scf.for {{.*}} iter_args({{.*}}%{{.*}} = %[[M0]], {{.*}}%{{.*}} = %[[L0]]
// CHECK: gpu.terminator
// The sm_90a kernel keeps its maxes in the exp2 domain: sink * log2(e).
// SM90-LABEL: func.func @sinks
// SM90-SAME: %[[SINKS:[a-z0-9]*]]: tensor<2xf32>
// SM90-DAG: %[[LOG2E:.*]] = arith.constant 1.44269{{[0-9]*}} : f32
// SM90: %[[BUF:.*]] = bufferization.to_buffer %[[SINKS]] read_only
// SM90: gpu.launch
// SM90: %[[SINK:.*]] = memref.load %[[BUF]][%{{.*}}] : memref<2xf32>
// SM90: arith.mulf %[[SINK]], %[[LOG2E]] : f32
// SM90: gpu.terminator
func.func @sinks(%q: tensor<1x2x64x64xf16>, %sinks: tensor<2xf32>,
                 %o: tensor<1x2x64x64xf16>) -> tensor<1x2x64x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x2x64x64xf16>,
         tensor<1x2x64x64xf16>, tensor<1x2x64x64xf16>)
       sinks(%sinks : tensor<2xf32>)
       outs(%o : tensor<1x2x64x64xf16>) scale(0.25) -> tensor<1x2x64x64xf16>
  return %r : tensor<1x2x64x64xf16>
}

// -----

// A region that computes on a tensor is refused with its reason (target=cuda
// decomposes it into generic kernels).
// CHECK-LABEL: func.func @tensor_in_region
// CHECK-NOT: gpu.launch
// CHECK: attn.attention
// SM90-LABEL: func.func @tensor_in_region
// SM90-NOT: gpu.launch
// SM90: attn.attention
func.func @tensor_in_region(%q: tensor<1x2x64x64xf16>, %table: tensor<64xf32>,
                            %o: tensor<1x2x64x64xf16>) -> tensor<1x2x64x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x2x64x64xf16>,
         tensor<1x2x64x64xf16>, tensor<1x2x64x64xf16>)
       outs(%o : tensor<1x2x64x64xf16>) scale(0.35) score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %t = tensor.insert %s into %table[%i] : tensor<64xf32>
         %y = tensor.extract %t[%j] : tensor<64xf32>
         attn.yield %y : f32
       } -> tensor<1x2x64x64xf16>
  return %r : tensor<1x2x64x64xf16>
}

// -----

// A sliding window: before the loop, each block of queries scans in from
// both ends, a key block per active lane of a warp at a time (the lanes
// vote), for
// the first and last key blocks the mask may keep (mask_mod in interval
// arithmetic: i - j < 256 may hold iff q0 - kHi < 256), and the loop
// visits only those.
// CHECK-LABEL: func.func @window
// CHECK: gpu.launch
// CHECK: nvvm.bar.warp.sync %c-1_i32
// CHECK: %[[ACTIVE:.*]] = llvm.call_intrinsic "llvm.nvvm.activemask"() : () -> i32
// CHECK: %[[LANES:.*]] = math.ctpop %[[ACTIVE]] : i32
// CHECK: gpu.lane_id
// CHECK: %[[FIRST:.*]]:2 = scf.while
// CHECK: arith.subi
// CHECK: arith.cmpi slt
// CHECK: %[[VOTE:.*]] = nvvm.vote.sync ballot %[[ACTIVE]], %{{.*}} -> i32
// CHECK: arith.subi %c0_i32, %[[VOTE]] : i32
// CHECK: scf.condition
// CHECK: nvvm.bar.warp.sync %c-1_i32
// CHECK: %[[END:.*]]:2 = scf.while
// CHECK: %[[N:.*]] = arith.subi %[[END]]#1, %[[FIRST]]#1 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]]
// In the loop the mask runs only where it may drop a key of the warp's rows
// (i - j < 256 may fail iff rowHi - kLo >= 256): full tiles skip it.
// CHECK: %[[HI:.*]] = arith.addi %{{.*}}, %c31 : index
// CHECK: %[[SPAN:.*]] = arith.subi %[[HI]], %{{.*}} : index
// CHECK: %[[DROP:.*]] = arith.cmpi sge, %[[SPAN]], %c256 : index
// CHECK: scf.if %[[DROP]] -> (vector<2x2xf32>
// SM90-LABEL: func.func @window
// SM90: gpu.launch
// SM90: %[[FIRST:.*]]:2 = scf.while
// SM90: %[[END:.*]]:2 = scf.while
// SM90: arith.subi %[[END]]#1, %[[FIRST]]#1 : index
// SM90: %[[DROP:.*]] = arith.cmpi sge, %{{.*}}, %c256 : index
// SM90: scf.if %[[DROP]] -> (f32
func.func @window(%q: tensor<1x2x1024x64xf16>, %o: tensor<1x2x1024x64xf16>)
    -> tensor<1x2x1024x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x2x1024x64xf16>,
         tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>)
       outs(%o : tensor<1x2x1024x64xf16>) scale(0.125) causal<top_left> mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %w = arith.constant 256 : index
         %d = arith.subi %i, %j : index
         %keep = arith.cmpi slt, %d, %w : index
         attn.yield %keep : i1
       } -> tensor<1x2x1024x64xf16>
  return %r : tensor<1x2x1024x64xf16>
}

// -----

// Chunked attention (i / 256 == j / 256): the scan divides the row and key
// ranges by the chunk and keeps a block iff the chunk ranges overlap.
// CHECK-LABEL: func.func @chunked
// CHECK: gpu.launch
// CHECK: scf.while
// CHECK-DAG: %[[RLO:.*]] = arith.floordivsi %{{.*}}, %c256 : index
// CHECK-DAG: %[[RHI:.*]] = arith.floordivsi %{{.*}}, %c256 : index
// CHECK-DAG: %[[KLO:.*]] = arith.floordivsi %{{.*}}, %c256 : index
// CHECK-DAG: %[[KHI:.*]] = arith.floordivsi %{{.*}}, %c256 : index
// CHECK: arith.cmpi sle
// CHECK: arith.cmpi sle
// CHECK: scf.condition
// SM90-LABEL: func.func @chunked
// SM90: scf.while
// SM90: arith.floordivsi %{{.*}}, %c256 : index
// SM90: scf.condition
func.func @chunked(%q: tensor<1x2x1024x64xf16>, %o: tensor<1x2x1024x64xf16>)
    -> tensor<1x2x1024x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x2x1024x64xf16>,
         tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>)
       outs(%o : tensor<1x2x1024x64xf16>) scale(0.125) causal<top_left> mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %c = arith.constant 256 : index
         %ci = arith.floordivsi %i, %c : index
         %cj = arith.floordivsi %j, %c : index
         %keep = arith.cmpi eq, %ci, %cj : index
         attn.yield %keep : i1
       } -> tensor<1x2x1024x64xf16>
  return %r : tensor<1x2x1024x64xf16>
}

// -----

// A document mask gathers segment ids: on the host, a linalg op summarises
// each run of 64 ids (per batch) to its min and max; in the kernel the
// block scans bound seg[b, i] and seg[b, j] over a tile's rows and keys by
// the summaries they overlap, so tiles of different documents are skipped.
// CHECK-LABEL: func.func @document
// CHECK-SAME: %[[SEG:[a-z0-9]*]]: tensor<2x1024xi32>
// CHECK: %[[SUM:.*]]:2 = linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<2x16xi32>, tensor<2x16xi32>)
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %c2147483647_i32, %{{.*}} = %c-2147483648_i32)
// CHECK: tensor.extract %[[SEG]]
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: %[[MINS:.*]] = bufferization.to_buffer %[[SUM]]#0 read_only
// CHECK: %[[MAXS:.*]] = bufferization.to_buffer %[[SUM]]#1 read_only
// CHECK: gpu.launch
// CHECK: scf.while
// CHECK: memref.load %[[MINS]]
// CHECK: memref.load %[[MAXS]]
// CHECK: scf.condition
// SM90-LABEL: func.func @document
// SM90: linalg.generic
// SM90: gpu.launch
// SM90: scf.while
// SM90: memref.load
// SM90: scf.condition
func.func @document(%q: tensor<2x2x1024x64xf16>, %seg: tensor<2x1024xi32>,
                    %o: tensor<2x2x1024x64xf16>) -> tensor<2x2x1024x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<2x2x1024x64xf16>,
         tensor<2x2x1024x64xf16>, tensor<2x2x1024x64xf16>)
       outs(%o : tensor<2x2x1024x64xf16>) scale(0.125) causal<top_left> mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %si = tensor.extract %seg[%b, %i] : tensor<2x1024xi32>
         %sj = tensor.extract %seg[%b, %j] : tensor<2x1024xi32>
         %same = arith.cmpi eq, %si, %sj : i32
         attn.yield %same : i1
       } -> tensor<2x2x1024x64xf16>
  return %r : tensor<2x2x1024x64xf16>
}
