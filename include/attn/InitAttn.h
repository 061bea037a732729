//===- InitAttn.h - register everything attn provides -----------*- C++ -*-===//
//
// For tools and for other compilers embedding attn: one call registers the
// dialect, another the passes and pipelines.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_INITATTN_H
#define ATTN_INITATTN_H

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"
#include "attn/Pipelines/Prepare.h"
#include "attn/Target/LLVMIR/LazyObject.h"
#include "attn/Target/Passes.h"
#include "mlir/IR/DialectRegistry.h"

namespace mlir {
namespace attn {

inline void registerAttnDialect(DialectRegistry &registry) {
  registry.insert<AttnDialect>();
}

/// For tools that translate to LLVM IR (next to
/// registerAllToLLVMIRTranslations): the translation of #attn.lazy_object,
/// the default offloading handler of target=cuda binaries.
inline void registerAttnTranslations(DialectRegistry &registry) {
  registerLazyObjectTranslation(registry);
}

/// Registers --attn-decompose, --attn-fuse, --attn-tile, --convert-attn-to-gpu,
/// --attn-attach-offloading-handler, --attn-prepare and --attn-pipeline.
inline void registerAttnPassesAndPipelines() {
  registerAttnPasses();
  registerAttnConversionPasses();
  registerAttnTargetPasses();
  registerAttnPipelines();
  registerAttnPreparePipeline();
}

} // namespace attn
} // namespace mlir

#endif // ATTN_INITATTN_H
