//===- AttnTilingInterface.cpp - tiling attn.attention ----------*- C++ -*-===//
//
// TilingInterface and PartialReductionOpInterface of attn.attention.
//
// The iteration domain is the logical scores shape [batch..., Hq, Sq, Sk]:
// batch dims, query heads and query rows are parallel, the key dim is a
// reduction. A tile [offsets, offsets + sizes) of it is computed by an
// attn.attention on slices of the operands:
//
//   query, output  [b..., h, m, :]       lse [b..., h, m]
//   key, value     [b..., kv(h), n, :]   kv(h): the heads the query heads read
//   mask           [b..., h, m, n] on the dims it does not broadcast (a
//                  static 1 stays a slice of size 1)
//   causal         top_left, causal_offset = m0 - n0 + diagonal of the op,
//                  so that row m0 + i of the tile still sees key n0 + j iff
//                  the untiled op lets it
//
// Grouped-query attention reads key/value head h / G (G = Hq / Hkv). A tile
// of query heads is again an attn.attention only if its own h' / G' names
// the same heads: the tile is one query head, lies within one group (its
// size divides G and its offset is a multiple of its size), or is made of
// whole groups (offset and size multiples of G). Offsets and sizes come from
// the tiling loops; isKnownMultipleOf proves these facts from the loop
// bounds and steps, and anything it cannot prove is refused with a
// diagnostic rather than tiled wrongly.
//
// The key dim is not tiled by getTiledImplementation: a tile of keys gives a
// partial softmax, which the op's destination-passing result cannot
// accumulate. It is tiled through PartialReductionOpInterface with the
// outer-parallel strategy (transform.structured.tile_reduction_using_forall):
// every chunk of keys writes its normalised f32 output and log-sum-exp into
// its own slot, and mergeReductions combines the slots by their
// log-sum-exps, as split-KV (flash-decoding) does.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttentionUtils.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "llvm/Support/Debug.h"

#include <cmath>

#define DEBUG_TYPE "attn-tiling-interface"

using namespace mlir;
using namespace mlir::attn;

//===----------------------------------------------------------------------===//
// Facts about tile offsets and sizes
//===----------------------------------------------------------------------===//

static bool isKnownMultipleOf(OpFoldResult ofr, int64_t k, unsigned depth = 0);

/// Whether every result of `map` applied to `operands` is a multiple of `k`:
/// operands known to be multiples of k are replaced by k * d, then each
/// result must have k among its known divisors.
static bool areResultsMultipleOf(AffineMap map, ValueRange operands, int64_t k,
                                 unsigned depth) {
  MLIRContext *ctx = map.getContext();
  auto replacement = [&](AffineExpr e, Value operand) {
    if (std::optional<int64_t> c = getConstantIntValue(operand))
      return getAffineConstantExpr(*c, ctx);
    return isKnownMultipleOf(operand, k, depth + 1) ? e * k : e;
  };
  SmallVector<AffineExpr> dims, syms;
  for (unsigned i = 0; i < map.getNumDims(); ++i)
    dims.push_back(replacement(getAffineDimExpr(i, ctx), operands[i]));
  for (unsigned i = 0; i < map.getNumSymbols(); ++i)
    syms.push_back(replacement(getAffineSymbolExpr(i, ctx),
                               operands[map.getNumDims() + i]));
  return llvm::all_of(map.getResults(), [&](AffineExpr r) {
    AffineExpr e = simplifyAffineExpr(r.replaceDimsAndSymbols(dims, syms),
                                      map.getNumDims(), map.getNumSymbols());
    return e.isMultipleOf(k);
  });
}

/// Whether the induction variable `iv` of an scf.for or scf.forall only
/// takes multiples of `k`: its lower bound and step are.
static bool isKnownMultipleIv(BlockArgument iv, int64_t k, unsigned depth) {
  Operation *owner = iv.getOwner()->getParentOp();
  if (auto forOp = dyn_cast<scf::ForOp>(owner))
    return forOp.getInductionVar() == iv &&
           isKnownMultipleOf(forOp.getLowerBound(), k, depth + 1) &&
           isKnownMultipleOf(forOp.getStep(), k, depth + 1);
  if (auto forall = dyn_cast<scf::ForallOp>(owner)) {
    auto ivs = forall.getInductionVars();
    auto it = llvm::find(ivs, iv);
    if (it == ivs.end())
      return false;
    size_t i = std::distance(ivs.begin(), it);
    return isKnownMultipleOf(forall.getMixedLowerBound()[i], k, depth + 1) &&
           isKnownMultipleOf(forall.getMixedStep()[i], k, depth + 1);
  }
  return false;
}

/// Whether `ofr` is a multiple of `k` by construction: a constant, a loop
/// induction variable stepping by multiples from a multiple, or affine and
/// arith index arithmetic of such values. Conservative: false when unsure.
static bool isKnownMultipleOf(OpFoldResult ofr, int64_t k, unsigned depth) {
  if (k == 1)
    return true;
  if (std::optional<int64_t> c = getConstantIntValue(ofr))
    return *c % k == 0;
  if (depth > 8)
    return false;
  Value v = cast<Value>(ofr);
  if (auto iv = dyn_cast<BlockArgument>(v))
    return isKnownMultipleIv(iv, k, depth);
  Operation *def = v.getDefiningOp();
  if (auto apply = dyn_cast<affine::AffineApplyOp>(def))
    return areResultsMultipleOf(apply.getAffineMap(), apply.getMapOperands(), k,
                                depth);
  if (auto min = dyn_cast<affine::AffineMinOp>(def))
    return areResultsMultipleOf(min.getAffineMap(), min.getMapOperands(), k,
                                depth);
  if (auto max = dyn_cast<affine::AffineMaxOp>(def))
    return areResultsMultipleOf(max.getAffineMap(), max.getMapOperands(), k,
                                depth);
  if (isa<arith::AddIOp, arith::SubIOp>(def))
    return isKnownMultipleOf(def->getOperand(0), k, depth + 1) &&
           isKnownMultipleOf(def->getOperand(1), k, depth + 1);
  if (isa<arith::MulIOp>(def))
    return isKnownMultipleOf(def->getOperand(0), k, depth + 1) ||
           isKnownMultipleOf(def->getOperand(1), k, depth + 1);
  return false;
}

/// Whether `a` and `b` are the same size: equal constants, one SSA value,
/// `tensor.dim`s of one dimension of one tensor, or provably equal.
static bool isSameSize(OpFoldResult a, OpFoldResult b) {
  if (isEqualConstantIntOrValue(a, b))
    return true;
  auto dimA = dyn_cast_if_present<Value>(a)
                  ? cast<Value>(a).getDefiningOp<tensor::DimOp>()
                  : tensor::DimOp();
  auto dimB = dyn_cast_if_present<Value>(b)
                  ? cast<Value>(b).getDefiningOp<tensor::DimOp>()
                  : tensor::DimOp();
  if (dimA && dimB && dimA.getSource() == dimB.getSource() &&
      isEqualConstantIntOrValue(getAsOpFoldResult(dimA.getIndex()),
                                getAsOpFoldResult(dimB.getIndex())))
    return true;
  FailureOr<bool> equal = ValueBoundsConstraintSet::areEqual(a, b);
  return succeeded(equal) && *equal;
}

/// Whether [offset, offset + size) is all of [0, full).
static bool isFullRange(OpFoldResult offset, OpFoldResult size,
                        OpFoldResult full) {
  return isConstantIntValue(offset, 0) && isSameSize(size, full);
}

//===----------------------------------------------------------------------===//
// Sizes and slices
//===----------------------------------------------------------------------===//

namespace {

/// The sizes of an attention op, static wherever an operand gives them.
struct AttentionSizes {
  AttentionSizes(OpBuilder &b, AttentionOp op);

  int64_t nb;
  SmallVector<OpFoldResult> domain; // [batch..., Hq, Sq, Sk]
  OpFoldResult kvHeads, headDim, valueDim;

  int64_t headLoop() const { return nb; }
  int64_t rowLoop() const { return nb + 1; }
  int64_t keyLoop() const { return nb + 2; }
};

/// A tile of the iteration domain.
struct DomainTile {
  ArrayRef<OpFoldResult> offsets, sizes;
};

/// The tiled query, key, value and mask of a tile, and its causal mask.
struct TiledInputs {
  Value query, key, value, mask, sinks, causalOffset;
  std::optional<CausalAlignment> causal;
  SmallVector<Operation *> slices;
};

} // namespace

/// `a` when static, else `b` when that is, else `a`.
static OpFoldResult preferStatic(OpFoldResult a, OpFoldResult b) {
  return getConstantIntValue(a) || !getConstantIntValue(b) ? a : b;
}

AttentionSizes::AttentionSizes(OpBuilder &b, AttentionOp op)
    : nb(op.getNumBatchDims()) {
  Location loc = op.getLoc();
  SmallVector<OpFoldResult> q =
      getLogicalSizes(b, loc, op.getQuery(), op.getQueryPermutation());
  SmallVector<OpFoldResult> k =
      getLogicalSizes(b, loc, op.getKey(), op.getKeyPermutation());
  SmallVector<OpFoldResult> v =
      getLogicalSizes(b, loc, op.getValue(), op.getValuePermutation());
  SmallVector<OpFoldResult> o =
      getLogicalSizes(b, loc, op.getOutput(), op.getOutputPermutation());
  for (int64_t i = 0; i < nb + 2; ++i)
    domain.push_back(preferStatic(q[i], o[i]));
  domain.push_back(preferStatic(k[nb + 1], v[nb + 1]));
  kvHeads = preferStatic(k[nb], v[nb]);
  headDim = preferStatic(q[nb + 2], k[nb + 2]);
  valueDim = preferStatic(v[nb + 2], o[nb + 2]);
}

/// `logicalOffsets`/`logicalSizes` of `v` stored with `perm`, sliced.
static Value sliceLogical(OpBuilder &b, Location loc, Value v,
                          ArrayRef<int64_t> perm,
                          ArrayRef<OpFoldResult> logicalOffsets,
                          ArrayRef<OpFoldResult> logicalSizes,
                          SmallVectorImpl<Operation *> &slices) {
  SmallVector<OpFoldResult> strides(perm.size(), b.getIndexAttr(1));
  auto slice = tensor::ExtractSliceOp::create(
      b, loc, v, toStoredOrder(logicalOffsets, perm),
      toStoredOrder(logicalSizes, perm), strides);
  slices.push_back(slice);
  return slice;
}

/// `h / group`, folded when the group size is static.
static OpFoldResult divideByGroup(OpBuilder &b, Location loc, OpFoldResult h,
                                  const AttentionSizes &s,
                                  std::optional<int64_t> group) {
  AffineExpr d0;
  bindDims(b.getContext(), d0);
  if (group)
    return affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(*group),
                                                 {h});
  Value g = arith::DivUIOp::create(
      b, loc, getValueOrCreateConstantIndexOp(b, loc, s.domain[s.headLoop()]),
      getValueOrCreateConstantIndexOp(b, loc, s.kvHeads));
  return arith::DivUIOp::create(b, loc,
                                getValueOrCreateConstantIndexOp(b, loc, h), g)
      .getResult();
}

/// The key/value heads [offset, offset + size) that the query heads
/// [hOff, hOff + hSize) read, such that the tile's own GQA mapping reads
/// them correctly (see the file header), or failure with `reason`.
static FailureOr<std::pair<OpFoldResult, OpFoldResult>>
getKeyValueHeads(OpBuilder &b, Location loc, const AttentionSizes &s,
                 OpFoldResult hOff, OpFoldResult hSize, std::string &reason) {
  OpFoldResult hq = s.domain[s.headLoop()];
  std::optional<int64_t> hqC = getConstantIntValue(hq);
  std::optional<int64_t> hkvC = getConstantIntValue(s.kvHeads);
  std::optional<int64_t> group;
  if (hqC && hkvC && *hkvC > 0)
    group = *hqC / *hkvC;
  OpFoldResult one = b.getIndexAttr(1);
  if (hkvC == 1) // Multi-query: every query head reads head 0.
    return std::make_pair(OpFoldResult(b.getIndexAttr(0)), one);
  if (group == 1)
    return std::make_pair(hOff, hSize);
  if (isFullRange(hOff, hSize, hq))
    return std::make_pair(OpFoldResult(b.getIndexAttr(0)), s.kvHeads);
  if (isConstantIntValue(hSize, 1))
    return std::make_pair(divideByGroup(b, loc, hOff, s, group), one);
  if (!group) {
    reason = "the group size Hq / Hkv is dynamic: a tile of query heads must "
             "be one head or all of them";
    return failure();
  }
  // Within one group: a size dividing G at an offset that is a multiple of
  // that size.
  FailureOr<int64_t> ub = ValueBoundsConstraintSet::computeConstantBound(
      presburger::BoundType::UB, hSize, /*stopCondition=*/nullptr,
      /*closedUB=*/true);
  if (succeeded(ub) && *ub > 0 && *group % *ub == 0 &&
      isKnownMultipleOf(hOff, *ub))
    return std::make_pair(divideByGroup(b, loc, hOff, s, group), one);
  if (isKnownMultipleOf(hOff, *group) && isKnownMultipleOf(hSize, *group))
    return std::make_pair(divideByGroup(b, loc, hOff, s, group),
                          divideByGroup(b, loc, hSize, s, group));
  reason = "a tile of query heads must be one head, lie within one group of " +
           std::to_string(*group) +
           " query heads sharing a key/value head (a size dividing " +
           std::to_string(*group) +
           " at a multiple of that size), or be whole groups (offset and "
           "size multiples of " +
           std::to_string(*group) + ")";
  return failure();
}

/// The mask slice of the scores tile: dims the mask broadcasts (static 1)
/// stay [0, 1).
static Value sliceMask(OpBuilder &b, Location loc, Value mask, DomainTile t,
                       SmallVectorImpl<Operation *> &slices) {
  auto mTy = cast<RankedTensorType>(mask.getType());
  int64_t lead = t.offsets.size() - mTy.getRank();
  SmallVector<OpFoldResult> offsets, sizes,
      strides(mTy.getRank(), b.getIndexAttr(1));
  for (int64_t md = 0; md < mTy.getRank(); ++md) {
    bool broadcast = mTy.getDimSize(md) == 1;
    offsets.push_back(broadcast ? b.getIndexAttr(0) : t.offsets[lead + md]);
    sizes.push_back(broadcast ? b.getIndexAttr(1) : t.sizes[lead + md]);
  }
  auto slice =
      tensor::ExtractSliceOp::create(b, loc, mask, offsets, sizes, strides);
  slices.push_back(slice);
  return slice;
}

/// The causal mask of the tile: unchanged when the tile has every query row
/// and every key, else top_left shifted by m0 - n0 + the op's diagonal.
static void setTileCausal(OpBuilder &b, AttentionOp op, const AttentionSizes &s,
                          DomainTile t, TiledInputs &in) {
  in.causal = op.getCausal();
  in.causalOffset = op.getCausalOffset();
  if (!op.isCausal())
    return;
  int64_t row = s.rowLoop(), key = s.keyLoop();
  if (isFullRange(t.offsets[row], t.sizes[row], s.domain[row]) &&
      isFullRange(t.offsets[key], t.sizes[key], s.domain[key]))
    return;
  Location loc = op.getLoc();
  AffineExpr m0, n0, diag;
  bindDims(b.getContext(), m0, n0, diag);
  OpFoldResult offset = affine::makeComposedFoldedAffineApply(
      b, loc, m0 - n0 + diag,
      {t.offsets[row], t.offsets[key],
       op.buildCausalDiagonal(b, loc, s.domain[row], s.domain[key])});
  in.causal = CausalAlignment::TopLeft;
  in.causalOffset = getValueOrCreateConstantIndexOp(b, loc, offset);
}

/// Slices the inputs of `op` for tile `t` (any key range).
static FailureOr<TiledInputs> sliceInputs(OpBuilder &b, AttentionOp op,
                                          const AttentionSizes &s, DomainTile t,
                                          std::string &reason) {
  Location loc = op.getLoc();
  int64_t h = s.headLoop(), row = s.rowLoop(), key = s.keyLoop();
  FailureOr<std::pair<OpFoldResult, OpFoldResult>> kvHeads =
      getKeyValueHeads(b, loc, s, t.offsets[h], t.sizes[h], reason);
  if (failed(kvHeads))
    return failure();
  TiledInputs in;
  OpFoldResult zero = b.getIndexAttr(0);
  SmallVector<OpFoldResult> qOff(t.offsets.take_front(row + 1)),
      qSize(t.sizes.take_front(row + 1));
  qOff.push_back(zero);
  qSize.push_back(s.headDim);
  in.query = sliceLogical(b, loc, op.getQuery(), op.getQueryPermutation(), qOff,
                          qSize, in.slices);
  SmallVector<OpFoldResult> kvOff(t.offsets.take_front(s.nb)),
      kvSize(t.sizes.take_front(s.nb));
  kvOff.append({kvHeads->first, t.offsets[key], zero});
  kvSize.append({kvHeads->second, t.sizes[key], s.headDim});
  in.key = sliceLogical(b, loc, op.getKey(), op.getKeyPermutation(), kvOff,
                        kvSize, in.slices);
  kvSize.back() = s.valueDim;
  in.value = sliceLogical(b, loc, op.getValue(), op.getValuePermutation(),
                          kvOff, kvSize, in.slices);
  if (Value mask = op.getMask())
    in.mask = sliceMask(b, loc, mask, t, in.slices);
  if (Value sinks = op.getSinks()) {
    auto slice = tensor::ExtractSliceOp::create(
        b, loc, sinks, ArrayRef<OpFoldResult>{t.offsets[h]},
        ArrayRef<OpFoldResult>{t.sizes[h]},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    in.slices.push_back(slice);
    in.sinks = slice;
  }
  setTileCausal(b, op, s, t, in);
  return in;
}

/// Copies region `from` of the op into `to` of its tile of `offsets`: the
/// tile's block arguments are positions in the tile, the region's positions
/// in the whole problem, so the offsets are added first (`numLeading`
/// arguments before the indices are passed through).
static void cloneModRegion(OpBuilder &b, Region &from, Region &to,
                           ArrayRef<OpFoldResult> offsets,
                           unsigned numLeading) {
  if (from.empty())
    return;
  OpBuilder::InsertionGuard guard(b);
  Block &src = from.front();
  SmallVector<Location> locs = llvm::map_to_vector(
      src.getArguments(), [](BlockArgument a) { return a.getLoc(); });
  Block *dst = b.createBlock(&to, {}, src.getArgumentTypes(), locs);
  IRMapping mapping;
  for (auto [i, arg] : llvm::enumerate(dst->getArguments())) {
    Value absolute = arg;
    if (i >= numLeading && !isConstantIntValue(offsets[i - numLeading], 0))
      absolute =
          arith::AddIOp::create(b, arg.getLoc(), arg,
                                getValueOrCreateConstantIndexOp(
                                    b, arg.getLoc(), offsets[i - numLeading]));
    mapping.map(src.getArgument(i), absolute);
  }
  for (Operation &op : src)
    b.clone(op, mapping);
}

/// The attn.attention of a tile writing into `out` (and `lse`). The output
/// permutation is kept only when `out` is a slice of the op's own output.
static AttentionOp createTileOp(OpBuilder &b, AttentionOp op,
                                const TiledInputs &in, Value out, Value lse,
                                bool keepOutputPerm,
                                ArrayRef<OpFoldResult> offsets) {
  MLIRContext *ctx = b.getContext();
  SmallVector<Type> resultTypes{out.getType()};
  if (lse)
    resultTypes.push_back(lse.getType());
  CausalAlignmentAttr causal =
      in.causal ? CausalAlignmentAttr::get(ctx, *in.causal) : nullptr;
  auto tile = AttentionOp::create(
      b, op.getLoc(), resultTypes, in.query, in.key, in.value, in.mask,
      in.sinks, in.causalOffset, out, lse, op.getScaleAttr(), causal,
      op.getQueryPermAttr(), op.getKeyPermAttr(), op.getValuePermAttr(),
      keepOutputPerm ? op.getOutputPermAttr() : nullptr);
  cloneModRegion(b, op.getScoreMod(), tile.getScoreMod(), offsets,
                 /*numLeading=*/1);
  cloneModRegion(b, op.getMaskMod(), tile.getMaskMod(), offsets,
                 /*numLeading=*/0);
  return tile;
}

/// Logical offsets and sizes of the output tile ([b..., h, m, :]) of
/// domain tile `t`.
static std::pair<SmallVector<OpFoldResult>, SmallVector<OpFoldResult>>
getOutputTile(OpBuilder &b, const AttentionSizes &s, DomainTile t) {
  SmallVector<OpFoldResult> offsets(t.offsets.take_front(s.rowLoop() + 1));
  SmallVector<OpFoldResult> sizes(t.sizes.take_front(s.rowLoop() + 1));
  offsets.push_back(b.getIndexAttr(0));
  sizes.push_back(s.valueDim);
  return {offsets, sizes};
}

/// The tile op of `t` writing into slices of the op's own inits; the keys
/// must be all of them (see the file header).
static FailureOr<TilingResult> tileParallelDims(OpBuilder &b, AttentionOp op,
                                                DomainTile t,
                                                std::string &reason) {
  AttentionSizes s(b, op);
  int64_t key = s.keyLoop();
  if (!isFullRange(t.offsets[key], t.sizes[key], s.domain[key])) {
    reason = "the key dimension is a reduction into a normalised output: "
             "tile it as a partial reduction with the outer-parallel "
             "strategy (transform.structured.tile_reduction_using_forall)";
    return failure();
  }
  FailureOr<TiledInputs> in = sliceInputs(b, op, s, t, reason);
  if (failed(in))
    return failure();
  Location loc = op.getLoc();
  auto [outOff, outSize] = getOutputTile(b, s, t);
  Value out = sliceLogical(b, loc, op.getOutput(), op.getOutputPermutation(),
                           outOff, outSize, in->slices);
  Value lse;
  if (op.getLse()) {
    SmallVector<int64_t> ident = llvm::to_vector(llvm::seq<int64_t>(0, key));
    lse = sliceLogical(b, loc, op.getLse(), ident, ArrayRef(outOff).drop_back(),
                       ArrayRef(outSize).drop_back(), in->slices);
  }
  AttentionOp tile =
      createTileOp(b, op, *in, out, lse, /*keepOutputPerm=*/true, t.offsets);
  return TilingResult{
      {tile}, SmallVector<Value>(tile->getResults()), std::move(in->slices)};
}

//===----------------------------------------------------------------------===//
// TilingInterface
//===----------------------------------------------------------------------===//

SmallVector<Range> AttentionOp::getIterationDomain(OpBuilder &b) {
  AttentionSizes s(b, *this);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  return llvm::map_to_vector(
      s.domain, [&](OpFoldResult size) { return Range{zero, size, one}; });
}

SmallVector<utils::IteratorType> AttentionOp::getLoopIteratorTypes() {
  return getIterators(getNumBatchDims() + 2, 1);
}

FailureOr<TilingResult>
AttentionOp::getTiledImplementation(OpBuilder &b,
                                    ArrayRef<OpFoldResult> offsets,
                                    ArrayRef<OpFoldResult> sizes) {
  std::string reason;
  FailureOr<TilingResult> result =
      tileParallelDims(b, *this, {offsets, sizes}, reason);
  if (failed(result))
    return emitOpError("cannot be tiled: ") << reason;
  return result;
}

LogicalResult AttentionOp::getResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  AttentionSizes s(b, *this);
  auto [outOff, outSize] = getOutputTile(b, s, {offsets, sizes});
  if (resultNumber == 0) {
    resultOffsets = toStoredOrder(outOff, getOutputPermutation());
    resultSizes = toStoredOrder(outSize, getOutputPermutation());
    return success();
  }
  resultOffsets.assign(outOff.begin(), outOff.end() - 1);
  resultSizes.assign(outSize.begin(), outSize.end() - 1);
  return success();
}

LogicalResult AttentionOp::getIterationDomainTileFromResultTile(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVectorImpl<OpFoldResult> &iterOffsets,
    SmallVectorImpl<OpFoldResult> &iterSizes) {
  AttentionSizes s(b, *this);
  SmallVector<OpFoldResult> logicalOff(offsets), logicalSize(sizes);
  if (resultNumber == 0) {
    // Every output column needs the whole softmax row: only full rows of
    // the value dim are produced by a tile.
    logicalOff = toLogicalOrder(offsets, getOutputPermutation());
    logicalSize = toLogicalOrder(sizes, getOutputPermutation());
    if (!isFullRange(logicalOff.back(), logicalSize.back(), s.valueDim))
      return failure();
    logicalOff.pop_back();
    logicalSize.pop_back();
  }
  iterOffsets.assign(logicalOff.begin(), logicalOff.end());
  iterSizes.assign(logicalSize.begin(), logicalSize.end());
  iterOffsets.push_back(b.getIndexAttr(0));
  iterSizes.push_back(s.domain[s.keyLoop()]);
  return success();
}

FailureOr<TilingResult>
AttentionOp::generateResultTileValue(OpBuilder &b, unsigned resultNumber,
                                     ArrayRef<OpFoldResult> offsets,
                                     ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> iterOffsets, iterSizes;
  if (failed(getIterationDomainTileFromResultTile(
          b, resultNumber, offsets, sizes, iterOffsets, iterSizes)))
    return failure();
  // A producer that cannot be fused stays where it is: no diagnostic.
  std::string reason;
  FailureOr<TilingResult> result =
      tileParallelDims(b, *this, {iterOffsets, iterSizes}, reason);
  LLVM_DEBUG(if (failed(result)) llvm::dbgs()
             << "not fusing " << getOperation()->getName() << ": " << reason
             << "\n");
  return result;
}

//===----------------------------------------------------------------------===//
// PartialReductionOpInterface (split-KV)
//===----------------------------------------------------------------------===//
//
// The partial results are f32 in logical order with the split index last:
// outputs [batch..., Hq, Sq, Dv, splits] and log-sum-exps [batch..., Hq, Sq,
// splits]. A key chunk whose rows see no key leaves output 0 and lse -inf,
// the identities of the merge.

static LogicalResult checkKeyReduction(AttentionOp op,
                                       const SetVector<unsigned> &dims) {
  if (dims.size() == 1 && dims[0] == op.getNumBatchDims() + 2)
    return success();
  return op.emitOpError("the only reduction dimension is the key dimension (")
         << op.getNumBatchDims() + 2 << ")";
}

FailureOr<SmallVector<Value>>
AttentionOp::generateInitialTensorForPartialReduction(
    OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
    const SetVector<unsigned> &reductionDims) {
  if (failed(checkKeyReduction(*this, reductionDims)))
    return failure();
  AttentionSizes s(b, *this);
  SmallVector<OpFoldResult> lseSizes(sizes.take_front(s.keyLoop()));
  lseSizes.push_back(sizes[s.keyLoop()]);
  SmallVector<OpFoldResult> outSizes(sizes.take_front(s.keyLoop()));
  outSizes.append({s.valueDim, sizes[s.keyLoop()]});
  return SmallVector<Value>{buildFilledF32(b, loc, outSizes, 0.0),
                            buildFilledF32(b, loc, lseSizes, -INFINITY)};
}

LogicalResult AttentionOp::getPartialResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ReductionTilingStrategy strategy,
    ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
    const SetVector<unsigned> &reductionDims,
    ArrayRef<OpFoldResult> splitReductionIvs,
    SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  if (strategy != ReductionTilingStrategy::PartialReductionOuterParallel ||
      failed(checkKeyReduction(*this, reductionDims)))
    return failure();
  AttentionSizes s(b, *this);
  auto [outOff, outSize] = getOutputTile(b, s, {offsets, sizes});
  if (resultNumber == 1) {
    outOff.pop_back();
    outSize.pop_back();
  }
  resultOffsets.assign(outOff.begin(), outOff.end());
  resultSizes.assign(outSize.begin(), outSize.end());
  resultOffsets.push_back(splitReductionIvs.front());
  resultSizes.push_back(b.getIndexAttr(1));
  return success();
}

/// The slice of a partial result for one split, the split dim dropped.
static Value slicePartial(OpBuilder &b, Location loc, Value partial,
                          ArrayRef<OpFoldResult> offsets,
                          ArrayRef<OpFoldResult> sizes,
                          SmallVectorImpl<Operation *> &slices) {
  auto type = cast<RankedTensorType>(partial.getType());
  SmallVector<int64_t> shape;
  std::tie(shape, std::ignore) = decomposeMixedValues(sizes.drop_back());
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  auto slice = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), partial,
      offsets, sizes, strides);
  slices.push_back(slice);
  return slice;
}

FailureOr<TilingResult> AttentionOp::tileToPartialReduction(
    OpBuilder &b, Location loc, ReductionTilingStrategy strategy,
    ValueRange init, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, const SetVector<unsigned> &reductionDims,
    ArrayRef<OpFoldResult> splitReductionIvs) {
  if (getSinks())
    return emitOpError("cannot be tiled: the key dimension of an op with "
                       "sinks is not split (the sink term belongs to one "
                       "chunk's denominator only)");
  if (strategy != ReductionTilingStrategy::PartialReductionOuterParallel)
    return emitOpError("cannot be tiled: the key dimension is split only with "
                       "the outer-parallel strategy "
                       "(transform.structured.tile_reduction_using_forall); "
                       "a sequential key loop is --attn-tile's online "
                       "softmax");
  if (failed(checkKeyReduction(*this, reductionDims)))
    return failure();
  std::string reason;
  AttentionSizes s(b, *this);
  FailureOr<TiledInputs> in =
      sliceInputs(b, *this, s, {offsets, sizes}, reason);
  if (failed(in))
    return emitOpError("cannot be tiled: ") << reason;
  SmallVector<Value> tiledInits;
  for (unsigned i = 0; i < 2; ++i) {
    SmallVector<OpFoldResult> partialOff, partialSize;
    if (failed(getPartialResultTilePosition(b, i, strategy, offsets, sizes,
                                            reductionDims, splitReductionIvs,
                                            partialOff, partialSize)))
      return failure();
    tiledInits.push_back(
        slicePartial(b, loc, init[i], partialOff, partialSize, in->slices));
  }
  AttentionOp tile = createTileOp(b, *this, *in, tiledInits[0], tiledInits[1],
                                  /*keepOutputPerm=*/false, offsets);
  return TilingResult{
      {tile}, SmallVector<Value>(tile->getResults()), std::move(in->slices)};
}

/// exp(x - m), 0 when m is -inf (a row that saw no key).
static Value guardedExp(OpBuilder &b, Location loc, Value x, Value m) {
  Value negInf =
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(-INFINITY));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  Value none =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
  Value e = math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, x, m));
  return arith::SelectOp::create(b, loc, none, zero, e);
}

/// lse* = m + log(sum_s exp(lse_s - m)), m = max_s lse_s, into `init`.
static Value mergeLogSumExps(OpBuilder &b, Location loc, Value partialLse,
                             Value init, int64_t rowRank) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> rows = tensor::getMixedSizes(b, loc, partialLse);
  rows.pop_back();
  AffineMap all = b.getMultiDimIdentityMap(rowRank + 1);
  AffineMap row = AffineMap::getMultiDimIdentityMap(rowRank + 1, ctx)
                      .getMajorSubMap(rowRank);
  auto reduce = [&](Value rowMax, double identity) {
    SmallVector<Value> ins{partialLse};
    SmallVector<AffineMap> maps{all};
    if (rowMax) {
      ins.push_back(rowMax);
      maps.push_back(row);
    }
    maps.push_back(row);
    return buildGeneric(b, loc, ins, buildFilledF32(b, loc, rows, identity),
                        maps, getIterators(rowRank, 1),
                        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                          if (!rowMax)
                            return arith::MaximumFOp::create(nb, l, a[0], a[1]);
                          return arith::AddFOp::create(
                              nb, l, a[2], guardedExp(nb, l, a[0], a[1]));
                        });
  };
  Value rowMax = reduce(Value(), -INFINITY);
  Value rowSum = reduce(rowMax, 0.0);
  AffineMap ident = b.getMultiDimIdentityMap(rowRank);
  return buildGeneric(b, loc, ValueRange{rowMax, rowSum}, init,
                      {ident, ident, ident}, getIterators(rowRank, 0),
                      [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                        return arith::AddFOp::create(
                            nb, l, a[0], math::LogOp::create(nb, l, a[1]));
                      });
}

/// O = sum_s exp(lse_s - lse*) O_s, cast into the op's output init.
static Value mergeOutputs(OpBuilder &b, AttentionOp op, Value partialOut,
                          Value partialLse, Value lse, int64_t rowRank) {
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> outSizes =
      tensor::getMixedSizes(b, loc, partialOut);
  outSizes.pop_back();
  // (rows..., e, s)
  unsigned numDims = rowRank + 2;
  SmallVector<AffineExpr> d;
  for (unsigned i = 0; i < numDims; ++i)
    d.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineExpr> rowExprs(d.begin(), d.begin() + rowRank);
  SmallVector<AffineExpr> lseExprs(rowExprs);
  lseExprs.push_back(d.back());
  SmallVector<AffineExpr> outExprs(d.begin(), d.end() - 1);
  Value acc =
      buildGeneric(b, loc, ValueRange{partialOut, partialLse, lse},
                   buildFilledF32(b, loc, outSizes, 0.0),
                   {b.getMultiDimIdentityMap(numDims),
                    AffineMap::get(numDims, 0, lseExprs, ctx),
                    AffineMap::get(numDims, 0, rowExprs, ctx),
                    AffineMap::get(numDims, 0, outExprs, ctx)},
                   getIterators(numDims - 1, 1),
                   [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                     Value w = guardedExp(nb, l, a[1], a[2]);
                     return arith::AddFOp::create(
                         nb, l, a[3], arith::MulFOp::create(nb, l, w, a[0]));
                   });
  Type outElem = op.getOutputType().getElementType();
  SmallVector<AffineExpr> outIt(d.begin(), d.end() - 1);
  return buildGeneric(
      b, loc, acc, op.getOutput(),
      {b.getMultiDimIdentityMap(numDims - 1),
       getStoredMap(numDims - 1, outIt, op.getOutputPermutation(), ctx)},
      getIterators(numDims - 1, 0),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        if (outElem.isF32())
          return a[0];
        return arith::TruncFOp::create(nb, l, outElem, a[0]);
      });
}

FailureOr<MergeResult>
AttentionOp::mergeReductions(OpBuilder &b, Location loc,
                             ValueRange partialReduce,
                             const SetVector<unsigned> &reductionDims) {
  if (failed(checkKeyReduction(*this, reductionDims)))
    return failure();
  int64_t rowRank = getNumBatchDims() + 2;
  Value lseInit = getLse();
  if (!lseInit) {
    SmallVector<OpFoldResult> rows =
        tensor::getMixedSizes(b, loc, partialReduce[1]);
    rows.pop_back();
    lseInit = tensor::EmptyOp::create(b, loc, rows, b.getF32Type());
  }
  Value lse = mergeLogSumExps(b, loc, partialReduce[1], lseInit, rowRank);
  Value out =
      mergeOutputs(b, *this, partialReduce[0], partialReduce[1], lse, rowRank);
  MergeResult result;
  // One combining op, the one producing the output: the transform ops
  // return a single handle to it.
  result.mergeOps = {out.getDefiningOp()};
  result.replacements.push_back(out);
  if (getLse())
    result.replacements.push_back(lse);
  return result;
}
