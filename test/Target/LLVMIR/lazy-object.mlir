// RUN: attn-compile --target=cuda --no-fuse --emit=llvm %s -o - | FileCheck %s

// The LLVM IR of #attn.lazy_object: the binary is a constant (PTX gets its
// NUL), no global constructor, a destructor unloads it; each launch asks
// attnGetFunction for the kernel (format 0 cubin / 1 PTX, the object's JIT
// level), then launches; a launch without a stream is synchronous.

// CHECK-NOT: llvm.global_ctors
// CHECK-DAG: @cubins_attn_blob = internal constant [4 x i8] c"CUBN", align 8
// CHECK-DAG: @ptx_attn_blob = internal constant [4 x i8] c"ptx\00", align 8
// CHECK-DAG: @llvm.global_dtors = appending global [2 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 65535, ptr @cubins_attn_release, ptr null }, { i32, ptr, ptr } { i32 65535, ptr @ptx_attn_release, ptr null }]
// CHECK-NOT: llvm.global_ctors

// CHECK-LABEL: define void @sync_launch(i64 %0, ptr %1)
// CHECK-NEXT: %[[VALUES:.*]] = alloca %attn.kernel_args
// CHECK-NEXT: %[[POINTERS:.*]] = alloca [2 x ptr]
// CHECK: %[[F:.*]] = call ptr @attnGetFunction(ptr @cubins_attn_blob, i64 4, ptr @cubins_k_attn_kernel_name, i32 0, i32 0)
// CHECK-NEXT: %[[S:.*]] = call ptr @mgpuStreamCreate()
// CHECK: store ptr %1,
// CHECK: store i64 %0,
// CHECK: call void @mgpuLaunchKernel(ptr %[[F]], i64 %0, i64 1, i64 1, i64 128, i64 1, i64 1, i32 0, ptr %[[S]], ptr %[[POINTERS]], ptr null, i64 2)
// CHECK-NEXT: call void @mgpuStreamSynchronize(ptr %[[S]])
// CHECK-NEXT: call void @mgpuStreamDestroy(ptr %[[S]])

// The allocas of a launch in a loop go to the entry block.
// CHECK-LABEL: define void @async_launch_in_loop(i64 %0, ptr %1)
// CHECK-NEXT: alloca %attn.kernel_args{{.*}}
// CHECK-NEXT: alloca [1 x ptr]
// CHECK-NOT: alloca
// CHECK: call ptr @attnGetFunction(ptr @ptx_attn_blob, i64 3, ptr @ptx_k_attn_kernel_name, i32 1, i32 3)
// CHECK-NOT: mgpuStreamCreate
// CHECK: call void @mgpuLaunchKernel(ptr %{{.*}}, i64 1, i64 1, i64 1, i64 1, i64 1, i64 1, i32 49152, ptr %1, ptr %{{.*}}, ptr null, i64 0)
// CHECK-NOT: mgpuStreamSynchronize

// CHECK-LABEL: define internal void @cubins_attn_release()
// CHECK-NEXT: entry:
// CHECK-NEXT: call void @attnUnloadBinary(ptr @cubins_attn_blob)
// CHECK-NEXT: ret void
module attributes {gpu.container_module} {
  gpu.binary @cubins <#attn.lazy_object> [#gpu.object<#nvvm.target, bin = "CUBN">]
  gpu.binary @ptx <#attn.lazy_object> [#gpu.object<#nvvm.target, properties = {O = 3 : i32}, assembly = "ptx">]

  llvm.func @sync_launch(%n: i64, %p: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c128 = llvm.mlir.constant(128 : i64) : i64
    gpu.launch_func @cubins::@k blocks in (%n, %c1, %c1) threads in (%c128, %c1, %c1) : i64 args(%p : !llvm.ptr, %n : i64)
    llvm.return
  }

  llvm.func @async_launch_in_loop(%n: i64, %stream: !llvm.ptr) {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %smem = llvm.mlir.constant(49152 : i32) : i32
    llvm.br ^loop(%c0 : i64)
  ^loop(%i: i64):
    gpu.launch_func <%stream : !llvm.ptr> @ptx::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 dynamic_shared_memory_size %smem
    %next = llvm.add %i, %c1 : i64
    %done = llvm.icmp "eq" %next, %n : i64
    llvm.cond_br %done, ^exit, ^loop(%next : i64)
  ^exit:
    llvm.return
  }
}
