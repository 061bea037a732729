// Modelled on ROCm/rocMLIR mlir/test/Conversion/TosaToRock/tosa-to-rock-attention.mlir
// (@self_attention_with_reshapes): the TOSA that rocMLIR's MIGraphX front end
// produces for attention on [1, H, S, D] heads, K already stored transposed
// [1, H, D, S]. Heads are collapsed into tosa.matmul's batch, the scores
// expanded back for the softmax (reduce_max / sub / exp / reduce_sum /
// reciprocal / mul on axis 3), collapsed again for P·V. No scale.
// Written in TOSA 1.0 syntax (zero-point operands of tosa.matmul, the shift
// operand of tosa.mul, tosa.reshape with a shape operand).
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 1.0 --key-perm 0,1,3,2 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 1.0 --key-perm 0,1,3,2 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @self_attention_with_reshapes 1

// CHECK-LABEL: func.func @self_attention_with_reshapes(
// CHECK: attn.attention
// CHECK-SAME: scale(1.000000e+00)
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: tosa.
// CHECK: return

func.func @self_attention_with_reshapes(%arg0: tensor<1x2x8x4xf32>, %arg1: tensor<1x2x4x8xf32>, %arg2: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s_qv = tosa.const_shape {values = dense<[2, 8, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s_k = tosa.const_shape {values = dense<[2, 4, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s_p = tosa.const_shape {values = dense<[2, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s_s4 = tosa.const_shape {values = dense<[1, 2, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s_o4 = tosa.const_shape {values = dense<[1, 2, 8, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %collapsed = tosa.reshape %arg0, %s_qv : (tensor<1x2x8x4xf32>, !tosa.shape<3>) -> tensor<2x8x4xf32>
  %collapsed_0 = tosa.reshape %arg1, %s_k : (tensor<1x2x4x8xf32>, !tosa.shape<3>) -> tensor<2x4x8xf32>
  %0 = tosa.matmul %collapsed, %collapsed_0, %zp, %zp : (tensor<2x8x4xf32>, tensor<2x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x8xf32>
  %expanded = tosa.reshape %0, %s_s4 : (tensor<2x8x8xf32>, !tosa.shape<4>) -> tensor<1x2x8x8xf32>
  %1 = tosa.reduce_max %expanded {axis = 3 : i32} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %2 = tosa.sub %expanded, %1 : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x8xf32>
  %3 = tosa.exp %2 : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %4 = tosa.reduce_sum %3 {axis = 3 : i32} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x1xf32>
  %5 = tosa.reciprocal %4 : (tensor<1x2x8x1xf32>) -> tensor<1x2x8x1xf32>
  %6 = tosa.mul %3, %5, %shift : (tensor<1x2x8x8xf32>, tensor<1x2x8x1xf32>, tensor<1xi8>) -> tensor<1x2x8x8xf32>
  %collapsed_1 = tosa.reshape %6, %s_p : (tensor<1x2x8x8xf32>, !tosa.shape<3>) -> tensor<2x8x8xf32>
  %collapsed_2 = tosa.reshape %arg2, %s_qv : (tensor<1x2x8x4xf32>, !tosa.shape<3>) -> tensor<2x8x4xf32>
  // expected-remark @below {{fused attention: scale 1}}
  %7 = tosa.matmul %collapsed_1, %collapsed_2, %zp, %zp : (tensor<2x8x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x4xf32>
  %expanded_3 = tosa.reshape %7, %s_o4 : (tensor<2x8x4xf32>, !tosa.shape<4>) -> tensor<1x2x8x4xf32>
  return %expanded_3 : tensor<1x2x8x4xf32>
}
