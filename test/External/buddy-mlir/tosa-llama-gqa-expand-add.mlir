// Modelled on buddy-compiler/buddy-mlir frontend/Python/ops/tosa.py as used
// by examples/BuddyLlama: grouped-query attention as TOSA. repeat_kv is
// unsqueeze (tosa.reshape) + expand, which buddy imports as a tosa.add with
// an all-zero tensor of the expanded shape (expand_op: "the broadcast
// mechanism of TOSA add"), then a reshape to [B, Hq, S, D]; the heads are
// collapsed for tosa.matmul (bmm), Kᵀ by tosa.transpose; scores are
// multiplied by 1/sqrt(D) and the causal mask, an additive [1, 1, S, S]
// input, is added; softmax is reduce_max / sub / exp / reduce_sum /
// reciprocal / mul. Hq=4, Hkv=2 (groups of 2), S=8, D=8.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.35355339 --mask additive | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.35355339 --mask additive | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @gqa 1

// CHECK-LABEL: func.func @gqa(
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x8x8xf32>, %[[K:.*]]: tensor<1x2x8x8xf32>, %[[V:.*]]: tensor<1x2x8x8xf32>, %[[M:.*]]: tensor<1x1x8x8xf32>
// CHECK: attn.attention ins(%[[Q]], %[[K]], %[[V]] : tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) mask(%[[M]] : tensor<1x1x8x8xf32>)
// CHECK-SAME: scale(0.353553
// CHECK: return

func.func @gqa(%q: tensor<1x4x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>, %mask: tensor<1x1x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %s5 = tosa.const_shape {values = dense<[1, 2, 1, 8, 8]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %s4 = tosa.const_shape {values = dense<[1, 4, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s3 = tosa.const_shape {values = dense<[4, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  // repeat_kv(k, 2): unsqueeze, expand (add zeros), reshape
  %ku = tosa.reshape %k, %s5 : (tensor<1x2x8x8xf32>, !tosa.shape<5>) -> tensor<1x2x1x8x8xf32>
  %zeros = "tosa.const"() <{values = dense<0.0> : tensor<1x2x2x8x8xf32>}> : () -> tensor<1x2x2x8x8xf32>
  %ke = tosa.add %ku, %zeros : (tensor<1x2x1x8x8xf32>, tensor<1x2x2x8x8xf32>) -> tensor<1x2x2x8x8xf32>
  %kr = tosa.reshape %ke, %s4 : (tensor<1x2x2x8x8xf32>, !tosa.shape<4>) -> tensor<1x4x8x8xf32>
  %vu = tosa.reshape %v, %s5 : (tensor<1x2x8x8xf32>, !tosa.shape<5>) -> tensor<1x2x1x8x8xf32>
  %ve = tosa.add %vu, %zeros : (tensor<1x2x1x8x8xf32>, tensor<1x2x2x8x8xf32>) -> tensor<1x2x2x8x8xf32>
  %vr = tosa.reshape %ve, %s4 : (tensor<1x2x2x8x8xf32>, !tosa.shape<4>) -> tensor<1x4x8x8xf32>
  // scores = q @ k.transpose(2, 3) / sqrt(8)
  %kt = tosa.transpose %kr {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %q3 = tosa.reshape %q, %s3 : (tensor<1x4x8x8xf32>, !tosa.shape<3>) -> tensor<4x8x8xf32>
  %kt3 = tosa.reshape %kt, %s3 : (tensor<1x4x8x8xf32>, !tosa.shape<3>) -> tensor<4x8x8xf32>
  %s = tosa.matmul %q3, %kt3, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %s4d = tosa.reshape %s, %s4 : (tensor<4x8x8xf32>, !tosa.shape<4>) -> tensor<1x4x8x8xf32>
  %c = "tosa.const"() <{values = dense<0.353553385> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %sc = tosa.mul %s4d, %c, %shift : (tensor<1x4x8x8xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x4x8x8xf32>
  %sm = tosa.add %sc, %mask : (tensor<1x4x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x4x8x8xf32>
  %mx = tosa.reduce_max %sm {axis = 3 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x1xf32>
  %d = tosa.sub %sm, %mx : (tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>) -> tensor<1x4x8x8xf32>
  %e = tosa.exp %d : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %su = tosa.reduce_sum %e {axis = 3 : i32} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x1xf32>
  %r = tosa.reciprocal %su : (tensor<1x4x8x1xf32>) -> tensor<1x4x8x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x4x8x8xf32>, tensor<1x4x8x1xf32>, tensor<1xi8>) -> tensor<1x4x8x8xf32>
  %p3 = tosa.reshape %p, %s3 : (tensor<1x4x8x8xf32>, !tosa.shape<3>) -> tensor<4x8x8xf32>
  %v3 = tosa.reshape %vr, %s3 : (tensor<1x4x8x8xf32>, !tosa.shape<3>) -> tensor<4x8x8xf32>
  // expected-remark @below {{fused attention: mask, scale 0.353553, GQA 2}}
  %o = tosa.matmul %p3, %v3, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %o4 = tosa.reshape %o, %s4 : (tensor<4x8x8xf32>, !tosa.shape<4>) -> tensor<1x4x8x8xf32>
  return %o4 : tensor<1x4x8x8xf32>
}
