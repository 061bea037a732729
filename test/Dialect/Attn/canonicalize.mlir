// RUN: attn-opt %s -canonicalize -split-input-file | FileCheck %s

// tensor.cast producers fold into the op, which keeps its regions (upstream's
// generic pattern for destination-style ops cannot clone them; the op's own
// pattern runs first), empty or not.
// CHECK-LABEL: func.func @cast_into_op_with_regions(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<1x2x5x8xf32>, %[[K:[a-z0-9]+]]: tensor<1x2x7x8xf32>, %[[V:[a-z0-9]+]]: tensor<1x2x7x8xf32>, %[[O:[a-z0-9]+]]: tensor<1x2x5x8xf32>
// CHECK: %[[R:.+]] = attn.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x2x5x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>) outs(%[[O]] : tensor<1x2x5x8xf32>) scale(5.000000e-01) score_mod {
// CHECK: math.tanh
// CHECK: } mask_mod {
// CHECK: arith.cmpi sle
// CHECK: } -> tensor<1x2x5x8xf32>
// CHECK: %[[C:.+]] = tensor.cast %[[R]] : tensor<1x2x5x8xf32> to tensor<?x?x?x?xf32>
// CHECK: return %[[C]]
func.func @cast_into_op_with_regions(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x7x8xf32>,
    %v: tensor<1x2x7x8xf32>, %o: tensor<1x2x5x8xf32>) -> tensor<?x?x?x?xf32> {
  %qd = tensor.cast %q : tensor<1x2x5x8xf32> to tensor<?x?x?x?xf32>
  %kd = tensor.cast %k : tensor<1x2x7x8xf32> to tensor<?x?x?x?xf32>
  %vd = tensor.cast %v : tensor<1x2x7x8xf32> to tensor<?x?x?x?xf32>
  %od = tensor.cast %o : tensor<1x2x5x8xf32> to tensor<?x?x?x?xf32>
  %r = attn.attention ins(%qd, %kd, %vd : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>)
         outs(%od : tensor<?x?x?x?xf32>) scale(0.5)
       score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %t = math.tanh %s : f32
         attn.yield %t : f32
       } mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %keep = arith.cmpi sle, %j, %i : index
         attn.yield %keep : i1
       } -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @cast_into_op_without_regions(
// CHECK: %[[R:.+]] = attn.attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x2x5x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>) outs(%{{.+}} : tensor<1x2x5x8xf32>) scale(5.000000e-01) -> tensor<1x2x5x8xf32>
// CHECK: tensor.cast %[[R]] : tensor<1x2x5x8xf32> to tensor<?x?x?x?xf32>
func.func @cast_into_op_without_regions(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x7x8xf32>,
    %v: tensor<1x2x7x8xf32>, %o: tensor<1x2x5x8xf32>) -> tensor<?x?x?x?xf32> {
  %qd = tensor.cast %q : tensor<1x2x5x8xf32> to tensor<?x?x?x?xf32>
  %kd = tensor.cast %k : tensor<1x2x7x8xf32> to tensor<?x?x?x?xf32>
  %vd = tensor.cast %v : tensor<1x2x7x8xf32> to tensor<?x?x?x?xf32>
  %od = tensor.cast %o : tensor<1x2x5x8xf32> to tensor<?x?x?x?xf32>
  %r = attn.attention ins(%qd, %kd, %vd : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>)
         outs(%od : tensor<?x?x?x?xf32>) scale(0.5) -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}
