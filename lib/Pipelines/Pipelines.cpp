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
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-pipeline"

using namespace mlir;
using namespace mlir::attn;

void mlir::attn::buildAttnHostToLLVMPipeline(OpPassManager &pm) {
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

  buildAttnHostToLLVMPipeline(pm);
}

/// The attention kernels, on tensors: on sm_90a the TMA + wgmma kernel takes
/// every op it supports (1.3-2.2x the mma.sync one on H100,
/// docs/hopper.md), then the mma.sync kernel.
static void addAttentionKernels(OpPassManager &pm,
                                const AttnPipelineOptions &opts) {
  bool autoKernel = opts.kernel == AttentionKernel::Auto;
  bool autoWgmma = autoKernel && opts.chip == GPUChip::Sm90a;
  if (opts.kernel == AttentionKernel::Wgmma || autoWgmma) {
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
  // auto: the mma.sync kernel takes what it supports (soft) and the general
  // SIMT kernel every op left, so that no valid op fails to compile.
  if (opts.kernel != AttentionKernel::Simt) {
    ConvertAttnToGPUOptions gpuOpts;
    gpuOpts.numWarps = opts.gpuWarps;
    gpuOpts.blockKV = opts.gpuBlockKV;
    gpuOpts.rowTiles = opts.gpuRowTiles;
    gpuOpts.chip = opts.chip;
    gpuOpts.soft = autoKernel;
    pm.addPass(createConvertAttnToGPU(gpuOpts));
  }
  if (autoKernel || opts.kernel == AttentionKernel::Simt)
    pm.addPass(createConvertAttnToGPUSimt());
  LLVM_DEBUG({
    // Which kernels may take an op, in order, with their options (`soft`
    // passes leave what they cannot take to the next).
    llvm::dbgs() << "[" DEBUG_TYPE "] attention kernels for "
                 << stringifyGPUChip(opts.chip) << ":\n";
    for (Pass &pass : pm.getPasses()) {
      if (!pass.getArgument().starts_with("convert-attn-to-gpu"))
        continue;
      llvm::dbgs() << "  ";
      pass.printAsTextualPipeline(llvm::dbgs());
      llvm::dbgs() << "\n";
    }
  });
}

/// Tensors to buffers for a whole program: every function's tensor results
/// become caller-provided buffers (trailing arguments, docs/runtime.md), and
/// the buffers a function allocates are freed by ownership-based
/// deallocation. Calls must be inlined before: upstream's out-params
/// conversion cannot size a dynamically shaped result at a call site.
void mlir::attn::buildAttnDeviceBufferizationPipeline(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufOpts;
  bufOpts.bufferizeFunctionBoundaries = true;
  bufOpts.allowReturnAllocsFromLoops = true;
  bufOpts.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufOpts));
  bufferization::BufferResultsToOutParamsPassOptions outOpts;
  outOpts.hoistStaticAllocs = true;
  outOpts.hoistDynamicAllocs = true;
  outOpts.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outOpts));
  // On functions only: not into the outlined kernels.
  pm.addNestedPass<func::FuncOp>(
      bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(
      bufferization::createBufferDeallocationSimplificationPass());
}

void mlir::attn::buildAttnCUDAPipeline(OpPassManager &pm,
                                       const AttnPipelineOptions &opts) {
  pm.addPass(createInlinerPass());
  // Decoding: the query heads of a group packed as the rows of one head and
  // the keys split into chunks that run on more blocks (flash-decoding),
  // ordinary attention ops for the kernels below plus a small combine.
  if (opts.splitKV != SplitKVMode::Off)
    pm.addPass(createAttnSplitKV());
  addAttentionKernels(pm, opts);
  // What is left of unfused attention (linalg.softmax) and the
  // attn.attention ops no kernel took (score_mod/mask_mod regions, sinks)
  // become generics, which --attn-map-linalg-to-gpu maps to kernels like
  // any other.
  pm.addPass(createAttnDecomposeAggregatedOps());
  // Outline the attention kernels before deallocation, which cannot look
  // into their bodies, and before canonicalization, which would turn their
  // memref.dim of operand buffers into tensor.dim (tensor kernel arguments).
  // Sinking constants and dims into a kernel first keeps them from becoming
  // kernel arguments (dynamic memref.dim indices spilled descriptors to
  // local memory).
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  buildAttnDeviceBufferizationPipeline(pm);

  // The host side of the program: the rest of its ops become kernels, its
  // buffers live on the device, its GPU work goes on the caller's stream.
  pm.addPass(createAttnMapLinalgToGPU());
  pm.addPass(createAttnPlaceBuffersOnDevice());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Before any canonicalization: the host waits it orders have no operands
  // yet, and upstream folds such waits away.
  pm.addPass(createAttnGPUStreamOrder());
  pm.addPass(createCanonicalizerPass());

  // The upstream GPU -> NVVM -> binary order (GPUToNVVMPipeline.cpp),
  // spelled out to pass the toolkit path, which links libdevice.
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createAttnLowerDynamicExpandShape());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions targetOpts;
  targetOpts.chip = stringifyGPUChip(opts.chip).str();
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

  AttnAttachOffloadingHandlerOptions handlerOpts;
  handlerOpts.handler = opts.offloadingHandler;
  pm.addPass(createAttnAttachOffloadingHandler(handlerOpts));
  GpuModuleToBinaryPassOptions binOpts;
  binOpts.compilationTarget =
      opts.format == GPUBinaryFormat::PTX ? "isa" : "bin";
  binOpts.toolkitPath = opts.cudaPath;
  pm.addPass(createGpuModuleToBinaryPass(binOpts));
}

LogicalResult mlir::attn::buildAttnPipeline(
    OpPassManager &pm, const AttnPipelineOptions &opts,
    function_ref<LogicalResult(const Twine &)> errorHandler) {
  // Unknown spellings of the enum options are rejected while parsing them.
  if (opts.target == PipelineTarget::CPU) {
    buildAttnCPUPipeline(pm, opts);
    return success();
  }
  if (opts.kernel == AttentionKernel::Wgmma && opts.chip != GPUChip::Sm90a)
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
  buildAttnCUDAPipeline(pm, opts);
  return success();
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
