module attributes {gpu.container_module} {
  gpu.binary @kernels <#attn.lazy_object> [#gpu.object<#nvvm.target, offload = "llvm-bitcode">]
}
