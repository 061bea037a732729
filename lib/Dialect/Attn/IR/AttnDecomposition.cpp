//===- AttnDecomposition.cpp - attn.attention as unfused linalg -*- C++ -*-===//
//
// AggregatedOpInterface::decomposeOperation of attn.attention: the reference
// semantics as plain linalg on tensors. Every other lowering is tested
// against this one (--attn-decompose), so it favours obviousness over speed:
// f32 throughout, the full score matrix, one generic per step.
//
//   S = Q · Kᵀ                                  [batch..., Hq, Sq, Sk]
//   S = score_mod(scale · S) + mask, -inf where masked out (i1 mask,
//       causal, mask_mod)
//   m = rowmax S (and sink[h]) ; E = exp(S - m) (0 when m = -inf)
//   l = rowsum E (+ exp(sink[h] - m))
//   P = E / l (0 when l = 0: a fully masked row)
//   O = cast(P · V) ; lse = m + log l
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttentionUtils.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Builds the reference computation of one attn.attention.
class Decomposition {
public:
  Decomposition(OpBuilder &b, AttentionOp op);
  SmallVector<Value> build();

private:
  /// Iteration dims (batch..., h, m) followed by the dims `tail`.
  SmallVector<AffineExpr> dims(ArrayRef<int64_t> tail);
  void expandSharedHeads();
  Value scores();
  Value scaleAndMask(Value s);
  Value rowReduce(Value s, double init, bool max);
  Value addSinkToMax(Value rowMax);
  Value addSinkToSum(Value rowSum, Value rowMax);
  Value exponentials(Value s, Value rowMax);
  Value probabilities(Value e, Value rowSum);
  Value multiplyValues(Value p);
  Value castToOutput(Value acc);
  Value logSumExp(Value rowMax, Value rowSum);

  OpBuilder &b;
  AttentionOp op;
  Location loc;
  MLIRContext *ctx;
  int64_t nb;
  Value key, value;
  SmallVector<int64_t> kPerm, vPerm;
  int64_t group = 1;
  SmallVector<OpFoldResult> qSizes, kSizes, vSizes;
};

} // namespace

Decomposition::Decomposition(OpBuilder &b, AttentionOp op)
    : b(b), op(op), loc(op.getLoc()), ctx(b.getContext()),
      nb(op.getNumBatchDims()), key(op.getKey()), value(op.getValue()),
      kPerm(op.getKeyPermutation()), vPerm(op.getValuePermutation()) {
  qSizes = getLogicalSizes(b, loc, op.getQuery(), op.getQueryPermutation());
  kSizes = getLogicalSizes(b, loc, key, kPerm);
  vSizes = getLogicalSizes(b, loc, value, vPerm);
  std::optional<int64_t> hq = getConstantIntValue(qSizes[nb]);
  std::optional<int64_t> hkv = getConstantIntValue(kSizes[nb]);
  if (hq && hkv && *hkv != 0)
    group = *hq / *hkv;
  else
    expandSharedHeads();
}

SmallVector<AffineExpr> Decomposition::dims(ArrayRef<int64_t> tail) {
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i < nb + 2; ++i)
    exprs.push_back(getAffineDimExpr(i, ctx));
  for (int64_t t : tail)
    exprs.push_back(getAffineDimExpr(t, ctx));
  return exprs;
}

/// With a group size known only at run time, the maps cannot say
/// `h floordiv G`: K and V are materialised with Hq heads instead (oracle
/// only; the tiled lowerings index the shared head in place).
void Decomposition::expandSharedHeads() {
  Value groupSize = arith::DivUIOp::create(
      b, loc, getValueOrCreateConstantIndexOp(b, loc, qSizes[nb]),
      getValueOrCreateConstantIndexOp(b, loc, kSizes[nb]));
  auto expand = [&](Value kv, ArrayRef<int64_t> perm,
                    ArrayRef<OpFoldResult> logical) -> Value {
    SmallVector<OpFoldResult> sizes(logical);
    sizes[nb] = qSizes[nb];
    auto elemTy = cast<RankedTensorType>(kv.getType()).getElementType();
    Value empty = tensor::EmptyOp::create(b, loc, sizes, elemTy);
    int64_t rank = nb + 3;
    return buildGeneric(
        b, loc, ValueRange{}, empty, {b.getMultiDimIdentityMap(rank)},
        getIterators(rank, 0), [&](OpBuilder &nb2, Location l, ValueRange) {
          SmallVector<Value> idx;
          for (int64_t i = 0; i < rank; ++i)
            idx.push_back(linalg::IndexOp::create(nb2, l, i));
          idx[nb] = arith::DivUIOp::create(nb2, l, idx[nb], groupSize);
          SmallVector<Value> stored =
              llvm::map_to_vector(perm, [&](int64_t p) { return idx[p]; });
          return tensor::ExtractOp::create(nb2, l, kv, stored).getResult();
        });
  };
  key = expand(key, kPerm, kSizes);
  value = expand(value, vPerm, vSizes);
  kPerm = llvm::to_vector(llvm::seq<int64_t>(0, nb + 3));
  vPerm = kPerm;
}

/// S = Q · Kᵀ over iteration dims (batch..., h, m, n, d).
Value Decomposition::scores() {
  unsigned numDims = nb + 4;
  AffineExpr h = getAffineDimExpr(nb, ctx), n = getAffineDimExpr(nb + 2, ctx),
             d = getAffineDimExpr(nb + 3, ctx);
  SmallVector<AffineExpr> qExprs = dims({nb + 3});
  SmallVector<AffineExpr> kExprs = dims({});
  kExprs[nb] = group == 1 ? h : h.floorDiv(group);
  kExprs[nb + 1] = n;
  kExprs.push_back(d);
  SmallVector<AffineMap> maps = {
      getStoredMap(numDims, qExprs, op.getQueryPermutation(), ctx),
      getStoredMap(numDims, kExprs, kPerm, ctx),
      AffineMap::get(numDims, 0, dims({nb + 2}), ctx)};
  SmallVector<OpFoldResult> sizes(qSizes.begin(), qSizes.begin() + nb + 2);
  sizes.push_back(kSizes[nb + 1]);
  return buildGeneric(
      b, loc, ValueRange{op.getQuery(), key},
      buildFilledF32(b, loc, sizes, 0.0), maps, getIterators(nb + 3, 1),
      [](OpBuilder &nb2, Location l, ValueRange a) -> Value {
        Value prod = arith::MulFOp::create(nb2, l, extendToF32(nb2, l, a[0]),
                                           extendToF32(nb2, l, a[1]));
        return arith::AddFOp::create(nb2, l, a[2], prod);
      });
}

/// score_mod(scale · S), plus the additive mask; -inf where a keep-mask,
/// the causal mask or mask_mod drops the key.
Value Decomposition::scaleAndMask(Value s) {
  unsigned numDims = nb + 3;
  AffineMap ident = b.getMultiDimIdentityMap(numDims);
  SmallVector<Value> inputs{s};
  SmallVector<AffineMap> maps{ident};
  Value mask = op.getMask();
  if (mask) {
    inputs.push_back(mask);
    maps.push_back(getMaskMap(numDims, dims({nb + 2}),
                              cast<RankedTensorType>(mask.getType()), ctx));
  }
  maps.push_back(ident);
  Value diagonal =
      op.isCausal()
          ? op.buildCausalDiagonal(b, loc, qSizes[nb + 1], kSizes[nb + 1])
          : Value();
  double scale = op.getScale().convertToDouble();
  int64_t rowDim = nb + 1, keyDim = nb + 2;
  return buildGeneric(
      b, loc, inputs, s, maps, getIterators(numDims, 0),
      [&](OpBuilder &nb2, Location l, ValueRange a) -> Value {
        Value negInf =
            arith::ConstantOp::create(nb2, l, nb2.getF32FloatAttr(-INFINITY));
        Value x = arith::MulFOp::create(
            nb2, l, a[0],
            arith::ConstantOp::create(nb2, l, nb2.getF32FloatAttr(scale)));
        SmallVector<Value> idx;
        if (op.hasScoreMod() || op.hasMaskMod())
          for (unsigned d = 0; d < numDims; ++d)
            idx.push_back(linalg::IndexOp::create(nb2, l, d));
        if (op.hasScoreMod())
          x = op.buildScoreMod(nb2, x, idx);
        if (mask && a[1].getType().isInteger(1))
          x = arith::SelectOp::create(nb2, l, a[1], x, negInf);
        else if (mask)
          x = arith::AddFOp::create(nb2, l, x, extendToF32(nb2, l, a[1]));
        if (op.hasMaskMod())
          x = arith::SelectOp::create(nb2, l, op.buildMaskMod(nb2, idx), x,
                                      negInf);
        if (!diagonal)
          return x;
        Value row = linalg::IndexOp::create(nb2, l, rowDim);
        Value col = linalg::IndexOp::create(nb2, l, keyDim);
        Value limit = arith::AddIOp::create(nb2, l, row, diagonal);
        Value keep = arith::CmpIOp::create(nb2, l, arith::CmpIPredicate::sle,
                                           col, limit);
        return arith::SelectOp::create(nb2, l, keep, x, negInf);
      });
}

/// Row maximum (`max`) or row sum over the key axis.
Value Decomposition::rowReduce(Value s, double init, bool max) {
  unsigned numDims = nb + 3;
  SmallVector<OpFoldResult> rows(qSizes.begin(), qSizes.begin() + nb + 2);
  AffineMap rowMap = AffineMap::get(numDims, 0, dims({}), ctx);
  return buildGeneric(b, loc, s, buildFilledF32(b, loc, rows, init),
                      {b.getMultiDimIdentityMap(numDims), rowMap},
                      getIterators(numDims - 1, 1),
                      [&](OpBuilder &nb2, Location l, ValueRange a) -> Value {
                        if (max)
                          return arith::MaximumFOp::create(nb2, l, a[0], a[1]);
                        return arith::AddFOp::create(nb2, l, a[0], a[1]);
                      });
}

/// max(m, sink[h]): the sink takes part in the row maximum (gpt-oss
/// subtracts the maximum of the scores and the sink).
Value Decomposition::addSinkToMax(Value rowMax) {
  unsigned numDims = nb + 2;
  AffineMap ident = b.getMultiDimIdentityMap(numDims);
  AffineMap head = AffineMap::get(numDims, 0, getAffineDimExpr(nb, ctx));
  return buildGeneric(b, loc, ValueRange{rowMax, op.getSinks()}, rowMax,
                      {ident, head, ident}, getIterators(numDims, 0),
                      [](OpBuilder &nb2, Location l, ValueRange a) -> Value {
                        return arith::MaximumFOp::create(nb2, l, a[0], a[1]);
                      });
}

/// l + exp(sink[h] - m): the sink's term of the denominator.
Value Decomposition::addSinkToSum(Value rowSum, Value rowMax) {
  unsigned numDims = nb + 2;
  AffineMap ident = b.getMultiDimIdentityMap(numDims);
  AffineMap head = AffineMap::get(numDims, 0, getAffineDimExpr(nb, ctx));
  return buildGeneric(
      b, loc, ValueRange{rowSum, op.getSinks(), rowMax}, rowSum,
      {ident, head, ident, ident}, getIterators(numDims, 0),
      [](OpBuilder &nb2, Location l, ValueRange a) -> Value {
        Value negInf =
            arith::ConstantOp::create(nb2, l, nb2.getF32FloatAttr(-INFINITY));
        Value zero = arith::ConstantOp::create(nb2, l, nb2.getF32FloatAttr(0));
        Value none = arith::CmpFOp::create(nb2, l, arith::CmpFPredicate::OEQ,
                                           a[2], negInf);
        Value e = math::ExpOp::create(
            nb2, l, arith::SubFOp::create(nb2, l, a[1], a[2]));
        return arith::AddFOp::create(
            nb2, l, a[0], arith::SelectOp::create(nb2, l, none, zero, e));
      });
}

/// exp(S - m), 0 for a row whose maximum is -inf (every key masked).
Value Decomposition::exponentials(Value s, Value rowMax) {
  unsigned numDims = nb + 3;
  AffineMap ident = b.getMultiDimIdentityMap(numDims);
  AffineMap rowMap = AffineMap::get(numDims, 0, dims({}), ctx);
  return buildGeneric(
      b, loc, ValueRange{s, rowMax}, s, {ident, rowMap, ident},
      getIterators(numDims, 0),
      [](OpBuilder &nb2, Location l, ValueRange a) -> Value {
        Value negInf =
            arith::ConstantOp::create(nb2, l, nb2.getF32FloatAttr(-INFINITY));
        Value zero = arith::ConstantOp::create(nb2, l, nb2.getF32FloatAttr(0));
        Value allMasked = arith::CmpFOp::create(
            nb2, l, arith::CmpFPredicate::OEQ, a[1], negInf);
        Value e = math::ExpOp::create(
            nb2, l, arith::SubFOp::create(nb2, l, a[0], a[1]));
        return arith::SelectOp::create(nb2, l, allMasked, zero, e);
      });
}

/// E / l, 0 for a row whose sum is 0.
Value Decomposition::probabilities(Value e, Value rowSum) {
  unsigned numDims = nb + 3;
  AffineMap ident = b.getMultiDimIdentityMap(numDims);
  AffineMap rowMap = AffineMap::get(numDims, 0, dims({}), ctx);
  return buildGeneric(
      b, loc, ValueRange{e, rowSum}, e, {ident, rowMap, ident},
      getIterators(numDims, 0),
      [](OpBuilder &nb2, Location l, ValueRange a) -> Value {
        Value zero = arith::ConstantOp::create(nb2, l, nb2.getF32FloatAttr(0));
        Value empty = arith::CmpFOp::create(nb2, l, arith::CmpFPredicate::OEQ,
                                            a[1], zero);
        Value p = arith::DivFOp::create(nb2, l, a[0], a[1]);
        return arith::SelectOp::create(nb2, l, empty, zero, p);
      });
}

/// P · V over iteration dims (batch..., h, m, e, n).
Value Decomposition::multiplyValues(Value p) {
  unsigned numDims = nb + 4;
  AffineExpr h = getAffineDimExpr(nb, ctx), e = getAffineDimExpr(nb + 2, ctx),
             n = getAffineDimExpr(nb + 3, ctx);
  SmallVector<AffineExpr> vExprs = dims({});
  vExprs[nb] = group == 1 ? h : h.floorDiv(group);
  vExprs[nb + 1] = n;
  vExprs.push_back(e);
  SmallVector<AffineMap> maps = {
      AffineMap::get(numDims, 0, dims({nb + 3}), ctx),
      getStoredMap(numDims, vExprs, vPerm, ctx),
      AffineMap::get(numDims, 0, dims({nb + 2}), ctx)};
  SmallVector<OpFoldResult> sizes(qSizes.begin(), qSizes.begin() + nb + 2);
  sizes.push_back(vSizes[nb + 2]);
  return buildGeneric(
      b, loc, ValueRange{p, value}, buildFilledF32(b, loc, sizes, 0.0), maps,
      getIterators(nb + 3, 1),
      [](OpBuilder &nb2, Location l, ValueRange a) -> Value {
        Value prod =
            arith::MulFOp::create(nb2, l, a[0], extendToF32(nb2, l, a[1]));
        return arith::AddFOp::create(nb2, l, a[2], prod);
      });
}

/// The f32 accumulator cast into the (possibly permuted) output init.
Value Decomposition::castToOutput(Value acc) {
  unsigned numDims = nb + 3;
  SmallVector<AffineExpr> it = dims({nb + 2});
  Type outElem = op.getOutputType().getElementType();
  return buildGeneric(
      b, loc, acc, op.getOutput(),
      {b.getMultiDimIdentityMap(numDims),
       getStoredMap(numDims, it, op.getOutputPermutation(), ctx)},
      getIterators(numDims, 0),
      [&](OpBuilder &nb2, Location l, ValueRange a) -> Value {
        if (outElem.isF32())
          return a[0];
        return arith::TruncFOp::create(nb2, l, outElem, a[0]);
      });
}

/// lse = m + log(l): -inf for a fully masked row (m = -inf, l = 0).
Value Decomposition::logSumExp(Value rowMax, Value rowSum) {
  AffineMap ident = b.getMultiDimIdentityMap(nb + 2);
  return buildGeneric(b, loc, ValueRange{rowMax, rowSum}, op.getLse(),
                      {ident, ident, ident}, getIterators(nb + 2, 0),
                      [](OpBuilder &nb2, Location l, ValueRange a) -> Value {
                        return arith::AddFOp::create(
                            nb2, l, a[0], math::LogOp::create(nb2, l, a[1]));
                      });
}

SmallVector<Value> Decomposition::build() {
  Value s = scaleAndMask(scores());
  Value rowMax = rowReduce(s, -INFINITY, /*max=*/true);
  if (op.getSinks())
    rowMax = addSinkToMax(rowMax);
  Value e = exponentials(s, rowMax);
  Value rowSum = rowReduce(e, 0.0, /*max=*/false);
  if (op.getSinks())
    rowSum = addSinkToSum(rowSum, rowMax);
  Value acc = multiplyValues(probabilities(e, rowSum));
  SmallVector<Value> results{castToOutput(acc)};
  if (op.getLse())
    results.push_back(logSumExp(rowMax, rowSum));
  return results;
}

FailureOr<SmallVector<Value>> AttentionOp::decomposeOperation(OpBuilder &b) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  return Decomposition(b, *this).build();
}
