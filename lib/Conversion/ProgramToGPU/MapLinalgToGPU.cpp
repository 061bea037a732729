//===- MapLinalgToGPU.cpp - linalg ops of host code as GPU kernels --------===//
//
// After bufferization, every linalg op left in host code (elementwise ops,
// transposes, reductions, fills, copies, contractions of a target=cuda
// program: everything but attention, which has its own kernels) becomes a
// gpu.launch with one thread per point of its parallel iteration space.
// Everything here is upstream machinery: generalization and interchange put
// the parallel loops outermost, linalg's scf.parallel lowering makes the loop
// nest, collapseParallelLoops and tileParallelLoop shape it into blocks and
// threads, and the scf.parallel -> gpu.launch conversion makes the kernel.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "attn/Conversion/Passes.h"

#include "mlir/Conversion/SCFToGPU/SCFToGPU.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-map-linalg-to-gpu"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNMAPLINALGTOGPU
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

bool mlir::attn::isHostCode(Operation *op) {
  return !op->getParentOfType<gpu::LaunchOp>() &&
         !op->getParentOfType<gpu::GPUFuncOp>() &&
         !op->getParentOfType<gpu::GPUModuleOp>();
}

namespace {

/// `op` as a linalg.generic whose parallel loops come first (in their
/// order), so that linalg's loop lowering makes one scf.parallel around the
/// reduction loops.
FailureOr<linalg::GenericOp>
genericWithParallelLoopsFirst(RewriterBase &rw, linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic) {
    FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(rw, op);
    if (failed(g))
      return failure();
    generic = *g;
  }
  SmallVector<unsigned> order;
  for (auto [i, it] : llvm::enumerate(generic.getIteratorTypesArray()))
    if (it == utils::IteratorType::parallel)
      order.push_back(i);
  for (auto [i, it] : llvm::enumerate(generic.getIteratorTypesArray()))
    if (it != utils::IteratorType::parallel)
      order.push_back(i);
  if (llvm::equal(order, llvm::seq<unsigned>(0, order.size())))
    return generic;
  return linalg::interchangeGenericOp(rw, generic, order);
}

/// Moves `op` into a new one-iteration scf.parallel, so that an op without
/// parallel loops still runs in a kernel (on one thread).
scf::ParallelOp wrapInUnitParallelLoop(RewriterBase &rw, Operation *op) {
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPoint(op);
  Location loc = op->getLoc();
  Value zero = arith::ConstantIndexOp::create(rw, loc, 0);
  Value one = arith::ConstantIndexOp::create(rw, loc, 1);
  auto loop = scf::ParallelOp::create(rw, loc, zero, one, one);
  rw.moveOpBefore(op, loop.getBody()->getTerminator());
  return loop;
}

gpu::ParallelLoopDimMappingAttr mapTo(MLIRContext *ctx, gpu::Processor p) {
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  return gpu::ParallelLoopDimMappingAttr::get(ctx, p, id, id);
}

/// Collapses `loop` to one dimension (innermost fastest, so that consecutive
/// threads touch consecutive elements of row-major buffers), tiles it into
/// blocks of `blockSize` threads and annotates the mapping. Parallel loops
/// nested inside run sequentially in the thread.
scf::ParallelOp shapeForGPU(RewriterBase &rw, scf::ParallelOp loop,
                            int64_t blockSize) {
  if (loop.getNumLoops() > 1) {
    // The collapsed loop is created right before `loop`, which is erased.
    Operation *next = loop->getNextNode();
    std::vector<unsigned> all(loop.getNumLoops());
    std::iota(all.begin(), all.end(), 0);
    collapseParallelLoops(rw, loop, {all});
    loop = cast<scf::ParallelOp>(next->getPrevNode());
  }
  // Not a structured binding: the lambda below captures `inner` (C++17).
  std::pair<scf::ParallelOp, scf::ParallelOp> tiled =
      scf::tileParallelLoop(loop, {blockSize}, /*noMinMaxBounds=*/true);
  scf::ParallelOp outer = tiled.first, inner = tiled.second;
  MLIRContext *ctx = rw.getContext();
  inner.walk([&](scf::ParallelOp nested) {
    if (nested == inner)
      return;
    SmallVector<gpu::ParallelLoopDimMappingAttr> seq(
        nested.getNumLoops(), mapTo(ctx, gpu::Processor::Sequential));
    (void)gpu::setMappingAttr(nested, seq);
  });
  (void)gpu::setMappingAttr(outer, {mapTo(ctx, gpu::Processor::BlockX)});
  (void)gpu::setMappingAttr(inner, {mapTo(ctx, gpu::Processor::ThreadX)});
  return outer;
}

/// The upstream scf.parallel -> gpu.launch conversion of the mapped loops
/// in `root`. A loop the conversion gives up on stays mapped (its pattern
/// marks it legal first): that is reported here.
LogicalResult convertToLaunch(Operation *root) {
  MLIRContext *ctx = root->getContext();
  RewritePatternSet patterns(ctx);
  populateParallelLoopToGPUPatterns(patterns);
  ConversionTarget target(*ctx);
  target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
  configureParallelLoopToGPULegality(target);
  if (failed(applyPartialConversion(root, target, std::move(patterns))))
    return failure();
  finalizeParallelLoopToGPUConversion(root);
  // The conversion's marker of visited loops stays on the launches.
  root->walk(
      [](gpu::LaunchOp launch) { launch->removeAttr("SCFToGPU_visited"); });
  WalkResult left = root->walk([&](scf::ParallelOp loop) {
    if (!loop->hasAttr(gpu::getMappingAttrName()) ||
        loop->getParentOfType<gpu::LaunchOp>())
      return WalkResult::advance();
    loop.emitOpError("could not be mapped to a GPU kernel");
    return WalkResult::interrupt();
  });
  return failure(left.wasInterrupted());
}

/// Steps 1-3 of mapLinalgOpToGPU: the mapped scf.parallel of `op`.
FailureOr<scf::ParallelOp> toMappedLoop(RewriterBase &rw, linalg::LinalgOp op,
                                        int64_t blockSize) {
  FailureOr<linalg::GenericOp> generic = genericWithParallelLoopsFirst(rw, op);
  if (failed(generic))
    return op->emitOpError("cannot be generalized to run as a GPU kernel");
  scf::ParallelOp unit;
  if (generic->getNumParallelLoops() == 0)
    unit = wrapInUnitParallelLoop(rw, *generic);
  // The loops are built at the insertion point: where the op now is.
  rw.setInsertionPoint(*generic);
  FailureOr<linalg::LinalgLoops> loops =
      linalg::linalgOpToParallelLoops(rw, *generic);
  if (failed(loops))
    return generic->emitOpError("cannot be lowered to loops for the GPU");
  rw.eraseOp(*generic);
  auto top = unit ? unit : dyn_cast<scf::ParallelOp>(loops->front());
  if (!top)
    return failure();
  return shapeForGPU(rw, top, blockSize);
}

} // namespace

LogicalResult mlir::attn::mapLinalgOpToGPU(RewriterBase &rewriter,
                                           linalg::LinalgOp op,
                                           int64_t blockSize) {
  LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] kernel for " << op << "\n");
  OpBuilder::InsertionGuard guard(rewriter);
  FailureOr<scf::ParallelOp> loop = toMappedLoop(rewriter, op, blockSize);
  if (failed(loop))
    return failure();
  return convertToLaunch(
      (*loop)->getParentWithTrait<OpTrait::IsIsolatedFromAbove>());
}

LogicalResult mlir::attn::emitCopyKernel(RewriterBase &rewriter, Location loc,
                                         Value src, Value dst,
                                         int64_t blockSize) {
  auto copy =
      linalg::CopyOp::create(rewriter, loc, ValueRange{src}, ValueRange{dst});
  return mapLinalgOpToGPU(rewriter, cast<linalg::LinalgOp>(copy.getOperation()),
                          blockSize);
}

namespace {

bool hasIdentityLayout(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.getLayout().isIdentity();
}

struct AttnMapLinalgToGPUPass
    : attn::impl::AttnMapLinalgToGPUBase<AttnMapLinalgToGPUPass> {
  using AttnMapLinalgToGPUBase::AttnMapLinalgToGPUBase;

  void runOnOperation() override {
    if (blockSize <= 0 || blockSize > 1024) {
      getOperation()->emitError("attn-map-linalg-to-gpu: block-size must be "
                                "in [1, 1024], not ")
          << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    // Copies between strided views cannot be one gpu.memcpy: make them
    // kernels like every other linalg op.
    getOperation()->walk([&](memref::CopyOp copy) {
      if (!isHostCode(copy) || (hasIdentityLayout(copy.getSource()) &&
                                hasIdentityLayout(copy.getTarget())))
        return;
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (isHostCode(op))
        ops.push_back(op);
    });
    SmallVector<Operation *> loops;
    // Parallel loops written in the input run as kernels too (those with
    // reductions stay on the host: the conversion has no reductions).
    SmallVector<scf::ParallelOp> userLoops;
    getOperation()->walk([&](scf::ParallelOp loop) {
      bool holdsLinalg =
          loop->walk([](linalg::LinalgOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
      if (isHostCode(loop) && !loop->getParentOfType<scf::ParallelOp>() &&
          loop.getInitVals().empty() && !holdsLinalg)
        userLoops.push_back(loop);
    });
    for (scf::ParallelOp loop : userLoops) {
      rewriter.setInsertionPoint(loop);
      loops.push_back(shapeForGPU(rewriter, loop, blockSize));
    }
    for (linalg::LinalgOp op : ops) {
      if (mmaSync && succeeded(mapContractionToMmaSync(rewriter, op)))
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<scf::ParallelOp> loop = toMappedLoop(rewriter, op, blockSize);
      if (failed(loop))
        return signalPassFailure();
      loops.push_back(*loop);
    }
    if (failed(convertToLaunch(getOperation())))
      return signalPassFailure();
  }
};

} // namespace
