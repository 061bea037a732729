//===- Tile.cpp - placeholder -------------------------------------*- C++ -*-===//
#include "attn/Dialect/Attn/Transforms/Passes.h"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNTILE
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;

namespace {
struct AttnTilePass : public attn::impl::AttnTileBase<AttnTilePass> {
  using AttnTileBase::AttnTileBase;
  void runOnOperation() override {
    getOperation()->emitError("--attn-tile is not implemented yet");
    signalPassFailure();
  }
};
} // namespace
