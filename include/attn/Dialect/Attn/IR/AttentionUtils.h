//===- AttentionUtils.h - building code for attn.attention ------*- C++ -*-===//
//
// How the op's interfaces (tiling, decomposition) and its lowerings read an
// operand stored with a permutation and spell a linalg.generic.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_DIALECT_ATTN_IR_ATTENTIONUTILS_H
#define ATTN_DIALECT_ATTN_IR_ATTENTIONUTILS_H

#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace attn {

/// Logical sizes (`[batch..., H, S, D]`) of `v` stored with `perm`: static
/// sizes as attributes, dynamic ones as `tensor.dim`.
SmallVector<OpFoldResult> getLogicalSizes(OpBuilder &b, Location loc, Value v,
                                          ArrayRef<int64_t> perm);

/// `logical` (one entry per logical dimension) in the stored order of an
/// operand stored with `perm`.
SmallVector<OpFoldResult> toStoredOrder(ArrayRef<OpFoldResult> logical,
                                        ArrayRef<int64_t> perm);

/// `stored` (one entry per stored dimension) in logical order.
SmallVector<OpFoldResult> toLogicalOrder(ArrayRef<OpFoldResult> stored,
                                         ArrayRef<int64_t> perm);

/// The indexing map of an operand stored with `perm` whose logical
/// dimensions are indexed by `logicalExprs`.
AffineMap getStoredMap(unsigned numDims, ArrayRef<AffineExpr> logicalExprs,
                       ArrayRef<int64_t> perm, MLIRContext *ctx);

/// The indexing map of a mask broadcast (right-aligned, static 1s
/// broadcast) to the scores `[batch..., Hq, Sq, Sk]` indexed by `scoreExprs`.
AffineMap getMaskMap(unsigned numDims, ArrayRef<AffineExpr> scoreExprs,
                     RankedTensorType maskType, MLIRContext *ctx);

/// `n` parallel iterators followed by `m` reductions.
SmallVector<utils::IteratorType> getIterators(unsigned numParallel,
                                              unsigned numReduction);

/// A linalg.generic with one init whose body yields `body(args)`.
using GenericBodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;
Value buildGeneric(OpBuilder &b, Location loc, ValueRange inputs, Value init,
                   ArrayRef<AffineMap> maps,
                   ArrayRef<utils::IteratorType> iterators, GenericBodyFn body);

/// An f32 scalar constant.
Value buildF32Constant(OpBuilder &b, Location loc, double value);

/// An f32 tensor of `sizes` filled with `value`.
Value buildFilledF32(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                     double value);

/// `v` extended to f32 (unchanged when already f32).
Value extendToF32(OpBuilder &b, Location loc, Value v);

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_IR_ATTENTIONUTILS_H
