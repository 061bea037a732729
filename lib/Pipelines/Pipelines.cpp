//===- Pipelines.cpp - attn end-to-end pipelines ----------------*- C++ -*-===//
#include "attn/Pipelines/Pipelines.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::attn;

void mlir::attn::buildAttnCPUPipeline(OpPassManager &pm,
                                      const AttnPipelineOptions &opts) {
  if (opts.tile) {
    AttnTileOptions tileOpts;
    tileOpts.blockQ = opts.blockQ;
    tileOpts.blockKV = opts.blockKV;
    tileOpts.splitKV = opts.splitKV;
    pm.addPass(createAttnTile(tileOpts));
  } else {
    pm.addPass(createAttnDecompose());
  }
  pm.addPass(createAttnDecomposeAggregatedOps());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  bufferization::OneShotBufferizePassOptions bufOpts;
  bufOpts.bufferizeFunctionBoundaries = true;
  // The tiled loop nests carry fresh per-iteration tensors (row max, sum).
  bufOpts.allowReturnAllocsFromLoops = true;
  bufOpts.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufOpts));
  bufferization::BufferDeallocationPipelineOptions deallocOpts;
  bufferization::buildBufferDeallocationPipeline(pm, deallocOpts);
  pm.addPass(createConvertBufferizationToMemRefPass());

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createAttnLowerDynamicExpandShape());
  pm.addPass(memref::createExpandStridedMetadataPass());
  // What test and benchmark programs use around the model: scf.forall and
  // vector ops (vector.print, transfers) become scf loops, then plain
  // control flow; the order follows upstream's test-lower-to-llvm.
  pm.addPass(createForallToForLoopPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // bf16 <-> f32 casts become integer arithmetic: the host may lack libcalls.
  arith::ArithExpandOpsPassOptions expandOpts;
  expandOpts.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expandOpts));
  // vector.print becomes calls to printF32/printNewline/... of
  // libmlir_c_runner_utils, the library mlir-runner loads for
  // printMemrefF32 and rtclock.
  pm.addPass(createConvertVectorToLLVMPass());
  // Math ops with an LLVM intrinsic first; the rest (tanh, erf, atan, ...
  // in GELU and friends) become libm calls, declared as func.func and so
  // lowered with the functions below.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::attn::buildAttnCUDAPipeline(OpPassManager &pm,
                                       const AttnPipelineOptions &opts) {
  // On sm_90a, auto takes the TMA + wgmma kernel (1.3-2.2x the mma.sync one
  // on H100, docs/hopper.md) for every op it supports and leaves the rest
  // (explicit masks, head dims other than 64/128/256) to the mma.sync one.
  bool autoWgmma = opts.kernel == "auto" && opts.chip == "sm_90a";
  if (opts.kernel == "wgmma" || autoWgmma) {
    ConvertAttnToGPUSm90Options sm90Opts;
    sm90Opts.warpgroups = opts.gpuWarpgroups;
    sm90Opts.blockKV = opts.gpuBlockKV;
    sm90Opts.stages = opts.gpuStages;
    sm90Opts.overlap = opts.gpuOverlap;
    sm90Opts.producerWarp = opts.gpuProducerWarp;
    sm90Opts.pingpong = opts.gpuPingpong;
    sm90Opts.persistent = opts.gpuPersistent;
    sm90Opts.soft = autoWgmma;
    pm.addPass(createConvertAttnToGPUSm90(sm90Opts));
  }
  ConvertAttnToGPUOptions gpuOpts;
  gpuOpts.numWarps = opts.gpuWarps;
  gpuOpts.blockKV = opts.gpuBlockKV;
  gpuOpts.rowTiles = opts.gpuRowTiles;
  gpuOpts.chip = opts.chip;
  pm.addPass(createConvertAttnToGPU(gpuOpts));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Tensor arguments are device buffers: bufferize function boundaries with
  // identity layouts so that they map 1:1 to the caller's pointers.
  bufferization::OneShotBufferizePassOptions bufOpts;
  bufOpts.bufferizeFunctionBoundaries = true;
  // The tiled loop nests carry fresh per-iteration tensors (row max, sum).
  bufOpts.allowReturnAllocsFromLoops = true;
  bufOpts.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufOpts));
  pm.addPass(createConvertBufferizationToMemRefPass());

  // The upstream GPU -> NVVM -> binary order (GPUToNVVMPipeline.cpp),
  // spelled out to pass the toolkit path, which links libdevice.
  // Outline first, sinking constants and dims into the kernel: otherwise
  // they become kernel arguments and dynamic memref.dim indices.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createAttnLowerDynamicExpandShape());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions targetOpts;
  targetOpts.chip = opts.chip;
  targetOpts.features = "+ptx80";
  targetOpts.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(targetOpts));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());

  GpuModuleToBinaryPassOptions binOpts;
  binOpts.compilationTarget = opts.format;
  binOpts.toolkitPath = opts.cudaPath;
  pm.addPass(createGpuModuleToBinaryPass(binOpts));
}

LogicalResult mlir::attn::buildAttnPipeline(
    OpPassManager &pm, const AttnPipelineOptions &opts,
    function_ref<LogicalResult(const Twine &)> errorHandler) {
  if (opts.target == "cpu") {
    buildAttnCPUPipeline(pm, opts);
    return success();
  }
  if (opts.target == "cuda") {
    if (opts.chip != "sm_80" && opts.chip != "sm_90" && opts.chip != "sm_90a")
      return errorHandler("attn-pipeline: unsupported chip '" + opts.chip +
                          "' (expected sm_80, sm_90 or sm_90a)");
    if (opts.format != "bin" && opts.format != "isa")
      return errorHandler("attn-pipeline: unknown format '" + opts.format +
                          "' (expected bin or isa)");
    if (opts.kernel != "auto" && opts.kernel != "mma-sync" &&
        opts.kernel != "wgmma")
      return errorHandler("attn-pipeline: unknown kernel '" + opts.kernel +
                          "' (expected auto, mma-sync or wgmma)");
    if (opts.kernel == "wgmma" && opts.chip != "sm_90a")
      return errorHandler("attn-pipeline: kernel=wgmma needs chip=sm_90a");
    // Checked here: with kernel=auto an op may never reach the pass that
    // would reject them.
    if (opts.gpuWarps < 0 || opts.gpuBlockKV < 0 || opts.gpuRowTiles < 0)
      return errorHandler("attn-pipeline: gpu-warps (" + Twine(opts.gpuWarps) +
                          "), gpu-block-kv (" + Twine(opts.gpuBlockKV) +
                          ") and gpu-row-tiles (" + Twine(opts.gpuRowTiles) +
                          ") must be non-negative (0: the default table)");
    if (opts.gpuWarpgroups < 0 || opts.gpuStages < 0)
      return errorHandler("attn-pipeline: gpu-warpgroups (" +
                          Twine(opts.gpuWarpgroups) + ") and gpu-stages (" +
                          Twine(opts.gpuStages) +
                          ") must be non-negative (0: the default table)");
    for (auto [name, value] :
         {std::pair<StringRef, int64_t>{"gpu-overlap", opts.gpuOverlap},
          {"gpu-producer-warp", opts.gpuProducerWarp},
          {"gpu-pingpong", opts.gpuPingpong},
          {"gpu-persistent", opts.gpuPersistent}})
      if (value < -1 || value > 1)
        return errorHandler("attn-pipeline: " + name +
                            " must be -1 (the default table), 0 or 1, not " +
                            Twine(value));
    buildAttnCUDAPipeline(pm, opts);
    return success();
  }
  return errorHandler("attn-pipeline: unknown target '" + opts.target +
                      "' (expected cpu or cuda)");
}

void mlir::attn::registerAttnPipelines() {
  registerPassPipeline(
      "attn-pipeline",
      "Lower a module with attn ops to LLVM (target=cpu) or to a GPU binary "
      "plus host code (target=cuda)",
      [](OpPassManager &pm, StringRef optionsStr,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        AttnPipelineOptions opts;
        if (failed(opts.parseFromString(optionsStr)))
          return failure();
        return buildAttnPipeline(pm, opts, errorHandler);
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(AttnPipelineOptions());
      });
}
