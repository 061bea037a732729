//===- Utils.h - helpers shared by attn lowerings ---------------*- C++ -*-===//
#ifndef ATTN_DIALECT_ATTN_UTILS_UTILS_H
#define ATTN_DIALECT_ATTN_UTILS_UTILS_H

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace mlir {
namespace attn {

/// The logical sizes of an attn.attention, static or as SSA values.
struct AttentionShape {
  SmallVector<OpFoldResult> batch;
  OpFoldResult hq, hkv, sq, sk, d, dv;

  static AttentionShape get(OpBuilder &b, Location loc, AttentionOp op);

  /// Hq / Hkv when both head counts are static.
  std::optional<int64_t> getStaticGroupSize() const;
  /// `[batch..., Hq, Sq, Sk]`.
  SmallVector<OpFoldResult> scoresSizes() const;
  /// `[batch..., Hq, Sq]`.
  SmallVector<OpFoldResult> rowSizes() const;
  /// `[batch..., Hq, Sq, Dv]`.
  SmallVector<OpFoldResult> outputLogicalSizes() const;
};

/// Size of logical dimension `logicalDim` of `v` stored with `perm`.
OpFoldResult getLogicalSize(OpBuilder &b, Location loc, Value v,
                            ArrayRef<int64_t> perm, int64_t logicalDim);

SmallVector<int64_t> identityPermutation(int64_t rank);
bool isIdentityPermutation(ArrayRef<int64_t> perm);

/// Materialises a key or value tensor (stored with `perm`) with Hq heads in
/// logical order, head `h` reading stored head `h / (Hq / Hkv)`. Only for the
/// reference lowering, where the group size is not static.
Value expandHeadsDynamic(OpBuilder &b, Location loc, Value kv,
                         ArrayRef<int64_t> perm, const AttentionShape &shape);

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_UTILS_UTILS_H
