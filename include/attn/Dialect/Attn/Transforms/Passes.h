//===- Passes.h - attn transformation passes --------------------*- C++ -*-===//
#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Support/EnumOptionParser.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
class RewriterBase;
namespace attn {

/// Split-KV (flash-decoding) choice of --attn-tile.
enum class SplitKVMode { Auto, On, Off };

} // namespace attn
} // namespace mlir

ATTN_ENUM_OPTION_PARSER(mlir::attn::SplitKVMode)

namespace mlir {
namespace attn {

/// The `split-kv` spellings, shared by --attn-tile and --attn-pipeline.
inline llvm::cl::ValuesClass getSplitKVModeValues() {
  return llvm::cl::values(
      clEnumValN(SplitKVMode::Auto, "auto",
                 "for decoding shapes: static Sq <= 16 and Sk dynamic or >= "
                 "4 * block-kv"),
      clEnumValN(SplitKVMode::On, "on", "always"),
      clEnumValN(SplitKVMode::Off, "off", "never"));
}

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

/// How --attn-tile tiles attn.attention.
struct AttnTilingOptions {
  /// Query rows per tile, key/value rows per online-softmax step.
  int64_t blockQ = 64;
  int64_t blockKV = 64;
  SplitKVMode splitKV = SplitKVMode::Auto;
  /// Key chunks with split-KV; 0 means 4.
  int64_t numSplits = 0;
};

/// What tileAttention made of one op.
struct AttnTilingResult {
  /// The loops over batch dims, heads and query blocks (outermost first).
  SmallVector<Operation *> loops;
  /// Whether the key axis was split (flash-decoding).
  bool splitKV = false;
};

/// Tiles `op` through its TilingInterface (scf.for over batch dims, heads
/// and blocks of `blockQ` rows) and lowers every tile to an online softmax
/// over key blocks; replaces `op`.
FailureOr<AttnTilingResult> tileAttention(RewriterBase &rewriter,
                                          AttentionOp op,
                                          const AttnTilingOptions &options);

/// Lowers `tile`, an attn.attention whose batch and head dims are 1 (a tile
/// of tileAttention), to the online-softmax loop over key blocks; replaces
/// it. `splitKV` runs the key blocks in independent chunks.
LogicalResult lowerAttentionTile(RewriterBase &rewriter, AttentionOp tile,
                                 const AttnTilingOptions &options,
                                 bool splitKV);

/// Patterns tiling attn.attention into an online-softmax loop nest
/// (--attn-tile).
void populateAttnTilePatterns(RewritePatternSet &patterns,
                              const AttnTilingOptions &options = {});

/// Rewrites `op`, grouped-query attention with one query row, as attention
/// over `Hkv` heads of `G` query rows (reshapes, no copies); fails when
/// something in the op depends on the query head or row
/// (--attn-pack-grouped-queries).
FailureOr<AttentionOp> packGroupedQueries(RewriterBase &rewriter,
                                          AttentionOp op);

/// The pattern of --attn-pack-grouped-queries.
void populateAttnPackGroupedQueriesPatterns(RewritePatternSet &patterns);

/// How --attn-split-kv chooses the number of key chunks.
struct SplitKVOptions {
  int64_t targetBlocks = 132;
  int64_t minChunk = 256;
  int64_t maxRows = 16;
};

/// Rewrites `op`, decoding attention, as attention over chunks of its keys
/// plus the combination of their partial results (--attn-split-kv); returns
/// the op of the chunks. Fails when the op is not such a decode or when one
/// chunk is what the shapes call for.
FailureOr<AttentionOp> splitKeysAndValues(RewriterBase &rewriter,
                                          AttentionOp op,
                                          const SplitKVOptions &options = {});

/// The pattern of --attn-split-kv. Apply it once per op
/// (walkAndApplyPatterns): with dynamic shapes nothing tells the op of the
/// chunks apart from a decode to split.
void populateAttnSplitKVPatterns(RewritePatternSet &patterns,
                                 const SplitKVOptions &options = {});

#define GEN_PASS_REGISTRATION
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_H
