module attributes {gpu.container_module} {
  gpu.binary @kernels <#attn.lazy_object> [#gpu.object<#nvvm.target, bin = "A">]
  llvm.func @launch() {
    %c1 = llvm.mlir.constant(1 : i64) : i64
    gpu.launch_func @kernels::@k clusters in (%c1, %c1, %c1) blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64
    llvm.return
  }
}
