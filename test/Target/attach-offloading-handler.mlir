// RUN: attn-opt %s --attn-attach-offloading-handler | FileCheck %s
// RUN: attn-opt %s --attn-attach-offloading-handler=handler=select-object \
// RUN:   | FileCheck %s --check-prefix=SELECT

// The default handler, lazy loading, is set on every gpu.module (replacing
// any other); select-object removes it, which means upstream's
// #gpu.select_object. gpu-module-to-binary hands it to the gpu.binary.

// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: gpu.module @kernels<#attn.lazy_object> [#nvvm.target]
// CHECK: gpu.module @chosen<#attn.lazy_object> [#nvvm.target]

// SELECT: gpu.module @kernels [#nvvm.target]
// SELECT: gpu.module @chosen [#nvvm.target]
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target] {
  }
  gpu.module @chosen <#gpu.select_object<0>> [#nvvm.target] {
  }
}
