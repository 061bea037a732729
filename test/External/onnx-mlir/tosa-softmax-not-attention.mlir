// Softmax spellings of onnx/onnx-mlir's ONNX-to-TOSA lowering that are not
// the key-axis softmax of attention, in front of a P·V MatMul:
//  - @softmax_v11_two_axes: opset-11 Softmax(axis = 2) on [B, H, S, S]
//    reduces the axis and every following one (computeReduction for
//    ONNXSoftmaxV11Op in src/Conversion/ONNXToTOSA/Math/Softmax.cpp): the
//    normalisation runs over queries and keys together;
//  - @softmax_without_max: the earlier lowering of Softmax,
//    exp(x) / reduce_sum(exp(x)) (test/mlir/conversion/onnx_to_tosa/Math/
//    Softmax.mlir: exp, reduce_sum, reciprocal, mul), overflows where
//    attn.attention does not, so the results would differ.
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RECALL: @softmax_v11_two_axes 0
// RECALL: @softmax_without_max 0

// CHECK-NOT: attn.attention

func.func @softmax_v11_two_axes(%s: tensor<1x2x8x8xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s3 = tosa.const_shape {values = dense<[2, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %m2 = tosa.reduce_max %s {axis = 2 : i32} : (tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32>
  %m3 = tosa.reduce_max %m2 {axis = 3 : i32} : (tensor<1x2x1x8xf32>) -> tensor<1x2x1x1xf32>
  %d = tosa.sub %s, %m3 : (tensor<1x2x8x8xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x8x8xf32>
  %e = tosa.exp %d : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %r2 = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32>
  %r3 = tosa.reduce_sum %r2 {axis = 3 : i32} : (tensor<1x2x1x8xf32>) -> tensor<1x2x1x1xf32>
  %rc = tosa.reciprocal %r3 : (tensor<1x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  %p = tosa.mul %e, %rc, %shift : (tensor<1x2x8x8xf32>, tensor<1x2x1x1xf32>, tensor<1xi8>) -> tensor<1x2x8x8xf32>
  %p3 = tosa.reshape %p, %s3 : (tensor<1x2x8x8xf32>, !tosa.shape<3>) -> tensor<2x8x8xf32>
  // expected-remark @below {{not fused: softmax normalises over several axes at once}}
  %o = tosa.matmul %p3, %v, %zp, %zp : (tensor<2x8x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}

func.func @softmax_without_max(%q: tensor<2x8x4xf32>, %kt: tensor<2x4x8xf32>, %v: tensor<2x8x4xf32>) -> tensor<2x8x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x8x4xf32>, tensor<2x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x8xf32>
  %e = tosa.exp %s : (tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %r = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<2x8x8xf32>) -> tensor<2x8x1xf32>
  %rc = tosa.reciprocal %r : (tensor<2x8x1xf32>) -> tensor<2x8x1xf32>
  %p = tosa.mul %e, %rc, %shift : (tensor<2x8x8xf32>, tensor<2x8x1xf32>, tensor<1xi8>) -> tensor<2x8x8xf32>
  // expected-remark @below {{not fused: the exponent does not subtract the row maximum (exp may overflow where the fused op would not)}}
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<2x8x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x4xf32>
  return %o : tensor<2x8x4xf32>
}
