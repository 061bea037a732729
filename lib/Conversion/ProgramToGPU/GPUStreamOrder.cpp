//===- GPUStreamOrder.cpp - GPU work of host code on one stream -----------===//
//
// Upstream's --gpu-async-region synchronizes the host before every op with
// side effects and at the end of every block, which is right for code that
// mixes host and device work freely but makes every call of a target=cuda
// function wait for its kernels. In our host code the only host accesses to
// device data are the staging copies that --attn-place-buffers-on-device
// guards with explicit waits, and one stream orders everything else. So each
// GPU op becomes asynchronous on the stream of one `gpu.wait async` per block
// (the runtime hands out the caller's stream for each of them), and only the
// explicit waits synchronize. A call returns with its work enqueued.
// (An empty grid, which zero dynamic sizes give, is skipped by
// libattn_runtime's mgpuLaunchKernel: CUDA would reject it.)
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "attn/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#define DEBUG_TYPE "attn-gpu-stream-order"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNGPUSTREAMORDER
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

Value newStreamToken(OpBuilder &b, Location loc) {
  return gpu::WaitOp::create(b, loc, b.getType<gpu::AsyncTokenType>(),
                             ValueRange())
      .getAsyncToken();
}

/// Replaces the synchronous `op` by its asynchronous form depending on
/// `token` (a clone with the token result added, as --gpu-async-region does).
Operation *makeAsync(OpBuilder &b, Operation *op, Value token) {
  cast<gpu::AsyncOpInterface>(op).addAsyncDependency(token);
  SmallVector<Type> types(op->getResultTypes());
  types.push_back(b.getType<gpu::AsyncTokenType>());
  OperationState state(op->getLoc(), op->getName(), op->getOperands(), types,
                       llvm::to_vector(op->getDiscardableAttrs()));
  state.propertiesAttr = op->getPropertiesAsAttribute();
  b.setInsertionPoint(op);
  Operation *async = b.create(state);
  op->replaceAllUsesWith(async->getResults().drop_back());
  op->erase();
  return async;
}

bool isSynchronousGPUOp(Operation &op) {
  auto async = dyn_cast<gpu::AsyncOpInterface>(&op);
  return async && !async.getAsyncToken() &&
         async.getAsyncDependencies().empty() && !isa<gpu::WaitOp>(op);
}

/// Threads the stream through one block of host code: each GPU op depends
/// on the one before (the token chain upstream's lowering turns into one
/// stream), a host wait synchronizes the chain so far.
void orderBlock(Block &block) {
  OpBuilder b(block.getParentOp()->getContext());
  Value token;
  auto currentToken = [&](Operation &at) {
    if (!token) {
      b.setInsertionPoint(&at);
      token = newStreamToken(b, at.getLoc());
    }
    return token;
  };
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (auto wait = dyn_cast<gpu::WaitOp>(op)) {
      if (wait.getAsyncToken()) {
        token = wait.getAsyncToken();
        continue;
      }
      // A host wait: synchronize the stream; later work takes a new token.
      if (wait.getAsyncDependencies().empty())
        wait.addAsyncDependency(currentToken(op));
      token = Value();
      continue;
    }
    if (!isSynchronousGPUOp(op))
      continue;
    Operation *async = makeAsync(b, &op, currentToken(op));
    token = cast<gpu::AsyncOpInterface>(async).getAsyncToken();
  }
}

struct AttnGPUStreamOrderPass
    : attn::impl::AttnGPUStreamOrderBase<AttnGPUStreamOrderPass> {
  void runOnOperation() override {
    SmallVector<Block *> blocks;
    // The host functions of the pipeline; input that is already in the LLVM
    // dialect keeps its own synchronization.
    getOperation()->walk([&](Block *block) {
      Operation *parent = block->getParentOp();
      if (isHostCode(parent) && !isa<gpu::LaunchOp>(parent) &&
          (isa<func::FuncOp>(parent) ||
           parent->getParentOfType<func::FuncOp>()))
        blocks.push_back(block);
    });
    for (Block *block : blocks)
      orderBlock(*block);
  }
};

} // namespace
