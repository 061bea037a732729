//===- LowerDynamicExpandShape.cpp - expand_shape -> reinterpret_cast -----===//
//
// Upstream --expand-strided-metadata (LLVM 22) crashes in
// ReinterpretCastOp::build on a memref.expand_shape whose reassociation group
// has several dynamic output sizes: it cannot give the inner dims of such a
// group a stride. Collapsed [B*H, S, D] attention expanded back to
// [B, H, S, D] with dynamic B and H produces exactly that, so the pipelines
// run this pass first.
//
//===----------------------------------------------------------------------===//
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNLOWERDYNAMICEXPANDSHAPE
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;

/// The form upstream --expand-strided-metadata crashes on.
static bool hasGroupWithSeveralDynamicSizes(memref::ExpandShapeOp op) {
  ArrayRef<int64_t> shape = op.getResultType().getShape();
  for (ReassociationIndices group : op.getReassociationIndices()) {
    if (llvm::count_if(group, [&](int64_t d) {
          return ShapedType::isDynamic(shape[d]);
        }) > 1)
      return true;
  }
  return false;
}

namespace {
/// expand_shape of an identity-layout memref is the same buffer with
/// row-major strides over the output sizes.
struct ExpandShapeToReinterpretCast : OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasGroupWithSeveralDynamicSizes(op))
      return rewriter.notifyMatchFailure(op, "upstream lowering handles it");
    MemRefType resultType = op.getResultType();
    if (!op.getSrcType().getLayout().isIdentity() ||
        !resultType.getLayout().isIdentity())
      return rewriter.notifyMatchFailure(op, "source is not contiguous");

    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    SmallVector<OpFoldResult> strides(sizes.size());
    OpFoldResult stride = rewriter.getIndexAttr(1);
    for (int64_t i = sizes.size() - 1; i >= 0; --i) {
      strides[i] = stride;
      std::optional<int64_t> a = getConstantIntValue(stride);
      std::optional<int64_t> b = getConstantIntValue(sizes[i]);
      if (a && b) {
        stride = rewriter.getIndexAttr(*a * *b);
        continue;
      }
      stride = arith::MulIOp::create(
                   rewriter, loc,
                   getValueOrCreateConstantIndexOp(rewriter, loc, stride),
                   getValueOrCreateConstantIndexOp(rewriter, loc, sizes[i]))
                   .getResult();
    }
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, resultType, op.getSrc(), rewriter.getIndexAttr(0), sizes, strides);
    return success();
  }
};

struct AttnLowerDynamicExpandShapePass
    : attn::impl::AttnLowerDynamicExpandShapeBase<
          AttnLowerDynamicExpandShapePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    attn::populateLowerDynamicExpandShapePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // What is left would crash the next pass: say so instead.
    WalkResult result = getOperation()->walk([](memref::ExpandShapeOp op) {
      if (!hasGroupWithSeveralDynamicSizes(op))
        return WalkResult::advance();
      op.emitOpError("with several dynamic sizes in one reassociation group "
                     "of a non-contiguous source is not supported "
                     "(--expand-strided-metadata cannot lower it)");
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

void mlir::attn::populateLowerDynamicExpandShapePatterns(
    RewritePatternSet &patterns) {
  patterns.add<ExpandShapeToReinterpretCast>(patterns.getContext());
}
