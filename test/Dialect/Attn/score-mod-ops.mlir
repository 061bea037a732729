// Round trip of the score_mod / mask_mod regions and sinks, in the custom
// and the generic form.
// RUN: attn-opt %s -split-input-file | attn-opt -split-input-file | FileCheck %s
// RUN: attn-opt %s -split-input-file --mlir-print-op-generic | attn-opt -split-input-file | FileCheck %s

// Gemma-2 soft-capping: c * tanh(s / c).
// CHECK-LABEL: func.func @softcap
// CHECK: attn.attention ins(
// CHECK-SAME: scale(1.250000e-01) causal<top_left> score_mod {
// CHECK-NEXT: ^bb0(%[[S:.*]]: f32, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index):
// CHECK: math.tanh
// CHECK: attn.yield %{{.*}} : f32
// CHECK-NEXT: } -> tensor<2x4x5x8xf32>
// CHECK-NOT: mask_mod
func.func @softcap(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>,
                   %v: tensor<2x4x7x8xf32>, %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         outs(%init : tensor<2x4x5x8xf32>) scale(0.125) causal<top_left> score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %c = arith.constant 50.0 : f32
         %d = arith.divf %s, %c : f32
         %t = math.tanh %d : f32
         %m = arith.mulf %t, %c : f32
         attn.yield %m : f32
       } -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// ALiBi read from a captured slope table, a sliding window as mask_mod and
// per-head sinks, no batch dims.
// CHECK-LABEL: func.func @alibi_window_sinks
// CHECK: attn.attention ins(
// CHECK-SAME: sinks(%{{.*}} : tensor<4xf32>) outs(
// CHECK-SAME: score_mod {
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<4xf32>
// CHECK: attn.yield %{{.*}} : f32
// CHECK-NEXT: } mask_mod {
// CHECK-NEXT: ^bb0(%{{.*}}: index, %{{.*}}: index, %{{.*}}: index):
// CHECK: attn.yield %{{.*}} : i1
// CHECK-NEXT: } -> tensor<4x5x8xf32>
func.func @alibi_window_sinks(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>,
    %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>, %slopes: tensor<4xf32>,
    %sinks: tensor<4xf32>) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         sinks(%sinks : tensor<4xf32>) outs(%init : tensor<4x5x8xf32>) scale(0.25)
       score_mod {
       ^bb0(%s: f32, %h: index, %i: index, %j: index):
         %slope = tensor.extract %slopes[%h] : tensor<4xf32>
         %d = arith.subi %j, %i : index
         %di = arith.index_cast %d : index to i64
         %df = arith.sitofp %di : i64 to f32
         %b = arith.mulf %slope, %df : f32
         %r = arith.addf %s, %b : f32
         attn.yield %r : f32
       } mask_mod {
       ^bb0(%h: index, %i: index, %j: index):
         %w = arith.constant 3 : index
         %d = arith.subi %i, %j : index
         %keep = arith.cmpi slt, %d, %w : index
         attn.yield %keep : i1
       } -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// A document mask alone, with an lse result.
// CHECK-LABEL: func.func @document_mask_lse
// CHECK: attn.attention
// CHECK-SAME: lse(%{{.*}} : tensor<1x2x5xf32>) scale(1.000000e+00) mask_mod {
// CHECK-NEXT: ^bb0(%{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index):
// CHECK: arith.cmpi eq
// CHECK-NEXT: attn.yield %{{.*}} : i1
// CHECK-NEXT: } -> tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
func.func @document_mask_lse(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>,
    %v: tensor<1x2x5x8xf32>, %init: tensor<1x2x5x8xf32>, %lse: tensor<1x2x5xf32>,
    %seg: tensor<1x5xi32>) -> (tensor<1x2x5x8xf32>, tensor<1x2x5xf32>) {
  %o:2 = attn.attention ins(%q, %k, %v : tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>)
         outs(%init : tensor<1x2x5x8xf32>) lse(%lse : tensor<1x2x5xf32>) scale(1.0)
       mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %si = tensor.extract %seg[%b, %i] : tensor<1x5xi32>
         %sj = tensor.extract %seg[%b, %j] : tensor<1x5xi32>
         %same = arith.cmpi eq, %si, %sj : i32
         attn.yield %same : i1
       } -> tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
  return %o#0, %o#1 : tensor<1x2x5x8xf32>, tensor<1x2x5xf32>
}
