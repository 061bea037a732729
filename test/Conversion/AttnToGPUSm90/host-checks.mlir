// RUN: attn-opt %s --convert-attn-to-gpu-sm90 | FileCheck %s

// Issue 8: the sm_90a kernel's host code runs the same descriptor checks as
// --convert-attn-to-gpu (lib/Conversion/Common/HostChecks.cpp); the tensor
// maps are encoded and the kernel launched only when all of them pass. The
// output here is stored [B, S, H, D] (output_perm): its logical dims are
// checked in that order.

// CHECK-DAG: llvm.mlir.global internal constant @[[NULLK:[_a-z0-9]+]]("bshd: key is a null pointer\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[SK:[_a-z0-9]+]]("bshd: key and value have different sequence lengths (%lld vs %lld)\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[OH:[_a-z0-9]+]]("bshd: output head count is %lld, expected %lld\00")
// CHECK-DAG: llvm.mlir.global internal constant @[[OS:[_a-z0-9]+]]("bshd: output sequence length is %lld, expected %lld\00")
// CHECK-DAG: llvm.mlir.global internal constant @{{[_a-z0-9]+}}("bshd: query pointer is not 16-byte aligned (address %% 16 is %lld)\00")
// CHECK-DAG: llvm.func extern_weak @attnReportInvalidArgument(!llvm.ptr, i64, i64)

// CHECK-LABEL: func.func @bshd
// CHECK-DAG: %[[NULLKP:.*]] = llvm.mlir.addressof @[[NULLK]] : !llvm.ptr
// CHECK-DAG: %[[SKP:.*]] = llvm.mlir.addressof @[[SK]] : !llvm.ptr
// CHECK-DAG: %[[OHP:.*]] = llvm.mlir.addressof @[[OH]] : !llvm.ptr
// CHECK-DAG: %[[OSP:.*]] = llvm.mlir.addressof @[[OS]] : !llvm.ptr
// CHECK-DAG: %[[FN:.*]] = llvm.mlir.addressof @attnReportInvalidArgument : !llvm.ptr
// CHECK-DAG: %[[NULLPTR:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[QB:.*]] = bufferization.to_buffer %arg0
// CHECK: %[[OB:.*]] = bufferization.to_buffer %arg3
// CHECK-NOT: nvgpu.tma.create.descriptor
// CHECK: %[[HAVE:.*]] = llvm.icmp "ne" %[[FN]], %[[NULLPTR]] : !llvm.ptr
// CHECK: %[[QD:.*]] = builtin.unrealized_conversion_cast %[[QB]] : memref<?x?x?x128xf16> to !llvm.struct<(ptr, ptr, i64, array<4 x i64>, array<4 x i64>)>
// CHECK: %[[QH:.*]] = llvm.extractvalue %[[QD]][3, 1]
// CHECK: %[[QS:.*]] = llvm.extractvalue %[[QD]][3, 2]
// CHECK: %[[KD:.*]] = builtin.unrealized_conversion_cast
// CHECK: %[[KP:.*]] = llvm.extractvalue %[[KD]][1]
// CHECK: %[[KA:.*]] = llvm.ptrtoint %[[KP]]
// CHECK: %[[KS:.*]] = llvm.extractvalue %[[KD]][3, 2]
// CHECK: %[[VD:.*]] = builtin.unrealized_conversion_cast
// CHECK: %[[VS:.*]] = llvm.extractvalue %[[VD]][3, 2]
// CHECK: %[[OD:.*]] = builtin.unrealized_conversion_cast %[[OB]]
// CHECK: %[[OSEQ:.*]] = llvm.extractvalue %[[OD]][3, 1]
// CHECK: %[[OHEAD:.*]] = llvm.extractvalue %[[OD]][3, 2]
// CHECK-NOT: nvgpu.tma.create.descriptor
// CHECK: arith.cmpi eq, %[[KA]], %c0_i64
// CHECK-NEXT: scf.if
// CHECK-NEXT: scf.if %[[HAVE]] {
// CHECK-NEXT: llvm.call @attnReportInvalidArgument(%[[NULLKP]], %c0_i64, %c0_i64)
// CHECK: arith.cmpi ne, %[[KS]], %[[VS]] : i64
// CHECK-NEXT: scf.if
// CHECK-NEXT: scf.if %[[HAVE]] {
// CHECK-NEXT: llvm.call @attnReportInvalidArgument(%[[SKP]], %[[KS]], %[[VS]])
// CHECK: arith.cmpi ne, %[[OHEAD]], %[[QH]] : i64
// CHECK-NEXT: scf.if
// CHECK-NEXT: scf.if %[[HAVE]] {
// CHECK-NEXT: llvm.call @attnReportInvalidArgument(%[[OHP]], %[[OHEAD]], %[[QH]])
// CHECK: arith.cmpi ne, %[[OSEQ]], %[[QS]] : i64
// CHECK-NEXT: scf.if
// CHECK-NEXT: scf.if %[[HAVE]] {
// CHECK-NEXT: llvm.call @attnReportInvalidArgument(%[[OSP]], %[[OSEQ]], %[[QS]])
// CHECK-NOT: nvgpu.tma.create.descriptor
// CHECK: %[[OK:.*]] = arith.xori %{{.*}}, %true : i1
// CHECK-NEXT: scf.if %[[OK]] {
// CHECK-NOT: llvm.call
// Two table rows (D = 128): the kernel for 4k keys and more, and the
// persistent one below, each with its tensor maps.
// CHECK: arith.cmpi sge, %{{.*}}, %c4096 : index
// CHECK: nvgpu.tma.create.descriptor
// CHECK: nvgpu.tma.create.descriptor
// CHECK: nvgpu.tma.create.descriptor
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: } else {
// CHECK-NOT: llvm.call
// CHECK: nvgpu.tma.create.descriptor
// CHECK: nvgpu.tma.create.descriptor
// CHECK: nvgpu.tma.create.descriptor
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: %[[R:.*]] = bufferization.to_tensor %[[OB]] restrict writable
// CHECK: return %[[R]]
func.func @bshd(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       {output_perm = array<i64: 0, 2, 1, 3>}
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}
