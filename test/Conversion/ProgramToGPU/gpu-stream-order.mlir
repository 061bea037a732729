// RUN: attn-opt %s -split-input-file --attn-gpu-stream-order | FileCheck %s

// Each GPU op of a block depends on the one before it, starting from one
// `gpu.wait async` (the caller's stream); nothing waits at the end.
// CHECK-LABEL: func.func @chain
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[M:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] ()
// CHECK: %[[T2:.*]] = gpu.memcpy async [%[[T1]]] %[[M]], %{{.*}}
// CHECK: %[[T3:.*]] = gpu.launch_func async [%[[T2]]] @k::@f
// CHECK: %[[T4:.*]] = gpu.dealloc async [%[[T3]]] %[[M]]
// CHECK-NOT: gpu.wait
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f(%m: memref<4xf32>) kernel { gpu.return }
  }
  func.func @chain(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %m = gpu.alloc () : memref<4xf32>
    gpu.memcpy %m, %a : memref<4xf32>, memref<4xf32>
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.dealloc %m : memref<4xf32>
    return
  }
}

// -----

// A host wait synchronizes what came before; later work takes a new token.
// A nested block starts its own chain on the same stream.
// CHECK-LABEL: func.func @host_wait
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[T1:.*]] = gpu.memcpy async [%[[T0]]]
// CHECK: gpu.wait [%[[T1]]]
// CHECK: memref.load
// CHECK: %[[T2:.*]] = gpu.wait async
// CHECK: gpu.memcpy async [%[[T2]]]
// CHECK: scf.if
// CHECK: %[[T3:.*]] = gpu.wait async
// CHECK: gpu.memcpy async [%[[T3]]]
func.func @host_wait(%d: memref<f32>, %b: i1) -> f32 {
  %h = memref.alloca() : memref<f32>
  gpu.memcpy %h, %d : memref<f32>, memref<f32>
  gpu.wait
  %v = memref.load %h[] : memref<f32>
  gpu.memcpy %d, %h : memref<f32>, memref<f32>
  scf.if %b {
    gpu.memcpy %h, %d : memref<f32>, memref<f32>
  }
  return %v : f32
}

// -----

// Kernel bodies are not host code.
// CHECK-LABEL: func.func @kernel_body
// CHECK: gpu.launch_func async
// CHECK: gpu.func @g
// CHECK-NOT: async
// CHECK: gpu.return
module attributes {gpu.container_module} {
  func.func @kernel_body() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k2::@g blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
  gpu.module @k2 {
    gpu.func @g() kernel { gpu.return }
  }
}
