//===- ScoreMods.h - score_mod/mask_mod regions in kernels -------*- C++
//-*-===//
//
// What every attention kernel needs to evaluate an op's score modifications
// in its body: the regions, inlined per score with the captured tensors read
// from buffers, and the sink logits. The host side captures the tensors
// before the launch; the kernel side clones the region bodies.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_COMMON_SCOREMODS_H
#define ATTN_LIB_CONVERSION_COMMON_SCOREMODS_H

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/DenseMap.h"

#include <string>

namespace mlir::attn {

class AttentionOp;

/// `tensor` (ranked) as a read-only buffer, for a kernel to read.
Value toReadOnlyBuffer(OpBuilder &b, Location loc, Value tensor);

/// Whether a kernel can evaluate the op's score_mod and mask_mod regions:
/// the only tensor ops in them read elements or sizes of tensors defined
/// above the op, at the top level of the region. Other regions are left to
/// the decomposition.
bool canEvaluateModsInKernel(AttentionOp op);

/// Why a tensor-core kernel (mma.sync, sm_90a) cannot evaluate the op's
/// score modifications, or an empty string: regions that compute on tensors.
/// (Those kernels keep S in raw units, the scale folded into exp2, and
/// divide score_mod's result by the scale: the verifier makes it positive.)
std::string getTensorCoreModsReason(AttentionOp op);

/// The op's score modifications as a kernel sees them.
struct KernelScoreMods {
  Region *scoreMod = nullptr;
  Region *maskMod = nullptr;
  /// Captured tensor -> read-only buffer of it.
  DenseMap<Value, Value> captured;
  /// The sink logits ([Hq]) as a buffer, or null.
  Value sinks;
  /// Whether a region reads elements of a captured tensor (then indices
  /// past the ends must not reach it).
  bool gathers = false;
  /// For an integer tensor mask_mod gathers from (segment ids): the min and
  /// max of each run of kSummaryBlock elements along its last dim, as
  /// buffers, so that tile classification bounds a gathered value over a
  /// tile's rows or keys.
  struct BlockSummary {
    Value mins, maxs;
  };
  static constexpr int64_t kSummaryBlock = 64;
  DenseMap<Value, BlockSummary> summaries;

  /// Built on the host, before the launch: every tensor the regions read
  /// from above, and the sinks, as read-only buffers; with `withSummaries`, the
  /// block summaries of the tensors mask_mod gathers from (a linalg op
  /// each, before the kernel).
  static KernelScoreMods capture(OpBuilder &b, Location loc, AttentionOp op,
                                 bool withSummaries = false);
  /// The block summary of `tensor` (rank >= 1, integer elements), built at
  /// the insertion point.
  static BlockSummary summarize(OpBuilder &b, Location loc, Value tensor);

  /// Clones `region` at the insertion point of `b` on `args`, reading
  /// captured tensors from their buffers; returns the yielded value.
  Value inlineRegion(OpBuilder &b, Location loc, Region &region,
                     ValueRange args) const;
  /// The regions' index arguments (batch..., head, row, key) of the score
  /// at (row, key) of batch/head `heads`. For regions that gather, rows
  /// and keys past the ends are clamped to 0 so that gathers stay in bounds
  /// (those scores are dropped anyway); other regions see them as they
  /// are.
  SmallVector<Value> regionIndices(OpBuilder &b, Location loc, ValueRange heads,
                                   Value row, Value key, Value sq,
                                   Value sk) const;
  /// score_mod of the natural-log-domain score `s` at `indices`.
  Value modifyScore(OpBuilder &b, Location loc, Value s,
                    ValueRange indices) const;
  /// mask_mod at `indices`: true where the key is kept.
  Value keep(OpBuilder &b, Location loc, ValueRange indices) const;
  /// The sink logit of query head `head` as an f32 (natural-log domain).
  Value loadSink(OpBuilder &b, Location loc, Value head) const;

  /// What mask_mod may do in the tile of query rows [rows.first,
  /// rows.second] and keys [keys.first, keys.second] (both inclusive) of
  /// batch/head `heads` (the batch indices, then the query head): whether it
  /// may keep some key (false: the tile is empty) and whether it may drop
  /// some key (false: the tile is full, no mask to evaluate). The region is
  /// evaluated in interval arithmetic at the insertion point; anything the
  /// evaluation does not model (a gathered value, a product of two indices)
  /// counts as "may".
  struct TileClass {
    Value mayKeep, mayDrop;
  };
  TileClass classifyTile(OpBuilder &b, Location loc, ValueRange heads,
                         std::pair<Value, Value> rows,
                         std::pair<Value, Value> keys) const;

  /// [first, end) of the blocks of `blockKV` keys, among the `numBlocks`
  /// the kernel would visit, that mask_mod may keep for some query row in
  /// [row0, rowEnd) of batch/head `heads`: scans in from both ends with
  /// classifyTile (blocks in between are visited whatever they hold).
  std::pair<Value, Value> visibleBlocks(OpBuilder &b, Location loc,
                                        ValueRange heads, Value row0,
                                        Value rowEnd, Value numBlocks,
                                        int64_t blockKV, Value sk) const;
};

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_COMMON_SCOREMODS_H
