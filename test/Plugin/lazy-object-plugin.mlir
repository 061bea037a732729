// Stock mlir-opt with the plugin knows #attn.lazy_object and the pass that
// attaches it.
// RUN: mlir-opt %s --load-dialect-plugin=%attn_plugin \
// RUN:   --load-pass-plugin=%attn_plugin \
// RUN:   --pass-pipeline='builtin.module(attn-attach-offloading-handler)' \
// RUN:   | FileCheck %s

// CHECK: gpu.module @kernels<#attn.lazy_object> [#nvvm.target]
// CHECK: gpu.binary @prebuilt <#attn.lazy_object> [#gpu.object<#nvvm.target, bin = "CUBN">]
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target] {
  }
  gpu.binary @prebuilt <#attn.lazy_object> [#gpu.object<#nvvm.target, bin = "CUBN">]
}
