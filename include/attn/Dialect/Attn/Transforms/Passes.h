//===- Passes.h - attn transformation passes --------------------*- C++ -*-===//
#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace attn {

#define GEN_PASS_DECL
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"

/// Patterns rewriting attn.attention into unfused linalg (--attn-decompose).
void populateAttnDecomposePatterns(RewritePatternSet &patterns);

/// Patterns decomposing linalg::AggregatedOpInterface ops (linalg.softmax).
void populateDecomposeAggregatedOpsPatterns(RewritePatternSet &patterns);

/// Rewrites contiguous memref.expand_shape ops that upstream
/// --expand-strided-metadata cannot handle (a group with several dynamic
/// sizes) into memref.reinterpret_cast.
void populateLowerDynamicExpandShapePatterns(RewritePatternSet &patterns);

/// Patterns raising unfused attention in linalg to attn.attention.
void populateAttnFusePatterns(RewritePatternSet &patterns, bool emitRemarks);

/// Split-KV (flash-decoding) choice of --attn-tile.
enum class SplitKVMode { Auto, On, Off };
std::optional<SplitKVMode> parseSplitKVMode(StringRef mode);

/// Patterns tiling attn.attention into an online-softmax loop nest
/// (--attn-tile).
void populateAttnTilePatterns(RewritePatternSet &patterns, int64_t blockQ = 64,
                              int64_t blockKV = 64,
                              SplitKVMode splitKV = SplitKVMode::Auto,
                              int64_t numSplits = 0);

#define GEN_PASS_REGISTRATION
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H
