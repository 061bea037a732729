//===- AttnAttrs.td - attn attributes ----------------------*- tablegen -*-===//
#ifndef ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
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

#endif // ATTN_DIALECT_ATTN_IR_ATTNATTRS_TD
