// Rows that see no key (causal bottom-right, Sq = 4 > Sk = 2: rows 0 and 1)
// get lse = -inf and output 0, never NaN; the other rows are finite.
// RUN: attn-opt %s --attn-tile="block-q=2 block-kv=2 split-kv=off" \
// RUN:   --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils | FileCheck %s
// RUN: attn-opt %s --attn-tile="block-q=2 block-kv=2 split-kv=on num-splits=2" \
// RUN:   --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

// CHECK-NOT: nan
// CHECK: sizes = [1, 1, 4, 2]
// CHECK-NEXT: [0, 0]
// CHECK-NEXT: [0, 0]
// CHECK-NEXT: [{{[-0-9]}}
// CHECK-NEXT: [{{[-0-9]}}
// CHECK: sizes = [1, 1, 4]
// CHECK-NEXT: [-inf, -inf, {{[-0-9.e]+}}, {{[-0-9.e]+}}]
func.func @main() {
  %q = arith.constant dense<[[[[1.0, 0.5], [0.25, -1.0], [0.5, 0.5], [-1.0, 2.0]]]]> : tensor<1x1x4x2xf32>
  %k = arith.constant dense<[[[[0.5, 1.0], [1.0, -0.5]]]]> : tensor<1x1x2x2xf32>
  %v = arith.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %init = tensor.empty() : tensor<1x1x4x2xf32>
  %linit = tensor.empty() : tensor<1x1x4xf32>
  %r:2 = attn.attention ins(%q, %k, %v : tensor<1x1x4x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>)
         outs(%init : tensor<1x1x4x2xf32>) lse(%linit : tensor<1x1x4xf32>)
         scale(1.0) causal<bottom_right> -> tensor<1x1x4x2xf32>, tensor<1x1x4xf32>
  %o = tensor.cast %r#0 : tensor<1x1x4x2xf32> to tensor<*xf32>
  call @printMemrefF32(%o) : (tensor<*xf32>) -> ()
  %l = tensor.cast %r#1 : tensor<1x1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%l) : (tensor<*xf32>) -> ()
  return
}
