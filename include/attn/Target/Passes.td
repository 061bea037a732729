//===- Passes.td - attn target passes ----------------------*- tablegen -*-===//
#ifndef ATTN_TARGET_PASSES_TD
#define ATTN_TARGET_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnAttachOffloadingHandler
    : Pass<"attn-attach-offloading-handler", "ModuleOp"> {
  let summary = "Chooses how host code loads the kernels of each gpu.module";
  let description = [{
    Sets the offloading handler of every top-level `gpu.module`;
    `gpu-module-to-binary` gives it to the `gpu.binary` it makes, and the
    handler decides, in the LLVM IR translation, how the host code embeds the
    binary and gets a kernel to launch (docs/runtime.md, "Life cycle"):

    - `lazy`: `#attn.lazy_object`. The binary is a constant; each launch asks
      libattn_runtime for the kernel in the current CUDA context, which
      loads the module on first use there. Loading the library makes no CUDA
      call; each device gets its own module.
    - `select-object`: no handler, i.e. upstream's `#gpu.select_object`,
      whose global constructor loads the module (initializing CUDA) when the
      library is loaded, on the device then current, and whose destructor
      unloads it. Needs only the upstream `mgpu*` runtime ABI.

    Run it after kernel outlining and before `gpu-module-to-binary`.
  }];
  let options = [
    Option<"handler", "handler", "::mlir::attn::OffloadingHandler",
           /*default=*/"::mlir::attn::OffloadingHandler::Lazy",
           "How host code gets its kernels",
           [{::llvm::cl::values(
             clEnumValN(::mlir::attn::OffloadingHandler::Lazy, "lazy",
                        "#attn.lazy_object: load on first use, per context"),
             clEnumValN(::mlir::attn::OffloadingHandler::SelectObject,
                        "select-object",
                        "#gpu.select_object: load at library load"))}]>,
  ];
  let dependentDialects = ["::mlir::attn::AttnDialect",
                           "::mlir::gpu::GPUDialect"];
}

#endif // ATTN_TARGET_PASSES_TD
