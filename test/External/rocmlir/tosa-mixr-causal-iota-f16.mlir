// Modelled on ROCm/rocMLIR mlir/test/fusion/pr-e2e/attention/mixr-attention-causal.mlir,
// written in the TOSA that rocMLIR's MIGraphX front end lowers such programs
// to: f16 attention whose query is a slice of a packed QKV tensor, K
// transposed, the scores scaled by a literal, and a causal mask built from
// constants rather than indices: a key-position literal [0, 1, ..., Sk-1]
// compared (greater) with a query-position literal [0, ..., Sq-1] broadcast
// against it, the scores replaced by -inf where the key is later (where);
// P·V, then the heads transposed and reshaped to [1, Sq, H·D].
// Sq=2 queries, Sk=8 keys (top-left causal), H=2, D=4.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --causal top_left --query-slice :,0:2,:,: \
// RUN:   --split-heads 2 --output-perm 0,2,1,3 --tol 2e-2 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --causal top_left --query-slice :,0:2,:,: \
// RUN:   --split-heads 2 --output-perm 0,2,1,3 --tol 2e-2 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused --tol 2e-2 | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @mlir_attention 1

// CHECK-LABEL: func.func @mlir_attention(
// CHECK: attn.attention
// CHECK-SAME: causal<top_left>
// CHECK: return

func.func @mlir_attention(%arg0: tensor<1x6x2x4xf16>, %arg1: tensor<1x2x8x4xf16>, %arg2: tensor<1x2x8x4xf16>) -> tensor<1x2x8xf16> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf16>}> : () -> tensor<1xf16>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %qpos = "tosa.const"() <{values = dense<[[0], [1]]> : tensor<2x1xi32>}> : () -> tensor<2x1xi32>
  %scale = "tosa.const"() <{values = dense<5.000000e-01> : tensor<1x1x1x1xf16>}> : () -> tensor<1x1x1x1xf16>
  %ninf = "tosa.const"() <{values = dense<0xFC00> : tensor<1x1x1x1xf16>}> : () -> tensor<1x1x1x1xf16>
  %kpos = "tosa.const"() <{values = dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xi32>}> : () -> tensor<8xi32>
  %start = tosa.const_shape {values = dense<[0, 0, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %size = tosa.const_shape {values = dense<[1, 2, 2, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %q = tosa.slice %arg0, %start, %size : (tensor<1x6x2x4xf16>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x2x2x4xf16>
  %kt = tosa.transpose %arg1 {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x2x8x4xf16>) -> tensor<1x2x4x8xf16>
  %s3q = tosa.const_shape {values = dense<[2, 2, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3k = tosa.const_shape {values = dense<[2, 4, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s4s = tosa.const_shape {values = dense<[1, 2, 2, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %q3 = tosa.reshape %q, %s3q : (tensor<1x2x2x4xf16>, !tosa.shape<3>) -> tensor<2x2x4xf16>
  %k3 = tosa.reshape %kt, %s3k : (tensor<1x2x4x8xf16>, !tosa.shape<3>) -> tensor<2x4x8xf16>
  %s3 = tosa.matmul %q3, %k3, %zp, %zp : (tensor<2x2x4xf16>, tensor<2x4x8xf16>, tensor<1xf16>, tensor<1xf16>) -> tensor<2x2x8xf16>
  %s = tosa.reshape %s3, %s4s : (tensor<2x2x8xf16>, !tosa.shape<4>) -> tensor<1x2x2x8xf16>
  %fused = tosa.mul %s, %scale, %shift : (tensor<1x2x2x8xf16>, tensor<1x1x1x1xf16>, tensor<1xi8>) -> tensor<1x2x2x8xf16>
  // greater(key position, query position), broadcast to the scores
  %s2 = tosa.const_shape {values = dense<[1, 1, 2, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s1 = tosa.const_shape {values = dense<[1, 1, 1, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %qp4 = tosa.reshape %qpos, %s2 : (tensor<2x1xi32>, !tosa.shape<4>) -> tensor<1x1x2x1xi32>
  %kp4 = tosa.reshape %kpos, %s1 : (tensor<8xi32>, !tosa.shape<4>) -> tensor<1x1x1x8xi32>
  %later = tosa.greater %kp4, %qp4 : (tensor<1x1x1x8xi32>, tensor<1x1x2x1xi32>) -> tensor<1x1x2x8xi1>
  %w = tosa.select %later, %ninf, %fused : (tensor<1x1x2x8xi1>, tensor<1x1x1x1xf16>, tensor<1x2x2x8xf16>) -> tensor<1x2x2x8xf16>
  // softmax(axis = 3)
  %mx = tosa.reduce_max %w {axis = 3 : i32} : (tensor<1x2x2x8xf16>) -> tensor<1x2x2x1xf16>
  %d = tosa.sub %w, %mx : (tensor<1x2x2x8xf16>, tensor<1x2x2x1xf16>) -> tensor<1x2x2x8xf16>
  %e = tosa.exp %d : (tensor<1x2x2x8xf16>) -> tensor<1x2x2x8xf16>
  %su = tosa.reduce_sum %e {axis = 3 : i32} : (tensor<1x2x2x8xf16>) -> tensor<1x2x2x1xf16>
  %rc = tosa.reciprocal %su : (tensor<1x2x2x1xf16>) -> tensor<1x2x2x1xf16>
  %p = tosa.mul %e, %rc, %shift : (tensor<1x2x2x8xf16>, tensor<1x2x2x1xf16>, tensor<1xi8>) -> tensor<1x2x2x8xf16>
  %s3p = tosa.const_shape {values = dense<[2, 2, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3v = tosa.const_shape {values = dense<[2, 8, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %p3 = tosa.reshape %p, %s3p : (tensor<1x2x2x8xf16>, !tosa.shape<3>) -> tensor<2x2x8xf16>
  %v3 = tosa.reshape %arg2, %s3v : (tensor<1x2x8x4xf16>, !tosa.shape<3>) -> tensor<2x8x4xf16>
  // expected-remark @below {{fused attention: causal, scale 0.5}}
  %o3 = tosa.matmul %p3, %v3, %zp, %zp : (tensor<2x2x8xf16>, tensor<2x8x4xf16>, tensor<1xf16>, tensor<1xf16>) -> tensor<2x2x4xf16>
  %s4o = tosa.const_shape {values = dense<[1, 2, 2, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %o4 = tosa.reshape %o3, %s4o : (tensor<2x2x4xf16>, !tosa.shape<4>) -> tensor<1x2x2x4xf16>
  %ot = tosa.transpose %o4 {perms = array<i32: 0, 2, 1, 3>} : (tensor<1x2x2x4xf16>) -> tensor<1x2x2x4xf16>
  %s3o = tosa.const_shape {values = dense<[1, 2, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %o = tosa.reshape %ot, %s3o : (tensor<1x2x2x4xf16>, !tosa.shape<3>) -> tensor<1x2x8xf16>
  return %o : tensor<1x2x8xf16>
}
