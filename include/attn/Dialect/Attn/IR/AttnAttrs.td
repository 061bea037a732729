//===- AttnAttrs.td - attn attributes ----------------------*- tablegen -*-===//
#ifndef ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
include "mlir/Dialect/GPU/IR/CompilationAttrInterfaces.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Attn_CausalTopLeft : I32EnumAttrCase<"TopLeft", 0, "top_left">;
def Attn_CausalBottomRight : I32EnumAttrCase<"BottomRight", 1, "bottom_right">;

def Attn_CausalAlignment : I32EnumAttr<"CausalAlignment",
    "alignment of the causal mask's diagonal",
    [Attn_CausalTopLeft, Attn_CausalBottomRight]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::attn";
}

def Attn_CausalAttr : EnumAttr<Attn_Dialect, Attn_CausalAlignment, "causal"> {
  let summary = "causal mask alignment";
  let description = [{
    `top_left`: query `i` sees keys `j <= i` (PyTorch's `is_causal`).
    `bottom_right`: query `i` sees keys `j <= i + Sk - Sq` (FlashAttention
    >= 2.1, the KV-cache decoding convention). The two agree when Sq == Sk.
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Attn_LazyObjectAttr : AttrDef<Attn_Dialect, "LazyObject",
    [OffloadingTranslationAttrTrait]> {
  let mnemonic = "lazy_object";
  let summary = "GPU offloading handler that loads modules on first use";
  let description = [{
    An offloading handler for `gpu.binary` (the default of
    `--attn-pipeline=target=cuda`, `offloading-handler=lazy`). Where
    `#gpu.select_object` loads the module from a global constructor, so that
    loading a library initializes CUDA, this one embeds the binary (its one
    object: a cubin, fatbin or PTX) as a constant and nothing else; each
    `gpu.launch_func` asks libattn_runtime's `attnGetFunction` for the kernel
    in the caller's current CUDA context, which loads the module there on
    first use and is a lookup afterwards. The library's destructor unloads
    the modules (`attnUnloadBinary`). The LLVM IR translation lives in
    lib/Target/LLVMIR/LazyObjectAttr.cpp (registerAttnTranslations).

    ```mlir
    gpu.binary @kernels <#attn.lazy_object> [#gpu.object<#nvvm.target, bin = "...">]
    ```
  }];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
