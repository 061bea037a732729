// RUN: attn-opt %s -split-input-file --attn-decompose | FileCheck %s

// score_mod is inlined on the scaled score at the generic's indices, before
// the masks; mask_mod selects -inf where it is false.
// CHECK-LABEL: func.func @softcap_window(
// CHECK-SAME: %{{.*}}: tensor<2x4x5x8xf32>, %{{.*}}: tensor<2x4x7x8xf32>, %{{.*}}: tensor<2x4x7x8xf32>, %{{.*}}: tensor<2x4x5x8xf32>, %[[M:.*]]: tensor<5x7xf32>)
// CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[CAP:.+]] = arith.constant 3.000000e+01 : f32
// CHECK-DAG: %[[W:.+]] = arith.constant 4 : index
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.*}}, %[[M]] : tensor<2x4x5x7xf32>, tensor<5x7xf32>)
// CHECK-NEXT: ^bb0(%[[SE:.+]]: f32, %[[ME:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[SE]], %{{.+}} : f32
// CHECK-NEXT: %[[I:.+]] = linalg.index 2
// CHECK-NEXT: %[[J:.+]] = linalg.index 3
// CHECK: %[[D:.+]] = arith.divf %[[X]], %[[CAP]]
// CHECK-NEXT: %[[T:.+]] = math.tanh %[[D]]
// CHECK-NEXT: %[[C:.+]] = arith.mulf %[[T]], %[[CAP]]
// CHECK-NEXT: %[[A:.+]] = arith.addf %[[C]], %[[ME]]
// CHECK-NEXT: %[[DIFF:.+]] = arith.subi %[[I]], %[[J]]
// CHECK-NEXT: %[[KEEP:.+]] = arith.cmpi slt, %[[DIFF]], %[[W]]
// CHECK-NEXT: %[[R:.+]] = arith.select %[[KEEP]], %[[A]], %[[NEGINF]]
// CHECK-NEXT: linalg.yield %[[R]]
func.func @softcap_window(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>,
    %v: tensor<2x4x7x8xf32>, %init: tensor<2x4x5x8xf32>, %m: tensor<5x7xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         mask(%m : tensor<5x7xf32>) outs(%init : tensor<2x4x5x8xf32>) scale(0.125)
       score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %c = arith.constant 30.0 : f32
         %d = arith.divf %s, %c : f32
         %t = math.tanh %d : f32
         %r = arith.mulf %t, %c : f32
         attn.yield %r : f32
       } mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %w = arith.constant 4 : index
         %d = arith.subi %i, %j : index
         %keep = arith.cmpi slt, %d, %w : index
         attn.yield %keep : i1
       } -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// Sinks: the row max includes sink[h], the sum adds exp(sink[h] - max)
// (0 for a max of -inf).
// CHECK-DAG: #[[$ROWS:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$HEAD:.+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @sinks(
// CHECK-SAME: %[[SINKS:[a-z0-9]+]]: tensor<4xf32>
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<2x4x5xf32>)
// CHECK: %[[MAX2:.+]] = linalg.generic {indexing_maps = [#[[$ROWS]], #[[$HEAD]], #[[$ROWS]]], {{.*}} ins(%[[MAX]], %[[SINKS]] : tensor<2x4x5xf32>, tensor<4xf32>) outs(%[[MAX]] : tensor<2x4x5xf32>)
// CHECK-NEXT: ^bb0(%[[A:.+]]: f32, %[[B:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: arith.maximumf %[[A]], %[[B]]
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<2x4x5xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$ROWS]], #[[$HEAD]], #[[$ROWS]], #[[$ROWS]]], {{.*}} ins(%[[SUM]], %[[SINKS]], %[[MAX2]] : tensor<2x4x5xf32>, tensor<4xf32>, tensor<2x4x5xf32>) outs(%[[SUM]] : tensor<2x4x5xf32>)
// CHECK-NEXT: ^bb0(%[[L:.+]]: f32, %[[S:.+]]: f32, %[[MM:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[NONE:.+]] = arith.cmpf oeq, %[[MM]]
// CHECK: %[[DS:.+]] = arith.subf %[[S]], %[[MM]]
// CHECK-NEXT: %[[E:.+]] = math.exp %[[DS]]
// CHECK-NEXT: %[[G:.+]] = arith.select %[[NONE]], %{{.+}}, %[[E]]
// CHECK-NEXT: arith.addf %[[L]], %[[G]]
func.func @sinks(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>,
    %v: tensor<2x4x7x8xf32>, %init: tensor<2x4x5x8xf32>, %sinks: tensor<4xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         sinks(%sinks : tensor<4xf32>) outs(%init : tensor<2x4x5x8xf32>) scale(0.125) -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}
