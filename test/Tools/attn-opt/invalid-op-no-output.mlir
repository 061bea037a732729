// RUN: not attn-opt %s 2>%t.err | count 0
// RUN: FileCheck %s < %t.err

// An invalid attn.attention in an otherwise valid file fails with a located
// diagnostic and prints nothing on stdout.
func.func @bad_scale(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>,
                     %v: tensor<4x7x8xf32>, %init: tensor<4x5x8xf32>)
    -> tensor<4x5x8xf32> {
  // CHECK: invalid-op-no-output.mlir:[[@LINE+1]]:{{[0-9]+}}: error: 'attn.attention' op scale must be finite and positive
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(-1.0) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}
