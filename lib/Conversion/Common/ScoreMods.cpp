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
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::attn;

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
  for (Region *region : {&op.getScoreMod(), &op.getMaskMod()})
    region->walk([&](tensor::ExtractOp) { mods.gathers = true; });
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
      map.map(extract.getResult(),
              memref::LoadOp::create(b, loc,
                                     captured.lookup(extract.getTensor()),
                                     mapped(extract.getIndices())));
      continue;
    }
    if (auto dim = dyn_cast<tensor::DimOp>(inner)) {
      map.map(dim.getResult(),
              memref::DimOp::create(b, loc, captured.lookup(dim.getSource()),
                                    map.lookupOrDefault(dim.getIndex())));
      continue;
    }
    b.clone(inner, map);
  }
  return map.lookupOrDefault(body.getTerminator()->getOperand(0));
}

SmallVector<Value> KernelScoreMods::regionIndices(OpBuilder &b, Location loc,
                                                  ValueRange heads, Value row,
                                                  Value key, Value sq,
                                                  Value sk) const {
  SmallVector<Value> indices(heads.begin(), heads.end());
  if (!gathers) {
    indices.append({row, key});
    return indices;
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  auto clamp = [&](Value i, Value size) -> Value {
    Value in =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, size);
    return arith::SelectOp::create(b, loc, in, i, zero);
  };
  indices.append({clamp(row, sq), clamp(key, sk)});
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
