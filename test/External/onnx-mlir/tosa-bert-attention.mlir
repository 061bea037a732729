// Modelled on onnx/onnx-mlir src/Conversion/ONNXToTOSA (Math/Softmax.cpp:
// opset-13 Softmax is reduce_max / sub / exp / reduce_sum / reciprocal / mul
// on the axis; Math/Elementwise.cpp: a float Div is reciprocal then mul;
// MatMul on 4-D operands is reshaped to tosa.matmul's rank 3) applied to the
// self-attention of a BERT exported to ONNX: the projected q/k/v [B, S, H·D]
// are Reshape'd to [B, S, H, D] and Transpose'd ([0, 2, 1, 3], k to
// [0, 2, 3, 1]), the scores divided by sqrt(D), the [B, 1, 1, S] extended
// attention mask added, P·V transposed back and reshaped to [B, S, H·D].
// B=2, S=8, H=2, D=4.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --mask additive --split-heads 2 --query-perm 0,2,1,3 \
// RUN:   --key-perm 0,2,1,3 --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --mask additive --split-heads 2 --query-perm 0,2,1,3 \
// RUN:   --key-perm 0,2,1,3 --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @main_graph 1

// CHECK-LABEL: func.func @main_graph(
// CHECK: attn.attention
// CHECK-SAME: mask(%arg3 : tensor<2x1x1x8xf32>)
// CHECK-SAME: scale(5.000000e-01)
// CHECK-NOT: tosa.
// CHECK: return

func.func @main_graph(%q: tensor<2x8x8xf32>, %k: tensor<2x8x8xf32>, %v: tensor<2x8x8xf32>, %mask: tensor<2x1x1x8xf32>) -> tensor<2x8x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s4 = tosa.const_shape {values = dense<[2, 8, 2, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s3q = tosa.const_shape {values = dense<[4, 8, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3k = tosa.const_shape {values = dense<[4, 4, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3p = tosa.const_shape {values = dense<[4, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s4s = tosa.const_shape {values = dense<[2, 2, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s4o = tosa.const_shape {values = dense<[2, 2, 8, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s3o = tosa.const_shape {values = dense<[2, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %0 = tosa.reshape %q, %s4 : (tensor<2x8x8xf32>, !tosa.shape<4>) -> tensor<2x8x2x4xf32>
  %1 = tosa.transpose %0 {perms = array<i32: 0, 2, 1, 3>} : (tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32>
  %2 = tosa.reshape %k, %s4 : (tensor<2x8x8xf32>, !tosa.shape<4>) -> tensor<2x8x2x4xf32>
  %3 = tosa.transpose %2 {perms = array<i32: 0, 2, 3, 1>} : (tensor<2x8x2x4xf32>) -> tensor<2x2x4x8xf32>
  %4 = tosa.reshape %v, %s4 : (tensor<2x8x8xf32>, !tosa.shape<4>) -> tensor<2x8x2x4xf32>
  %5 = tosa.transpose %4 {perms = array<i32: 0, 2, 1, 3>} : (tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32>
  // MatMul(q, kᵀ) on rank 4
  %6 = tosa.reshape %1, %s3q : (tensor<2x2x8x4xf32>, !tosa.shape<3>) -> tensor<4x8x4xf32>
  %7 = tosa.reshape %3, %s3k : (tensor<2x2x4x8xf32>, !tosa.shape<3>) -> tensor<4x4x8xf32>
  %8 = tosa.matmul %6, %7, %zp, %zp : (tensor<4x8x4xf32>, tensor<4x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %9 = tosa.reshape %8, %s4s : (tensor<4x8x8xf32>, !tosa.shape<4>) -> tensor<2x2x8x8xf32>
  // Div(scores, sqrt(D)) = scores * reciprocal(2)
  %c2 = "tosa.const"() <{values = dense<2.000000e+00> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %10 = tosa.reciprocal %c2 : (tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %11 = tosa.mul %9, %10, %shift : (tensor<2x2x8x8xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<2x2x8x8xf32>
  %12 = tosa.add %11, %mask : (tensor<2x2x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x2x8x8xf32>
  // Softmax(axis = -1)
  %13 = tosa.reduce_max %12 {axis = 3 : i32} : (tensor<2x2x8x8xf32>) -> tensor<2x2x8x1xf32>
  %14 = tosa.sub %12, %13 : (tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) -> tensor<2x2x8x8xf32>
  %15 = tosa.exp %14 : (tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %16 = tosa.reduce_sum %15 {axis = 3 : i32} : (tensor<2x2x8x8xf32>) -> tensor<2x2x8x1xf32>
  %17 = tosa.reciprocal %16 : (tensor<2x2x8x1xf32>) -> tensor<2x2x8x1xf32>
  %18 = tosa.mul %15, %17, %shift : (tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>, tensor<1xi8>) -> tensor<2x2x8x8xf32>
  // MatMul(p, v)
  %19 = tosa.reshape %18, %s3p : (tensor<2x2x8x8xf32>, !tosa.shape<3>) -> tensor<4x8x8xf32>
  %20 = tosa.reshape %5, %s3q : (tensor<2x2x8x4xf32>, !tosa.shape<3>) -> tensor<4x8x4xf32>
  // expected-remark @below {{fused attention: mask, scale 0.5}}
  %21 = tosa.matmul %19, %20, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x4xf32>
  %22 = tosa.reshape %21, %s4o : (tensor<4x8x4xf32>, !tosa.shape<4>) -> tensor<2x2x8x4xf32>
  %23 = tosa.transpose %22 {perms = array<i32: 0, 2, 1, 3>} : (tensor<2x2x8x4xf32>) -> tensor<2x8x2x4xf32>
  %24 = tosa.reshape %23, %s3o : (tensor<2x8x2x4xf32>, !tosa.shape<3>) -> tensor<2x8x8xf32>
  return %24 : tensor<2x8x8xf32>
}
