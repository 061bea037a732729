//===- Passes.h - attn target passes ----------------------------*- C++ -*-===//
#ifndef ATTN_TARGET_PASSES_H
#define ATTN_TARGET_PASSES_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Support/EnumOptionParser.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace attn {

/// The offloading handler of the gpu.binary ops of a target=cuda module: how
/// the host code embeds a GPU binary and gets a kernel to launch.
enum class OffloadingHandler {
  /// #attn.lazy_object: loaded on first use in the caller's CUDA context.
  Lazy,
  /// Upstream's #gpu.select_object: loaded by a global constructor.
  SelectObject,
};

} // namespace attn
} // namespace mlir

ATTN_ENUM_OPTION_PARSER(mlir::attn::OffloadingHandler)

namespace mlir {
namespace attn {

#define GEN_PASS_DECL
#include "attn/Target/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "attn/Target/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_TARGET_PASSES_H
