//===- Prepare.cpp - normalise exporters' IR before --attn-fuse -*- C++ -*-===//
//
// --attn-prepare is a pass pipeline, not a pass: every step is an upstream
// pass, so what it does to the rest of a model is what upstream does, and a
// user can run the same passes by hand. It lives next to --attn-pipeline
// because, like it, it only composes passes (lib/Dialect/Attn/Transforms
// holds the passes that are ours).
//
//===----------------------------------------------------------------------===//
#include "attn/Pipelines/Prepare.h"

#include "mlir/Conversion/TosaToArith/TosaToArith.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Conversion/TosaToTensor/TosaToTensor.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::attn;

void mlir::attn::buildAttnPreparePipeline(OpPassManager &pm,
                                          const AttnPrepareOptions &opts) {
  if (opts.tosa) {
    // Upstream's TOSA -> linalg pipeline (named ops, then elementwise and
    // reductions), without its validation pass: exporters' TOSA need not
    // match one TOSA profile to be lowered correctly. It leaves
    // tosa.reshape and tosa.const, which become tensor reshapes and arith
    // constants.
    tosa::addTosaToLinalgPasses(pm, TosaToLinalgOptions(),
                                TosaToLinalgNamedOptions(),
                                /*validationOptions=*/std::nullopt);
    pm.addNestedPass<func::FuncOp>(createTosaToTensorPass());
    pm.addNestedPass<func::FuncOp>(createTosaToArithPass());
  }
  // Arith and math ops applied to whole tensors (buddy-mlir's imports mix
  // them with TOSA) become elementwise linalg.generic ops.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  // Folds reshape chains (tosa.reshape pairs become one collapse/expand),
  // constant tensors that exporters broadcast scalars from, dead results
  // (e.g. the indices of torch's max.dim), identity generics.
  pm.addPass(createCanonicalizerPass());
  if (opts.foldUnitDims) {
    // Batch or head dimensions of size 1 (single-sequence exports, MQA) and
    // the keepdims [.., S, 1] of reductions become plain rank-reduced ops.
    pm.addPass(createLinalgFoldUnitExtentDimsPass());
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createCSEPass());
}

void mlir::attn::registerAttnPreparePipeline() {
  PassPipelineRegistration<AttnPrepareOptions>(
      "attn-prepare",
      "Normalise exporters' IR for --attn-fuse: TOSA to linalg, canonicalize, "
      "fold unit dimensions, CSE (upstream passes only)",
      buildAttnPreparePipeline);
}
