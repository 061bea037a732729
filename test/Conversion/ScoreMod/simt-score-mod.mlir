// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu-simt | FileCheck %s

// The score_mod region runs in the kernel on each score, back in the
// natural-log domain (the kernel works in exp2: x ln2 in, y log2(e) out),
// before the online softmax; no decomposition.
// CHECK-LABEL: func.func @softcap
// CHECK-NOT: linalg.generic
// CHECK-DAG: %[[LOG2E:.*]] = arith.constant 1.44269{{[0-9]*}} : f32
// CHECK-DAG: %[[LN2:.*]] = arith.constant 0.693147{{[0-9]*}} : f32
// CHECK: gpu.launch
// CHECK: %[[X:.*]] = arith.mulf %{{.*}}, %[[LN2]] : f32
// CHECK: %[[D:.*]] = arith.divf %[[X]], %{{.*}} : f32
// CHECK: %[[T:.*]] = math.tanh %[[D]] : f32
// CHECK: %[[Y:.*]] = arith.mulf %[[T]], %{{.*}} : f32
// CHECK: arith.mulf %[[Y]], %[[LOG2E]] : f32
// CHECK: gpu.terminator
// CHECK-NOT: attn.attention
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

// ALiBi reads a slope per head from a tensor defined above the op: the
// kernel reads its buffer at the head index; a document mask_mod gathers
// segment ids of the query row and the key.
// CHECK-LABEL: func.func @alibi_document
// CHECK-SAME: (%{{.*}}: tensor<1x4x64x32xf32>, %[[SLOPES:.*]]: tensor<4xf32>, %[[SEG:.*]]: tensor<64xi32>
// CHECK-DAG: %[[SB:.*]] = bufferization.to_buffer %[[SLOPES]] read_only : tensor<4xf32> to memref<4xf32>
// CHECK-DAG: %[[GB:.*]] = bufferization.to_buffer %[[SEG]] read_only : tensor<64xi32> to memref<64xi32>
// CHECK: gpu.launch
// CHECK: memref.load %[[SB]][%{{.*}}] : memref<4xf32>
// CHECK: memref.load %[[GB]][%{{.*}}] : memref<64xi32>
// CHECK: memref.load %[[GB]][%{{.*}}] : memref<64xi32>
// CHECK: arith.cmpi eq
// CHECK: gpu.terminator
func.func @alibi_document(%q: tensor<1x4x64x32xf32>, %slopes: tensor<4xf32>,
                          %seg: tensor<64xi32>, %o: tensor<1x4x64x32xf32>)
    -> tensor<1x4x64x32xf32> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x4x64x32xf32>,
         tensor<1x4x64x32xf32>, tensor<1x4x64x32xf32>)
       outs(%o : tensor<1x4x64x32xf32>) scale(0.125) score_mod {
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
       } -> tensor<1x4x64x32xf32>
  return %r : tensor<1x4x64x32xf32>
}

// -----

// Sinks: each row's running max starts at the sink logit of its head
// (exp2 domain) and its sum at 1.
// CHECK-LABEL: func.func @sinks
// CHECK-SAME: %[[SINKS:[a-z0-9]*]]: tensor<2xf32>
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[SINKS]] read_only
// CHECK: gpu.launch
// CHECK: %[[SINK:.*]] = memref.load %[[BUF]][%{{.*}}] : memref<2xf32>
// CHECK: arith.mulf %[[SINK]], %{{.*}} : f32
// CHECK: gpu.terminator
func.func @sinks(%q: tensor<1x2x16x8xf32>, %sinks: tensor<2xf32>,
                 %o: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x2x16x8xf32>,
         tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
       sinks(%sinks : tensor<2xf32>)
       outs(%o : tensor<1x2x16x8xf32>) scale(0.35) -> tensor<1x2x16x8xf32>
  return %r : tensor<1x2x16x8xf32>
}

// -----

// A region that computes on a tensor (here a captured table updated with
// the score) is left alone (target=cuda decomposes it into generic
// kernels).
// CHECK-LABEL: func.func @tensor_in_region
// CHECK-NOT: gpu.launch
// CHECK: attn.attention
func.func @tensor_in_region(%q: tensor<1x2x16x8xf32>, %table: tensor<16xf32>,
                            %o: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %r = attn.attention ins(%q, %q, %q : tensor<1x2x16x8xf32>,
         tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>)
       outs(%o : tensor<1x2x16x8xf32>) scale(0.35) score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %t = tensor.insert %s into %table[%i] : tensor<16xf32>
         %y = tensor.extract %t[%j] : tensor<16xf32>
         attn.yield %y : f32
       } -> tensor<1x2x16x8xf32>
  return %r : tensor<1x2x16x8xf32>
}
