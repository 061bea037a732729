// Stock mlir-opt runs our dialect and passes through the plugin.
// RUN: mlir-opt %s --load-dialect-plugin=%attn_plugin \
// RUN:   --load-pass-plugin=%attn_plugin \
// RUN:   --pass-pipeline='builtin.module(attn-decompose)' | FileCheck %s
// RUN: mlir-opt %s --load-dialect-plugin=%attn_plugin | FileCheck %s --check-prefix=ROUNDTRIP

// CHECK-LABEL: func.func @plugin
// CHECK-NOT: attn.attention
// CHECK: linalg.generic
// CHECK: math.exp
// ROUNDTRIP-LABEL: func.func @plugin
// ROUNDTRIP: attn.attention
func.func @plugin(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>,
                  %v: tensor<1x2x4x8xf32>, %o: tensor<1x2x4x8xf32>)
    -> tensor<1x2x4x8xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>)
         outs(%o : tensor<1x2x4x8xf32>) scale(0.5) -> tensor<1x2x4x8xf32>
  return %r : tensor<1x2x4x8xf32>
}
