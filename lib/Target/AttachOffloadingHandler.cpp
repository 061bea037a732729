//===- AttachOffloadingHandler.cpp - choose the gpu.binary handler --------===//
//
// gpu-module-to-binary takes the offloading handler of each gpu.binary from
// its gpu.module; its own options cannot name one. This pass sets it.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Target/Passes.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNATTACHOFFLOADINGHANDLER
#include "attn/Target/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {
struct AttachOffloadingHandler
    : public attn::impl::AttnAttachOffloadingHandlerBase<
          AttachOffloadingHandler> {
  using Base::Base;

  void runOnOperation() override {
    // No handler means upstream's default, #gpu.select_object: the IR stays
    // what it was before this pass existed.
    for (auto module : getOperation().getOps<gpu::GPUModuleOp>()) {
      if (handler == OffloadingHandler::Lazy)
        module.setOffloadingHandlerAttr(LazyObjectAttr::get(&getContext()));
      else
        module.removeOffloadingHandlerAttr();
    }
  }
};
} // namespace
