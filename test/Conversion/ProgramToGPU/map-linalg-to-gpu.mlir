// RUN: attn-opt %s -split-input-file --attn-map-linalg-to-gpu --canonicalize | FileCheck %s
// RUN: attn-opt %s -split-input-file --attn-map-linalg-to-gpu=block-size=64 --canonicalize | FileCheck %s --check-prefix=B64

// The parallel loops collapse into one dimension (innermost fastest) and
// split into blocks of 256 threads; the tail is guarded.
// CHECK-LABEL: func.func @elementwise_dynamic
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[DIM:.*]] = memref.dim %{{.*}}, %c0
// CHECK: %[[N:.*]] = arith.muli %[[DIM]], %[[C4]]
// CHECK: %[[GRID:.*]] = affine.apply #{{.*}}()[%[[N]]]
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID]], {{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C256]],
// CHECK: %[[IN:.*]] = arith.cmpi ult, %{{.*}}, %[[N]]
// CHECK: scf.if %[[IN]]
// CHECK: arith.remsi %{{.*}}, %[[C4]]
// CHECK: arith.divsi %{{.*}}, %[[C4]]
// CHECK: math.exp
// CHECK: memref.store
// CHECK-NOT: SCFToGPU_visited
// B64-LABEL: func.func @elementwise_dynamic
// B64: %[[C64:.*]] = arith.constant 64 : index
// B64: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C64]],
func.func @elementwise_dynamic(%a: memref<?x4xf32>, %b: memref<?x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<?x4xf32>) outs(%b : memref<?x4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A reduction runs inside the thread of its output element.
// CHECK-LABEL: func.func @row_sum
// CHECK: gpu.launch
// CHECK: scf.if
// CHECK: scf.for %{{.*}} = %c0 to %c16
// CHECK: arith.addf
func.func @row_sum(%a: memref<8x16xf32>, %s: memref<8xf32>) {
  linalg.reduce ins(%a : memref<8x16xf32>) outs(%s : memref<8xf32>) dimensions = [1]
    (%x: f32, %acc: f32) {
      %r = arith.addf %x, %acc : f32
      linalg.yield %r : f32
    }
  return
}

// -----

// A reduction loop written before the parallel one is moved inside: one
// launch, not one per reduction step.
// CHECK-LABEL: func.func @reduction_first
// CHECK-NOT: scf.for
// CHECK: gpu.launch
// CHECK: scf.for %{{.*}} = %c0 to %c16
// CHECK: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<16x8xf32>
func.func @reduction_first(%a: memref<16x8xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(k, j) -> (k, j)>, affine_map<(k, j) -> (j)>], iterator_types = ["reduction", "parallel"]}
      ins(%a : memref<16x8xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Without parallel loops the op runs on one thread of one block.
// CHECK-LABEL: func.func @full_reduction
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c1, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK: arith.cmpi ult, %{{.*}}, %c1
// CHECK: scf.for
func.func @full_reduction(%a: memref<16xf32>, %s: memref<f32>) {
  linalg.reduce ins(%a : memref<16xf32>) outs(%s : memref<f32>) dimensions = [0]
    (%x: f32, %acc: f32) {
      %r = arith.addf %x, %acc : f32
      linalg.yield %r : f32
    }
  return
}

// -----

// A copy between strided views becomes a kernel; a dense copy stays for
// --attn-place-buffers-on-device (one gpu.memcpy).
// CHECK-LABEL: func.func @copies
// CHECK: %[[SV:.*]] = memref.subview
// CHECK: gpu.launch
// CHECK: memref.load %[[SV]]
// CHECK: gpu.terminator
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<8xf32> to memref<8xf32>
func.func @copies(%a: memref<8x8xf32>, %b: memref<4x4xf32>, %c: memref<8xf32>, %d: memref<8xf32>) {
  %v = memref.subview %a[0, 0] [4, 4] [2, 2] : memref<8x8xf32> to memref<4x4xf32, strided<[16, 2]>>
  memref.copy %v, %b : memref<4x4xf32, strided<[16, 2]>> to memref<4x4xf32>
  memref.copy %c, %d : memref<8xf32> to memref<8xf32>
  return
}

// -----

// Parallel loops written in the input run as kernels too; one with a
// reduction stays on the host.
// CHECK-LABEL: func.func @user_loops
// CHECK: gpu.launch
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK: scf.parallel
// CHECK: scf.reduce
func.func @user_loops(%a: memref<64xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %f, %a[%i] : memref<64xf32>
    scf.reduce
  }
  %zero = arith.constant 0.0 : f32
  %s = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %x = memref.load %a[%i] : memref<64xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %t = arith.addf %l, %r : f32
      scf.reduce.return %t : f32
    }
  }
  return %s : f32
}

// -----

// Ops inside kernels are left alone.
// CHECK-LABEL: func.func @in_kernel
// CHECK: gpu.launch
// CHECK-NEXT: linalg.fill
func.func @in_kernel(%a: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %f = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    linalg.fill ins(%f : f32) outs(%a : memref<4xf32>)
    gpu.terminator
  }
  return
}
