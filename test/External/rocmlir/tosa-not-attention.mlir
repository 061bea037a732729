// What rocMLIR's TOSA-to-rock attention matcher raises to rock.attention but
// is not softmax(scale·Q·Kᵀ + mask)·V, so --attn-fuse must leave it alone.
// Modelled on ROCm/rocMLIR mlir/test/Conversion/TosaToRock/tosa-to-rock-attention.mlir:
//  - @softmax_over_query_axis (@self_attention_with_scale_and_bias there):
//    on [1, Sq, Sk] scores the reductions run on axis 1, the query axis,
//    while P·V contracts the key axis; the scale is a per-element tensor;
//  - @elementwise_scale_tensor (@self_attention_with_4d_scale): a
//    [1, H, S, S] tensor multiplies the scores (not a constant scale);
//  - @exp_before_softmax (@self_attention_with_scale_bias_exp): softmax of
//    exp(scores).
// Shapes reduced, TOSA 1.0 syntax.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RECALL: @softmax_over_query_axis 0
// RECALL: @elementwise_scale_tensor 0
// RECALL: @exp_before_softmax 0

// CHECK-NOT: attn.attention

func.func @softmax_over_query_axis(%arg0: tensor<1x8x4xf32>, %arg1: tensor<1x8x4xf32>, %arg2: tensor<1x8x4xf32>, %arg3: tensor<1x8x8xf32>, %arg4: tensor<1x8x8xf32>) -> tensor<1x8x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.transpose %arg1 {perms = array<i32: 0, 2, 1>} : (tensor<1x8x4xf32>) -> tensor<1x4x8xf32>
  %1 = tosa.matmul %arg0, %0, %zp, %zp : (tensor<1x8x4xf32>, tensor<1x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8xf32>
  %2 = tosa.mul %1, %arg3, %shift : (tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1xi8>) -> tensor<1x8x8xf32>
  %3 = tosa.add %2, %arg4 : (tensor<1x8x8xf32>, tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %4 = tosa.reduce_max %3 {axis = 1 : i32} : (tensor<1x8x8xf32>) -> tensor<1x1x8xf32>
  %5 = tosa.sub %3, %4 : (tensor<1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x8x8xf32>
  %6 = tosa.exp %5 : (tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %7 = tosa.reduce_sum %6 {axis = 1 : i32} : (tensor<1x8x8xf32>) -> tensor<1x1x8xf32>
  %8 = tosa.reciprocal %7 : (tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
  %9 = tosa.mul %6, %8, %shift : (tensor<1x8x8xf32>, tensor<1x1x8xf32>, tensor<1xi8>) -> tensor<1x8x8xf32>
  // expected-remark @below {{not fused: softmax normalises over the query axis, not the key axis}}
  %10 = tosa.matmul %9, %arg2, %zp, %zp : (tensor<1x8x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x4xf32>
  return %10 : tensor<1x8x4xf32>
}

func.func @elementwise_scale_tensor(%arg0: tensor<1x2x8x4xf32>, %arg1: tensor<1x2x8x8xf32>, %arg2: tensor<1x2x8x4xf32>, %arg3: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s3 = tosa.const_shape {values = dense<[2, 8, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3p = tosa.const_shape {values = dense<[2, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s4 = tosa.const_shape {values = dense<[1, 2, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s4o = tosa.const_shape {values = dense<[1, 2, 8, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = tosa.transpose %arg3 {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x2x8x4xf32>) -> tensor<1x2x4x8xf32>
  %s3k = tosa.const_shape {values = dense<[2, 4, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %collapsed = tosa.reshape %arg2, %s3 : (tensor<1x2x8x4xf32>, !tosa.shape<3>) -> tensor<2x8x4xf32>
  %collapsed_0 = tosa.reshape %0, %s3k : (tensor<1x2x4x8xf32>, !tosa.shape<3>) -> tensor<2x4x8xf32>
  %1 = tosa.matmul %collapsed, %collapsed_0, %zp, %zp : (tensor<2x8x4xf32>, tensor<2x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x8xf32>
  %expanded = tosa.reshape %1, %s4 : (tensor<2x8x8xf32>, !tosa.shape<4>) -> tensor<1x2x8x8xf32>
  %2 = tosa.mul %expanded, %arg1, %shift : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1xi8>) -> tensor<1x2x8x8xf32>
  %3 = tosa.reduce_max %2 {axis = 3 : i32} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %4 = tosa.sub %2, %3 : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x8xf32>
  %5 = tosa.exp %4 : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %6 = tosa.reduce_sum %5 {axis = 3 : i32} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %7 = tosa.reciprocal %6 : (tensor<1x2x8x1xf32>) -> tensor<1x2x8x1xf32>
  %8 = tosa.mul %5, %7, %shift : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>, tensor<1xi8>) -> tensor<1x2x8x8xf32>
  %collapsed_1 = tosa.reshape %8, %s3p : (tensor<1x2x8x8xf32>, !tosa.shape<3>) -> tensor<2x8x8xf32>
  %collapsed_2 = tosa.reshape %arg0, %s3 : (tensor<1x2x8x4xf32>, !tosa.shape<3>) -> tensor<2x8x4xf32>
  // expected-remark @below {{not fused: the scores are multiplied by a tensor, not by a constant scale}}
  %9 = tosa.matmul %collapsed_1, %collapsed_2, %zp, %zp : (tensor<2x8x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x4xf32>
  %expanded_3 = tosa.reshape %9, %s4o : (tensor<2x8x4xf32>, !tosa.shape<4>) -> tensor<1x2x8x4xf32>
  return %expanded_3 : tensor<1x2x8x4xf32>
}

func.func @exp_before_softmax(%arg0: tensor<1x8x4xf32>, %arg1: tensor<1x8x4xf32>, %arg2: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.transpose %arg1 {perms = array<i32: 0, 2, 1>} : (tensor<1x8x4xf32>) -> tensor<1x4x8xf32>
  %1 = tosa.matmul %arg0, %0, %zp, %zp : (tensor<1x8x4xf32>, tensor<1x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8xf32>
  %exp = tosa.exp %1 : (tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %4 = tosa.reduce_max %exp {axis = 2 : i32} : (tensor<1x8x8xf32>) -> tensor<1x8x1xf32>
  %5 = tosa.sub %exp, %4 : (tensor<1x8x8xf32>, tensor<1x8x1xf32>) -> tensor<1x8x8xf32>
  %6 = tosa.exp %5 : (tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
  %7 = tosa.reduce_sum %6 {axis = 2 : i32} : (tensor<1x8x8xf32>) -> tensor<1x8x1xf32>
  %8 = tosa.reciprocal %7 : (tensor<1x8x1xf32>) -> tensor<1x8x1xf32>
  %9 = tosa.mul %6, %8, %shift : (tensor<1x8x8xf32>, tensor<1x8x1xf32>, tensor<1xi8>) -> tensor<1x8x8xf32>
  // expected-remark @below {{not fused: the softmax input is a non-linear function of Q·Kᵀ}}
  %10 = tosa.matmul %9, %arg2, %zp, %zp : (tensor<1x8x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x4xf32>
  return %10 : tensor<1x8x4xf32>
}
