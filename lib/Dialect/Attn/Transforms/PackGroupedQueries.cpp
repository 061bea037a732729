//===- PackGroupedQueries.cpp - GQA decoding as multi-head attention ------===//
//
// Decoding with grouped-query attention has one query row per head and G
// query heads per key/value head. Every kernel processes a (batch, query
// head) pair per block, so each key/value head is streamed from memory G
// times, while decoding is bound by exactly that stream. With one query row
// the G heads of a group can instead be the G query rows of a single head:
//
//   Q [b..., Hkv*G, 1, D]  ->  Q' [b..., Hkv, G, D]   (a reshape, no copy)
//
// is plain multi-head attention over the same keys, which reads each
// key/value head once (FlashAttention's "pack GQA" for decoding). Nothing in
// the op may tell the rows apart: a mask, causal condition or score
// modification that depends on the head or the query position would now see
// the group index instead.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-pack-grouped-queries"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPACKGROUPEDQUERIES
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// How an operand stored with `perm` (query or output) is packed: the
/// stored position of the unit query-length dim, and the reassociation that
/// drops it.
struct RowLayout {
  int64_t seqPos;
  SmallVector<ReassociationIndices> dropSeq;
};

/// The layout of an operand whose logical query length is 1 and whose other
/// dims are stored in logical order ([b..., H, D] around the unit dim), or
/// nothing: only then is packing a reshape.
std::optional<RowLayout> getRowLayout(RankedTensorType type,
                                      ArrayRef<int64_t> perm) {
  int64_t rank = type.getRank();
  int64_t seqPos = -1, last = -1;
  for (auto [pos, logical] : llvm::enumerate(perm)) {
    if (logical == rank - 2) {
      seqPos = pos;
      continue;
    }
    if (logical <= last)
      return std::nullopt;
    last = logical;
  }
  if (seqPos < 0 || type.getDimSize(seqPos) != 1)
    return std::nullopt;
  // The unit dim joins its left neighbour's group (the right one's at 0).
  RowLayout layout{seqPos, {}};
  for (int64_t i = 0; i < rank; ++i) {
    if (i == seqPos && i > 0)
      layout.dropSeq.back().push_back(i);
    else if (i == seqPos + 1 && seqPos == 0)
      layout.dropSeq.back().push_back(i);
    else
      layout.dropSeq.push_back({i});
  }
  return layout;
}

/// `[b..., H]` groups with the head dim (at `headPos`) split in two.
SmallVector<ReassociationIndices> splitHeads(int64_t rank, int64_t headPos) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0, out = 0; i < rank; ++i, ++out) {
    if (i == headPos) {
      groups.push_back({out, out + 1});
      ++out;
    } else {
      groups.push_back({out});
    }
  }
  return groups;
}

/// `[b..., Hq, X]` (rank r - 1) as `[b..., Hkv, G, X]`.
RankedTensorType packedType(RankedTensorType rowless, int64_t headPos,
                            int64_t kvHeads, int64_t group) {
  SmallVector<int64_t> shape(rowless.getShape());
  shape[headPos] = kvHeads;
  shape.insert(shape.begin() + headPos + 1, group);
  return rowless.clone(shape);
}

/// Whether `mask` broadcasts over query heads and query rows (static size 1
/// or absent in both), so that it means the same for every packed row.
bool isRowInvariantMask(Value mask, int64_t scoreRank) {
  if (!mask)
    return true;
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t lead = scoreRank - type.getRank();
  for (int64_t dim : {scoreRank - 3, scoreRank - 2}) {
    int64_t maskDim = dim - lead;
    if (maskDim >= 0 && type.getDimSize(maskDim) != 1)
      return false;
  }
  return true;
}

/// Why `op` cannot be packed, or success.
LogicalResult checkPackable(AttentionOp op, int64_t &group) {
  int64_t rank = op.getQueryType().getRank();
  SmallVector<int64_t> q =
      AttentionOp::getLogicalShape(op.getQueryType(), op.getQueryPermutation());
  SmallVector<int64_t> k =
      AttentionOp::getLogicalShape(op.getKeyType(), op.getKeyPermutation());
  int64_t hq = q[rank - 3], hkv = k[rank - 3];
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) || hkv <= 0 ||
      hq <= hkv)
    return failure(); // Not grouped, or group size unknown.
  group = hq / hkv;
  // Score modifications and sinks are functions of the head and row.
  if (op.hasScoreModifications())
    return failure();
  // A causal mask is a no-op for one bottom-right aligned row (it sees every
  // key); any other causal condition depends on the row.
  if (op.getCausalOffset() ||
      (op.getCausal() && *op.getCausal() != CausalAlignment::BottomRight))
    return failure();
  if (!isRowInvariantMask(op.getMask(), rank))
    return failure();
  if (!getRowLayout(op.getQueryType(), op.getQueryPermutation()) ||
      !getRowLayout(op.getOutputType(), op.getOutputPermutation()))
    return failure();
  return success();
}

/// Reshapes the stored query/output operand `v` to `[b..., Hkv, G, X]`.
Value packRows(RewriterBase &rewriter, Location loc, Value v,
               const RowLayout &layout, int64_t kvHeads, int64_t group) {
  auto type = cast<RankedTensorType>(v.getType());
  Value rowless =
      tensor::CollapseShapeOp::create(rewriter, loc, v, layout.dropSeq);
  auto rowlessType = cast<RankedTensorType>(rowless.getType());
  int64_t headPos = type.getRank() - 3;
  return tensor::ExpandShapeOp::create(
      rewriter, loc, packedType(rowlessType, headPos, kvHeads, group), rowless,
      splitHeads(rowlessType.getRank(), headPos));
}

/// The inverse of packRows: `[b..., Hkv, G, X]` back to `storedType`.
Value unpackRows(RewriterBase &rewriter, Location loc, Value v,
                 RankedTensorType storedType, const RowLayout &layout) {
  int64_t headPos = storedType.getRank() - 3;
  Value rowless = tensor::CollapseShapeOp::create(
      rewriter, loc, v, splitHeads(storedType.getRank() - 1, headPos));
  return tensor::ExpandShapeOp::create(rewriter, loc, storedType, rowless,
                                       layout.dropSeq);
}

/// The log-sum-exp `[b..., Hq, 1]` as `[b..., Hkv, G]` and back.
SmallVector<ReassociationIndices> lseDropSeq(int64_t rank) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i + 2 < rank; ++i)
    groups.push_back({i});
  groups.push_back({rank - 2, rank - 1});
  return groups;
}

struct PackGroupedQueries : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<AttentionOp> packed = packGroupedQueries(rewriter, op);
    if (failed(packed))
      return rewriter.notifyMatchFailure(op, "not a packable GQA decode");
    return success();
  }
};

struct AttnPackGroupedQueriesPass
    : attn::impl::AttnPackGroupedQueriesBase<AttnPackGroupedQueriesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateAttnPackGroupedQueriesPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

FailureOr<AttentionOp> mlir::attn::packGroupedQueries(RewriterBase &rewriter,
                                                      AttentionOp op) {
  int64_t group = 0;
  if (failed(checkPackable(op, group)))
    return failure();
  LLVM_DEBUG(llvm::dbgs() << "packing " << group
                          << " query heads per row: " << op << "\n");
  Location loc = op.getLoc();
  int64_t rank = op.getQueryType().getRank();
  int64_t kvHeads = AttentionOp::getLogicalShape(
      op.getKeyType(), op.getKeyPermutation())[rank - 3];
  RowLayout qLayout =
      *getRowLayout(op.getQueryType(), op.getQueryPermutation());
  RowLayout oLayout =
      *getRowLayout(op.getOutputType(), op.getOutputPermutation());

  rewriter.setInsertionPoint(op);
  Value query = packRows(rewriter, loc, op.getQuery(), qLayout, kvHeads, group);
  Value output =
      packRows(rewriter, loc, op.getOutput(), oLayout, kvHeads, group);
  Value lse;
  if (op.getLse()) {
    auto lseType = cast<RankedTensorType>(op.getLse().getType());
    Value rowless = tensor::CollapseShapeOp::create(
        rewriter, loc, op.getLse(), lseDropSeq(lseType.getRank()));
    auto rowlessType = cast<RankedTensorType>(rowless.getType());
    // [b..., Hq] -> [b..., Hkv, G]: the head dim is the last one here.
    SmallVector<int64_t> shape(rowlessType.getShape());
    shape.back() = kvHeads;
    shape.push_back(group);
    lse = tensor::ExpandShapeOp::create(
        rewriter, loc, rowlessType.clone(shape), rowless,
        splitHeads(rowlessType.getRank(), rowlessType.getRank() - 1));
  }
  SmallVector<Type> resultTypes = {output.getType()};
  if (lse)
    resultTypes.push_back(lse.getType());
  auto packed = AttentionOp::create(
      rewriter, loc, resultTypes, query, op.getKey(), op.getValue(),
      op.getMask(), /*sinks=*/Value(), /*causal_offset=*/Value(), output, lse,
      op.getScaleAttr(), /*causal=*/nullptr, /*query_perm=*/nullptr,
      op.getKeyPermAttr(), op.getValuePermAttr(), /*output_perm=*/nullptr);

  SmallVector<Value> results = {unpackRows(rewriter, loc, packed.getResult(),
                                           op.getOutputType(), oLayout)};
  if (lse) {
    auto lseType = cast<RankedTensorType>(op.getLse().getType());
    int64_t r = lseType.getRank();
    Value rowless = tensor::CollapseShapeOp::create(
        rewriter, loc, packed.getLseResult(), splitHeads(r - 1, r - 2));
    results.push_back(tensor::ExpandShapeOp::create(rewriter, loc, lseType,
                                                    rowless, lseDropSeq(r)));
  }
  rewriter.replaceOp(op, results);
  return packed;
}

void mlir::attn::populateAttnPackGroupedQueriesPatterns(
    RewritePatternSet &patterns) {
  patterns.add<PackGroupedQueries>(patterns.getContext());
}
