//===- Utils.cpp - helpers shared by attn lowerings -------------*- C++ -*-===//
#include "attn/Dialect/Attn/Utils/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::attn;

OpFoldResult mlir::attn::getLogicalSize(OpBuilder &b, Location loc, Value v,
                                        ArrayRef<int64_t> perm,
                                        int64_t logicalDim) {
  auto it = llvm::find(perm, logicalDim);
  assert(it != perm.end() && "perm is a verified permutation");
  return tensor::getMixedSize(b, loc, v, std::distance(perm.begin(), it));
}

SmallVector<int64_t> mlir::attn::identityPermutation(int64_t rank) {
  return llvm::to_vector(llvm::seq<int64_t>(0, rank));
}

bool mlir::attn::isIdentityPermutation(ArrayRef<int64_t> perm) {
  for (auto [i, p] : llvm::enumerate(perm))
    if (static_cast<int64_t>(i) != p)
      return false;
  return true;
}

AttentionShape AttentionShape::get(OpBuilder &b, Location loc, AttentionOp op) {
  AttentionShape s;
  int64_t nb = op.getNumBatchDims();
  SmallVector<int64_t> qp = op.getQueryPermutation();
  SmallVector<int64_t> kp = op.getKeyPermutation();
  SmallVector<int64_t> vp = op.getValuePermutation();
  for (int64_t i = 0; i < nb; ++i)
    s.batch.push_back(getLogicalSize(b, loc, op.getQuery(), qp, i));
  s.hq = getLogicalSize(b, loc, op.getQuery(), qp, nb);
  s.sq = getLogicalSize(b, loc, op.getQuery(), qp, nb + 1);
  s.d = getLogicalSize(b, loc, op.getQuery(), qp, nb + 2);
  s.hkv = getLogicalSize(b, loc, op.getKey(), kp, nb);
  s.sk = getLogicalSize(b, loc, op.getKey(), kp, nb + 1);
  s.dv = getLogicalSize(b, loc, op.getValue(), vp, nb + 2);
  return s;
}

std::optional<int64_t> AttentionShape::getStaticGroupSize() const {
  std::optional<int64_t> q = getConstantIntValue(hq);
  std::optional<int64_t> kv = getConstantIntValue(hkv);
  if (!q || !kv || *kv == 0)
    return std::nullopt;
  return *q / *kv;
}

SmallVector<OpFoldResult> AttentionShape::scoresSizes() const {
  SmallVector<OpFoldResult> r(batch);
  r.append({hq, sq, sk});
  return r;
}

SmallVector<OpFoldResult> AttentionShape::rowSizes() const {
  SmallVector<OpFoldResult> r(batch);
  r.append({hq, sq});
  return r;
}

SmallVector<OpFoldResult> AttentionShape::outputLogicalSizes() const {
  SmallVector<OpFoldResult> r(batch);
  r.append({hq, sq, dv});
  return r;
}

Value mlir::attn::expandHeadsDynamic(OpBuilder &b, Location loc, Value kv,
                                     ArrayRef<int64_t> perm,
                                     const AttentionShape &shape) {
  auto kvTy = cast<RankedTensorType>(kv.getType());
  int64_t rank = kvTy.getRank();
  int64_t nb = rank - 3;
  SmallVector<OpFoldResult> sizes(shape.batch);
  sizes.push_back(shape.hq);
  sizes.push_back(getLogicalSize(b, loc, kv, perm, nb + 1));
  sizes.push_back(getLogicalSize(b, loc, kv, perm, nb + 2));
  Value empty = tensor::EmptyOp::create(b, loc, sizes, kvTy.getElementType());
  Value group = arith::DivUIOp::create(
      b, loc, getValueOrCreateConstantIndexOp(b, loc, shape.hq),
      getValueOrCreateConstantIndexOp(b, loc, shape.hkv));
  AffineMap ident = b.getMultiDimIdentityMap(rank);
  return linalg::GenericOp::create(
             b, loc, empty.getType(), ValueRange{}, ValueRange{empty},
             ArrayRef<AffineMap>{ident},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb2, Location l, ValueRange) {
               SmallVector<Value> logical;
               for (int64_t i = 0; i < rank; ++i)
                 logical.push_back(linalg::IndexOp::create(nb2, l, i));
               logical[nb] = arith::DivUIOp::create(nb2, l, logical[nb], group);
               SmallVector<Value> stored;
               for (int64_t p : perm)
                 stored.push_back(logical[p]);
               Value x = tensor::ExtractOp::create(nb2, l, kv, stored);
               linalg::YieldOp::create(nb2, l, x);
             })
      .getResult(0);
}
