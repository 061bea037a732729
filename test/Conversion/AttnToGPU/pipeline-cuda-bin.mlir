// REQUIRES: ptxas
// RUN: attn-opt %s --attn-pipeline="target=cuda chip=sm_90a format=bin" | FileCheck %s

// format=bin assembles the kernel into a cubin inside the module; the host
// function is LLVM dialect launching it through the mgpu* runtime.
// CHECK-NOT: attn.attention
// CHECK-DAG: gpu.launch_func {{.*}}@attn_kernel::@attn_kernel blocks in ({{.*}}) threads in ({{.*}}) : i64 dynamic_shared_memory_size
// CHECK-DAG: gpu.binary @attn_kernel <#attn.lazy_object> [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF

func.func @attn(%q: tensor<2x8x256x128xf16>, %k: tensor<2x2x256x128xf16>,
                %v: tensor<2x2x256x128xf16>, %o: tensor<2x8x256x128xf16>)
    -> tensor<2x8x256x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x8x256x128xf16>,
         tensor<2x2x256x128xf16>, tensor<2x2x256x128xf16>)
       outs(%o : tensor<2x8x256x128xf16>) scale(0.08838834764831845)
       -> tensor<2x8x256x128xf16>
  return %r : tensor<2x8x256x128xf16>
}
