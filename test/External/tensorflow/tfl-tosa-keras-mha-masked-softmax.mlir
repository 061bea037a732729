// Modelled on keras-team/keras keras/src/layers/attention/multi_head_attention.py
// (_compute_attention: query = query * 1/sqrt(key_dim) on [B, S, H, D],
// einsum "aecd,abcd->acbe" for the scores, _masked_softmax over an
// attention mask expanded to [B, 1, S, S], einsum "acbe,aecd->abcd")
// and keras/src/layers/activations/softmax.py (the mask becomes the adder
// (1 - mask) * -1e9 added to the scores), converted by TFLite and legalised
// to TOSA by tensorflow/tensorflow tensorflow/compiler/mlir/tosa/transforms/
// legalize_common.cc (convertSoftmaxOp: exp(x - reduce_max(x)), reduce_sum,
// reciprocal, mul; einsums as transposes, reshapes and tosa.matmul).
// B=2, S=8, H=2, D=4; the mask is 0/1 (1 attends).
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s --kind 3=bool | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s --kind 3=bool | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.5 --mask bool --mask-slice :,None,:,: --query-perm 0,2,1,3 \
// RUN:   --key-perm 0,2,1,3 --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.5 --mask bool --mask-slice :,None,:,: --query-perm 0,2,1,3 \
// RUN:   --key-perm 0,2,1,3 --value-perm 0,2,1,3 --output-perm 0,2,1,3 | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @serving_default 1

// The adder is materialised as 1e9 * mask - 1e9 over the [B, 1, S, S] mask.
// CHECK-LABEL: func.func @serving_default(
// CHECK: %[[M:.*]] = linalg.generic
// CHECK: attn.attention ins({{.*}}) mask(%[[M]] : tensor<2x1x8x8xf32>)
// CHECK-SAME: scale(5.000000e-01)
// CHECK: return

func.func @serving_default(%q: tensor<2x8x2x4xf32>, %k: tensor<2x8x2x4xf32>, %v: tensor<2x8x2x4xf32>, %mask: tensor<2x8x8xf32>) -> tensor<2x8x2x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<5.000000e-01> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %one = "tosa.const"() <{values = dense<1.000000e+00> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %neg = "tosa.const"() <{values = dense<-1.000000e+09> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %s3q = tosa.const_shape {values = dense<[4, 8, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3k = tosa.const_shape {values = dense<[4, 4, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s3p = tosa.const_shape {values = dense<[4, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s4s = tosa.const_shape {values = dense<[2, 2, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s4o = tosa.const_shape {values = dense<[2, 2, 8, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s4m = tosa.const_shape {values = dense<[2, 1, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  // query = multiply(query, 1 / sqrt(key_dim))
  %qs = tosa.mul %q, %scale, %shift : (tensor<2x8x2x4xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<2x8x2x4xf32>
  // einsum "aecd,abcd->acbe"
  %qt = tosa.transpose %qs {perms = array<i32: 0, 2, 1, 3>} : (tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 3, 1>} : (tensor<2x8x2x4xf32>) -> tensor<2x2x4x8xf32>
  %q3 = tosa.reshape %qt, %s3q : (tensor<2x2x8x4xf32>, !tosa.shape<3>) -> tensor<4x8x4xf32>
  %k3 = tosa.reshape %kt, %s3k : (tensor<2x2x4x8xf32>, !tosa.shape<3>) -> tensor<4x4x8xf32>
  %s3 = tosa.matmul %q3, %k3, %zp, %zp : (tensor<4x8x4xf32>, tensor<4x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x8xf32>
  %s = tosa.reshape %s3, %s4s : (tensor<4x8x8xf32>, !tosa.shape<4>) -> tensor<2x2x8x8xf32>
  // _masked_softmax: expand_dims(mask, 1); adder = (1 - mask) * -1e9; scores += adder
  %m4 = tosa.reshape %mask, %s4m : (tensor<2x8x8xf32>, !tosa.shape<4>) -> tensor<2x1x8x8xf32>
  %inv = tosa.sub %one, %m4 : (tensor<1x1x1x1xf32>, tensor<2x1x8x8xf32>) -> tensor<2x1x8x8xf32>
  %adder = tosa.mul %inv, %neg, %shift : (tensor<2x1x8x8xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<2x1x8x8xf32>
  %sm = tosa.add %s, %adder : (tensor<2x2x8x8xf32>, tensor<2x1x8x8xf32>) -> tensor<2x2x8x8xf32>
  // softmax
  %mx = tosa.reduce_max %sm {axis = 3 : i32} : (tensor<2x2x8x8xf32>) -> tensor<2x2x8x1xf32>
  %d = tosa.sub %sm, %mx : (tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>) -> tensor<2x2x8x8xf32>
  %e = tosa.exp %d : (tensor<2x2x8x8xf32>) -> tensor<2x2x8x8xf32>
  %su = tosa.reduce_sum %e {axis = 3 : i32} : (tensor<2x2x8x8xf32>) -> tensor<2x2x8x1xf32>
  %rc = tosa.reciprocal %su : (tensor<2x2x8x1xf32>) -> tensor<2x2x8x1xf32>
  %p = tosa.mul %e, %rc, %shift : (tensor<2x2x8x8xf32>, tensor<2x2x8x1xf32>, tensor<1xi8>) -> tensor<2x2x8x8xf32>
  // einsum "acbe,aecd->abcd"
  %vt = tosa.transpose %v {perms = array<i32: 0, 2, 1, 3>} : (tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32>
  %p3 = tosa.reshape %p, %s3p : (tensor<2x2x8x8xf32>, !tosa.shape<3>) -> tensor<4x8x8xf32>
  %v3 = tosa.reshape %vt, %s3q : (tensor<2x2x8x4xf32>, !tosa.shape<3>) -> tensor<4x8x4xf32>
  // expected-remark @below {{fused attention: mask, scale 0.5}}
  %o3 = tosa.matmul %p3, %v3, %zp, %zp : (tensor<4x8x8xf32>, tensor<4x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<4x8x4xf32>
  %o4 = tosa.reshape %o3, %s4o : (tensor<4x8x4xf32>, !tosa.shape<4>) -> tensor<2x2x8x4xf32>
  %o = tosa.transpose %o4 {perms = array<i32: 0, 2, 1, 3>} : (tensor<2x2x8x4xf32>) -> tensor<2x8x2x4xf32>
  return %o : tensor<2x8x2x4xf32>
}
