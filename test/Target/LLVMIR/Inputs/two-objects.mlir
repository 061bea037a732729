// Two objects (say sm_80 and sm_90a): #attn.lazy_object loads one.
module attributes {gpu.container_module} {
  gpu.binary @kernels <#attn.lazy_object> [#gpu.object<#nvvm.target<chip = "sm_80">, bin = "A">, #gpu.object<#nvvm.target<chip = "sm_90a">, bin = "B">]
}
