// RUN: attn-opt %s -split-input-file --attn-place-buffers-on-device -verify-diagnostics | FileCheck %s

// Allocations, frees and dense copies of host code go to the device.
// CHECK-LABEL: func.func @alloc_copy_free
// CHECK: %[[A:.*]] = gpu.alloc (%{{.*}}) : memref<?xf32>
// CHECK: gpu.memcpy %[[A]], %{{.*}} : memref<?xf32>, memref<?xf32>
// CHECK: gpu.dealloc %[[A]] : memref<?xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
func.func @alloc_copy_free(%a: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %a, %c0 : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  memref.copy %a, %b : memref<?xf32> to memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return
}

// -----

// A stack buffer is a device buffer freed at the end of its block.
// CHECK-LABEL: func.func @alloca
// CHECK: %[[A:.*]] = gpu.alloc () : memref<4xf32>
// CHECK: gpu.memcpy %{{.*}}, %[[A]]
// CHECK: gpu.dealloc %[[A]]
// CHECK-NEXT: return
func.func @alloca(%a: memref<4xf32>) {
  %b = memref.alloca() : memref<4xf32>
  memref.copy %b, %a : memref<4xf32> to memref<4xf32>
  return
}

// -----

// bufferization.dealloc keeps upstream's semantics: memref i is freed if its
// condition holds and its base pointer differs from the retained ones and
// from those before it; a retained value is owned if an aliasing memref was.
// CHECK-LABEL: func.func @dealloc
// CHECK-SAME: (%[[M0:.*]]: memref<f32>, %[[M1:.*]]: memref<f32>, %[[R:.*]]: memref<f32>, %[[C0:.*]]: i1, %[[C1:.*]]: i1)
// CHECK-DAG: %[[P0:.*]] = memref.extract_aligned_pointer_as_index %[[M0]]
// CHECK-DAG: %[[P1:.*]] = memref.extract_aligned_pointer_as_index %[[M1]]
// CHECK-DAG: %[[PR:.*]] = memref.extract_aligned_pointer_as_index %[[R]]
// CHECK: %[[NE0:.*]] = arith.cmpi ne, %[[P0]], %[[PR]]
// CHECK: %[[F0:.*]] = arith.andi %[[C0]], %[[NE0]]
// CHECK: scf.if %[[F0]] {
// CHECK-NEXT: gpu.dealloc %[[M0]]
// CHECK: %[[NE1:.*]] = arith.cmpi ne, %[[P1]], %[[PR]]
// CHECK: %[[F1A:.*]] = arith.andi %[[C1]], %[[NE1]]
// CHECK: %[[NE10:.*]] = arith.cmpi ne, %[[P1]], %[[P0]]
// CHECK: %[[F1:.*]] = arith.andi %[[F1A]], %[[NE10]]
// CHECK: scf.if %[[F1]] {
// CHECK-NEXT: gpu.dealloc %[[M1]]
// CHECK: %[[EQ0:.*]] = arith.cmpi eq, %[[P0]], %[[PR]]
// CHECK: arith.andi %[[C0]], %[[EQ0]]
// CHECK: %[[EQ1:.*]] = arith.cmpi eq, %[[P1]], %[[PR]]
// CHECK: arith.andi %[[C1]], %[[EQ1]]
// CHECK: %[[OWN:.*]] = arith.ori
// CHECK: return %[[OWN]]
func.func @dealloc(%m0: memref<f32>, %m1: memref<f32>, %r: memref<f32>, %c0: i1, %c1: i1) -> i1 {
  %o = bufferization.dealloc (%m0, %m1 : memref<f32>, memref<f32>) if (%c0, %c1) retain (%r : memref<f32>)
  return %o : i1
}

// -----

// Constants are copied to a device buffer on entry and freed on return.
// CHECK-LABEL: func.func @constant
// CHECK-NEXT: %[[G:.*]] = memref.get_global @table
// CHECK-NEXT: %[[D:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-NEXT: gpu.memcpy %[[D]], %[[G]]
// CHECK: gpu.memcpy %{{.*}}, %[[D]]
// CHECK: gpu.dealloc %[[D]]
// CHECK-NEXT: return
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @constant(%out: memref<4xf32>) {
  %g = memref.get_global @table : memref<4xf32>
  memref.copy %g, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// A host read of an element: a one-thread kernel copies it to a device
// scalar, which comes to the host after a wait.
// CHECK-LABEL: func.func @host_read
// CHECK: %[[D:.*]] = gpu.alloc () : memref<f32>
// CHECK: gpu.launch
// CHECK: %[[V:.*]] = memref.load %{{.*}}[%{{.*}}] : memref<8xf32>
// CHECK: memref.store %[[V]], %[[D]][]
// CHECK: %[[H:.*]] = memref.alloca() : memref<f32>
// CHECK: gpu.memcpy %[[H]], %[[D]]
// CHECK: gpu.wait
// CHECK: gpu.dealloc %[[D]]
// CHECK: %[[R:.*]] = memref.load %[[H]][]
// CHECK: return %[[R]]
func.func @host_read(%a: memref<8xf32>, %i: index) -> f32 {
  %v = memref.load %a[%i] : memref<8xf32>
  return %v : f32
}

// -----

// A host write goes the other way.
// CHECK-LABEL: func.func @host_write
// CHECK: %[[H:.*]] = memref.alloca() : memref<f32>
// CHECK: memref.store %{{.*}}, %[[H]][]
// CHECK: %[[D:.*]] = gpu.alloc () : memref<f32>
// CHECK: gpu.memcpy %[[D]], %[[H]]
// CHECK: gpu.launch
// CHECK: %[[V:.*]] = memref.load %[[D]][]
// CHECK: memref.store %[[V]], %{{.*}}[%{{.*}}] : memref<8xf32>
// CHECK: gpu.dealloc %[[D]]
func.func @host_write(%a: memref<8xf32>, %i: index, %v: f32) {
  memref.store %v, %a[%i] : memref<8xf32>
  return
}

// -----

// External host functions get host copies of their buffers, copied back
// after the call; a strided buffer goes through a dense device copy.
// CHECK-LABEL: func.func @external_call
// CHECK: %[[H:.*]] = memref.alloc() : memref<2x3xf32>
// CHECK: gpu.memcpy %[[H]], %[[A:.*]] : memref<2x3xf32>, memref<2x3xf32>
// CHECK: gpu.wait
// CHECK: %[[U:.*]] = memref.cast %[[H]] : memref<2x3xf32> to memref<*xf32>
// CHECK: call @printMemrefF32(%[[U]])
// CHECK: gpu.memcpy %[[A]], %[[H]]
// CHECK: gpu.wait
// CHECK: memref.dealloc %[[H]]
func.func private @printMemrefF32(memref<*xf32>)
func.func @external_call(%a: memref<2x3xf32>) {
  %u = memref.cast %a : memref<2x3xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

// -----

// CHECK-LABEL: func.func @external_call_strided
// CHECK: %[[SV:.*]] = memref.subview
// CHECK: %[[D:.*]] = gpu.alloc () : memref<2x2xf32>
// CHECK: gpu.launch
// CHECK: memref.load %[[SV]]
// CHECK: %[[H:.*]] = memref.alloc() : memref<2x2xf32>
// CHECK: gpu.memcpy %[[H]], %[[D]]
// CHECK: %[[U:.*]] = memref.cast %[[H]] : memref<2x2xf32> to memref<*xf32>
// CHECK: call @printMemrefF32(%[[U]])
// CHECK: gpu.memcpy %[[D]], %[[H]]
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[SV]]
// CHECK: gpu.dealloc %[[D]]
func.func private @printMemrefF32(memref<*xf32>)
func.func @external_call_strided(%a: memref<4x4xf32>) {
  %v = memref.subview %a[0, 0] [2, 2] [1, 1] : memref<4x4xf32> to memref<2x2xf32, strided<[4, 1]>>
  %u = memref.cast %v : memref<2x2xf32, strided<[4, 1]>> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

// -----

// Anything else of host code that reads or writes a device buffer is
// reported, not left to fault at run time.
func.func @host_vector_read(%a: memref<8xf32>) -> vector<4xf32> {
  %c0 = arith.constant 0 : index
  %f = arith.constant 0.0 : f32
  // expected-error @below {{'vector.transfer_read' op accesses a device buffer from host code, which target=cuda does not support for this operation}}
  %v = vector.transfer_read %a[%c0], %f : memref<8xf32>, vector<4xf32>
  return %v : vector<4xf32>
}

// -----

func.func private @take_unranked(memref<*xf32>)
func.func @unranked_argument(%a: memref<*xf32>) {
  // expected-error @below {{passes an unranked buffer of unknown rank to a host function; target=cuda cannot stage it}}
  call @take_unranked(%a) : (memref<*xf32>) -> ()
  return
}

// -----

func.func private @consume(memref<2x2xf32, strided<[4, 1]>>)
func.func @strided_parameter(%a: memref<4x4xf32>) {
  %v = memref.subview %a[0, 0] [2, 2] [1, 1] : memref<4x4xf32> to memref<2x2xf32, strided<[4, 1]>>
  // expected-error @below {{passes a buffer with a fixed strided layout to a host function; target=cuda stages host copies as dense buffers}}
  call @consume(%v) : (memref<2x2xf32, strided<[4, 1]>>) -> ()
  return
}
