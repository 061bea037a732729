// RUN: attn-opt %s --split-input-file --convert-attn-to-gpu-sm90 | FileCheck %s

// The epilogue's stores of O. A thread holds two columns of every 8-column
// group of its rows; lanes 2k and 2k + 1 of a quad exchange one f16 pair per
// two groups (an i32 shuffle, xor 1) and each stores four columns in one
// 8-byte store: 8 per row at D = 128, for a thread's two rows.

// CHECK-LABEL: func.func @f16_d128
// CHECK-COUNT-8: gpu.shuffle xor %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK-NOT: vector.store
// CHECK-COUNT-8: vector.store %{{.*}} {alignment = 8 : i64} : memref<2x4x256x128xf16>, vector<4xf16>
// CHECK-NOT: vector.store
// CHECK-COUNT-8: gpu.shuffle xor %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK-NOT: vector.store
// CHECK-COUNT-8: vector.store %{{.*}} {alignment = 8 : i64} : memref<2x4x256x128xf16>, vector<4xf16>
// CHECK-NOT: vector.store
func.func @f16_d128(%q: tensor<2x4x256x128xf16>, %k: tensor<2x4x256x128xf16>,
                    %v: tensor<2x4x256x128xf16>, %o: tensor<2x4x256x128xf16>)
    -> tensor<2x4x256x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x256x128xf16>,
         tensor<2x4x256x128xf16>, tensor<2x4x256x128xf16>)
       outs(%o : tensor<2x4x256x128xf16>) scale(0.088)
       -> tensor<2x4x256x128xf16>
  return %r : tensor<2x4x256x128xf16>
}

// -----

// An odd number of 8-column groups (D = 72: 9) has no partner for the last
// group: the pairs are stored as they are, 4 bytes each.

// CHECK-LABEL: func.func @f16_d72
// CHECK-NOT: gpu.shuffle xor %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK-COUNT-18: vector.store %{{.*}} {alignment = 4 : i64} : memref<2x4x256x72xf16>, vector<2xf16>
// CHECK-NOT: vector.store
func.func @f16_d72(%q: tensor<2x4x256x72xf16>, %k: tensor<2x4x256x72xf16>,
                   %v: tensor<2x4x256x72xf16>, %o: tensor<2x4x256x72xf16>)
    -> tensor<2x4x256x72xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x256x72xf16>,
         tensor<2x4x256x72xf16>, tensor<2x4x256x72xf16>)
       outs(%o : tensor<2x4x256x72xf16>) scale(0.1178)
       -> tensor<2x4x256x72xf16>
  return %r : tensor<2x4x256x72xf16>
}

// -----

// An f32 output's pair is already 8 bytes: no exchange.

// CHECK-LABEL: func.func @f32_out
// CHECK-NOT: gpu.shuffle xor %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK-COUNT-32: vector.store %{{.*}} {alignment = 8 : i64} : memref<2x4x256x128xf32>, vector<2xf32>
// CHECK-NOT: vector.store
func.func @f32_out(%q: tensor<2x4x256x128xf16>, %k: tensor<2x4x256x128xf16>,
                   %v: tensor<2x4x256x128xf16>, %o: tensor<2x4x256x128xf32>)
    -> tensor<2x4x256x128xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x256x128xf16>,
         tensor<2x4x256x128xf16>, tensor<2x4x256x128xf16>)
       outs(%o : tensor<2x4x256x128xf32>) scale(0.088)
       -> tensor<2x4x256x128xf32>
  return %r : tensor<2x4x256x128xf32>
}
