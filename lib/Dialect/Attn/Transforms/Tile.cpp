//===- Tile.cpp - attn.attention -> online-softmax loop nest ----*- C++ -*-===//
//
// FlashAttention-2 on tensors, target-independent:
//
//   for b..., h, qs (step block-q):                 // output tile [bq, Dv]
//     acc = 0, m = -inf, l = 0
//     for ks in key blocks (step block-kv):         // never an Sq x Sk value
//       s     = (Q[qs:qs+bq] . K[ks:ks+bk]^T) * scale*log2(e)  (+ mask)
//       m'    = max(m, rowmax(s))
//       p     = exp2(s - m')
//       alpha = exp2(m - m')
//       l     = alpha * l + rowsum(p)
//       acc   = alpha * acc + p . V[ks:ks+bk]
//       m     = m'
//     O[qs:qs+bq] = acc / l,  lse = ln(2) * (m + log2(l))
//
// Tiles are slices with dynamic sizes min(block, S - start): ragged tails are
// masked by construction, never padded. Causal attention stops the key loop at
// the query block's last visible key and splits it into blocks that need no
// element mask and the diagonal blocks that do. Split-KV (flash-decoding) runs
// the key loop per chunk and combines the partial results through their
// log-sum-exps.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Dialect/Attn/Utils/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNTILE
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

using utils::IteratorType;

/// Per-pass tiling choices, resolved from the pass options.
struct TileConfig {
  int64_t blockQ = 64;
  int64_t blockKV = 64;
  SplitKVMode splitKV = SplitKVMode::Auto;
  int64_t numSplits = 0;
};

/// Running state of the online softmax for one query tile.
struct RowState {
  Value acc; // [bq, Dv] f32
  Value max; // [bq] f32, in log2 units
  Value sum; // [bq] f32
};

Value cstF32(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

Value toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  if (v.getType().isInteger(1))
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

SmallVector<IteratorType> iters(unsigned numParallel, unsigned numReduction) {
  SmallVector<IteratorType> its(numParallel, IteratorType::parallel);
  its.append(numReduction, IteratorType::reduction);
  return its;
}

Value emptyF32(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  return tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
}

Value filledF32(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                double v) {
  return linalg::FillOp::create(b, loc, cstF32(b, loc, v),
                                emptyF32(b, loc, sizes))
      .getResult(0);
}

/// exp2(x - m) for a finite or -inf row max: a row with m = -inf has seen
/// only masked keys and contributes 0 rather than NaN.
Value guardedExp2(OpBuilder &b, Location loc, Value x, Value m) {
  Value negInf = cstF32(b, loc, -INFINITY);
  Value empty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
  Value e = math::Exp2Op::create(b, loc, arith::SubFOp::create(b, loc, x, m));
  return arith::SelectOp::create(b, loc, empty, cstF32(b, loc, 0.0), e);
}

/// Indexes and slices one attention operand stored with a permutation.
struct OperandView {
  Value value;
  SmallVector<int64_t> perm; // stored dim i is logical dim perm[i]

  /// A full-rank slice; `offsets`/`sizes` are given in logical order.
  Value slice(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> offsets,
              ArrayRef<OpFoldResult> sizes) const {
    SmallVector<OpFoldResult> off, sz, strides(perm.size(), b.getIndexAttr(1));
    for (int64_t p : perm) {
      off.push_back(offsets[p]);
      sz.push_back(sizes[p]);
    }
    return tensor::ExtractSliceOp::create(b, loc, value, off, sz, strides);
  }

  Value insert(OpBuilder &b, Location loc, Value tile, Value dest,
               ArrayRef<OpFoldResult> offsets,
               ArrayRef<OpFoldResult> sizes) const {
    SmallVector<OpFoldResult> off, sz, strides(perm.size(), b.getIndexAttr(1));
    for (int64_t p : perm) {
      off.push_back(offsets[p]);
      sz.push_back(sizes[p]);
    }
    return tensor::InsertSliceOp::create(b, loc, tile, dest, off, sz, strides);
  }

  /// Map from a 2-D/3-D tile iteration space to a full-rank slice of this
  /// operand: logical dim `seqDim` -> `seq`, `dDim` -> `d`, others -> 0.
  AffineMap tileMap(unsigned numDims, int64_t seqDim, AffineExpr seq,
                    int64_t dDim, AffineExpr d, MLIRContext *ctx) const {
    SmallVector<AffineExpr> results;
    for (int64_t p : perm)
      results.push_back(p == seqDim ? seq
                        : p == dDim ? d
                                    : getAffineConstantExpr(0, ctx));
    return AffineMap::get(numDims, 0, results, ctx);
  }
};

class TileAttention : public OpRewritePattern<AttentionOp> {
public:
  TileAttention(MLIRContext *ctx, TileConfig config)
      : OpRewritePattern(ctx), config(config) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override;

private:
  TileConfig config;
};

/// Everything the loop bodies need about one attention op.
struct TileBuilder {
  AttentionOp op;
  Location loc;
  MLIRContext *ctx;
  const TileConfig &config;
  int64_t nb;
  OperandView q, k, v, out;
  Value mask;
  Value sq, sk, group, causalOffset; // index values
  double scaleLog2;

  /// Scores of one (query tile, key tile) pair, scaled into log2 units and
  /// masked; `masked` adds the causal element mask.
  Value scores(OpBuilder &b, ArrayRef<Value> batchIvs, Value h, Value hk,
               Value qs, Value bq, Value ks, Value bk, bool masked) const {
    OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    SmallVector<OpFoldResult> qOff(batchIvs.begin(), batchIvs.end()),
        kOff(batchIvs.begin(), batchIvs.end());
    SmallVector<OpFoldResult> qSz(nb, one), kSz(nb, one);
    Value d = getValueOrCreateConstantIndexOp(
        b, loc, getLogicalSize(b, loc, q.value, q.perm, nb + 2));
    qOff.append({h, qs, zero});
    qSz.append({one, bq, d});
    kOff.append({hk, ks, zero});
    kSz.append({one, bk, d});
    Value qTile = q.slice(b, loc, qOff, qSz);
    Value kTile = k.slice(b, loc, kOff, kSz);

    // (i, j, d): s[i, j] = sum_d q[i, d] * k[j, d].
    AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx),
               dd = getAffineDimExpr(2, ctx);
    Value s = filledF32(b, loc, {bq, bk}, 0.0);
    s = linalg::GenericOp::create(
            b, loc, s.getType(), ValueRange{qTile, kTile}, ValueRange{s},
            ArrayRef<AffineMap>{q.tileMap(3, nb + 1, i, nb + 2, dd, ctx),
                                k.tileMap(3, nb + 1, j, nb + 2, dd, ctx),
                                AffineMap::get(3, 0, {i, j}, ctx)},
            iters(2, 1),
            [&](OpBuilder &nb2, Location l, ValueRange args) {
              Value prod = arith::MulFOp::create(nb2, l, toF32(nb2, l, args[0]),
                                                 toF32(nb2, l, args[1]));
              linalg::YieldOp::create(
                  nb2, l,
                  arith::AddFOp::create(nb2, l, args[2], prod).getResult());
            })
            .getResult(0);

    // Scale, mask and causal mask, elementwise.
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    SmallVector<Value> ins{s};
    SmallVector<AffineMap> maps{id2};
    if (mask) {
      auto mTy = cast<RankedTensorType>(mask.getType());
      int64_t mRank = mTy.getRank(), lead = nb + 3 - mRank;
      // Logical scores dims: batch..., h, m, n.
      SmallVector<OpFoldResult> scoreOff(batchIvs.begin(), batchIvs.end());
      scoreOff.append({h, qs, ks});
      SmallVector<OpFoldResult> scoreSz(nb + 1, one);
      scoreSz.append({bq, bk});
      SmallVector<OpFoldResult> off, sz, strides(mRank, one);
      SmallVector<AffineExpr> res;
      for (int64_t md = 0; md < mRank; ++md) {
        int64_t sd = lead + md;
        bool bcast = mTy.getDimSize(md) == 1;
        off.push_back(bcast ? zero : scoreOff[sd]);
        sz.push_back(bcast ? one : scoreSz[sd]);
        res.push_back(bcast || sd < nb + 1 ? getAffineConstantExpr(0, ctx)
                      : sd == nb + 1       ? i
                                           : j);
      }
      ins.push_back(
          tensor::ExtractSliceOp::create(b, loc, mask, off, sz, strides));
      maps.push_back(AffineMap::get(2, 0, res, ctx));
    }
    maps.push_back(id2);
    return linalg::GenericOp::create(
               b, loc, s.getType(), ins, ValueRange{s}, maps, iters(2, 0),
               [&](OpBuilder &nb2, Location l, ValueRange args) {
                 Value negInf = cstF32(nb2, l, -INFINITY);
                 Value log2e = cstF32(nb2, l, M_LOG2E);
                 Value x = arith::MulFOp::create(nb2, l, args[0],
                                                 cstF32(nb2, l, scaleLog2));
                 if (mask) {
                   if (args[1].getType().isInteger(1))
                     x = arith::SelectOp::create(nb2, l, args[1], x, negInf);
                   else
                     x = arith::AddFOp::create(
                         nb2, l, x,
                         arith::MulFOp::create(nb2, l, toF32(nb2, l, args[1]),
                                               log2e));
                 }
                 if (masked) {
                   Value row = arith::AddIOp::create(
                       nb2, l, qs, linalg::IndexOp::create(nb2, l, 0));
                   Value col = arith::AddIOp::create(
                       nb2, l, ks, linalg::IndexOp::create(nb2, l, 1));
                   Value limit =
                       arith::AddIOp::create(nb2, l, row, causalOffset);
                   Value keep = arith::CmpIOp::create(
                       nb2, l, arith::CmpIPredicate::sle, col, limit);
                   x = arith::SelectOp::create(nb2, l, keep, x, negInf);
                 }
                 linalg::YieldOp::create(nb2, l, x);
               })
        .getResult(0);
  }

  /// One online-softmax step over key block [ks, ks + bk).
  RowState step(OpBuilder &b, ArrayRef<Value> batchIvs, Value h, Value hk,
                Value qs, Value bq, Value ks, Value bk, bool masked,
                RowState st) const {
    Value s = scores(b, batchIvs, h, hk, qs, bq, ks, bk, masked);
    AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx),
               e = getAffineDimExpr(1, ctx), n = getAffineDimExpr(2, ctx);
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    AffineMap row2 = AffineMap::get(2, 0, {i}, ctx);
    AffineMap id1 = b.getMultiDimIdentityMap(1);

    // m' = max(m, rowmax(s)).
    Value mNew =
        linalg::GenericOp::create(
            b, loc, st.max.getType(), ValueRange{s}, ValueRange{st.max},
            ArrayRef<AffineMap>{id2, row2}, iters(1, 1),
            [&](OpBuilder &nb2, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  nb2, l,
                  arith::MaximumFOp::create(nb2, l, a[0], a[1]).getResult());
            })
            .getResult(0);
    // p = exp2(s - m').
    Value p =
        linalg::GenericOp::create(
            b, loc, s.getType(), ValueRange{s, mNew}, ValueRange{s},
            ArrayRef<AffineMap>{id2, row2, id2}, iters(2, 0),
            [&](OpBuilder &nb2, Location l, ValueRange a) {
              linalg::YieldOp::create(nb2, l, guardedExp2(nb2, l, a[0], a[1]));
            })
            .getResult(0);
    // alpha = exp2(m - m'); l = alpha * l.
    Value alphaInit = tensor::EmptyOp::create(
        b, loc, tensor::getMixedSizes(b, loc, st.max), b.getF32Type());
    Value alpha =
        linalg::GenericOp::create(
            b, loc, st.max.getType(), ValueRange{st.max, mNew},
            ValueRange{alphaInit}, ArrayRef<AffineMap>{id1, id1, id1},
            iters(1, 0),
            [&](OpBuilder &nb2, Location l, ValueRange a) {
              linalg::YieldOp::create(nb2, l, guardedExp2(nb2, l, a[0], a[1]));
            })
            .getResult(0);
    Value lScaled =
        linalg::GenericOp::create(
            b, loc, st.sum.getType(), ValueRange{alpha}, ValueRange{st.sum},
            ArrayRef<AffineMap>{id1, id1}, iters(1, 0),
            [&](OpBuilder &nb2, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  nb2, l,
                  arith::MulFOp::create(nb2, l, a[0], a[1]).getResult());
            })
            .getResult(0);
    // l += rowsum(p).
    Value lNew =
        linalg::GenericOp::create(
            b, loc, st.sum.getType(), ValueRange{p}, ValueRange{lScaled},
            ArrayRef<AffineMap>{id2, row2}, iters(1, 1),
            [&](OpBuilder &nb2, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  nb2, l,
                  arith::AddFOp::create(nb2, l, a[0], a[1]).getResult());
            })
            .getResult(0);
    // acc = alpha * acc + p . V.
    Value accScaled =
        linalg::GenericOp::create(
            b, loc, st.acc.getType(), ValueRange{alpha}, ValueRange{st.acc},
            ArrayRef<AffineMap>{row2, id2}, iters(2, 0),
            [&](OpBuilder &nb2, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  nb2, l,
                  arith::MulFOp::create(nb2, l, a[0], a[1]).getResult());
            })
            .getResult(0);
    OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    SmallVector<OpFoldResult> vOff(batchIvs.begin(), batchIvs.end());
    SmallVector<OpFoldResult> vSz(nb, one);
    vOff.append({hk, ks, zero});
    vSz.append({one, bk, getLogicalSize(b, loc, v.value, v.perm, nb + 2)});
    Value vTile = v.slice(b, loc, vOff, vSz);
    // (i, e, n): acc[i, e] += p[i, n] * v[n, e].
    Value acc =
        linalg::GenericOp::create(b, loc, st.acc.getType(),
                                  ValueRange{p, vTile}, ValueRange{accScaled},
                                  ArrayRef<AffineMap>{
                                      AffineMap::get(3, 0, {i, n}, ctx),
                                      v.tileMap(3, nb + 1, n, nb + 2, e, ctx),
                                      AffineMap::get(3, 0, {i, e}, ctx)},
                                  iters(2, 1),
                                  [&](OpBuilder &nb2, Location l,
                                      ValueRange a) {
                                    Value prod = arith::MulFOp::create(
                                        nb2, l, a[0], toF32(nb2, l, a[1]));
                                    linalg::YieldOp::create(
                                        nb2, l,
                                        arith::AddFOp::create(nb2, l, a[2],
                                                              prod)
                                            .getResult());
                                  })
            .getResult(0);
    (void)j;
    return {acc, mNew, lNew};
  }

  /// Runs `step` over key blocks [lo, hi) (lo a multiple of block-kv).
  RowState keyLoop(OpBuilder &b, ArrayRef<Value> batchIvs, Value h, Value hk,
                   Value qs, Value bq, Value lo, Value hi, bool masked,
                   RowState init) const {
    Value blk = arith::ConstantIndexOp::create(b, loc, config.blockKV);
    auto loop = scf::ForOp::create(
        b, loc, lo, hi, blk, ValueRange{init.acc, init.max, init.sum},
        [&](OpBuilder &nb2, Location l, Value ks, ValueRange args) {
          Value bk = arith::MinSIOp::create(
              nb2, l, blk, arith::SubIOp::create(nb2, l, sk, ks));
          RowState st = step(nb2, batchIvs, h, hk, qs, bq, ks, bk, masked,
                             {args[0], args[1], args[2]});
          scf::YieldOp::create(nb2, l, ValueRange{st.acc, st.max, st.sum});
        });
    return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
  }

  /// All key blocks of [lo, hi) visible to query rows [qs, qs + bq): blocks
  /// wholly below the diagonal skip the element mask.
  RowState keyRange(OpBuilder &b, ArrayRef<Value> batchIvs, Value h, Value hk,
                    Value qs, Value bq, Value lo, Value hi,
                    RowState init) const {
    if (!causalOffset)
      return keyLoop(b, batchIvs, h, hk, qs, bq, lo, hi, false, init);
    // Key block [ks, ks + block) needs no mask iff ks + block - 1 <= qs + off.
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value blk = arith::ConstantIndexOp::create(b, loc, config.blockKV);
    Value firstVisible = arith::AddIOp::create(
        b, loc, arith::AddIOp::create(b, loc, qs, causalOffset),
        arith::ConstantIndexOp::create(b, loc, 1));
    Value fullEnd = arith::MulIOp::create(
        b, loc,
        arith::DivSIOp::create(
            b, loc, arith::MaxSIOp::create(b, loc, firstVisible, zero), blk),
        blk);
    Value mid = arith::MaxSIOp::create(
        b, loc, lo, arith::MinSIOp::create(b, loc, hi, fullEnd));
    RowState st = keyLoop(b, batchIvs, h, hk, qs, bq, lo, mid, false, init);
    return keyLoop(b, batchIvs, h, hk, qs, bq, mid, hi, true, st);
  }

  /// End (exclusive) of the keys any row of the query tile may see.
  Value keyEnd(OpBuilder &b, Value qs, Value bq) const {
    if (!causalOffset)
      return sk;
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value end = arith::AddIOp::create(
        b, loc, arith::AddIOp::create(b, loc, qs, bq), causalOffset);
    return arith::MaxSIOp::create(b, loc, zero,
                                  arith::MinSIOp::create(b, loc, end, sk));
  }
};

bool useSplitKV(AttentionOp op, const TileConfig &config) {
  switch (config.splitKV) {
  case SplitKVMode::On:
    return true;
  case SplitKVMode::Off:
    return false;
  case SplitKVMode::Auto:
    break;
  }
  // Decoding shapes: a handful of query rows against a long key axis.
  int64_t nb = op.getNumBatchDims();
  SmallVector<int64_t> q =
      AttentionOp::getLogicalShape(op.getQueryType(), op.getQueryPermutation());
  SmallVector<int64_t> k =
      AttentionOp::getLogicalShape(op.getKeyType(), op.getKeyPermutation());
  int64_t sqLen = q[nb + 1], skLen = k[nb + 1];
  return !ShapedType::isDynamic(sqLen) && sqLen <= 16 &&
         (ShapedType::isDynamic(skLen) || skLen >= 4 * config.blockKV);
}

LogicalResult TileAttention::matchAndRewrite(AttentionOp op,
                                             PatternRewriter &rewriter) const {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  int64_t nb = op.getNumBatchDims();
  AttentionShape shape = AttentionShape::get(rewriter, loc, op);
  auto idx = [&](OpFoldResult r) {
    return getValueOrCreateConstantIndexOp(rewriter, loc, r);
  };

  TileBuilder tb{op,
                 loc,
                 ctx,
                 config,
                 nb,
                 {op.getQuery(), op.getQueryPermutation()},
                 {op.getKey(), op.getKeyPermutation()},
                 {op.getValue(), op.getValuePermutation()},
                 {op.getOutput(), op.getOutputPermutation()},
                 op.getMask(),
                 idx(shape.sq),
                 idx(shape.sk),
                 Value(),
                 Value(),
                 op.getScale().convertToDouble() * M_LOG2E};
  tb.group =
      arith::DivUIOp::create(rewriter, loc, idx(shape.hq), idx(shape.hkv));
  if (std::optional<CausalAlignment> causal = op.getCausal()) {
    tb.causalOffset =
        *causal == CausalAlignment::TopLeft
            ? arith::ConstantIndexOp::create(rewriter, loc, 0).getResult()
            : arith::SubIOp::create(rewriter, loc, tb.sk, tb.sq).getResult();
  }
  bool split = useSplitKV(op, config);
  int64_t numSplits = config.numSplits > 0 ? config.numSplits : 4;

  // Loops over batch..., head and query blocks, carrying the results.
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  SmallVector<Value> lbs(nb + 2, zero), ubs, steps(nb + 1, one);
  for (OpFoldResult bsz : shape.batch)
    ubs.push_back(idx(bsz));
  ubs.push_back(idx(shape.hq));
  ubs.push_back(tb.sq);
  steps.push_back(arith::ConstantIndexOp::create(rewriter, loc, config.blockQ));
  SmallVector<Value> inits{op.getOutput()};
  if (op.getLse())
    inits.push_back(op.getLse());
  Type outElem = op.getOutputType().getElementType();

  scf::LoopNest nest = scf::buildLoopNest(
      rewriter, loc, lbs, ubs, steps, inits,
      [&](OpBuilder &b, Location l, ValueRange ivs,
          ValueRange iterArgs) -> scf::ValueVector {
        SmallVector<Value> batchIvs(ivs.begin(), ivs.begin() + nb);
        Value h = ivs[nb], qs = ivs[nb + 1];
        Value hk = arith::DivUIOp::create(b, l, h, tb.group);
        Value bq = arith::MinSIOp::create(
            b, l, steps.back(), arith::SubIOp::create(b, l, tb.sq, qs));
        OpFoldResult dv = shape.dv;
        Value kvEnd = tb.keyEnd(b, qs, bq);
        RowState st;
        if (!split) {
          RowState init{filledF32(b, l, {bq, dv}, 0.0),
                        filledF32(b, l, {bq}, -INFINITY),
                        filledF32(b, l, {bq}, 0.0)};
          st = tb.keyRange(b, batchIvs, h, hk, qs, bq, zero, kvEnd, init);
        } else {
          // Flash-decoding: independent chunks of whole key blocks, then a
          // log-sum-exp weighted combination.
          Value blk = arith::ConstantIndexOp::create(b, l, config.blockKV);
          Value ns = arith::ConstantIndexOp::create(b, l, numSplits);
          Value blocks = arith::CeilDivSIOp::create(b, l, kvEnd, blk);
          Value chunk = arith::MulIOp::create(
              b, l, arith::CeilDivSIOp::create(b, l, blocks, ns), blk);
          OpFoldResult nsAttr = b.getIndexAttr(numSplits);
          RowState parts{filledF32(b, l, {nsAttr, bq, dv}, 0.0),
                         filledF32(b, l, {nsAttr, bq}, -INFINITY),
                         filledF32(b, l, {nsAttr, bq}, 0.0)};
          auto splitLoop = scf::ForOp::create(
              b, l, zero, ns, one, ValueRange{parts.acc, parts.max, parts.sum},
              [&](OpBuilder &sb, Location sl, Value sIdx, ValueRange acc) {
                Value lo = arith::MinSIOp::create(
                    sb, sl, arith::MulIOp::create(sb, sl, sIdx, chunk), kvEnd);
                Value hi = arith::MinSIOp::create(
                    sb, sl, arith::AddIOp::create(sb, sl, lo, chunk), kvEnd);
                RowState init{filledF32(sb, sl, {bq, dv}, 0.0),
                              filledF32(sb, sl, {bq}, -INFINITY),
                              filledF32(sb, sl, {bq}, 0.0)};
                RowState r =
                    tb.keyRange(sb, batchIvs, h, hk, qs, bq, lo, hi, init);
                OpFoldResult o1 = sb.getIndexAttr(1), o0 = sb.getIndexAttr(0);
                auto put = [&](Value tile, Value dest,
                               ArrayRef<OpFoldResult> sizes) -> Value {
                  SmallVector<OpFoldResult> off{sIdx}, sz{o1},
                      strides(sizes.size() + 1, o1);
                  for (OpFoldResult s : sizes) {
                    off.push_back(o0);
                    sz.push_back(s);
                  }
                  // Rank-extending insert of the [bq(, Dv)] partial.
                  return tensor::InsertSliceOp::create(sb, sl, tile, dest, off,
                                                       sz, strides);
                };
                scf::YieldOp::create(sb, sl,
                                     ValueRange{put(r.acc, acc[0], {bq, dv}),
                                                put(r.max, acc[1], {bq}),
                                                put(r.sum, acc[2], {bq})});
              });
          Value pAcc = splitLoop.getResult(0), pMax = splitLoop.getResult(1),
                pSum = splitLoop.getResult(2);
          // (i, s) / (i, e, s): combine over the split axis.
          AffineExpr i = getAffineDimExpr(0, ctx), e = getAffineDimExpr(1, ctx),
                     s2 = getAffineDimExpr(1, ctx),
                     s3 = getAffineDimExpr(2, ctx);
          Value mInit = filledF32(b, l, {bq}, -INFINITY);
          Value lInit = filledF32(b, l, {bq}, 0.0);
          Value accInit = filledF32(b, l, {bq, dv}, 0.0);
          Value mStar =
              linalg::GenericOp::create(
                  b, l, mInit.getType(), ValueRange{pMax}, ValueRange{mInit},
                  ArrayRef<AffineMap>{AffineMap::get(2, 0, {s2, i}, ctx),
                                      AffineMap::get(2, 0, {i}, ctx)},
                  iters(1, 1),
                  [&](OpBuilder &nb2, Location ll, ValueRange a) {
                    linalg::YieldOp::create(
                        nb2, ll,
                        arith::MaximumFOp::create(nb2, ll, a[0], a[1])
                            .getResult());
                  })
                  .getResult(0);
          Value lStar =
              linalg::GenericOp::create(
                  b, l, lInit.getType(), ValueRange{pMax, pSum, mStar},
                  ValueRange{lInit},
                  ArrayRef<AffineMap>{AffineMap::get(2, 0, {s2, i}, ctx),
                                      AffineMap::get(2, 0, {s2, i}, ctx),
                                      AffineMap::get(2, 0, {i}, ctx),
                                      AffineMap::get(2, 0, {i}, ctx)},
                  iters(1, 1),
                  [&](OpBuilder &nb2, Location ll, ValueRange a) {
                    Value w = guardedExp2(nb2, ll, a[0], a[2]);
                    Value c = arith::MulFOp::create(nb2, ll, w, a[1]);
                    linalg::YieldOp::create(
                        nb2, ll,
                        arith::AddFOp::create(nb2, ll, a[3], c).getResult());
                  })
                  .getResult(0);
          Value accStar = linalg::GenericOp::create(
                              b, l, accInit.getType(),
                              ValueRange{pAcc, pMax, mStar},
                              ValueRange{accInit},
                              ArrayRef<AffineMap>{
                                  AffineMap::get(3, 0, {s3, i, e}, ctx),
                                  AffineMap::get(3, 0, {s3, i}, ctx),
                                  AffineMap::get(3, 0, {i}, ctx),
                                  AffineMap::get(3, 0, {i, e}, ctx)},
                              iters(2, 1),
                              [&](OpBuilder &nb2, Location ll, ValueRange a) {
                                Value w = guardedExp2(nb2, ll, a[1], a[2]);
                                Value c =
                                    arith::MulFOp::create(nb2, ll, w, a[0]);
                                linalg::YieldOp::create(
                                    nb2, ll,
                                    arith::AddFOp::create(nb2, ll, a[3], c)
                                        .getResult());
                              })
                              .getResult(0);
          st = {accStar, mStar, lStar};
        }

        // O = acc / l (0 for fully masked rows), cast into the output tile.
        OpFoldResult o1 = b.getIndexAttr(1), o0 = b.getIndexAttr(0);
        SmallVector<OpFoldResult> oOff(batchIvs.begin(), batchIvs.end());
        SmallVector<OpFoldResult> oSz(nb, o1);
        oOff.append({h, qs, o0});
        oSz.append({o1, bq, dv});
        OperandView outView{iterArgs[0], tb.out.perm};
        Value outTile = outView.slice(b, l, oOff, oSz);
        AffineExpr i = getAffineDimExpr(0, ctx), e = getAffineDimExpr(1, ctx);
        outTile =
            linalg::GenericOp::create(
                b, l, outTile.getType(), ValueRange{st.acc, st.sum},
                ValueRange{outTile},
                ArrayRef<AffineMap>{
                    b.getMultiDimIdentityMap(2), AffineMap::get(2, 0, {i}, ctx),
                    tb.out.tileMap(2, nb + 1, i, nb + 2, e, ctx)},
                iters(2, 0),
                [&](OpBuilder &nb2, Location ll, ValueRange a) {
                  Value z = cstF32(nb2, ll, 0.0);
                  Value empty = arith::CmpFOp::create(
                      nb2, ll, arith::CmpFPredicate::OEQ, a[1], z);
                  Value o = arith::SelectOp::create(
                      nb2, ll, empty, z,
                      arith::DivFOp::create(nb2, ll, a[0], a[1]));
                  if (!outElem.isF32())
                    o = arith::TruncFOp::create(nb2, ll, outElem, o);
                  linalg::YieldOp::create(nb2, ll, o);
                })
                .getResult(0);
        scf::ValueVector results{
            outView.insert(b, l, outTile, iterArgs[0], oOff, oSz)};
        if (op.getLse()) {
          // lse = ln(2) * (m + log2(l)); -inf for fully masked rows.
          SmallVector<OpFoldResult> lOff(batchIvs.begin(), batchIvs.end());
          SmallVector<OpFoldResult> lSz(nb, o1);
          lOff.append({h, qs});
          lSz.append({o1, bq});
          SmallVector<OpFoldResult> strides(nb + 2, o1);
          Value lTile = tensor::ExtractSliceOp::create(b, l, iterArgs[1], lOff,
                                                       lSz, strides);
          SmallVector<AffineExpr> lRes(nb + 1, getAffineConstantExpr(0, ctx));
          lRes.push_back(i);
          lTile = linalg::GenericOp::create(
                      b, l, lTile.getType(), ValueRange{st.max, st.sum},
                      ValueRange{lTile},
                      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(1),
                                          b.getMultiDimIdentityMap(1),
                                          AffineMap::get(1, 0, lRes, ctx)},
                      iters(1, 0),
                      [&](OpBuilder &nb2, Location ll, ValueRange a) {
                        Value lg = math::Log2Op::create(nb2, ll, a[1]);
                        Value x = arith::AddFOp::create(nb2, ll, a[0], lg);
                        linalg::YieldOp::create(
                            nb2, ll,
                            arith::MulFOp::create(nb2, ll, x,
                                                  cstF32(nb2, ll, M_LN2))
                                .getResult());
                      })
                      .getResult(0);
          results.push_back(tensor::InsertSliceOp::create(
              b, l, lTile, iterArgs[1], lOff, lSz, strides));
        }
        return results;
      });
  rewriter.replaceOp(op, nest.results);
  return success();
}

struct AttnTilePass : public attn::impl::AttnTileBase<AttnTilePass> {
  using AttnTileBase::AttnTileBase;

  void runOnOperation() override {
    TileConfig config;
    std::optional<SplitKVMode> mode = parseSplitKVMode(splitKV);
    int64_t bq = blockQ, bkv = blockKV, ns = numSplits;
    // Bounded so that index arithmetic on them (e.g. 4 * block-kv) cannot
    // overflow.
    constexpr int64_t kMaxBlock = int64_t(1) << 20, kMaxSplits = 1 << 16;
    if (bq <= 0 || bq > kMaxBlock || bkv <= 0 || bkv > kMaxBlock || ns < 0 ||
        ns > kMaxSplits || !mode) {
      // Point at the first attention op when there is one: that is what the
      // options would have applied to.
      Operation *at = getOperation();
      getOperation()->walk([&](AttentionOp op) {
        at = op;
        return WalkResult::interrupt();
      });
      at->emitError() << "attn-tile: invalid options: block-q (" << bq
                      << ") and block-kv (" << bkv << ") must be in [1, "
                      << kMaxBlock << "], num-splits (" << ns << ") in [0, "
                      << kMaxSplits << "], split-kv ('" << splitKV
                      << "') one of auto, on, off";
      return signalPassFailure();
    }
    config.blockQ = bq;
    config.blockKV = bkv;
    config.splitKV = *mode;
    config.numSplits = ns;
    RewritePatternSet patterns(&getContext());
    populateAttnTilePatterns(patterns, config.blockQ, config.blockKV,
                             config.splitKV, config.numSplits);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

std::optional<SplitKVMode> mlir::attn::parseSplitKVMode(StringRef s) {
  if (s == "auto")
    return SplitKVMode::Auto;
  if (s == "on")
    return SplitKVMode::On;
  if (s == "off")
    return SplitKVMode::Off;
  return std::nullopt;
}

void mlir::attn::populateAttnTilePatterns(RewritePatternSet &patterns,
                                          int64_t blockQ, int64_t blockKV,
                                          SplitKVMode splitKV,
                                          int64_t numSplits) {
  TileConfig config{blockQ, blockKV, splitKV, numSplits};
  patterns.add<TileAttention>(patterns.getContext(), config);
}
