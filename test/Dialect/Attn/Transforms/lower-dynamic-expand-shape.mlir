// RUN: attn-opt %s --attn-lower-dynamic-expand-shape -split-input-file -verify-diagnostics | FileCheck %s

// Two dynamic sizes in one group (what --expand-strided-metadata crashes on):
// a reinterpret_cast with row-major strides over the output sizes.
// CHECK-LABEL: func.func @two_dynamic_sizes_in_a_group
// CHECK-SAME: (%[[M:.*]]: memref<?x?xf32>, %[[B:.*]]: index, %[[H:.*]]: index, %[[N:.*]]: index)
// CHECK: %[[S0:.*]] = arith.muli %[[N]], %[[H]] : index
// CHECK: memref.reinterpret_cast %[[M]] to offset: [0], sizes: [%[[B]], %[[H]], %[[N]]], strides: [%[[S0]], %[[N]], 1]
// CHECK-NOT: memref.expand_shape
func.func @two_dynamic_sizes_in_a_group(%m: memref<?x?xf32>, %b: index, %h: index, %n: index) -> memref<?x?x?xf32> {
  %e = memref.expand_shape %m [[0], [1, 2]] output_shape [%b, %h, %n] : memref<?x?xf32> into memref<?x?x?xf32>
  return %e : memref<?x?x?xf32>
}

// -----

// Static inner sizes fold into static strides; the outer group still has two
// dynamic sizes.
// CHECK-LABEL: func.func @static_inner_sizes
// CHECK-SAME: (%[[M:.*]]: memref<?x5x7xf32>, %[[B:.*]]: index, %[[H:.*]]: index)
// CHECK: %[[C35:.*]] = arith.constant 35 : index
// CHECK: %[[S0:.*]] = arith.muli %[[H]], %[[C35]] : index
// CHECK: memref.reinterpret_cast %[[M]] to offset: [0], sizes: [%[[B]], %[[H]], 5, 7], strides: [%[[S0]], 35, 7, 1]
func.func @static_inner_sizes(%m: memref<?x5x7xf32>, %b: index, %h: index) -> memref<?x?x5x7xf32> {
  %e = memref.expand_shape %m [[0, 1], [2], [3]] output_shape [%b, %h, 5, 7] : memref<?x5x7xf32> into memref<?x?x5x7xf32>
  return %e : memref<?x?x5x7xf32>
}

// -----

// One dynamic size per group is left to --expand-strided-metadata.
// CHECK-LABEL: func.func @one_dynamic_size_per_group_is_kept
// CHECK: memref.expand_shape
// CHECK-NOT: memref.reinterpret_cast
func.func @one_dynamic_size_per_group_is_kept(%m: memref<?x64xf32>, %b: index) -> memref<?x4x16xf32> {
  %e = memref.expand_shape %m [[0], [1, 2]] output_shape [%b, 4, 16] : memref<?x64xf32> into memref<?x4x16xf32>
  return %e : memref<?x4x16xf32>
}

// -----

// A strided source cannot be re-described with row-major strides: a located
// error instead of the upstream crash.
func.func @strided_source_is_rejected(%m: memref<?x?xf32, strided<[?, 1], offset: ?>>, %b: index, %h: index, %n: index) -> memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>> {
  // expected-error @below {{with several dynamic sizes in one reassociation group of a non-contiguous source is not supported}}
  %e = memref.expand_shape %m [[0], [1, 2]] output_shape [%b, %h, %n] : memref<?x?xf32, strided<[?, 1], offset: ?>> into memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
  return %e : memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
}
