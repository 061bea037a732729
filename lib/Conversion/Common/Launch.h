//===- Launch.h - the host side shared by the GPU lowerings ------*- C++
//-*-===//
//
// What every attention GPU lowering builds around its kernel the same way:
// the pass's diagnose-first walk, the sizes of an operand read through its
// permutation, and the grid of query blocks.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_COMMON_LAUNCH_H
#define ATTN_LIB_CONVERSION_COMMON_LAUNCH_H

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::attn {

class AttentionOp;

/// Position, in stored order, of logical dim `logicalDim` of an operand
/// stored with `perm`.
int64_t getStoredPosition(ArrayRef<int64_t> perm, int64_t logicalDim);

/// `memref.dim` of logical dim `logicalDim` of `buffer`, stored with `perm`.
Value createLogicalDim(OpBuilder &b, Location loc, Value buffer,
                       ArrayRef<int64_t> perm, int64_t logicalDim);

/// The grid of a kernel with one block per (query block, batch·head):
/// x = ceil(Sq / blockQ), y = Hq · batch... (sizes read from the query
/// buffer `q`).
struct QueryBlockGrid {
  Value x, y;
};
QueryBlockGrid createQueryBlockGrid(OpBuilder &b, Location loc, AttentionOp op,
                                    Value q, int64_t blockQ);

/// Emits `message` followed by the reason at the first attn.attention under
/// `root` for which `getReason` returns a non-empty reason, and fails. A
/// lowering pattern's match failure is silent, so the passes diagnose first.
LogicalResult
diagnoseUnsupportedOps(Operation *root, StringRef message,
                       function_ref<std::string(AttentionOp)> getReason);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_COMMON_LAUNCH_H
