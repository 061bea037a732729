//===- AttnDialect.td - attn dialect definition ------------*- tablegen -*-===//
#ifndef ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD
#define ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let summary = "Fused attention";
  let description = [{
    The `attn` dialect holds `attn.attention`, a fused scaled-dot-product
    attention on tensors. Frameworks export attention as separate linalg ops;
    `--attn-fuse` raises them into this op, `--attn-tile` and the GPU
    lowering turn it into a FlashAttention-style kernel, and
    `--attn-decompose` expands it back into plain linalg (the reference).
  }];
  let cppNamespace = "::mlir::attn";
  let useDefaultAttributePrinterParser = 1;
  // The interfaces of attn.attention build ops of these dialects: tiles are
  // tensor slices sized by affine.min/apply, the decomposition and the
  // split-KV merge are linalg.generic with math bodies.
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNDIALECT_TD
