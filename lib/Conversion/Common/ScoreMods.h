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
#include "llvm/ADT/DenseSet.h"

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
std::string getTensorCoreModsReason(AttentionOp op);

/// The largest dynamic size (batch dims, Hq, Sq, Sk) for which a kernel
/// evaluates score modifications: the regions' index arithmetic is narrowed
/// to 32 bits under this bound, which the host checks before each launch.
inline constexpr int64_t kMaxScoreModDynamicSize = int64_t(1) << 30;

/// The op's score modifications as a kernel sees them.
struct KernelScoreMods {
  Region *scoreMod = nullptr;
  Region *maskMod = nullptr;
  /// Captured tensor -> read-only buffer of it.
  DenseMap<Value, Value> captured;
  /// The sink logits ([Hq]) as a buffer, or null.
  Value sinks;
  /// Ops of the regions that the kernel evaluates on 32-bit integers (int to
  /// float conversions and integer compares whose operands the index ranges
  /// keep within i32): what a GPU does natively, where 64-bit compares take
  /// two instructions and the conversions' 64-bit forms are slower.
  DenseSet<Operation *> narrowed;
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
  /// captured tensors from their buffers at indices clamped into them (the
  /// kernels evaluate the regions on rows and keys past the ends too, whose
  /// scores they drop); returns the yielded value.
  Value inlineRegion(OpBuilder &b, Location loc, Region &region,
                     ValueRange args) const;
  /// The regions' index arguments (batch..., head, row, key) of the score
  /// at (row, key) of batch/head `heads`.
  static SmallVector<Value> regionIndices(ValueRange heads, Value row,
                                          Value key);
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
  /// classifyTile, a block per lane of a warp at a time (blocks in between
  /// are visited whatever they hold). Whole warps must call it, all lanes
  /// with the same arguments: the lanes vote.
  std::pair<Value, Value> visibleBlocks(OpBuilder &b, Location loc,
                                        ValueRange heads, Value row0,
                                        Value rowEnd, Value numBlocks,
                                        int64_t blockKV, Value sk) const;
};

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_COMMON_SCOREMODS_H
