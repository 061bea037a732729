//===- Fuse.cpp - placeholder -------------------------------------*- C++ -*-===//
#include "attn/Dialect/Attn/Transforms/Passes.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNFUSE
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;

namespace {
struct AttnFusePass : public attn::impl::AttnFuseBase<AttnFusePass> {
  using AttnFuseBase::AttnFuseBase;
  void runOnOperation() override {
    getOperation()->emitError("--attn-fuse is not implemented yet");
    signalPassFailure();
  }
};
} // namespace
