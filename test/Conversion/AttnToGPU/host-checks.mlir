// RUN: attn-opt %s -convert-attn-to-gpu | FileCheck %s

// Issue 8: before the launch, the host code reads the raw descriptors of the
// buffers (an unrealized cast to the LLVM descriptor struct, which cancels
// after func-to-llvm), checks pointers, offsets, sizes and strides, reports
// each failure through attnReportInvalidArgument, and launches only under
// `scf.if` of all of them (lib/Conversion/Common/HostChecks.cpp, shared with
// --convert-attn-to-gpu-sm90).

// CHECK-DAG: llvm.mlir.global internal constant @[[NULLQ:[_a-z0-9]+]]("masked: query is a null pointer\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[OFF:[_a-z0-9]+]]("masked: value descriptor has offset %lld; the ABI needs 0
// CHECK-DAG: llvm.mlir.global internal constant @[[ALIGN:[_a-z0-9]+]]("masked: key pointer is not 16-byte aligned (address %% 16 is %lld)\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[SK:[_a-z0-9]+]]("masked: key and value have different sequence lengths (%lld vs %lld)\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[GQA:[_a-z0-9]+]]("masked: query head count %lld is not a multiple of the key/value head count %lld\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[OUT:[_a-z0-9]+]]("masked: output sequence length is %lld, expected %lld\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[MASK:[_a-z0-9]+]]("masked: mask dim 2 is %lld, it must be 1 or %lld (broadcastable to [batch..., Hq, Sq, Sk])\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[MASK1:[_a-z0-9]+]]("masked: mask dim 1 is %lld, the function's type says %lld\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[LSE:[_a-z0-9]+]]("masked: lse sequence length is %lld, expected %lld\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[STRIDE:[_a-z0-9]+]]("masked: query is not a dense row-major buffer: stride of dim 2 is %lld, expected %lld\00")
// CHECK-DAG: llvm.func extern_weak @attnReportInvalidArgument(!llvm.ptr, i64, i64)

// CHECK-LABEL: func.func @masked
// CHECK-DAG: %[[NULLQP:.*]] = llvm.mlir.addressof @[[NULLQ]] : !llvm.ptr
// CHECK-DAG: %[[SKP:.*]] = llvm.mlir.addressof @[[SK]] : !llvm.ptr
// CHECK-DAG: %[[GQAP:.*]] = llvm.mlir.addressof @[[GQA]] : !llvm.ptr
// CHECK-DAG: %[[OUTP:.*]] = llvm.mlir.addressof @[[OUT]] : !llvm.ptr
// CHECK-DAG: %[[MASKP:.*]] = llvm.mlir.addressof @[[MASK]] : !llvm.ptr
// CHECK-DAG: %[[LSEP:.*]] = llvm.mlir.addressof @[[LSE]] : !llvm.ptr
// CHECK-DAG: %[[STRIDEP:.*]] = llvm.mlir.addressof @[[STRIDE]] : !llvm.ptr
// CHECK-DAG: %[[FN:.*]] = llvm.mlir.addressof @attnReportInvalidArgument : !llvm.ptr
// CHECK-DAG: %[[NULLPTR:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[QB:.*]] = bufferization.to_buffer %arg0
// CHECK: %[[KB:.*]] = bufferization.to_buffer %arg1
// CHECK: %[[VB:.*]] = bufferization.to_buffer %arg2
// CHECK: %[[OB:.*]] = bufferization.to_buffer %arg4
// CHECK: %[[HAVE:.*]] = llvm.icmp "ne" %[[FN]], %[[NULLPTR]] : !llvm.ptr
// CHECK: %[[QD:.*]] = builtin.unrealized_conversion_cast %[[QB]] : memref<?x?x?x64xf16> to !llvm.struct<(ptr, ptr, i64, array<4 x i64>, array<4 x i64>)>
// CHECK: %[[QP:.*]] = llvm.extractvalue %[[QD]][1]
// CHECK: %[[QA:.*]] = llvm.ptrtoint %[[QP]] : !llvm.ptr to i64
// CHECK: %[[QH:.*]] = llvm.extractvalue %[[QD]][3, 1]
// CHECK: %[[QS:.*]] = llvm.extractvalue %[[QD]][3, 2]
// CHECK: %[[KD:.*]] = builtin.unrealized_conversion_cast %[[KB]]
// CHECK: %[[KH:.*]] = llvm.extractvalue %[[KD]][3, 1]
// CHECK: %[[KS:.*]] = llvm.extractvalue %[[KD]][3, 2]
// CHECK: %[[VD:.*]] = builtin.unrealized_conversion_cast %[[VB]]
// CHECK: %[[VS:.*]] = llvm.extractvalue %[[VD]][3, 2]
// CHECK: %[[OD:.*]] = builtin.unrealized_conversion_cast %[[OB]]
// CHECK: %[[OS:.*]] = llvm.extractvalue %[[OD]][3, 2]
// CHECK: %[[NULL:.*]] = arith.cmpi eq, %[[QA]], %c0_i64 : i64
// CHECK-NEXT: scf.if %[[NULL]] {
// CHECK-NEXT: scf.if %[[HAVE]] {
// CHECK-NEXT: llvm.call @attnReportInvalidArgument(%[[NULLQP]], %c0_i64, %c0_i64
// CHECK: %[[SKNE:.*]] = arith.cmpi ne, %[[KS]], %[[VS]] : i64
// CHECK-NEXT: scf.if %[[SKNE]] {
// CHECK-NEXT: scf.if %[[HAVE]] {
// CHECK-NEXT: llvm.call @attnReportInvalidArgument(%[[SKP]], %[[KS]], %[[VS]])
// CHECK: arith.remui %[[QH]],
// CHECK: llvm.call @attnReportInvalidArgument(%[[GQAP]], %[[QH]], %[[KH]])
// CHECK: %[[ONE:.*]] = arith.cmpi ne, %[[OS]], %[[QS]] : i64
// CHECK-NEXT: scf.if %[[ONE]] {
// CHECK-NEXT: scf.if %[[HAVE]] {
// CHECK-NEXT: llvm.call @attnReportInvalidArgument(%[[OUTP]], %[[OS]], %[[QS]])
// CHECK: llvm.call @attnReportInvalidArgument(%[[MASKP]],
// CHECK: llvm.call @attnReportInvalidArgument(%[[LSEP]],
// CHECK: llvm.call @attnReportInvalidArgument(%[[STRIDEP]],
// CHECK: %[[OK:.*]] = arith.xori %{{.*}}, %true : i1
// CHECK-NEXT: scf.if %[[OK]] {
// CHECK-NOT: llvm.call
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: %[[R:.*]] = bufferization.to_tensor %[[OB]] restrict writable
// CHECK: return %[[R]]
func.func @masked(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                  %v: tensor<?x?x?x64xf16>, %m: tensor<?x1x?x?xf32>,
                  %o: tensor<?x?x?x64xf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x64xf16>, tensor<?x?x?xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
           tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
         mask(%m : tensor<?x1x?x?xf32>)
         outs(%o : tensor<?x?x?x64xf16>) lse(%l : tensor<?x?x?xf32>)
         scale(0.125) -> tensor<?x?x?x64xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x64xf16>, tensor<?x?x?xf32>
}
