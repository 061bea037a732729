//===- ExplicitMask.cpp - the mask operand in the tensor-core kernels -----===//

#include "Common/ExplicitMask.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::attn;

std::string mlir::attn::getExplicitMaskReason(AttentionOp op) {
  Value mask = op.getMask();
  if (!mask)
    return "";
  Type mTy = cast<RankedTensorType>(mask.getType()).getElementType();
  if (!mTy.isInteger(1) && !mTy.isF16() && !mTy.isBF16() && !mTy.isF32())
    return "mask element type must be i1, f16, bf16 or f32";
  return "";
}

ExplicitMask::ExplicitMask(OpBuilder &b, Location loc, Value mask,
                           int64_t numBatchDims)
    : mask(mask) {
  auto mTy = cast<MemRefType>(mask.getType());
  int64_t mRank = mTy.getRank(), sRank = numBatchDims + 3;
  for (int64_t i = 0; i < mRank; ++i) {
    int64_t size = mTy.getDimSize(i);
    dimOf.push_back(size == 1 ? -1 : sRank - mRank + i);
    isOne.push_back(
        ShapedType::isDynamic(size)
            ? arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                    memref::DimOp::create(b, loc, mask, i),
                                    arith::ConstantIndexOp::create(b, loc, 1))
                  .getResult()
            : Value());
  }
}

Value ExplicitMask::load(OpBuilder &b, Location loc, ValueRange heads,
                         Value row, Value key, Value sq, Value sk,
                         double toScoreUnits) const {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  auto inBounds = [&](Value i, Value size) -> Value {
    Value in =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, size);
    return arith::SelectOp::create(b, loc, in, i, zero);
  };
  Value rowIn = inBounds(row, sq);
  Value keyIn = inBounds(key, sk);
  SmallVector<Value> scoresIdx(heads);
  scoresIdx.append({rowIn, keyIn});
  SmallVector<Value> indices;
  for (auto [dim, one] : llvm::zip(dimOf, isOne)) {
    if (dim < 0) {
      indices.push_back(zero);
      continue;
    }
    Value i = scoresIdx[dim];
    indices.push_back(
        one ? arith::SelectOp::create(b, loc, one, zero, i).getResult() : i);
  }
  Value m = memref::LoadOp::create(b, loc, mask, indices);
  if (m.getType().isInteger(1))
    return m;
  Type f32 = b.getF32Type();
  if (!m.getType().isF32())
    m = arith::ExtFOp::create(b, loc, f32, m);
  if (toScoreUnits == 1.0)
    return m;
  return arith::MulFOp::create(
      b, loc, m,
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(toScoreUnits)));
}

Value ExplicitMask::apply(OpBuilder &b, Location loc, Value x, Value m,
                          Value negInf) {
  if (m.getType().isInteger(1))
    return arith::SelectOp::create(b, loc, m, x, negInf);
  return arith::AddFOp::create(b, loc, x, m);
}
