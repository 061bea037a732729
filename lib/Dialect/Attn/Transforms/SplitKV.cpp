//===- SplitKV.cpp - Flash-decoding as a rewrite of attn.attention --------===//
//
// Decoding has a handful of query rows per (batch, head) and a long key
// sequence. Every attention kernel gives a (batch, head, query block) triple
// to one block of threads, so a batch of a few sequences runs on a few dozen
// blocks, each streaming a whole key/value head alone, and most of the GPU
// idles. Split-KV (flash-decoding) cuts the keys into `n` chunks of
// `C = Sk / n` keys that run as independent attention problems, each
// returning its partial output and log-sum-exp, and combines them:
//
//   K [b..., H, Sk, D] -> K' [b..., H*n, C, D]   (a reshape, no copy)
//   Q [b..., H, M, D]  -> Q' [b..., H*n, M, D]   (Q repeated n times)
//   O', L' = attention(Q', K', V')                (f32 partial results)
//   O = sum_i exp(L'_i - max L') O'_i / sum_i exp(L'_i - max L')
//
// The attention op of the chunks is an ordinary attn.attention, so every
// kernel (and the CPU tiling) runs it; the combine is one linalg.generic
// per result whose elements each walk the chunks. `n` is chosen from the
// shapes, at compile time when they are static, else at run time (a power of
// two that divides Sk, so that the reshape is exact): blocks that fill their
// last wave on the GPU, chunks of at least `min-chunk` keys. When it is only
// known at run time, one chunk runs the op as it was (scf.if).
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttentionUtils.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-split-kv"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNSPLITKV
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

bool isIdentity(ArrayRef<int64_t> perm) {
  return llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()));
}

/// Why `op` cannot be split, or success. Keys and values must be stored in
/// logical order ([b..., H, S, D]), so that their chunks are a reshape, and
/// so must the query and output, so that the combine writes the output
/// directly. Grouped-query decoding (one row, G query heads per key/value
/// head) qualifies when its G rows, once packed as the rows of one head
/// (--attn-pack-grouped-queries), do.
LogicalResult checkSplittable(AttentionOp op, const SplitKVOptions &options) {
  if (op.hasScoreModifications() || op.getMask() || op.getCausalOffset())
    return failure(); // Functions of the key index: not chunk-invariant.
  int64_t rank = op.getQueryType().getRank();
  int64_t rows = op.getQueryType().getDimSize(rank - 2);
  // A bottom-right causal row sees every key only when it is the only row.
  if (op.getCausal() &&
      (*op.getCausal() != CausalAlignment::BottomRight || rows != 1))
    return failure();
  if (!isIdentity(op.getKeyPermutation()) ||
      !isIdentity(op.getValuePermutation()))
    return failure();
  int64_t hq = op.getQueryType().getDimSize(rank - 3);
  int64_t hkv = op.getKeyType().getDimSize(rank - 3);
  if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv) || hkv <= 0 ||
      hq % hkv != 0)
    return failure();
  if (hq != hkv) {
    if (rows != 1 || hq / hkv > options.maxRows)
      return failure();
  } else if (ShapedType::isDynamic(rows) || rows > options.maxRows ||
             !isIdentity(op.getQueryPermutation()) ||
             !isIdentity(op.getOutputPermutation())) {
    return failure();
  }
  int64_t keys = op.getKeyType().getDimSize(rank - 2);
  return success(ShapedType::isDynamic(keys) || keys >= 2 * options.minChunk);
}

/// The size of dim `dim` of `v`, as a constant when static.
OpFoldResult dimOf(OpBuilder &b, Location loc, Value v, int64_t dim) {
  return tensor::getMixedSize(b, loc, v, dim);
}

/// The most chunks a decode is cut into (also FlashAttention's bound).
constexpr int64_t kMaxSplits = 128;

/// The most chunks `sk` keys (i64) may be cut into: min(kMaxSplits,
/// Sk / minChunk, the lowest set bit of Sk), so that a power of two up to it
/// divides Sk into chunks of at least `minChunk` keys.
Value maxSplits(OpBuilder &b, Location loc, Value sk, int64_t minChunk) {
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  };
  Value cap = b.createOrFold<arith::MinSIOp>(
      loc, cst(kMaxSplits),
      b.createOrFold<arith::DivSIOp>(loc, sk,
                                     cst(std::max<int64_t>(minChunk, 1))));
  Value lowBit = b.createOrFold<arith::AndIOp>(
      loc, sk, b.createOrFold<arith::SubIOp>(loc, cst(0), sk));
  return b.createOrFold<arith::MinSIOp>(loc, cap, lowBit);
}

/// The number of key chunks (i64) for `blocks` blocks of `sk` keys: a power
/// of two that divides Sk, keeps chunks of at least `minChunk` keys and is
/// at most kMaxSplits. Counted in waves of `targetBlocks` blocks (those that
/// run at once), `n` chunks per block fill
/// `blocks * n / (ceil(blocks * n / targetBlocks) * targetBlocks)` of their
/// last wave; `n` is the smallest candidate within 85% of the best filling,
/// and 1 when the op has 80% of a wave already. (The rule of FlashAttention's
/// num_splits heuristic: a last wave of a few blocks costs as much as a full
/// one, and every chunk more costs combine work.)
Value computeNumSplits(OpBuilder &b, Location loc, Value blocks, Value sk,
                       const SplitKVOptions &options) {
  Type f64 = b.getF64Type();
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  };
  auto fcst = [&](double v) -> Value {
    return arith::ConstantFloatOp::create(b, loc, cast<FloatType>(f64),
                                          APFloat(v));
  };
  Value cap = maxSplits(b, loc, sk, options.minChunk);
  Value wave = cst(std::max<int64_t>(options.targetBlocks, 1));
  auto filling = [&](int64_t n) -> Value {
    Value total = b.createOrFold<arith::MulIOp>(loc, blocks, cst(n));
    Value waves = b.createOrFold<arith::CeilDivSIOp>(loc, total, wave);
    return b.createOrFold<arith::DivFOp>(
        loc, b.createOrFold<arith::SIToFPOp>(loc, f64, total),
        b.createOrFold<arith::SIToFPOp>(
            loc, f64, b.createOrFold<arith::MulIOp>(loc, waves, wave)));
  };
  SmallVector<Value> fills, allowed;
  Value best = fcst(0.0);
  for (int64_t n = 1; n <= kMaxSplits; n *= 2) {
    fills.push_back(filling(n));
    allowed.push_back(b.createOrFold<arith::CmpIOp>(
        loc, arith::CmpIPredicate::sle, cst(n), cap));
    best = b.createOrFold<arith::SelectOp>(
        loc, allowed.back(),
        b.createOrFold<arith::MaximumFOp>(loc, best, fills.back()), best);
  }
  Value good = b.createOrFold<arith::MulFOp>(loc, best, fcst(0.85));
  // From the largest candidate down: the smallest good one is chosen last.
  Value n = cst(1);
  for (int64_t k = fills.size() - 1; k >= 0; --k) {
    Value ok = b.createOrFold<arith::AndIOp>(
        loc, allowed[k],
        b.createOrFold<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, fills[k],
                                      good));
    n = b.createOrFold<arith::SelectOp>(loc, ok, cst(int64_t(1) << k), n);
  }
  Value fullEnough = b.createOrFold<arith::CmpIOp>(
      loc, arith::CmpIPredicate::sge,
      b.createOrFold<arith::MulIOp>(loc, blocks, cst(10)),
      b.createOrFold<arith::MulIOp>(loc, wave, cst(8)));
  return b.createOrFold<arith::SelectOp>(loc, fullEnough, cst(1), n);
}

/// The number of key chunks of `op` (computeNumSplits): a constant when the
/// batch, heads and Sk are static, else computed on the host at each call.
OpFoldResult buildNumSplits(OpBuilder &b, Location loc, AttentionOp op,
                            const SplitKVOptions &options) {
  int64_t rank = op.getQueryType().getRank();
  bool isStatic =
      !ShapedType::isDynamicShape(op.getQueryType().getShape().drop_back(2)) &&
      !op.getKeyType().isDynamicDim(rank - 2);
  // Static shapes: the arithmetic folds to a constant in a scratch block,
  // which takes the constants with it.
  Block scratch;
  OpBuilder scratchBuilder(b.getContext());
  scratchBuilder.setInsertionPointToEnd(&scratch);
  OpBuilder &ib = isStatic ? scratchBuilder : b;
  auto toI64 = [&](OpFoldResult ofr) -> Value {
    Value v = getValueOrCreateConstantIndexOp(ib, loc, ofr);
    return ib.createOrFold<arith::IndexCastOp>(loc, ib.getI64Type(), v);
  };
  Value blocks = toI64(ib.getIndexAttr(1));
  for (int64_t d = 0; d < rank - 2; ++d)
    blocks = ib.createOrFold<arith::MulIOp>(
        loc, blocks, toI64(dimOf(ib, loc, op.getQuery(), d)));
  Value sk = toI64(dimOf(ib, loc, op.getKey(), rank - 2));
  Value n = computeNumSplits(ib, loc, blocks, sk, options);
  if (isStatic) {
    std::optional<int64_t> c = getConstantIntValue(n);
    assert(c && "static shapes fold to a number of chunks");
    return ib.getIndexAttr(*c);
  }
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), n).getResult();
}

/// `[b..., X, Y, Z]` (rank r) as `[b..., X, n, Y / n, Z]` when `splitY`, else
/// as `[b..., X, n, Y, Z]` through a broadcast.
SmallVector<OpFoldResult> chunkedShape(OpBuilder &b, Location loc, Value v,
                                       OpFoldResult n, bool splitY) {
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<OpFoldResult> shape;
  for (int64_t d = 0; d < rank; ++d) {
    OpFoldResult size = dimOf(b, loc, v, d);
    if (d == rank - 2) {
      shape.push_back(n);
      if (splitY) {
        AffineExpr s0, s1;
        bindSymbols(b.getContext(), s0, s1);
        size = affine::makeComposedFoldedAffineApply(b, loc, s0.floorDiv(s1),
                                                     {size, n});
      }
    }
    shape.push_back(size);
  }
  return shape;
}

/// Groups of a rank-`rank` shape that merge dims `pos` and `pos + 1`.
SmallVector<ReassociationIndices> mergeDims(int64_t rank, int64_t pos) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == pos + 1)
      groups.back().push_back(d);
    else
      groups.push_back({d});
  }
  return groups;
}

/// `v` expanded to `shape` (merging back with `groups`).
Value expandTo(OpBuilder &b, Location loc, Value v,
               ArrayRef<OpFoldResult> shape,
               ArrayRef<ReassociationIndices> groups, Type elementType) {
  auto [staticShape, dynamic] = decomposeMixedValues(shape);
  (void)dynamic;
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(staticShape, elementType), v, groups,
      shape);
}

/// The key or value operand as `[b..., H*n, Sk/n, D]`.
Value chunkKeys(OpBuilder &b, Location loc, Value v, OpFoldResult n) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  Value expanded =
      expandTo(b, loc, v, chunkedShape(b, loc, v, n, true),
               mergeDims(rank + 1, rank - 2), type.getElementType());
  return tensor::CollapseShapeOp::create(b, loc, expanded,
                                         mergeDims(rank + 1, rank - 3));
}

/// The query repeated for every chunk: `[b..., H*n, M, D]`.
Value repeatQuery(OpBuilder &b, Location loc, Value query, OpFoldResult n) {
  auto type = cast<RankedTensorType>(query.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> shape = chunkedShape(b, loc, query, n, false);
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  Value repeated = linalg::BroadcastOp::create(b, loc, query, init, {rank - 2})
                       .getResult()[0];
  return tensor::CollapseShapeOp::create(b, loc, repeated,
                                         mergeDims(rank + 1, rank - 3));
}

/// `row` ([b..., H, M]) with the chunk index `i` inserted before M, then
/// `tail`: an index into the chunks' `[b..., H, n, M, ...]` results.
SmallVector<Value> chunkIndex(ValueRange row, Value i, ValueRange tail = {}) {
  SmallVector<Value> index(row.drop_back());
  index.push_back(i);
  index.push_back(row.back());
  llvm::append_range(index, tail);
  return index;
}

/// Chunks per iteration of the combine's walks: their loads are independent
/// and go out together. One chunk per iteration made each walk a chain of
/// memory latencies: 18 us for the 64 chunks of a B = 1, Sk = 128k decode
/// on an H200, a fifth of the call.
constexpr int64_t kChunksPerStep = 8;

/// `inits` folded over the chunks `0 <= i < n` by `step(accs, i)`, in the
/// caller's body: an scf.for over whole groups of kChunksPerStep chunks
/// (unrolled), then one over the rest.
SmallVector<Value> foldChunks(
    OpBuilder &b, Location loc, Value n, ValueRange inits,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange, Value)>
        step) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value group = arith::ConstantIndexOp::create(b, loc, kChunksPerStep);
  Value whole = arith::SubIOp::create(b, loc, n,
                                      arith::RemUIOp::create(b, loc, n, group));
  auto groups = scf::ForOp::create(
      b, loc, zero, whole, group, inits,
      [&](OpBuilder &nb, Location nl, Value i, ValueRange accs) {
        SmallVector<Value> next(accs);
        for (int64_t k = 0; k < kChunksPerStep; ++k) {
          Value ik =
              k ? arith::AddIOp::create(
                      nb, nl, i, arith::ConstantIndexOp::create(nb, nl, k))
                : i;
          next = step(nb, nl, next, ik);
        }
        scf::YieldOp::create(nb, nl, next);
      });
  auto rest = scf::ForOp::create(
      b, loc, whole, n, one, groups.getResults(),
      [&](OpBuilder &nb, Location nl, Value i, ValueRange accs) {
        scf::YieldOp::create(nb, nl, step(nb, nl, accs, i));
      });
  return SmallVector<Value>(rest.getResults());
}

/// `max_i L_i` over the chunks of one row of `lse` `[b..., H, n, M]`.
Value chunkMax(OpBuilder &b, Location loc, Value lse, Value n, ValueRange row) {
  return foldChunks(b, loc, n, buildF32Constant(b, loc, -INFINITY),
                    [&](OpBuilder &nb, Location nl, ValueRange acc, Value i) {
                      Value l = tensor::ExtractOp::create(nb, nl, lse,
                                                          chunkIndex(row, i));
                      return SmallVector<Value>{
                          arith::MaximumFOp::create(nb, nl, acc[0], l)};
                    })
      .front();
}

/// In one walk over the chunks of one row, with `w_i = exp(L_i - max)`:
/// `sum_i w_i` and, when `out` is given, `sum_i w_i * O_i` at column `col`
/// of the partial outputs `out` `[b..., H, n, M, Dv]`.
SmallVector<Value> weightedSums(OpBuilder &b, Location loc, Value lse, Value n,
                                ValueRange row, Value max, Value out = Value(),
                                Value col = Value()) {
  SmallVector<Value> inits(out ? 2 : 1, buildF32Constant(b, loc, 0));
  return foldChunks(
      b, loc, n, inits,
      [&](OpBuilder &nb, Location nl, ValueRange accs, Value i) {
        Value l = tensor::ExtractOp::create(nb, nl, lse, chunkIndex(row, i));
        Value w =
            math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, l, max));
        SmallVector<Value> next = {arith::AddFOp::create(nb, nl, accs[0], w)};
        if (out) {
          Value o =
              tensor::ExtractOp::create(nb, nl, out, chunkIndex(row, i, col));
          next.push_back(arith::AddFOp::create(
              nb, nl, accs[1], arith::MulFOp::create(nb, nl, w, o)));
        }
        return next;
      });
}

/// An all-parallel linalg.generic over `init` whose body `body(indices)`
/// reads the chunks with tensor.extract: a combine that is one kernel
/// without temporaries (reductions as linalg ops would need a filled
/// accumulator, hence a kernel and a buffer, for each of max, sum and
/// output).
Value perElement(OpBuilder &b, Location loc, Value init,
                 function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{}, init,
             AffineMap::getMultiDimIdentityMap(rank, b.getContext()),
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               SmallVector<Value> indices;
               for (int64_t d = 0; d < rank; ++d)
                 indices.push_back(linalg::IndexOp::create(nb, nl, d));
               Value v = body(nb, nl, indices);
               linalg::YieldOp::create(
                   nb, nl,
                   convertScalarToDtype(nb, nl, v, args[0].getType(),
                                        /*isUnsigned=*/false));
             })
      .getResult(0);
}

/// The combined output `[b..., H, M, Dv]` and the combined log-sum-exp
/// `[b..., H, M]` of the chunks' `out` `[b..., H, n, M, Dv]` and `lse`
/// `[b..., H, n, M]`, written into `outInit` (converted to its type) and
/// `lseInit` (when given). Each output element walks the n chunks twice:
/// their log-sum-exps (the same for a row's Dv elements, so cached) for the
/// max, then the weights with its own column of the partial outputs.
std::pair<Value, Value> combineChunks(OpBuilder &b, Location loc, Value out,
                                      Value lse, Value outInit, Value lseInit) {
  int64_t rank = cast<RankedTensorType>(outInit.getType()).getRank();
  Value n = tensor::DimOp::create(b, loc, lse, rank - 2);
  Value result = perElement(
      b, loc, outInit, [&](OpBuilder &nb, Location nl, ValueRange idx) {
        ValueRange row = idx.drop_back();
        Value max = chunkMax(nb, nl, lse, n, row);
        SmallVector<Value> sums =
            weightedSums(nb, nl, lse, n, row, max, out, idx.back());
        return arith::DivFOp::create(nb, nl, sums[1], sums[0]);
      });
  if (!lseInit)
    return {result, Value()};
  // lse = max + log(sum), into the op's [b..., H, M] log-sum-exp.
  Value combinedLse = perElement(
      b, loc, lseInit, [&](OpBuilder &nb, Location nl, ValueRange row) {
        Value max = chunkMax(nb, nl, lse, n, row);
        Value sum = weightedSums(nb, nl, lse, n, row, max).front();
        return arith::AddFOp::create(nb, nl, max,
                                     math::LogOp::create(nb, nl, sum));
      });
  return {result, combinedLse};
}

/// The split of `op` into `n` chunks: the attention op of the chunks and
/// the combined results that replace `op`'s.
std::pair<AttentionOp, SmallVector<Value>>
buildChunkedAttention(OpBuilder &b, Location loc, AttentionOp op,
                      OpFoldResult n) {
  int64_t rank = op.getQueryType().getRank();
  Value query = repeatQuery(b, loc, op.getQuery(), n);
  Value key = chunkKeys(b, loc, op.getKey(), n);
  Value value = chunkKeys(b, loc, op.getValue(), n);
  // Partial results in f32: [b..., H, n, M, Dv] and [b..., H, n, M].
  SmallVector<OpFoldResult> outShape =
      chunkedShape(b, loc, op.getOutput(), n, false);
  SmallVector<OpFoldResult> lseShape(
      ArrayRef<OpFoldResult>(outShape).drop_back());
  Type f32 = b.getF32Type();
  Value outInit = tensor::CollapseShapeOp::create(
      b, loc, tensor::EmptyOp::create(b, loc, outShape, f32),
      mergeDims(rank + 1, rank - 3));
  Value lseInit = tensor::CollapseShapeOp::create(
      b, loc, tensor::EmptyOp::create(b, loc, lseShape, f32),
      mergeDims(rank, rank - 3));
  auto chunks = AttentionOp::create(
      b, loc, TypeRange{outInit.getType(), lseInit.getType()}, query, key,
      value, /*mask=*/Value(), /*sinks=*/Value(),
      /*causal_offset=*/Value(), outInit, lseInit, op.getScaleAttr(),
      /*causal=*/nullptr, /*query_perm=*/nullptr, /*key_perm=*/nullptr,
      /*value_perm=*/nullptr, /*output_perm=*/nullptr);
  Value out = expandTo(b, loc, chunks.getResult(), outShape,
                       mergeDims(rank + 1, rank - 3), f32);
  Value lse = expandTo(b, loc, chunks.getLseResult(), lseShape,
                       mergeDims(rank, rank - 3), f32);
  auto [result, combinedLse] =
      combineChunks(b, loc, out, lse, op.getOutput(), op.getLse());
  SmallVector<Value> results = {result};
  if (combinedLse)
    results.push_back(combinedLse);
  return {chunks, results};
}

struct SplitKV : OpRewritePattern<AttentionOp> {
  SplitKV(MLIRContext *ctx, SplitKVOptions options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(splitKeysAndValues(rewriter, op, options)))
      return rewriter.notifyMatchFailure(op, "not a decode to split");
    return success();
  }

  SplitKVOptions options;
};

struct AttnSplitKVPass : attn::impl::AttnSplitKVBase<AttnSplitKVPass> {
  using AttnSplitKVBase::AttnSplitKVBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateAttnSplitKVPatterns(patterns, {targetBlocks, minChunk, maxRows});
    // One walk: the op of the chunks must not be split again (with dynamic
    // shapes nothing tells it apart from a fresh decode).
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

FailureOr<AttentionOp>
mlir::attn::splitKeysAndValues(RewriterBase &rewriter, AttentionOp op,
                               const SplitKVOptions &options) {
  if (failed(checkSplittable(op, options)))
    return failure();
  int64_t rank = op.getQueryType().getRank();
  bool packedGroups = op.getQueryType().getDimSize(rank - 3) !=
                      op.getKeyType().getDimSize(rank - 3);
  if (packedGroups) {
    FailureOr<AttentionOp> packed = packGroupedQueries(rewriter, op);
    if (failed(packed))
      return failure();
    op = *packed;
    // Packed: its query and output are reshapes in logical order.
    assert(succeeded(checkSplittable(op, options)) && "packed op splittable");
  }
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpFoldResult n = buildNumSplits(rewriter, loc, op, options);
  if (isConstantIntValue(n, 1)) {
    // Enough blocks already, or too few keys: only packed, if grouped.
    if (packedGroups)
      return op;
    return failure();
  }
  LLVM_DEBUG(llvm::dbgs() << "splitting the keys into " << n
                          << " chunks: " << op << "\n");
  auto nValue = dyn_cast<Value>(n);
  if (!nValue) {
    auto [chunks, results] = buildChunkedAttention(rewriter, loc, op, n);
    rewriter.replaceOp(op, results);
    return chunks;
  }
  // Chosen at run time: one chunk (a batch that fills the GPU already) runs
  // the op as it is, without the query's copy and the combine, two kernels
  // that took 8% of a B = 64, Sk = 4k decode on an H200.
  Value single =
      arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, nValue,
                            arith::ConstantIndexOp::create(rewriter, loc, 1));
  auto ifOp = scf::IfOp::create(rewriter, loc, op->getResultTypes(), single,
                                /*addThenBlock=*/true, /*addElseBlock=*/true);
  rewriter.setInsertionPointToEnd(ifOp.thenBlock());
  scf::YieldOp::create(rewriter, loc, rewriter.clone(*op)->getResults());
  rewriter.setInsertionPointToEnd(ifOp.elseBlock());
  auto [chunks, results] = buildChunkedAttention(rewriter, loc, op, n);
  scf::YieldOp::create(rewriter, loc, results);
  rewriter.replaceOp(op, ifOp.getResults());
  return chunks;
}

void mlir::attn::populateAttnSplitKVPatterns(RewritePatternSet &patterns,
                                             const SplitKVOptions &options) {
  patterns.add<SplitKV>(patterns.getContext(), options);
}
