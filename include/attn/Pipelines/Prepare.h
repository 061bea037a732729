//===- Prepare.h - normalise exporters' IR before --attn-fuse ---*- C++ -*-===//
#ifndef ATTN_PIPELINES_PREPARE_H
#define ATTN_PIPELINES_PREPARE_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace attn {

struct AttnPrepareOptions : public PassPipelineOptions<AttnPrepareOptions> {
  PassOptions::Option<bool> tosa{
      *this, "tosa",
      llvm::cl::desc("Lower TOSA to linalg, tensor and arith (upstream "
                     "TOSA-to-linalg pipeline); a no-op without TOSA ops"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> foldUnitDims{
      *this, "fold-unit-dims",
      llvm::cl::desc("Fold unit dimensions of linalg.generic ops "
                     "(--linalg-fold-unit-extent-dims); off by default, see "
                     "docs/fuse.md"),
      llvm::cl::init(false)};
};

/// Normalises a module as exporters write it so that --attn-fuse sees few
/// spellings: TOSA lowered to linalg, constants folded, reshapes composed,
/// unit dimensions folded, duplicates merged. Upstream passes only; the
/// semantics of every function are unchanged.
void buildAttnPreparePipeline(OpPassManager &pm,
                              const AttnPrepareOptions &opts);

/// Registers `--attn-prepare`.
void registerAttnPreparePipeline();

} // namespace attn
} // namespace mlir

#endif // ATTN_PIPELINES_PREPARE_H
