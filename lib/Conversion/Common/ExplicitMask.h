//===- ExplicitMask.h - the mask operand in the kernels ---------*- C++ -*-===//
//
// How the tensor-core kernels (mma.sync, sm_90a) read an attn.attention's
// explicit mask operand per score: an i1 keep-mask or an f16/bf16/f32
// additive mask, right-aligned to the scores' [batch..., Hq, Sq, Sk] and
// broadcast along its dims of size 1, static or at run time.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_COMMON_EXPLICITMASK_H
#define ATTN_LIB_CONVERSION_COMMON_EXPLICITMASK_H

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::attn {

class AttentionOp;

/// Why a tensor-core kernel cannot read the op's mask, or an empty string
/// (also without a mask).
std::string getExplicitMaskReason(AttentionOp op);

/// The mask buffer of a kernel and, per stored dim, which index of the scores
/// it takes.
class ExplicitMask {
public:
  /// Reads the dynamic sizes of `mask` (a memref) at the insertion point, in
  /// the kernel before its loops; `numBatchDims` is the op's.
  ExplicitMask(OpBuilder &b, Location loc, Value mask, int64_t numBatchDims);

  /// The mask element of the score at (row, key) of batch/head `heads` (the
  /// batch indices, then the query head): for an i1 mask the keep bit,
  /// otherwise the addend as an f32 times `toScoreUnits` (1 / scale where
  /// the kernel keeps raw Q·Kᵀ, 1 where it keeps scaled scores). Rows past
  /// `sq` and keys past `sk` read row and key 0: the kernels evaluate those
  /// scores too and drop them afterwards.
  Value load(OpBuilder &b, Location loc, ValueRange heads, Value row, Value key,
             Value sq, Value sk, double toScoreUnits) const;

  /// The score `x` with the mask element `m` (load's result) applied: an i1
  /// keeps x or sends it to `negInf`, an f32 is added to it.
  static Value apply(OpBuilder &b, Location loc, Value x, Value m,
                     Value negInf);

private:
  Value mask;
  // Per stored dim, the scores index it takes (batch..., head, row, key =
  // 0..nb+2), or -1 for a broadcast dim of static size 1; dynamic dims that
  // are 1 at run time also broadcast (isOne, an i1; null for static dims).
  SmallVector<int64_t> dimOf;
  SmallVector<Value> isOne;
};

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_COMMON_EXPLICITMASK_H
