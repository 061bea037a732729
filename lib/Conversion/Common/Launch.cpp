//===- Launch.cpp - the host side shared by the GPU lowerings -------------===//

#include "Common/Launch.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::attn;

int64_t mlir::attn::getStoredPosition(ArrayRef<int64_t> perm,
                                      int64_t logicalDim) {
  return std::distance(perm.begin(), llvm::find(perm, logicalDim));
}

Value mlir::attn::createLogicalDim(OpBuilder &b, Location loc, Value buffer,
                                   ArrayRef<int64_t> perm, int64_t logicalDim) {
  return memref::DimOp::create(b, loc, buffer,
                               getStoredPosition(perm, logicalDim));
}

QueryBlockGrid mlir::attn::createQueryBlockGrid(OpBuilder &b, Location loc,
                                                AttentionOp op, Value q,
                                                int64_t blockQ) {
  int64_t nb = op.getNumBatchDims();
  SmallVector<int64_t> qPerm = op.getQueryPermutation();
  Value cBlockQ = arith::ConstantIndexOp::create(b, loc, blockQ);
  Value sq = createLogicalDim(b, loc, q, qPerm, nb + 1);
  Value x = arith::CeilDivUIOp::create(b, loc, sq, cBlockQ);
  Value y = createLogicalDim(b, loc, q, qPerm, nb);
  for (int64_t i = 0; i < nb; ++i)
    y = arith::MulIOp::create(b, loc, y, createLogicalDim(b, loc, q, qPerm, i));
  return {x, y};
}

LogicalResult mlir::attn::diagnoseUnsupportedOps(
    Operation *root, StringRef message,
    function_ref<std::string(AttentionOp)> getReason) {
  WalkResult walk = root->walk([&](AttentionOp op) {
    std::string reason = getReason(op);
    if (reason.empty())
      return WalkResult::advance();
    op.emitOpError(message) << reason;
    return WalkResult::interrupt();
  });
  return failure(walk.wasInterrupted());
}
