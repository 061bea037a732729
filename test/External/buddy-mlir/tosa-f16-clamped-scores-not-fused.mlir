// buddy-compiler/buddy-mlir frontend/Python/ops/tosa.py
// (scaled_dot_product_flash_attention_for_cpu_op) clamps f16 scores to
// [-65504, 65504] with tosa.clamp before scaling. attn.attention accumulates
// the scores in f32 and does not saturate them, so a score beyond the f16
// range would differ: the clamp is the first obstacle. Not fused.
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RECALL: @forward_f16 0

// CHECK-LABEL: func.func @forward_f16(
// CHECK-NOT: attn.attention
// CHECK: return

func.func @forward_f16(%q: tensor<2x8x8xf16>, %k: tensor<2x8x8xf16>, %v: tensor<2x8x8xf16>) -> tensor<2x8x8xf16> {
  %buf = arith.constant dense<0.000000e+00> : tensor<2x8x8xf16>
  %qk = linalg.batch_matmul
      indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                       affine_map<(b, m, n, k) -> (b, n, k)>,
                       affine_map<(b, m, n, k) -> (b, m, n)>]
      ins(%q, %k : tensor<2x8x8xf16>, tensor<2x8x8xf16>) outs(%buf : tensor<2x8x8xf16>) -> tensor<2x8x8xf16>
  %clamped = tosa.clamp %qk {min_val = -6.550400e+04 : f16, max_val = 6.550400e+04 : f16} : (tensor<2x8x8xf16>) -> tensor<2x8x8xf16>
  %scale = "tosa.const"() <{values = dense<3.535160e-01> : tensor<1x1x1xf16>}> : () -> tensor<1x1x1xf16>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s = tosa.mul %clamped, %scale, %shift : (tensor<2x8x8xf16>, tensor<1x1x1xf16>, tensor<1xi8>) -> tensor<2x8x8xf16>
  %max = tosa.reduce_max %s {axis = 2 : i32} : (tensor<2x8x8xf16>) -> tensor<2x8x1xf16>
  %sub = tosa.sub %s, %max : (tensor<2x8x8xf16>, tensor<2x8x1xf16>) -> tensor<2x8x8xf16>
  %exp = tosa.exp %sub : (tensor<2x8x8xf16>) -> tensor<2x8x8xf16>
  %sum = tosa.reduce_sum %exp {axis = 2 : i32} : (tensor<2x8x8xf16>) -> tensor<2x8x1xf16>
  %rc = tosa.reciprocal %sum : (tensor<2x8x1xf16>) -> tensor<2x8x1xf16>
  %p = tosa.mul %exp, %rc, %shift : (tensor<2x8x8xf16>, tensor<2x8x1xf16>, tensor<1xi8>) -> tensor<2x8x8xf16>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf16>}> : () -> tensor<1xf16>
  // expected-remark @below {{not fused: unsupported operation 'arith.minimumf'}}
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<2x8x8xf16>, tensor<2x8x8xf16>, tensor<1xf16>, tensor<1xf16>) -> tensor<2x8x8xf16>
  return %o : tensor<2x8x8xf16>
}
