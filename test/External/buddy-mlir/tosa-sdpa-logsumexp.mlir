// Modelled on buddy-compiler/buddy-mlir frontend/Python/ops/tosa.py
// (scaled_dot_product_flash_attention_for_cpu_op): buddy's import of
// torch's _scaled_dot_product_flash_attention_for_cpu into TOSA mixed with
// linalg and math. Q and K are reshaped to [B·H, S, D] and multiplied by a
// batch_matmul with K transposed in its indexing maps (buddy emits
// linalg.batch_matmul_transpose_b, spelled with indexing_maps since LLVM 21)
// into a zero constant; the scores are multiplied by a tensor.splat of the
// scale and an attention bias (a zero splat plus the user's [L, S] mask) is
// added; the softmax is written as exp(s - (max + log(sum(exp(s - max))))),
// the log-sum-exp form, with math.exp applied to whole tensors. P·V is a
// tosa.matmul, reshaped back to [B, H, L, Dv]. B=1, H=2, L=S=8, D=8.
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %attn-check reference %t.unfused --scale 0.35355339 --mask additive | FileCheck %s --check-prefix=REF
// RUN: %attn-check reference %t.fused --scale 0.35355339 --mask additive | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @forward 1

// CHECK-LABEL: func.func @forward(
// CHECK: attn.attention ins({{.*}}) mask({{.*}} : tensor<8x8xf32>)
// CHECK-SAME: scale(0.353553
// CHECK-NOT: math.exp
// CHECK: return

func.func @forward(%query: tensor<1x2x8x8xf32>, %key: tensor<1x2x8x8xf32>, %value: tensor<1x2x8x8xf32>, %attn_mask: tensor<8x8xf32>) -> tensor<1x2x8x8xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %attn_bias0 = tensor.splat %zero : tensor<8x8xf32>
  %attn_bias = tosa.add %attn_bias0, %attn_mask : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  %s3 = tosa.const_shape {values = dense<[2, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %q3 = tosa.reshape %query, %s3 : (tensor<1x2x8x8xf32>, !tosa.shape<3>) -> tensor<2x8x8xf32>
  %k3 = tosa.reshape %key, %s3 : (tensor<1x2x8x8xf32>, !tosa.shape<3>) -> tensor<2x8x8xf32>
  %buf = arith.constant dense<0.000000e+00> : tensor<2x8x8xf32>
  %qk = linalg.batch_matmul
      indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                       affine_map<(b, m, n, k) -> (b, n, k)>,
                       affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%q3, %k3 : tensor<2x8x8xf32>, tensor<2x8x8xf32>) outs(%buf : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %scale = arith.constant 0.353553385 : f32
  %scale_t = tensor.splat %scale : tensor<2x8x8xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %mul = tosa.mul %qk, %scale_t, %shift : (tensor<2x8x8xf32>, tensor<2x8x8xf32>, tensor<1xi8>) -> tensor<2x8x8xf32>
  %s13 = tosa.const_shape {values = dense<[1, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %bias3 = tosa.reshape %attn_bias, %s13 : (tensor<8x8xf32>, !tosa.shape<3>) -> tensor<1x8x8xf32>
  %add = tosa.add %mul, %bias3 : (tensor<2x8x8xf32>, tensor<1x8x8xf32>) -> tensor<2x8x8xf32>
  %max = tosa.reduce_max %add {axis = 2 : i32} : (tensor<2x8x8xf32>) -> tensor<2x8x1xf32>
  %sub = tosa.sub %add, %max : (tensor<2x8x8xf32>, tensor<2x8x1xf32>) -> tensor<2x8x8xf32>
  %exp = math.exp %sub : tensor<2x8x8xf32>
  %sum = tosa.reduce_sum %exp {axis = 2 : i32} : (tensor<2x8x8xf32>) -> tensor<2x8x1xf32>
  %log = tosa.log %sum : (tensor<2x8x1xf32>) -> tensor<2x8x1xf32>
  %lse = tosa.add %max, %log : (tensor<2x8x1xf32>, tensor<2x8x1xf32>) -> tensor<2x8x1xf32>
  %logw = tosa.sub %add, %lse : (tensor<2x8x8xf32>, tensor<2x8x1xf32>) -> tensor<2x8x8xf32>
  %softmax = math.exp %logw : tensor<2x8x8xf32>
  %v3 = tosa.reshape %value, %s3 : (tensor<1x2x8x8xf32>, !tosa.shape<3>) -> tensor<2x8x8xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  // expected-remark @below {{fused attention: mask, scale 0.353553}}
  %out = tosa.matmul %softmax, %v3, %zp, %zp : (tensor<2x8x8xf32>, tensor<2x8x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x8xf32>
  %s4 = tosa.const_shape {values = dense<[1, 2, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %res = tosa.reshape %out, %s4 : (tensor<2x8x8xf32>, !tosa.shape<4>) -> tensor<1x2x8x8xf32>
  return %res : tensor<1x2x8x8xf32>
}
