//===- TestEmulateGPUOnHost.cpp - run target=cuda host code on the CPU ----===//
//
// The host side of a target=cuda program (bufferization with caller-provided
// result buffers, --attn-map-linalg-to-gpu, --attn-place-buffers-on-device)
// decides where every buffer lives, how results come back and what each
// kernel computes; none of that needs a GPU to be checked. This test pass
// replaces the GPU by the host: each gpu.launch becomes an scf.parallel over
// its blocks and threads (the kernels the host side makes have no barriers,
// shuffles or shared memory), device buffers become host buffers and copies
// memref.copy. `--test-attn-cuda-host-on-cpu` runs a whole program that way
// (attention decomposed, since the attention kernels need a GPU), so that
// every CPU integration program checks the host side against its float64
// reference on a machine without a GPU (test/Integration/GPU-emulated).
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

/// Ops a kernel of the host side may hold: anything but the GPU's own
/// cooperation and memory (those need real threads).
LogicalResult checkEmulatable(gpu::LaunchOp launch) {
  if (!launch.getBody().hasOneBlock() ||
      !launch.getWorkgroupAttributions().empty() ||
      !launch.getPrivateAttributions().empty() ||
      launch.getDynamicSharedMemorySize())
    return launch.emitOpError("cannot be emulated on the host");
  WalkResult walk = launch.getBody().walk([](Operation *op) {
    if (isa<gpu::GPUDialect>(op->getDialect()) && !isa<gpu::TerminatorOp>(op))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return launch.emitOpError("uses GPU operations the host cannot emulate");
  return success();
}

/// gpu.launch as a parallel loop over (blocks x, y, z, threads x, y, z).
LogicalResult emulateLaunch(RewriterBase &rw, gpu::LaunchOp launch) {
  if (failed(checkEmulatable(launch)))
    return failure();
  Location loc = launch.getLoc();
  rw.setInsertionPoint(launch);
  Value zero = arith::ConstantIndexOp::create(rw, loc, 0);
  Value one = arith::ConstantIndexOp::create(rw, loc, 1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  SmallVector<Value> ubs = {grid.x, grid.y, grid.z, block.x, block.y, block.z};
  auto loop = scf::ParallelOp::create(rw, loc, SmallVector<Value>(6, zero), ubs,
                                      SmallVector<Value>(6, one));
  Block &body = launch.getBody().front();
  IRMapping map;
  gpu::KernelDim3 bids = launch.getBlockIds(), tids = launch.getThreadIds();
  gpu::KernelDim3 gsz = launch.getGridSize(), bsz = launch.getBlockSize();
  SmallVector<Value> ivs(loop.getInductionVars());
  for (auto [from, to] : llvm::zip(
           SmallVector<Value>{bids.x, bids.y, bids.z, tids.x, tids.y, tids.z,
                              gsz.x, gsz.y, gsz.z, bsz.x, bsz.y, bsz.z},
           SmallVector<Value>{ivs[0], ivs[1], ivs[2], ivs[3], ivs[4], ivs[5],
                              grid.x, grid.y, grid.z, block.x, block.y,
                              block.z}))
    map.map(from, to);
  rw.setInsertionPoint(loop.getBody()->getTerminator());
  for (Operation &op : body.without_terminator())
    rw.clone(op, map);
  rw.eraseOp(launch);
  return success();
}

/// Device memory operations as host ones.
void emulateMemory(RewriterBase &rw, Operation *root) {
  root->walk([&](gpu::AllocOp op) {
    rw.setInsertionPoint(op);
    rw.replaceOpWithNewOp<memref::AllocOp>(op, op.getType(),
                                           op.getDynamicSizes());
  });
  root->walk([&](gpu::DeallocOp op) {
    rw.setInsertionPoint(op);
    rw.replaceOpWithNewOp<memref::DeallocOp>(op, op.getMemref());
  });
  root->walk([&](gpu::MemcpyOp op) {
    rw.setInsertionPoint(op);
    rw.replaceOpWithNewOp<memref::CopyOp>(op, op.getSrc(), op.getDst());
  });
  root->walk([&](gpu::WaitOp op) { rw.eraseOp(op); });
}

struct TestEmulateGPUOnHost
    : PassWrapper<TestEmulateGPUOnHost, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestEmulateGPUOnHost)

  StringRef getArgument() const final {
    return "test-attn-emulate-gpu-on-host";
  }
  StringRef getDescription() const final {
    return "Run the gpu.launch kernels and device memory operations of "
           "target=cuda host code on the host (testing)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry
        .insert<arith::ArithDialect, memref::MemRefDialect, scf::SCFDialect>();
  }

  void runOnOperation() override {
    IRRewriter rw(&getContext());
    SmallVector<gpu::LaunchOp> launches;
    getOperation()->walk([&](gpu::LaunchOp l) { launches.push_back(l); });
    for (gpu::LaunchOp launch : launches)
      if (failed(emulateLaunch(rw, launch)))
        return signalPassFailure();
    emulateMemory(rw, getOperation());
  }
};

} // namespace

namespace mlir::attn::test {
void registerTestEmulateGPUOnHost() {
  PassRegistration<TestEmulateGPUOnHost>();
  PassPipelineRegistration<>(
      "test-attn-cuda-host-on-cpu",
      "The host side of --attn-pipeline=target=cuda with the GPU emulated "
      "on the host (attention decomposed): runs under mlir-runner",
      [](OpPassManager &pm) {
        pm.addPass(createInlinerPass());
        pm.addPass(createAttnSplitKV());
        pm.addPass(createAttnDecompose());
        pm.addPass(createAttnDecomposeAggregatedOps());
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
        buildAttnDeviceBufferizationPipeline(pm);
        // The host cannot run mma.sync: every op as a generic kernel.
        AttnMapLinalgToGPUOptions mapOpts;
        mapOpts.mmaSync = false;
        pm.addPass(createAttnMapLinalgToGPU(mapOpts));
        pm.addPass(createAttnPlaceBuffersOnDevice());
        pm.addPass(std::make_unique<TestEmulateGPUOnHost>());
        pm.addPass(createCanonicalizerPass());
        buildAttnHostToLLVMPipeline(pm);
      });
}
} // namespace mlir::attn::test
