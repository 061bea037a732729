// RUN: attn-opt %s --attn-tile="block-q=4 block-kv=4 split-kv=off" --canonicalize --cse | FileCheck %s

// The regions inlined in the online-softmax loop nest: score_mod on the
// scaled score (then times log2 e) and mask_mod at the absolute positions
// (row %i + query block %qs, key %j + key block %ks) in every key block;
// the sink of the head joins the row state after the key loop.
// CHECK-LABEL: func.func @mods(
// CHECK-SAME: %[[SINKS:[a-z0-9]+]]: tensor<2xf32>)
// CHECK-DAG: %[[LOG2E:.+]] = arith.constant 1.44269502 : f32
// CHECK-DAG: %[[SCALE:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[CAP:.+]] = arith.constant 2.000000e+01 : f32
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step
// CHECK: scf.for %[[QS:.+]] = %{{.+}} to %{{.+}} step
// CHECK: %[[SINK:.+]] = tensor.extract_slice %[[SINKS]][%[[H]]] [1] [1]
// CHECK: %[[LOOP:.+]]:3 = scf.for %[[KS:.+]] = %{{.+}} to %{{.+}} step
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[I:.+]] = linalg.index 0 : index
// CHECK-NEXT: %[[J:.+]] = linalg.index 1 : index
// CHECK-NEXT: %[[AJ:.+]] = arith.addi %[[KS]], %[[J]] : index
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[S]], %[[SCALE]] : f32
// CHECK-NEXT: %[[D:.+]] = arith.divf %[[X]], %[[CAP]] : f32
// CHECK-NEXT: %[[T:.+]] = math.tanh %[[D]] : f32
// CHECK-NEXT: %[[C:.+]] = arith.mulf %[[T]], %[[CAP]] : f32
// CHECK-NEXT: %[[L2:.+]] = arith.mulf %[[C]], %[[LOG2E]] : f32
// CHECK-NEXT: %[[AI:.+]] = arith.addi %[[I]], %[[QS]] : index
// CHECK-NEXT: %[[DIST:.+]] = arith.subi %[[AI]], %[[AJ]] : index
// CHECK-NEXT: %[[KEEP:.+]] = arith.cmpi slt, %[[DIST]], %{{.+}} : index
// CHECK-NEXT: %[[R:.+]] = arith.select %[[KEEP]], %[[L2]], %[[NEGINF]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: scf.yield
// CHECK: %[[SV:.+]] = tensor.extract %[[SINK]][%{{.+}}] : tensor<1xf32>
// CHECK: %[[SL:.+]] = arith.mulf %[[SV]], %[[LOG2E]] : f32
// CHECK: %[[MSTAR:.+]] = linalg.generic {{.*}} ins(%[[LOOP]]#1 : tensor<4xf32>)
// CHECK: arith.maximumf %{{.+}}, %[[SL]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[LOOP]]#1, %[[LOOP]]#2, %[[MSTAR]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK: math.exp2
// CHECK: arith.subf %[[SL]], %{{.+}} : f32
// CHECK: math.exp2
func.func @mods(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>,
    %init: tensor<1x2x8x4xf32>, %sinks: tensor<2xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>)
         sinks(%sinks : tensor<2xf32>) outs(%init : tensor<1x2x8x4xf32>) scale(0.5)
       score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %c = arith.constant 20.0 : f32
         %d = arith.divf %s, %c : f32
         %t = math.tanh %d : f32
         %m = arith.mulf %t, %c : f32
         attn.yield %m : f32
       } mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %w = arith.constant 3 : index
         %d = arith.subi %i, %j : index
         %keep = arith.cmpi slt, %d, %w : index
         attn.yield %keep : i1
       } -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}
