//===- Decompose.cpp - attn.attention -> unfused linalg ---------*- C++ -*-===//
//
// The reference semantics of attn.attention, as plain linalg on tensors. Every
// other lowering is tested against this one, so it favours obviousness over
// speed: f32 throughout, the full score matrix, one generic per step.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNDECOMPOSE
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Builds the affine map reading an operand stored with `perm` whose logical
/// dimensions are indexed by `logicalExprs`.
AffineMap storedMap(unsigned numDims, ArrayRef<AffineExpr> logicalExprs,
                    ArrayRef<int64_t> perm, MLIRContext *ctx) {
  SmallVector<AffineExpr> results;
  for (int64_t p : perm)
    results.push_back(logicalExprs[p]);
  return AffineMap::get(numDims, 0, results, ctx);
}

/// Map reading a mask broadcast (right-aligned, static 1s broadcast) to the
/// scores `[batch..., Hq, Sq, Sk]` whose dims are `scoreExprs`.
AffineMap maskMap(unsigned numDims, ArrayRef<AffineExpr> scoreExprs,
                  RankedTensorType maskTy, MLIRContext *ctx) {
  SmallVector<AffineExpr> results;
  int64_t offset = scoreExprs.size() - maskTy.getRank();
  for (int64_t i = 0; i < maskTy.getRank(); ++i)
    results.push_back(maskTy.getDimSize(i) == 1
                          ? getAffineConstantExpr(0, ctx)
                          : scoreExprs[offset + i]);
  return AffineMap::get(numDims, 0, results, ctx);
}

Value toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value fromF32(OpBuilder &b, Location loc, Value v, Type ty) {
  if (ty.isF32())
    return v;
  return arith::TruncFOp::create(b, loc, ty, v);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   float value) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  Value cst = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  return linalg::FillOp::create(b, loc, cst, empty).getResult(0);
}

SmallVector<utils::IteratorType> iterators(unsigned numParallel,
                                           unsigned numReduction) {
  SmallVector<utils::IteratorType> its(numParallel,
                                       utils::IteratorType::parallel);
  its.append(numReduction, utils::IteratorType::reduction);
  return its;
}

struct DecomposeAttention : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t nb = op.getNumBatchDims();

    AttentionShape shape = AttentionShape::get(rewriter, loc, op);
    Value key = op.getKey(), value = op.getValue();
    SmallVector<int64_t> kPerm = op.getKeyPermutation();
    SmallVector<int64_t> vPerm = op.getValuePermutation();
    std::optional<int64_t> group = shape.getStaticGroupSize();
    if (!group) {
      // The group size is only known at run time: materialise K and V with
      // Hq heads (oracle only; the tiled lowerings index the shared head).
      key = expandHeadsDynamic(rewriter, loc, key, kPerm, shape);
      value = expandHeadsDynamic(rewriter, loc, value, vPerm, shape);
      kPerm = identityPermutation(nb + 3);
      vPerm = identityPermutation(nb + 3);
      group = 1;
    }

    // Iteration dims of the score computation: (b..., h, m, n, d).
    unsigned sDims = nb + 4;
    SmallVector<AffineExpr> it;
    for (unsigned i = 0; i < sDims; ++i)
      it.push_back(getAffineDimExpr(i, ctx));
    ArrayRef<AffineExpr> batch(it.begin(), it.begin() + nb);
    AffineExpr h = it[nb], m = it[nb + 1], n = it[nb + 2], d = it[nb + 3];
    AffineExpr hkv = *group == 1 ? h : h.floorDiv(*group);

    auto concat = [&](std::initializer_list<AffineExpr> tail) {
      SmallVector<AffineExpr> r(batch.begin(), batch.end());
      r.append(tail.begin(), tail.end());
      return r;
    };

    // S = Q · Kᵀ.
    SmallVector<OpFoldResult> scoreSizes = shape.scoresSizes();
    Value scores = filledTensor(rewriter, loc, scoreSizes, 0.0f);
    AffineMap qMap = storedMap(sDims, concat({h, m, d}),
                               op.getQueryPermutation(), ctx);
    AffineMap kMap = storedMap(sDims, concat({hkv, n, d}), kPerm, ctx);
    AffineMap sMap = AffineMap::get(sDims, 0, concat({h, m, n}), ctx);
    scores =
        linalg::GenericOp::create(
            rewriter, loc, scores.getType(), ValueRange{op.getQuery(), key},
            ValueRange{scores}, ArrayRef<AffineMap>{qMap, kMap, sMap},
            iterators(nb + 3, 1),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value prod = arith::MulFOp::create(b, l, toF32(b, l, args[0]),
                                                 toF32(b, l, args[1]));
              Value sum = arith::AddFOp::create(b, l, args[2], prod);
              linalg::YieldOp::create(b, l, sum);
            })
            .getResult(0);

    // Scale and masks, elementwise over (b..., h, m, n).
    unsigned eDims = nb + 3;
    AffineMap ident = rewriter.getMultiDimIdentityMap(eDims);
    SmallVector<Value> inputs{scores};
    SmallVector<AffineMap> maps{ident};
    Value mask = op.getMask();
    if (mask) {
      inputs.push_back(mask);
      maps.push_back(maskMap(eDims, concat({h, m, n}),
                             cast<RankedTensorType>(mask.getType()), ctx));
    }
    maps.push_back(ident);
    Value causalOffset;
    if (std::optional<CausalAlignment> causal = op.getCausal()) {
      causalOffset = arith::ConstantIndexOp::create(rewriter, loc, 0);
      if (*causal == CausalAlignment::BottomRight)
        causalOffset = arith::SubIOp::create(
            rewriter, loc,
            getValueOrCreateConstantIndexOp(rewriter, loc, shape.sk),
            getValueOrCreateConstantIndexOp(rewriter, loc, shape.sq));
    }
    double scale = op.getScale().convertToDouble();
    Value masked =
        linalg::GenericOp::create(
            rewriter, loc, scores.getType(), inputs, ValueRange{scores}, maps,
            iterators(eDims, 0),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value negInf = arith::ConstantOp::create(
                  b, l, b.getF32FloatAttr(-INFINITY));
              Value x = arith::MulFOp::create(
                  b, l, args[0],
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(scale)));
              if (mask) {
                if (args[1].getType().isInteger(1))
                  x = arith::SelectOp::create(b, l, args[1], x, negInf);
                else
                  x = arith::AddFOp::create(b, l, x, toF32(b, l, args[1]));
              }
              if (causalOffset) {
                Value row = linalg::IndexOp::create(b, l, nb + 1);
                Value col = linalg::IndexOp::create(b, l, nb + 2);
                Value limit = arith::AddIOp::create(b, l, row, causalOffset);
                Value keep = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::sle, col, limit);
                x = arith::SelectOp::create(b, l, keep, x, negInf);
              }
              linalg::YieldOp::create(b, l, x);
            })
            .getResult(0);

    // Numerically stable softmax over n, with fully masked rows giving 0.
    SmallVector<OpFoldResult> rowSizes = shape.rowSizes();
    AffineMap rowMap = AffineMap::get(eDims, 0, concat({h, m}), ctx);
    Value rowMax = filledTensor(rewriter, loc, rowSizes, -INFINITY);
    rowMax = linalg::GenericOp::create(
                 rewriter, loc, rowMax.getType(), ValueRange{masked},
                 ValueRange{rowMax}, ArrayRef<AffineMap>{ident, rowMap},
                 iterators(eDims - 1, 1),
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   linalg::YieldOp::create(
                       b, l, arith::MaximumFOp::create(b, l, args[0], args[1])
                                 .getResult());
                 })
                 .getResult(0);
    Value exps =
        linalg::GenericOp::create(
            rewriter, loc, scores.getType(), ValueRange{masked, rowMax},
            ValueRange{masked}, ArrayRef<AffineMap>{ident, rowMap, ident},
            iterators(eDims, 0),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value negInf = arith::ConstantOp::create(
                  b, l, b.getF32FloatAttr(-INFINITY));
              Value zero =
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0f));
              Value allMasked = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OEQ, args[1], negInf);
              Value e = math::ExpOp::create(
                  b, l, arith::SubFOp::create(b, l, args[0], args[1]));
              linalg::YieldOp::create(
                  b, l,
                  arith::SelectOp::create(b, l, allMasked, zero, e).getResult());
            })
            .getResult(0);
    Value rowSum = filledTensor(rewriter, loc, rowSizes, 0.0f);
    rowSum = linalg::GenericOp::create(
                 rewriter, loc, rowSum.getType(), ValueRange{exps},
                 ValueRange{rowSum}, ArrayRef<AffineMap>{ident, rowMap},
                 iterators(eDims - 1, 1),
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   linalg::YieldOp::create(
                       b, l,
                       arith::AddFOp::create(b, l, args[0], args[1])
                           .getResult());
                 })
                 .getResult(0);
    Value probs =
        linalg::GenericOp::create(
            rewriter, loc, scores.getType(), ValueRange{exps, rowSum},
            ValueRange{exps}, ArrayRef<AffineMap>{ident, rowMap, ident},
            iterators(eDims, 0),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value zero =
                  arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0f));
              Value empty = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OEQ, args[1], zero);
              Value p = arith::DivFOp::create(b, l, args[0], args[1]);
              linalg::YieldOp::create(
                  b, l, arith::SelectOp::create(b, l, empty, zero, p).getResult());
            })
            .getResult(0);

    // O = P · V over iteration dims (b..., h, m, e, n).
    AffineExpr e = it[nb + 2], k = it[nb + 3];
    SmallVector<OpFoldResult> outSizes = shape.outputLogicalSizes();
    Value acc = filledTensor(rewriter, loc, outSizes, 0.0f);
    AffineMap pMap = AffineMap::get(sDims, 0, concat({h, m, k}), ctx);
    AffineMap vMap = storedMap(sDims, concat({hkv, k, e}), vPerm, ctx);
    AffineMap oMap = AffineMap::get(sDims, 0, concat({h, m, e}), ctx);
    acc = linalg::GenericOp::create(
              rewriter, loc, acc.getType(), ValueRange{probs, value},
              ValueRange{acc}, ArrayRef<AffineMap>{pMap, vMap, oMap},
              iterators(nb + 3, 1),
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value prod = arith::MulFOp::create(b, l, args[0],
                                                   toF32(b, l, args[1]));
                linalg::YieldOp::create(
                    b, l, arith::AddFOp::create(b, l, args[2], prod).getResult());
              })
              .getResult(0);

    // Cast into the (possibly permuted) output init.
    SmallVector<AffineExpr> outIt(it.begin(), it.begin() + eDims);
    AffineMap storedOut =
        storedMap(eDims, outIt, op.getOutputPermutation(), ctx);
    Type outElem = op.getOutputType().getElementType();
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, op.getOutputType(), ValueRange{acc},
            ValueRange{op.getOutput()}, ArrayRef<AffineMap>{ident, storedOut},
            iterators(eDims, 0),
            [&](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, fromF32(b, l, args[0], outElem));
            })
            .getResult(0);
    SmallVector<Value> replacements{result};

    if (Value lseInit = op.getLse()) {
      AffineMap rowIdent = rewriter.getMultiDimIdentityMap(eDims - 1);
      replacements.push_back(
          linalg::GenericOp::create(
              rewriter, loc, lseInit.getType(), ValueRange{rowMax, rowSum},
              ValueRange{lseInit},
              ArrayRef<AffineMap>{rowIdent, rowIdent, rowIdent},
              iterators(eDims - 1, 0),
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value lse = arith::AddFOp::create(
                    b, l, args[0], math::LogOp::create(b, l, args[1]));
                linalg::YieldOp::create(b, l, lse);
              })
              .getResult(0));
    }
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

struct AttnDecomposePass
    : public attn::impl::AttnDecomposeBase<AttnDecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateAttnDecomposePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateAttnDecomposePatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeAttention>(patterns.getContext());
}
