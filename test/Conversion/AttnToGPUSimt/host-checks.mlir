// RUN: attn-opt %s -convert-attn-to-gpu-simt | FileCheck %s

// The general kernel addresses every element through its memref descriptor,
// so the host checks (lib/Conversion/Common/HostChecks.cpp, strided mode)
// ask only what it relies on: sizes, broadcasts and GQA as for the other
// kernels, but any stride the memref type leaves dynamic, pointers aligned
// to their element type only, and none of it for an empty buffer (a null
// pointer with no elements is fine).

// CHECK-DAG: llvm.mlir.global internal constant @[[NULLQ:[_a-z0-9]+]]("strided: query is a null pointer\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[ALIGNQ:[_a-z0-9]+]]("strided: query pointer is not 2-byte aligned (address %% 2 is %lld)\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[ALIGNO:[_a-z0-9]+]]("strided: output pointer is not 4-byte aligned (address %% 4 is %lld)\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[STRIDEQ:[_a-z0-9]+]]("strided: query stride of dim 3 is %lld, the function's type says %lld\00")
// CHECK-DAG: llvm.mlir.global internal constant @{{[_a-z0-9]+}}("strided: query stride of dim 2 is %lld, the function's type says %lld\00")
// CHECK-DAG: llvm.mlir.global internal constant @{{[_a-z0-9]+}}("strided: mask dim 0 is %lld, it must be 1 or %lld (broadcastable to [batch..., Hq, Sq, Sk])\00")
// CHECK-DAG: llvm.mlir.global internal constant @{{[_a-z0-9]+}}("strided: query head count %lld is not a multiple of the key/value head count %lld\00")
// Only static strides: none for dims 0 and 1, no dense row-major demand,
// no 16-byte alignment.
// CHECK-NOT: query stride of dim 1
// CHECK-NOT: dense row-major
// CHECK-NOT: 16-byte aligned

// CHECK-LABEL: func.func @strided
// CHECK-DAG: %[[NULLQP:.*]] = llvm.mlir.addressof @[[NULLQ]] : !llvm.ptr
// CHECK-DAG: %[[STRIDEQP:.*]] = llvm.mlir.addressof @[[STRIDEQ]] : !llvm.ptr
// CHECK: %[[QD:.*]] = builtin.unrealized_conversion_cast %{{.*}} : memref<?x?x?x64xf16> to !llvm.struct
// CHECK: %[[QP:.*]] = llvm.extractvalue %[[QD]][1]
// CHECK: %[[QA:.*]] = llvm.ptrtoint %[[QP]]
// CHECK: %[[QS0:.*]] = llvm.extractvalue %[[QD]][3, 0]
// CHECK: %[[QST3:.*]] = llvm.extractvalue %[[QD]][4, 3]
// A null query pointer is an error only if no size is 0.
// CHECK: arith.cmpi ne, %[[QS0]], %c0_i64
// CHECK: %[[NULL:.*]] = arith.cmpi eq, %[[QA]], %c0_i64
// CHECK: %[[NULLUSED:.*]] = arith.andi %[[NULL]], %{{.*}} : i1
// CHECK: scf.if %[[NULLUSED]] {
// CHECK: llvm.call @attnReportInvalidArgument(%[[NULLQP]],
// The innermost stride must be 1 (the type says so), unless the dim is 1
// or the buffer empty.
// CHECK: %[[BAD:.*]] = arith.cmpi ne, %[[QST3]], %c1_i64
// CHECK: %[[BADDIM:.*]] = arith.andi %{{.*}}, %[[BAD]] : i1
// CHECK: %[[BADUSED:.*]] = arith.andi %[[BADDIM]], %{{.*}} : i1
// CHECK: scf.if %[[BADUSED]] {
// CHECK: llvm.call @attnReportInvalidArgument(%[[STRIDEQP]], %[[QST3]], %c1_i64)
// CHECK: gpu.launch
func.func @strided(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                   %v: tensor<?x?x?x64xf16>, %m: tensor<?x?x?xi1>,
                   %o: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       mask(%m : tensor<?x?x?xi1>)
       outs(%o : tensor<?x?x?x64xf32>) scale(0.125) -> tensor<?x?x?x64xf32>
  return %r : tensor<?x?x?x64xf32>
}
