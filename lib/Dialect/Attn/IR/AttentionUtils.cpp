//===- AttentionUtils.cpp - building code for attn.attention ---*- C++ -*-===//
#include "attn/Dialect/Attn/IR/AttentionUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::attn;

SmallVector<OpFoldResult> attn::getLogicalSizes(OpBuilder &b, Location loc,
                                                Value v,
                                                ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> stored = tensor::getMixedSizes(b, loc, v);
  return toLogicalOrder(stored, perm);
}

SmallVector<OpFoldResult> attn::toStoredOrder(ArrayRef<OpFoldResult> logical,
                                              ArrayRef<int64_t> perm) {
  return llvm::map_to_vector(perm, [&](int64_t p) { return logical[p]; });
}

SmallVector<OpFoldResult> attn::toLogicalOrder(ArrayRef<OpFoldResult> stored,
                                               ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> logical(stored.size());
  for (auto [storedDim, logicalDim] : llvm::enumerate(perm))
    logical[logicalDim] = stored[storedDim];
  return logical;
}

AffineMap attn::getStoredMap(unsigned numDims,
                             ArrayRef<AffineExpr> logicalExprs,
                             ArrayRef<int64_t> perm, MLIRContext *ctx) {
  SmallVector<AffineExpr> results =
      llvm::map_to_vector(perm, [&](int64_t p) { return logicalExprs[p]; });
  return AffineMap::get(numDims, 0, results, ctx);
}

AffineMap attn::getMaskMap(unsigned numDims, ArrayRef<AffineExpr> scoreExprs,
                           RankedTensorType maskType, MLIRContext *ctx) {
  SmallVector<AffineExpr> results;
  int64_t lead = scoreExprs.size() - maskType.getRank();
  for (int64_t i = 0; i < maskType.getRank(); ++i)
    results.push_back(maskType.getDimSize(i) == 1
                          ? getAffineConstantExpr(0, ctx)
                          : scoreExprs[lead + i]);
  return AffineMap::get(numDims, 0, results, ctx);
}

SmallVector<utils::IteratorType> attn::getIterators(unsigned numParallel,
                                                    unsigned numReduction) {
  SmallVector<utils::IteratorType> its(numParallel,
                                       utils::IteratorType::parallel);
  its.append(numReduction, utils::IteratorType::reduction);
  return its;
}

Value attn::buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                         Value init, ArrayRef<AffineMap> maps,
                         ArrayRef<utils::IteratorType> iterators,
                         GenericBodyFn body) {
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args));
             })
      .getResult(0);
}

Value attn::buildF32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value attn::buildFilledF32(OpBuilder &b, Location loc,
                           ArrayRef<OpFoldResult> sizes, double value) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  return linalg::FillOp::create(b, loc, buildF32Constant(b, loc, value), empty)
      .getResult(0);
}

Value attn::extendToF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}
