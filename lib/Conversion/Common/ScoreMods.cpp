//===- ScoreMods.cpp - score_mod/mask_mod regions in kernels --------------===//
//
// The host side (captured tensors as buffers, sinks) and the kernel side
// (regions inlined per score) of score modifications. Tile classification
// (interval evaluation of mask_mod, block summaries) is in
// TileClassification.cpp.
//
//===----------------------------------------------------------------------===//

#include "ScoreMods.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/InferIntRangeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include <climits>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// How far past Sq and Sk a kernel evaluates the regions: its tiles'
/// padding (at most 256 rows or keys).
constexpr int64_t kIndexSlack = 1024;

/// The sizes the regions' index arguments run over: the batch dims, Hq, Sq
/// and Sk.
SmallVector<int64_t> indexSizes(AttentionOp op) {
  SmallVector<int64_t> sizes =
      AttentionOp::getLogicalShape(op.getQueryType(), op.getQueryPermutation());
  SmallVector<int64_t> k =
      AttentionOp::getLogicalShape(op.getKeyType(), op.getKeyPermutation());
  sizes.back() = k[k.size() - 2];
  return sizes;
}

/// [0, size + slack], or [0, kMaxScoreModDynamicSize + slack] for a dynamic
/// size (the host checks that bound before the launch).
ConstantIntRanges indexRange(int64_t size) {
  unsigned width = IndexType::kInternalStorageBitWidth;
  int64_t bound = ShapedType::isDynamic(size) ? kMaxScoreModDynamicSize : size;
  return ConstantIntRanges::fromSigned(APInt(width, 0),
                                       APInt(width, bound + kIndexSlack));
}

/// The integer ranges of the values in `region`'s block, a straight-line
/// body, from those of its trailing index arguments (running over `sizes`):
/// each op that infers ranges in turn; other integers are unbounded.
DenseMap<Value, ConstantIntRanges> inferRanges(Region &region,
                                               ArrayRef<int64_t> sizes) {
  DenseMap<Value, ConstantIntRanges> ranges;
  Block &body = region.front();
  for (auto [arg, size] :
       llvm::zip_equal(body.getArguments().take_back(sizes.size()), sizes))
    ranges.try_emplace(arg, indexRange(size));
  auto rangeOf = [&](Value v) -> std::optional<ConstantIntRanges> {
    if (auto it = ranges.find(v); it != ranges.end())
      return it->second;
    if (!v.getType().isIntOrIndex())
      return std::nullopt;
    return ConstantIntRanges::maxRange(
        ConstantIntRanges::getStorageBitwidth(v.getType()));
  };
  for (Operation &inner : body.without_terminator()) {
    auto infer = dyn_cast<InferIntRangeInterface>(inner);
    if (!infer)
      continue;
    SmallVector<ConstantIntRanges> args;
    for (Value operand : inner.getOperands())
      if (std::optional<ConstantIntRanges> r = rangeOf(operand))
        args.push_back(*r);
    if (args.size() != inner.getNumOperands())
      continue;
    infer.inferResultRanges(args, [&](Value v, const ConstantIntRanges &r) {
      ranges.insert_or_assign(v, r);
    });
  }
  return ranges;
}

/// Whether `op` (an int to float conversion or an integer compare on
/// operands wider than 32 bits) computes the same on its operands truncated
/// to i32, given their `ranges`; or whether it gathers (tensor.extract) at
/// indices within i32, which are then clamped in 32 bits.
bool isNarrowable(Operation &op,
                  const DenseMap<Value, ConstantIntRanges> &ranges) {
  auto fits = [&](Value v, bool nonNegative) {
    auto it = ranges.find(v);
    if (ConstantIntRanges::getStorageBitwidth(v.getType()) <= 32 ||
        it == ranges.end())
      return false;
    int64_t lo = it->second.smin().getSExtValue();
    int64_t hi = it->second.smax().getSExtValue();
    return lo >= (nonNegative ? 0 : INT32_MIN) && hi <= INT32_MAX;
  };
  if (isa<arith::SIToFPOp>(op))
    return fits(op.getOperand(0), /*nonNegative=*/false);
  if (auto extract = dyn_cast<tensor::ExtractOp>(op))
    return llvm::all_of(extract.getIndices(), [&](Value i) {
      return fits(i, /*nonNegative=*/false);
    });
  if (isa<arith::UIToFPOp>(op))
    return fits(op.getOperand(0), /*nonNegative=*/true);
  auto cmp = dyn_cast<arith::CmpIOp>(op);
  if (!cmp)
    return false;
  // Unsigned orders agree with the truncated ones on non-negative values.
  using P = arith::CmpIPredicate;
  P pred = cmp.getPredicate();
  bool isUnsigned =
      pred == P::ult || pred == P::ule || pred == P::ugt || pred == P::uge;
  return fits(cmp.getLhs(), isUnsigned) && fits(cmp.getRhs(), isUnsigned);
}

/// `v` (an integer or index within i32) as an i32.
Value toI32(OpBuilder &b, Location loc, Value v) {
  Type i32 = b.getI32Type();
  if (v.getType().isIndex())
    return arith::IndexCastOp::create(b, loc, i32, v);
  return arith::TruncIOp::create(b, loc, i32, v);
}

/// `index` clamped into dim `d` of `buffer` (unsigned: a negative index
/// clamps to the last element). With `in32Bits`, for an index within i32,
/// the comparison is made on 32 bits against the last index capped at
/// INT32_MAX (the same for every score, so computed once), which saves the
/// kernels registers.
Value clampInto(OpBuilder &b, Location loc, Value index, Value buffer,
                int64_t d, bool in32Bits) {
  Value size = memref::DimOp::create(b, loc, buffer, d);
  Value last = arith::SubIOp::create(b, loc, size,
                                     arith::ConstantIndexOp::create(b, loc, 1));
  if (!in32Bits)
    return arith::MinUIOp::create(b, loc, index, last);
  Value cap = arith::MinUIOp::create(
      b, loc, last, arith::ConstantIndexOp::create(b, loc, INT32_MAX));
  Value clamped =
      arith::MinUIOp::create(b, loc, toI32(b, loc, index), toI32(b, loc, cap));
  return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), clamped);
}

} // namespace

bool mlir::attn::canEvaluateModsInKernel(AttentionOp op) {
  auto isShaped = [](Type t) { return isa<ShapedType>(t); };
  for (Region *region : {&op.getScoreMod(), &op.getMaskMod()}) {
    WalkResult walk = region->walk([&](Operation *inner) {
      if (isa<tensor::ExtractOp, tensor::DimOp>(inner)) {
        bool topLevel = inner->getParentRegion() == region;
        Value source = inner->getOperand(0);
        return topLevel && !region->isAncestor(source.getParentRegion())
                   ? WalkResult::advance()
                   : WalkResult::interrupt();
      }
      if (llvm::any_of(inner->getOperandTypes(), isShaped) ||
          llvm::any_of(inner->getResultTypes(), isShaped))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return false;
  }
  return true;
}

std::string mlir::attn::getTensorCoreModsReason(AttentionOp op) {
  if (op.hasScoreModifications() && !canEvaluateModsInKernel(op))
    return "a score_mod/mask_mod region computes on tensors (left to the "
           "decomposition)";
  return "";
}

Value mlir::attn::toReadOnlyBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto memTy = MemRefType::get(type.getShape(), type.getElementType());
  return bufferization::ToBufferOp::create(b, loc, memTy, tensor,
                                           /*readOnly=*/true);
}

KernelScoreMods KernelScoreMods::capture(OpBuilder &b, Location loc,
                                         AttentionOp op, bool withSummaries) {
  KernelScoreMods mods;
  if (op.hasScoreMod())
    mods.scoreMod = &op.getScoreMod();
  if (op.hasMaskMod())
    mods.maskMod = &op.getMaskMod();
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegions(), captured);
  for (Value v : captured)
    if (isa<RankedTensorType>(v.getType()))
      mods.captured[v] = toReadOnlyBuffer(b, loc, v);
  if (Value s = op.getSinks())
    mods.sinks = toReadOnlyBuffer(b, loc, s);
  SmallVector<int64_t> sizes = indexSizes(op);
  for (Region *region : {mods.scoreMod, mods.maskMod}) {
    if (!region)
      continue;
    DenseMap<Value, ConstantIntRanges> ranges = inferRanges(*region, sizes);
    for (Operation &inner : region->front().without_terminator())
      if (isNarrowable(inner, ranges))
        mods.narrowed.insert(&inner);
  }
  if (!withSummaries)
    return mods;
  op.getMaskMod().walk([&](tensor::ExtractOp extract) {
    Value t = extract.getTensor();
    Type elemTy = extract.getType();
    if (!mods.captured.count(t) || mods.summaries.count(t) ||
        !elemTy.isSignlessInteger() || elemTy.isInteger(1))
      return;
    mods.summaries[t] = summarize(b, loc, t);
  });
  return mods;
}

Value KernelScoreMods::inlineRegion(OpBuilder &b, Location loc, Region &region,
                                    ValueRange args) const {
  Block &body = region.front();
  IRMapping map;
  map.map(body.getArguments(), args);
  auto mapped = [&](ValueRange values) {
    return llvm::map_to_vector(values,
                               [&](Value v) { return map.lookupOrDefault(v); });
  };
  for (Operation &inner : body.without_terminator()) {
    if (auto extract = dyn_cast<tensor::ExtractOp>(inner)) {
      Value buffer = captured.lookup(extract.getTensor());
      SmallVector<Value> indices;
      for (auto [d, index] : llvm::enumerate(mapped(extract.getIndices())))
        indices.push_back(
            clampInto(b, loc, index, buffer, d, narrowed.contains(&inner)));
      map.map(extract.getResult(),
              memref::LoadOp::create(b, loc, buffer, indices));
      continue;
    }
    if (auto dim = dyn_cast<tensor::DimOp>(inner)) {
      map.map(dim.getResult(),
              memref::DimOp::create(b, loc, captured.lookup(dim.getSource()),
                                    map.lookupOrDefault(dim.getIndex())));
      continue;
    }
    Operation *clone = b.clone(inner, map);
    if (!narrowed.contains(&inner))
      continue;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(clone);
    for (OpOperand &operand : clone->getOpOperands())
      operand.set(toI32(b, loc, operand.get()));
  }
  return map.lookupOrDefault(body.getTerminator()->getOperand(0));
}

SmallVector<Value> KernelScoreMods::regionIndices(ValueRange heads, Value row,
                                                  Value key) {
  SmallVector<Value> indices(heads.begin(), heads.end());
  indices.append({row, key});
  return indices;
}

Value KernelScoreMods::modifyScore(OpBuilder &b, Location loc, Value s,
                                   ValueRange indices) const {
  SmallVector<Value> args = {s};
  args.append(indices.begin(), indices.end());
  return inlineRegion(b, loc, *scoreMod, args);
}

Value KernelScoreMods::keep(OpBuilder &b, Location loc,
                            ValueRange indices) const {
  return inlineRegion(b, loc, *maskMod, indices);
}

Value KernelScoreMods::loadSink(OpBuilder &b, Location loc, Value head) const {
  Value sink = memref::LoadOp::create(b, loc, sinks, ValueRange{head});
  if (!sink.getType().isF32())
    sink = arith::ExtFOp::create(b, loc, b.getF32Type(), sink);
  return sink;
}
