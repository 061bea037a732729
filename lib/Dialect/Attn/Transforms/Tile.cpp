//===- Tile.cpp - attn.attention -> tiles + online softmax ------*- C++ -*-===//
//
// --attn-tile: FlashAttention-2 on tensors, target-independent, in two steps.
//
// 1. tileAttention tiles the parallel dims with upstream scf::tileUsingSCF
//    through the op's TilingInterface: scf.for over batch dims and heads
//    (tiles of 1) and blocks of block-q query rows. Each tile is again an
//    attn.attention, on slices, with unit batch and head dims and its rows'
//    causal diagonal in causal_offset (lib/Dialect/Attn/IR/
//    AttnTilingInterface.cpp).
//
// 2. lowerAttentionTile turns each tile into the online softmax over key
//    blocks (bq rows, all of the tile's):
//
//      acc = 0, m = -inf, l = 0
//      for ks in key blocks (step block-kv):         // never an Sq x Sk value
//        s     = (Q . K[ks:ks+bk]^T) * scale*log2(e)  (+ mask)
//        m'    = max(m, rowmax(s))
//        p     = exp2(s - m')
//        alpha = exp2(m - m')
//        l     = alpha * l + rowsum(p)
//        acc   = alpha * acc + p . V[ks:ks+bk]
//        m     = m'
//      O = acc / l,  lse = ln(2) * (m + log2(l))
//
//    A score_mod region is inlined on the scaled score of every key block
//    (before the masks, in natural-log units), a mask_mod region as one more
//    keep condition on every block (not only the diagonal ones), at the
//    tile's positions plus the key block's offset: the tiling interface
//    already added the tile's offsets to the regions' indices. Sinks join
//    the row state once, after the key loop (and after combining split-KV
//    chunks): m* = max(m, sink), l* = 2^(m - m*) l + 2^(sink - m*).
//
//    Key tiles are slices of dynamic size min(block, Sk - ks): ragged tails
//    are masked by construction, never padded. A causal tile stops the key
//    loop at its last row's last visible key and splits it into blocks every
//    row sees whole (no element mask) and the diagonal blocks. Split-KV
//    (flash-decoding) runs the key loop per chunk and combines the partial
//    results through their log-sum-exps.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttentionUtils.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/Debug.h"

#include <cmath>

#define DEBUG_TYPE "attn-tile"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNTILE
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Running state of the online softmax for the rows of a tile.
struct RowState {
  Value acc; // [bq, Dv] f32
  Value max; // [bq] f32, in log2 units
  Value sum; // [bq] f32
};

Value cstIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// exp2(x - m) for a finite or -inf row max: a row with m = -inf has seen
/// only masked keys and contributes 0 rather than NaN.
Value guardedExp2(OpBuilder &b, Location loc, Value x, Value m) {
  Value empty = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m,
                                      buildF32Constant(b, loc, -INFINITY));
  Value e = math::Exp2Op::create(b, loc, arith::SubFOp::create(b, loc, x, m));
  return arith::SelectOp::create(b, loc, empty, buildF32Constant(b, loc, 0.0),
                                 e);
}

/// An operand of a tile stored with a permutation: every dim but the
/// sequence and feature dims has size 1.
struct TileOperand {
  Value value;
  SmallVector<int64_t> perm; // stored dim i is logical dim perm[i]

  /// The full-rank slice [seqOff, seqOff + seqSize) of the sequence dim
  /// (logical dim `seqDim`), all of the feature dim after it.
  Value sliceSequence(OpBuilder &b, Location loc, int64_t seqDim,
                      OpFoldResult seqOff, OpFoldResult seqSize) const {
    int64_t rank = perm.size();
    SmallVector<OpFoldResult> off(rank, b.getIndexAttr(0)),
        size(rank, b.getIndexAttr(1)), strides(rank, b.getIndexAttr(1));
    off[seqDim] = seqOff;
    size[seqDim] = seqSize;
    size[seqDim + 1] = getLogicalSizes(b, loc, value, perm)[seqDim + 1];
    return tensor::ExtractSliceOp::create(b, loc, value,
                                          toStoredOrder(off, perm),
                                          toStoredOrder(size, perm), strides);
  }

  /// Map from a 2-D/3-D iteration space to this operand: logical dim
  /// `seqDim` -> `seq`, the feature dim after it -> `feature`, others -> 0.
  AffineMap map(unsigned numDims, int64_t seqDim, AffineExpr seq,
                AffineExpr feature) const {
    MLIRContext *ctx = seq.getContext();
    SmallVector<AffineExpr> logical(perm.size(), getAffineConstantExpr(0, ctx));
    logical[seqDim] = seq;
    logical[seqDim + 1] = feature;
    return getStoredMap(numDims, logical, perm, ctx);
  }
};

/// Builds the online-softmax loop nest of one attention tile.
class TileLowering {
public:
  TileLowering(OpBuilder &b, AttentionOp tile,
               const AttnTilingOptions &options);

  /// The replacements of the tile's results.
  SmallVector<Value> build(OpBuilder &b, bool splitKV);

private:
  // Scores of the tile's rows against key block [ks, ks + bk).
  Value scores(OpBuilder &b, Value ks, Value bk);
  Value maskTile(OpBuilder &b, Value ks, Value bk, AffineMap &map);
  Value scaleAndMask(OpBuilder &b, Value s, Value ks, Value bk,
                     bool causalMask);
  // One online-softmax step and its parts.
  RowState step(OpBuilder &b, Value ks, Value bk, bool causalMask, RowState st);
  Value rowMax(OpBuilder &b, Value s, Value max);
  Value rescaledSum(OpBuilder &b, Value p, Value alpha, Value sum);
  Value rescaledAcc(OpBuilder &b, Value p, Value alpha, Value acc, Value ks,
                    Value bk);
  // Loops over key blocks.
  RowState initState(OpBuilder &b, ArrayRef<OpFoldResult> lead);
  RowState keyLoop(OpBuilder &b, Value lo, Value hi, bool causalMask,
                   RowState init);
  RowState keyRange(OpBuilder &b, Value lo, Value hi, RowState init);
  Value keyEnd(OpBuilder &b);
  // Split-KV.
  RowState splitKeyRange(OpBuilder &b, Value kvEnd);
  RowState combineSplits(OpBuilder &b, RowState parts);
  // Results.
  RowState applySinks(OpBuilder &b, RowState st);
  Value storeOutput(OpBuilder &b, RowState st);
  Value storeLse(OpBuilder &b, RowState st);

  AttentionOp tile;
  Location loc;
  MLIRContext *ctx;
  const AttnTilingOptions &options;
  int64_t nb, seqDim;
  TileOperand q, k, v, out;
  OpFoldResult rows, dv;  // static where the tile's types are
  Value bq, sk, diagonal; // index values; diagonal only when causal
  double scaleLog2;
};

} // namespace

TileLowering::TileLowering(OpBuilder &b, AttentionOp tile,
                           const AttnTilingOptions &options)
    : tile(tile), loc(tile.getLoc()), ctx(b.getContext()), options(options),
      nb(tile.getNumBatchDims()), seqDim(nb + 1),
      q{tile.getQuery(), tile.getQueryPermutation()},
      k{tile.getKey(), tile.getKeyPermutation()},
      v{tile.getValue(), tile.getValuePermutation()},
      out{tile.getOutput(), tile.getOutputPermutation()},
      scaleLog2(tile.getScale().convertToDouble() * M_LOG2E) {
  rows = getLogicalSizes(b, loc, q.value, q.perm)[seqDim];
  bq = getValueOrCreateConstantIndexOp(b, loc, rows);
  sk = getValueOrCreateConstantIndexOp(
      b, loc, getLogicalSizes(b, loc, k.value, k.perm)[seqDim]);
  dv = getLogicalSizes(b, loc, v.value, v.perm)[seqDim + 1];
  if (tile.isCausal())
    diagonal = tile.buildCausalDiagonal(b, loc, rows, sk);
}

/// s[i, j] = sum_d q[i, d] * k[ks + j, d] over (i, j, d).
Value TileLowering::scores(OpBuilder &b, Value ks, Value bk) {
  AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx),
             d = getAffineDimExpr(2, ctx);
  Value kTile = k.sliceSequence(b, loc, seqDim, ks, bk);
  return buildGeneric(
      b, loc, ValueRange{q.value, kTile}, buildFilledF32(b, loc, {rows, bk}, 0),
      {q.map(3, seqDim, i, d), k.map(3, seqDim, j, d),
       AffineMap::get(3, 0, {i, j}, ctx)},
      getIterators(2, 1), [](OpBuilder &nb2, Location l, ValueRange a) {
        Value prod = arith::MulFOp::create(nb2, l, extendToF32(nb2, l, a[0]),
                                           extendToF32(nb2, l, a[1]));
        return arith::AddFOp::create(nb2, l, a[2], prod).getResult();
      });
}

/// The mask over the (i, j) scores of key block [ks, ks + bk) and its map.
/// The tile's batch and head dims are 1; broadcast dims are read at 0.
Value TileLowering::maskTile(OpBuilder &b, Value ks, Value bk, AffineMap &map) {
  Value mask = tile.getMask();
  auto mTy = cast<RankedTensorType>(mask.getType());
  int64_t mRank = mTy.getRank(), lead = nb + 3 - mRank;
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> off, size, strides(mRank, one);
  SmallVector<AffineExpr> exprs;
  for (int64_t md = 0; md < mRank; ++md) {
    int64_t sd = lead + md;
    bool indexed = mTy.getDimSize(md) != 1 && sd >= seqDim;
    off.push_back(!indexed ? zero : sd == seqDim ? zero : OpFoldResult(ks));
    size.push_back(!indexed ? one : sd == seqDim ? rows : OpFoldResult(bk));
    exprs.push_back(!indexed ? getAffineConstantExpr(0, ctx)
                             : getAffineDimExpr(sd - seqDim, ctx));
  }
  map = AffineMap::get(2, 0, exprs, ctx);
  return tensor::ExtractSliceOp::create(b, loc, mask, off, size, strides);
}

/// Scores in log2 units plus the mask (i1: -inf where false); with
/// `causalMask`, -inf above the diagonal.
Value TileLowering::scaleAndMask(OpBuilder &b, Value s, Value ks, Value bk,
                                 bool causalMask) {
  AffineMap id2 = b.getMultiDimIdentityMap(2);
  SmallVector<Value> ins{s};
  SmallVector<AffineMap> maps{id2};
  if (tile.getMask()) {
    AffineMap maskMap;
    ins.push_back(maskTile(b, ks, bk, maskMap));
    maps.push_back(maskMap);
  }
  maps.push_back(id2);
  bool hasMask = tile.getMask() != nullptr;
  return buildGeneric(
      b, loc, ins, s, maps, getIterators(2, 0),
      [&](OpBuilder &nb2, Location l, ValueRange a) {
        Value negInf = buildF32Constant(nb2, l, -INFINITY);
        // The tile's positions: unit batch and heads, its rows, the keys of
        // this block.
        SmallVector<Value> idx;
        if (tile.hasScoreMod() || tile.hasMaskMod()) {
          idx.assign(nb + 1, cstIndex(nb2, l, 0));
          idx.push_back(linalg::IndexOp::create(nb2, l, 0));
          idx.push_back(arith::AddIOp::create(
              nb2, l, ks, linalg::IndexOp::create(nb2, l, 1)));
        }
        Value x;
        if (tile.hasScoreMod()) {
          x = arith::MulFOp::create(
              nb2, l, a[0],
              buildF32Constant(nb2, l, tile.getScale().convertToDouble()));
          x = arith::MulFOp::create(nb2, l, tile.buildScoreMod(nb2, x, idx),
                                    buildF32Constant(nb2, l, M_LOG2E));
        } else {
          x = arith::MulFOp::create(nb2, l, a[0],
                                    buildF32Constant(nb2, l, scaleLog2));
        }
        if (tile.hasMaskMod())
          x = arith::SelectOp::create(nb2, l, tile.buildMaskMod(nb2, idx), x,
                                      negInf);
        if (hasMask && a[1].getType().isInteger(1))
          x = arith::SelectOp::create(nb2, l, a[1], x, negInf);
        else if (hasMask)
          x = arith::AddFOp::create(
              nb2, l, x,
              arith::MulFOp::create(nb2, l, extendToF32(nb2, l, a[1]),
                                    buildF32Constant(nb2, l, M_LOG2E)));
        if (!causalMask)
          return x;
        Value row = linalg::IndexOp::create(nb2, l, 0);
        Value col = arith::AddIOp::create(nb2, l, ks,
                                          linalg::IndexOp::create(nb2, l, 1));
        Value limit = arith::AddIOp::create(nb2, l, row, diagonal);
        Value keep = arith::CmpIOp::create(nb2, l, arith::CmpIPredicate::sle,
                                           col, limit);
        return arith::SelectOp::create(nb2, l, keep, x, negInf).getResult();
      });
}

/// max(m, rowmax(s)).
Value TileLowering::rowMax(OpBuilder &b, Value s, Value max) {
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  return buildGeneric(
      b, loc, s, max, {b.getMultiDimIdentityMap(2), row}, getIterators(1, 1),
      [](OpBuilder &nb2, Location l, ValueRange a) {
        return arith::MaximumFOp::create(nb2, l, a[0], a[1]).getResult();
      });
}

/// alpha * l + rowsum(p).
Value TileLowering::rescaledSum(OpBuilder &b, Value p, Value alpha, Value sum) {
  AffineMap id1 = b.getMultiDimIdentityMap(1);
  Value scaled = buildGeneric(
      b, loc, alpha, sum, {id1, id1}, getIterators(1, 0),
      [](OpBuilder &nb2, Location l, ValueRange a) {
        return arith::MulFOp::create(nb2, l, a[0], a[1]).getResult();
      });
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  return buildGeneric(
      b, loc, p, scaled, {b.getMultiDimIdentityMap(2), row}, getIterators(1, 1),
      [](OpBuilder &nb2, Location l, ValueRange a) {
        return arith::AddFOp::create(nb2, l, a[0], a[1]).getResult();
      });
}

/// alpha * acc + p . V[ks:ks+bk] over (i, e, n).
Value TileLowering::rescaledAcc(OpBuilder &b, Value p, Value alpha, Value acc,
                                Value ks, Value bk) {
  AffineExpr i = getAffineDimExpr(0, ctx), e = getAffineDimExpr(1, ctx),
             n = getAffineDimExpr(2, ctx);
  Value scaled = buildGeneric(
      b, loc, alpha, acc,
      {AffineMap::get(2, 0, {i}, ctx), b.getMultiDimIdentityMap(2)},
      getIterators(2, 0), [](OpBuilder &nb2, Location l, ValueRange a) {
        return arith::MulFOp::create(nb2, l, a[0], a[1]).getResult();
      });
  Value vTile = v.sliceSequence(b, loc, seqDim, ks, bk);
  return buildGeneric(
      b, loc, ValueRange{p, vTile}, scaled,
      {AffineMap::get(3, 0, {i, n}, ctx), v.map(3, seqDim, n, e),
       AffineMap::get(3, 0, {i, e}, ctx)},
      getIterators(2, 1), [](OpBuilder &nb2, Location l, ValueRange a) {
        Value prod =
            arith::MulFOp::create(nb2, l, a[0], extendToF32(nb2, l, a[1]));
        return arith::AddFOp::create(nb2, l, a[2], prod).getResult();
      });
}

/// One online-softmax step over key block [ks, ks + bk).
RowState TileLowering::step(OpBuilder &b, Value ks, Value bk, bool causalMask,
                            RowState st) {
  Value s = scaleAndMask(b, scores(b, ks, bk), ks, bk, causalMask);
  Value mNew = rowMax(b, s, st.max);
  AffineMap id1 = b.getMultiDimIdentityMap(1),
            id2 = b.getMultiDimIdentityMap(2);
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  auto exp2Body = [](OpBuilder &nb2, Location l, ValueRange a) {
    return guardedExp2(nb2, l, a[0], a[1]);
  };
  // p = exp2(s - m'), alpha = exp2(m - m').
  Value p = buildGeneric(b, loc, ValueRange{s, mNew}, s, {id2, row, id2},
                         getIterators(2, 0), exp2Body);
  Value alphaInit = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, st.max), b.getF32Type());
  Value alpha = buildGeneric(b, loc, ValueRange{st.max, mNew}, alphaInit,
                             {id1, id1, id1}, getIterators(1, 0), exp2Body);
  return {rescaledAcc(b, p, alpha, st.acc, ks, bk), mNew,
          rescaledSum(b, p, alpha, st.sum)};
}

/// acc = 0, m = -inf, l = 0, with `lead` dims before the rows (split-KV).
RowState TileLowering::initState(OpBuilder &b, ArrayRef<OpFoldResult> lead) {
  SmallVector<OpFoldResult> rowSizes(lead), accSizes(lead);
  rowSizes.push_back(rows);
  accSizes.append({rows, dv});
  return {buildFilledF32(b, loc, accSizes, 0.0),
          buildFilledF32(b, loc, rowSizes, -INFINITY),
          buildFilledF32(b, loc, rowSizes, 0.0)};
}

/// Runs `step` over the key blocks of [lo, hi) (lo a multiple of block-kv).
RowState TileLowering::keyLoop(OpBuilder &b, Value lo, Value hi,
                               bool causalMask, RowState init) {
  Value blk = cstIndex(b, loc, options.blockKV);
  auto loop = scf::ForOp::create(
      b, loc, lo, hi, blk, ValueRange{init.acc, init.max, init.sum},
      [&](OpBuilder &nb2, Location l, Value ks, ValueRange args) {
        Value bk = arith::MinSIOp::create(
            nb2, l, blk, arith::SubIOp::create(nb2, l, sk, ks));
        RowState st =
            step(nb2, ks, bk, causalMask, {args[0], args[1], args[2]});
        scf::YieldOp::create(nb2, l, ValueRange{st.acc, st.max, st.sum});
      });
  return {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
}

/// The key blocks of [lo, hi): with a causal mask, blocks every row sees
/// whole run without the element mask.
RowState TileLowering::keyRange(OpBuilder &b, Value lo, Value hi,
                                RowState init) {
  if (!diagonal)
    return keyLoop(b, lo, hi, /*causalMask=*/false, init);
  // Key block [ks, ks + block) needs no mask iff ks + block - 1 <= 0 + diag,
  // i.e. row 0 already sees all of it.
  Value zero = cstIndex(b, loc, 0), blk = cstIndex(b, loc, options.blockKV);
  Value firstRowEnd = arith::MaxSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, diagonal, cstIndex(b, loc, 1)),
      zero);
  Value fullEnd = arith::MulIOp::create(
      b, loc, arith::DivSIOp::create(b, loc, firstRowEnd, blk), blk);
  Value mid = arith::MaxSIOp::create(
      b, loc, lo, arith::MinSIOp::create(b, loc, hi, fullEnd));
  RowState st = keyLoop(b, lo, mid, /*causalMask=*/false, init);
  return keyLoop(b, mid, hi, /*causalMask=*/true, st);
}

/// End (exclusive) of the keys any row of the tile sees.
Value TileLowering::keyEnd(OpBuilder &b) {
  if (!diagonal)
    return sk;
  Value end = arith::AddIOp::create(b, loc, bq, diagonal);
  return arith::MaxSIOp::create(b, loc, cstIndex(b, loc, 0),
                                arith::MinSIOp::create(b, loc, end, sk));
}

/// Flash-decoding: independent chunks of whole key blocks, each writing its
/// partial state into slot s of [num-splits, ...] tensors.
RowState TileLowering::splitKeyRange(OpBuilder &b, Value kvEnd) {
  int64_t numSplits = options.numSplits > 0 ? options.numSplits : 4;
  Value blk = cstIndex(b, loc, options.blockKV);
  Value ns = cstIndex(b, loc, numSplits);
  Value blocks = arith::CeilDivSIOp::create(b, loc, kvEnd, blk);
  Value chunk = arith::MulIOp::create(
      b, loc, arith::CeilDivSIOp::create(b, loc, blocks, ns), blk);
  RowState parts = initState(b, {b.getIndexAttr(numSplits)});
  auto loop = scf::ForOp::create(
      b, loc, cstIndex(b, loc, 0), ns, cstIndex(b, loc, 1),
      ValueRange{parts.acc, parts.max, parts.sum},
      [&](OpBuilder &sb, Location sl, Value split, ValueRange acc) {
        Value lo = arith::MinSIOp::create(
            sb, sl, arith::MulIOp::create(sb, sl, split, chunk), kvEnd);
        Value hi = arith::MinSIOp::create(
            sb, sl, arith::AddIOp::create(sb, sl, lo, chunk), kvEnd);
        RowState r = keyRange(sb, lo, hi, initState(sb, {}));
        // Rank-extending insert of the [bq(, Dv)] partial at slot `split`.
        auto put = [&](Value part, Value dest) -> Value {
          auto ty = cast<RankedTensorType>(part.getType());
          SmallVector<OpFoldResult> off(ty.getRank() + 1, sb.getIndexAttr(0)),
              size{sb.getIndexAttr(1)},
              strides(ty.getRank() + 1, sb.getIndexAttr(1));
          off[0] = split;
          llvm::append_range(size, tensor::getMixedSizes(sb, sl, part));
          return tensor::InsertSliceOp::create(sb, sl, part, dest, off, size,
                                               strides);
        };
        scf::YieldOp::create(sb, sl,
                             ValueRange{put(r.acc, acc[0]), put(r.max, acc[1]),
                                        put(r.sum, acc[2])});
      });
  return combineSplits(
      b, {loop.getResult(0), loop.getResult(1), loop.getResult(2)});
}

/// m* = max_s m_s, l* = sum_s exp2(m_s - m*) l_s, acc* likewise, over (i, s)
/// and (i, e, s).
RowState TileLowering::combineSplits(OpBuilder &b, RowState parts) {
  AffineExpr i = getAffineDimExpr(0, ctx), e = getAffineDimExpr(1, ctx);
  AffineMap rowSplit = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx), i}, ctx);
  AffineMap row2 = AffineMap::get(2, 0, {i}, ctx);
  RowState init = initState(b, {});
  Value mStar = buildGeneric(
      b, loc, parts.max, init.max, {rowSplit, row2}, getIterators(1, 1),
      [](OpBuilder &nb2, Location l, ValueRange a) {
        return arith::MaximumFOp::create(nb2, l, a[0], a[1]).getResult();
      });
  auto weighted = [](OpBuilder &nb2, Location l, ValueRange a) {
    // a = (partial m, partial l or acc, m*, running sum)
    Value w = guardedExp2(nb2, l, a[0], a[2]);
    Value c = arith::MulFOp::create(nb2, l, w, a[1]);
    return arith::AddFOp::create(nb2, l, a[3], c).getResult();
  };
  Value lStar = buildGeneric(b, loc, ValueRange{parts.max, parts.sum, mStar},
                             init.sum, {rowSplit, rowSplit, row2, row2},
                             getIterators(1, 1), weighted);
  AffineExpr s3 = getAffineDimExpr(2, ctx);
  Value accStar = buildGeneric(
      b, loc, ValueRange{parts.max, parts.acc, mStar}, init.acc,
      {AffineMap::get(3, 0, {s3, i}, ctx),
       AffineMap::get(3, 0, {s3, i, e}, ctx), AffineMap::get(3, 0, {i}, ctx),
       AffineMap::get(3, 0, {i, e}, ctx)},
      getIterators(2, 1), weighted);
  return {accStar, mStar, lStar};
}

/// The sink of the tile's (one) head joins the row state: m* = max(m, sink),
/// l* = 2^(m - m*) l + 2^(sink - m*), acc* = 2^(m - m*) acc (in log2 units).
RowState TileLowering::applySinks(OpBuilder &b, RowState st) {
  Value sink = tensor::ExtractOp::create(b, loc, tile.getSinks(),
                                         ValueRange{cstIndex(b, loc, 0)});
  sink = arith::MulFOp::create(b, loc, sink, buildF32Constant(b, loc, M_LOG2E));
  AffineMap id1 = b.getMultiDimIdentityMap(1),
            id2 = b.getMultiDimIdentityMap(2);
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  Value mStar = buildGeneric(
      b, loc, st.max, st.max, {id1, id1}, getIterators(1, 0),
      [&](OpBuilder &nb2, Location l, ValueRange a) {
        return arith::MaximumFOp::create(nb2, l, a[0], sink).getResult();
      });
  Value lStar = buildGeneric(
      b, loc, ValueRange{st.max, st.sum, mStar}, st.sum, {id1, id1, id1, id1},
      getIterators(1, 0), [&](OpBuilder &nb2, Location l, ValueRange a) {
        Value alpha = guardedExp2(nb2, l, a[0], a[2]);
        Value own = guardedExp2(nb2, l, sink, a[2]);
        return arith::AddFOp::create(
                   nb2, l, arith::MulFOp::create(nb2, l, alpha, a[1]), own)
            .getResult();
      });
  Value accStar = buildGeneric(
      b, loc, ValueRange{st.max, mStar, st.acc}, st.acc, {row, row, id2, id2},
      getIterators(2, 0), [&](OpBuilder &nb2, Location l, ValueRange a) {
        Value alpha = guardedExp2(nb2, l, a[0], a[1]);
        return arith::MulFOp::create(nb2, l, alpha, a[2]).getResult();
      });
  return {accStar, mStar, lStar};
}

/// O = acc / l (0 for fully masked rows), cast into the tile's output.
Value TileLowering::storeOutput(OpBuilder &b, RowState st) {
  AffineExpr i = getAffineDimExpr(0, ctx), e = getAffineDimExpr(1, ctx);
  Type outElem = tile.getOutputType().getElementType();
  return buildGeneric(
      b, loc, ValueRange{st.acc, st.sum}, out.value,
      {b.getMultiDimIdentityMap(2), AffineMap::get(2, 0, {i}, ctx),
       out.map(2, seqDim, i, e)},
      getIterators(2, 0), [&](OpBuilder &nb2, Location l, ValueRange a) {
        Value z = buildF32Constant(nb2, l, 0.0);
        Value empty =
            arith::CmpFOp::create(nb2, l, arith::CmpFPredicate::OEQ, a[1], z);
        Value o = arith::SelectOp::create(
            nb2, l, empty, z, arith::DivFOp::create(nb2, l, a[0], a[1]));
        if (!outElem.isF32())
          o = arith::TruncFOp::create(nb2, l, outElem, o);
        return o;
      });
}

/// lse = ln(2) * (m + log2(l)): -inf for fully masked rows.
Value TileLowering::storeLse(OpBuilder &b, RowState st) {
  SmallVector<AffineExpr> lseExprs(nb + 1, getAffineConstantExpr(0, ctx));
  lseExprs.push_back(getAffineDimExpr(0, ctx));
  AffineMap id1 = b.getMultiDimIdentityMap(1);
  return buildGeneric(
      b, loc, ValueRange{st.max, st.sum}, tile.getLse(),
      {id1, id1, AffineMap::get(1, 0, lseExprs, ctx)}, getIterators(1, 0),
      [](OpBuilder &nb2, Location l, ValueRange a) {
        Value lg = math::Log2Op::create(nb2, l, a[1]);
        Value x = arith::AddFOp::create(nb2, l, a[0], lg);
        return arith::MulFOp::create(nb2, l, x, buildF32Constant(nb2, l, M_LN2))
            .getResult();
      });
}

SmallVector<Value> TileLowering::build(OpBuilder &b, bool splitKV) {
  Value kvEnd = keyEnd(b);
  RowState st = splitKV
                    ? splitKeyRange(b, kvEnd)
                    : keyRange(b, cstIndex(b, loc, 0), kvEnd, initState(b, {}));
  if (tile.getSinks())
    st = applySinks(b, st);
  SmallVector<Value> results{storeOutput(b, st)};
  if (tile.getLse())
    results.push_back(storeLse(b, st));
  return results;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// Split-KV for decoding shapes: a handful of query rows against a long key
/// axis, where the query-block loop alone has no parallelism.
static bool useSplitKV(AttentionOp op, const AttnTilingOptions &options) {
  if (options.splitKV != SplitKVMode::Auto)
    return options.splitKV == SplitKVMode::On;
  int64_t nb = op.getNumBatchDims();
  int64_t sq = AttentionOp::getLogicalShape(op.getQueryType(),
                                            op.getQueryPermutation())[nb + 1];
  int64_t sk = AttentionOp::getLogicalShape(op.getKeyType(),
                                            op.getKeyPermutation())[nb + 1];
  return !ShapedType::isDynamic(sq) && sq <= 16 &&
         (ShapedType::isDynamic(sk) || sk >= 4 * options.blockKV);
}

static bool hasUnitBatchAndHeads(AttentionOp tile) {
  int64_t nb = tile.getNumBatchDims();
  for (auto [type, perm] :
       {std::pair{tile.getQueryType(), tile.getQueryPermutation()},
        {tile.getKeyType(), tile.getKeyPermutation()},
        {tile.getValueType(), tile.getValuePermutation()},
        {tile.getOutputType(), tile.getOutputPermutation()}}) {
    SmallVector<int64_t> shape = AttentionOp::getLogicalShape(type, perm);
    if (llvm::any_of(ArrayRef(shape).take_front(nb + 1),
                     [](int64_t s) { return s != 1; }))
      return false;
  }
  return true;
}

LogicalResult mlir::attn::lowerAttentionTile(RewriterBase &rewriter,
                                             AttentionOp tile,
                                             const AttnTilingOptions &options,
                                             bool splitKV) {
  if (!hasUnitBatchAndHeads(tile))
    return rewriter.notifyMatchFailure(
        tile, "a tile has static unit batch and head dims");
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(tile);
  SmallVector<Value> results =
      TileLowering(rewriter, tile, options).build(rewriter, splitKV);
  rewriter.replaceOp(tile, results);
  return success();
}

FailureOr<AttnTilingResult>
mlir::attn::tileAttention(RewriterBase &rewriter, AttentionOp op,
                          const AttnTilingOptions &options) {
  AttnTilingResult result;
  result.splitKV = useSplitKV(op, options);
  // Tiles of one head of one batch entry and block-q query rows; all keys.
  SmallVector<OpFoldResult> tileSizes(op.getNumBatchDims() + 1,
                                      rewriter.getIndexAttr(1));
  tileSizes.push_back(rewriter.getIndexAttr(options.blockQ));
  scf::SCFTilingOptions tilingOptions;
  tilingOptions.setTileSizes(tileSizes);
  auto tilingInterface = cast<TilingInterface>(op.getOperation());
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, tilingInterface, tilingOptions);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  LLVM_DEBUG(llvm::dbgs() << "tiled " << op.getLoc() << " into "
                          << tiled->loops.size() << " loops, split-kv "
                          << result.splitKV << "\n");
  for (LoopLikeOpInterface loop : tiled->loops)
    result.loops.push_back(loop);
  for (Operation *tiledOp : tiled->tiledOps) {
    auto tile = dyn_cast<AttentionOp>(tiledOp);
    if (!tile ||
        failed(lowerAttentionTile(rewriter, tile, options, result.splitKV)))
      return failure();
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Pattern and pass
//===----------------------------------------------------------------------===//

namespace {

struct TileAttention : public OpRewritePattern<AttentionOp> {
  TileAttention(MLIRContext *ctx, const AttnTilingOptions &options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(tileAttention(rewriter, op, options)))
      return rewriter.notifyMatchFailure(op, "tiling failed");
    return success();
  }

private:
  AttnTilingOptions options;
};

struct AttnTilePass : public attn::impl::AttnTileBase<AttnTilePass> {
  using AttnTileBase::AttnTileBase;

  void runOnOperation() override {
    // Bounded so that index arithmetic on them (e.g. 4 * block-kv) cannot
    // overflow.
    constexpr int64_t kMaxBlock = int64_t(1) << 20, kMaxSplits = 1 << 16;
    int64_t bq = blockQ, bkv = blockKV, ns = numSplits;
    if (bq <= 0 || bq > kMaxBlock || bkv <= 0 || bkv > kMaxBlock || ns < 0 ||
        ns > kMaxSplits) {
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
                      << kMaxSplits << "]";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateAttnTilePatterns(patterns, {bq, bkv, splitKV, ns});
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // A tiling failure was reported on the op (e.g. a head tile that cannot
    // be expressed); it must not pass silently as an untiled op.
    WalkResult left = getOperation()->walk([](AttentionOp op) {
      op.emitError("attn-tile: could not tile this op");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateAttnTilePatterns(RewritePatternSet &patterns,
                                          const AttnTilingOptions &options) {
  patterns.add<TileAttention>(patterns.getContext(), options);
}
