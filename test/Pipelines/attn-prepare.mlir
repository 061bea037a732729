// --attn-prepare: upstream normalisation before --attn-fuse.
// RUN: attn-opt %s --attn-prepare -split-input-file | FileCheck %s
// RUN: attn-opt %s --attn-prepare="fold-unit-dims=true" -split-input-file | FileCheck %s --check-prefix=FOLD
// RUN: attn-opt %s --attn-prepare="tosa=false" -split-input-file | FileCheck %s --check-prefix=NOTOSA

// TOSA becomes linalg, tensor reshapes and arith constants.
// CHECK-LABEL: func.func @tosa_softmax
// CHECK-NOT: tosa.
// CHECK: linalg.batch_matmul
// CHECK: tensor.expand_shape
// CHECK: linalg.reduce
// CHECK: math.exp
// CHECK-NOT: tosa.
// CHECK: return
// NOTOSA-LABEL: func.func @tosa_softmax
// NOTOSA: tosa.matmul
func.func @tosa_softmax(%a: tensor<2x8x4xf32>, %b: tensor<2x4x8xf32>) -> tensor<1x2x8x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s4 = tosa.const_shape {values = dense<[1, 2, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %m = tosa.matmul %a, %b, %zp, %zp : (tensor<2x8x4xf32>, tensor<2x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x8xf32>
  %r = tosa.reshape %m, %s4 : (tensor<2x8x8xf32>, !tosa.shape<4>) -> tensor<1x2x8x8xf32>
  %mx = tosa.reduce_max %r {axis = 3 : i32} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %d = tosa.sub %r, %mx : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x8xf32>
  %e = tosa.exp %d : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %e : tensor<1x2x8x8xf32>
}

// -----

// Math on whole tensors (buddy-mlir) becomes an elementwise generic.
// CHECK-LABEL: func.func @tensor_math
// CHECK: linalg.generic
// CHECK: math.exp %{{.*}} : f32
func.func @tensor_math(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = math.exp %x : tensor<4x8xf32>
  return %e : tensor<4x8xf32>
}

// -----

// Unit dims stay unless asked for: a unit batch read by a generic.
// CHECK-LABEL: func.func @unit_batch
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x8x8xf32>)
// FOLD-LABEL: func.func @unit_batch
// FOLD: tensor.collapse_shape
// FOLD: linalg.generic {{.*}} ins(%{{.*}} : tensor<8x8xf32>)
func.func @unit_batch(%x: tensor<1x8x8xf32>) -> tensor<1x8x8xf32> {
  %e = tensor.empty() : tensor<1x8x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x8xf32>) outs(%e : tensor<1x8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = math.exp %a : f32
    linalg.yield %y : f32
  } -> tensor<1x8x8xf32>
  return %r : tensor<1x8x8xf32>
}
