// RUN: attn-opt %s -transform-interpreter -split-input-file -canonicalize -cse | FileCheck %s

// A tile keeps the absolute positions of its regions: the tile's block
// arguments are offset by the head and row offsets of the tile before the
// original body runs (batch and key offsets are 0 and fold away); sinks are
// sliced by the head tile.
// CHECK-LABEL: func.func @regions_and_sinks(
// CHECK-SAME: %[[SLOPES:[a-z0-9]+]]: tensor<4xf32>, %[[SINKS:[a-z0-9]+]]: tensor<4xf32>
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: scf.for %[[M:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: %[[ST:.+]] = tensor.extract_slice %[[SINKS]][%[[H]]] [2] [1] : tensor<4xf32> to tensor<2xf32>
// CHECK: attn.attention
// CHECK-SAME: sinks(%[[ST]] : tensor<2xf32>)
// CHECK-SAME: score_mod {
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %{{.+}}: index, %[[TH:.+]]: index, %[[TI:.+]]: index, %[[TJ:.+]]: index):
// CHECK-DAG: %[[AH:.+]] = arith.addi %[[TH]], %[[H]] : index
// CHECK-DAG: %[[AI:.+]] = arith.addi %[[TI]], %[[M]] : index
// CHECK: tensor.extract %[[SLOPES]][%[[AH]]]
// CHECK: arith.subi %[[TJ]], %[[AI]]
// CHECK: } mask_mod {
// CHECK-NEXT: ^bb0(%{{.+}}: index, %{{.+}}: index, %[[MI:.+]]: index, %[[MJ:.+]]: index):
// CHECK-NEXT: %[[MAI:.+]] = arith.addi %[[MI]], %[[M]] : index
// CHECK: arith.subi %[[MAI]], %[[MJ]]
func.func @regions_and_sinks(%q: tensor<2x4x10x16xf32>, %k: tensor<2x4x13x16xf32>,
    %v: tensor<2x4x13x8xf32>, %o: tensor<2x4x10x8xf32>, %slopes: tensor<4xf32>,
    %sinks: tensor<4xf32>) -> tensor<2x4x10x8xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x10x16xf32>, tensor<2x4x13x16xf32>, tensor<2x4x13x8xf32>)
         sinks(%sinks : tensor<4xf32>) outs(%o : tensor<2x4x10x8xf32>) scale(0.25)
       score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %slope = tensor.extract %slopes[%h] : tensor<4xf32>
         %d = arith.subi %j, %i : index
         %di = arith.index_cast %d : index to i64
         %df = arith.sitofp %di : i64 to f32
         %bias = arith.mulf %slope, %df : f32
         %x = arith.addf %s, %bias : f32
         attn.yield %x : f32
       } mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %w = arith.constant 4 : index
         %d = arith.subi %i, %j : index
         %keep = arith.cmpi slt, %d, %w : index
         attn.yield %keep : i1
       } -> tensor<2x4x10x8xf32>
  return %r : tensor<2x4x10x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:3 = transform.structured.tile_using_for %a tile_sizes [1, 2, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

