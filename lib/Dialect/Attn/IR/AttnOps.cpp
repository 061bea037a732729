//===- AttnOps.cpp - attn operations ----------------------------*- C++ -*-===//
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/IR/AttentionUtils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::attn;

#include "attn/Dialect/Attn/IR/AttnEnums.cpp.inc"

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

void AttentionOp::build(OpBuilder &builder, OperationState &state, Value query,
                        Value key, Value value, Value mask, Value output,
                        double scale, std::optional<CausalAlignment> causal) {
  CausalAlignmentAttr causalAttr;
  if (causal)
    causalAttr = CausalAlignmentAttr::get(builder.getContext(), *causal);
  build(builder, state, TypeRange{output.getType()}, query, key, value, mask,
        /*sinks=*/Value(), /*causal_offset=*/Value(), output, /*lse=*/Value(),
        builder.getF64FloatAttr(scale), causalAttr,
        /*query_perm=*/nullptr, /*key_perm=*/nullptr, /*value_perm=*/nullptr,
        /*output_perm=*/nullptr);
}

static SmallVector<int64_t> permOrIdentity(std::optional<ArrayRef<int64_t>> p,
                                           int64_t rank) {
  if (p)
    return llvm::to_vector(*p);
  return llvm::to_vector(llvm::seq<int64_t>(0, rank));
}

SmallVector<int64_t> AttentionOp::getQueryPermutation() {
  return permOrIdentity(getQueryPerm(), getQueryType().getRank());
}
SmallVector<int64_t> AttentionOp::getKeyPermutation() {
  return permOrIdentity(getKeyPerm(), getKeyType().getRank());
}
SmallVector<int64_t> AttentionOp::getValuePermutation() {
  return permOrIdentity(getValuePerm(), getValueType().getRank());
}
SmallVector<int64_t> AttentionOp::getOutputPermutation() {
  return permOrIdentity(getOutputPerm(), getOutputType().getRank());
}

SmallVector<int64_t> AttentionOp::getLogicalShape(RankedTensorType type,
                                                  ArrayRef<int64_t> perm) {
  SmallVector<int64_t> logical(type.getRank());
  for (auto [stored, logicalDim] : llvm::enumerate(perm))
    logical[logicalDim] = type.getDimSize(stored);
  return logical;
}

MutableOperandRange AttentionOp::getDpsInitsMutable() {
  // Inputs: query, key, value, then the optional mask, sinks and causal
  // offset.
  unsigned start = 3 + (getMask() ? 1 : 0) + (getSinks() ? 1 : 0) +
                   (getCausalOffset() ? 1 : 0);
  return MutableOperandRange(getOperation(), start, getLse() ? 2 : 1);
}

Value AttentionOp::buildCausalDiagonal(OpBuilder &b, Location loc,
                                       OpFoldResult queryLength,
                                       OpFoldResult keyLength) {
  assert(isCausal() && "only causal ops have a diagonal");
  // Folded where the lengths are static: the mask then compares with a
  // constant.
  Value diagonal = getValueOrCreateConstantIndexOp(b, loc, b.getIndexAttr(0));
  if (*getCausal() == CausalAlignment::BottomRight)
    diagonal = b.createOrFold<arith::SubIOp>(
        loc, getValueOrCreateConstantIndexOp(b, loc, keyLength),
        getValueOrCreateConstantIndexOp(b, loc, queryLength));
  if (Value offset = getCausalOffset())
    diagonal = b.createOrFold<arith::AddIOp>(loc, diagonal, offset);
  return diagonal;
}

/// Clones the single block of `region` at `b`, its arguments replaced by
/// `args`; returns the operand of its attn.yield.
static Value cloneRegionBody(OpBuilder &b, Region &region, ValueRange args) {
  Block &block = region.front();
  IRMapping mapping;
  mapping.map(block.getArguments(), args);
  for (Operation &op : block.without_terminator())
    b.clone(op, mapping);
  return mapping.lookupOrDefault(block.getTerminator()->getOperand(0));
}

Value AttentionOp::buildScoreMod(OpBuilder &b, Value score,
                                 ValueRange indices) {
  assert(hasScoreMod() && "no score_mod region");
  SmallVector<Value> args{score};
  llvm::append_range(args, indices);
  return cloneRegionBody(b, getScoreMod(), args);
}

Value AttentionOp::buildMaskMod(OpBuilder &b, ValueRange indices) {
  assert(hasMaskMod() && "no mask_mod region");
  return cloneRegionBody(b, getMaskMod(), indices);
}

//===----------------------------------------------------------------------===//
// Canonicalization
//===----------------------------------------------------------------------===//

namespace {
/// Folds tensor.cast producers into the op, moving its regions into the new
/// op. Upstream's generic pattern for destination-style ops
/// (tensor::FoldTensorCastProducerOp) clones regions with a listener
/// attached, which fails on an empty region: this one runs first (higher
/// benefit) and leaves it nothing to fold.
struct FoldTensorCastIntoAttention : OpRewritePattern<AttentionOp> {
  FoldTensorCastIntoAttention(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!tensor::hasFoldableTensorCastOperand(op))
      return failure();
    SmallVector<Type> resultTypes(op->getResultTypes());
    SmallVector<Value> operands =
        tensor::getUpdatedOperandsAfterCastOpFolding(op, resultTypes);
    OperationState state(op.getLoc(), op->getName(), operands, resultTypes,
                         op->getDiscardableAttrDictionary().getValue());
    state.propertiesAttr = op->getPropertiesAsAttribute();
    for (unsigned i = 0, e = op->getNumRegions(); i < e; ++i)
      state.addRegion();
    Operation *newOp = rewriter.create(state);
    for (auto [from, to] : llvm::zip(op->getRegions(), newOp->getRegions()))
      rewriter.inlineRegionBefore(from, to, to.end());
    SmallVector<Value> replacements;
    for (auto [oldResult, newResult] :
         llvm::zip(op->getResults(), newOp->getResults())) {
      Value r = newResult;
      if (oldResult.getType() != r.getType())
        r = tensor::CastOp::create(rewriter, op.getLoc(), oldResult.getType(),
                                   r);
      replacements.push_back(r);
    }
    rewriter.replaceOp(op, replacements);
    return success();
  }
};
} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *ctx) {
  results.add<FoldTensorCastIntoAttention>(ctx);
}

//===----------------------------------------------------------------------===//
// Verifier
//===----------------------------------------------------------------------===//

static bool isSupportedFloat(Type t) {
  return t.isF16() || t.isBF16() || t.isF32();
}

static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// The static one of two sizes known to agree, or dynamic.
static int64_t merge(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) ? b : a;
}

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

static LogicalResult verifyRanks(AttentionOp op) {
  int64_t rank = op.getQueryType().getRank();
  if (rank < 3)
    return op.emitOpError("query must have rank >= 3 ([batch..., heads, seq, "
                          "head_dim]), got rank ")
           << rank;
  for (auto [name, ty] :
       {std::pair<StringRef, RankedTensorType>{"key", op.getKeyType()},
        {"value", op.getValueType()},
        {"output", op.getOutputType()}})
    if (ty.getRank() != rank)
      return op.emitOpError() << name << " rank (" << ty.getRank()
                              << ") must equal query rank (" << rank << ")";
  return success();
}

static LogicalResult verifyElementTypesAndScale(AttentionOp op) {
  Type elemTy = op.getQueryType().getElementType();
  if (!isSupportedFloat(elemTy))
    return op.emitOpError("query element type must be f16, bf16 or f32, got ")
           << elemTy;
  if (op.getKeyType().getElementType() != elemTy ||
      op.getValueType().getElementType() != elemTy)
    return op.emitOpError(
        "query, key and value must have the same element type");
  Type outTy = op.getOutputType().getElementType();
  if (!isSupportedFloat(outTy))
    return op.emitOpError("output element type must be f16, bf16 or f32, got ")
           << outTy;
  double scale = op.getScale().convertToDouble();
  if (!std::isfinite(scale) || scale <= 0.0)
    return op.emitOpError("scale must be finite and positive, got ") << scale;
  return success();
}

static LogicalResult verifyPermutation(AttentionOp op, StringRef name,
                                       std::optional<ArrayRef<int64_t>> perm) {
  if (!perm)
    return success();
  int64_t rank = op.getQueryType().getRank();
  if (static_cast<int64_t>(perm->size()) != rank)
    return op.emitOpError() << name << " must have " << rank << " entries";
  SmallVector<bool> seen(rank, false);
  for (int64_t p : *perm) {
    if (p < 0 || p >= rank || seen[p])
      return op.emitOpError()
             << name << " is not a permutation of [0, " << rank << ")";
    seen[p] = true;
  }
  return success();
}

namespace {
/// The logical shapes of the four tensors and, merged from all of them, the
/// logical scores shape `[batch..., Hq, Sq, Sk]` (a static size wherever any
/// operand gives one).
struct LogicalShapes {
  SmallVector<int64_t> q, k, v, o, scores;
  int64_t nb;
};
} // namespace

/// Batch dims: query, key, value and output agree; a dynamic query size does
/// not hide a mismatch between the others.
static LogicalResult verifyBatchDims(AttentionOp op, LogicalShapes &s) {
  for (int64_t i = 0; i < s.nb; ++i) {
    StringRef knownFrom = "query";
    for (auto [name, shape] :
         {std::pair<StringRef, ArrayRef<int64_t>>{"key", s.k},
          {"value", s.v},
          {"output", s.o}}) {
      if (!compatible(s.scores[i], shape[i]))
        return op.emitOpError()
               << "batch dimension " << i << " of " << name << " ("
               << dimStr(shape[i]) << ") does not match " << knownFrom << " ("
               << dimStr(s.scores[i]) << ")";
      if (ShapedType::isDynamic(s.scores[i]) &&
          !ShapedType::isDynamic(shape[i])) {
        s.scores[i] = shape[i];
        knownFrom = name;
      }
    }
  }
  return success();
}

static LogicalResult verifyHeads(AttentionOp op, LogicalShapes &s) {
  int64_t h = s.nb;
  if (!compatible(s.k[h], s.v[h]))
    return op.emitOpError()
           << "key and value must have the same number of heads ("
           << dimStr(s.k[h]) << " vs " << dimStr(s.v[h]) << ")";
  if (!compatible(s.q[h], s.o[h]))
    return op.emitOpError()
           << "output heads (" << dimStr(s.o[h]) << ") must equal query heads ("
           << dimStr(s.q[h]) << ")";
  s.scores[h] = merge(s.q[h], s.o[h]);
  int64_t kvHeads = merge(s.k[h], s.v[h]);
  if (kvHeads == 0)
    return op.emitOpError("key/value heads must be non-zero");
  if (!ShapedType::isDynamic(s.scores[h]) && !ShapedType::isDynamic(kvHeads) &&
      s.scores[h] % kvHeads != 0)
    return op.emitOpError()
           << "query heads (" << s.scores[h]
           << ") must be a multiple of key/value heads (" << kvHeads << ")";
  return success();
}

static LogicalResult verifySequencesAndHeadDims(AttentionOp op,
                                                LogicalShapes &s) {
  int64_t seq = s.nb + 1, d = s.nb + 2;
  if (!compatible(s.k[seq], s.v[seq]))
    return op.emitOpError()
           << "key and value sequence lengths differ (" << dimStr(s.k[seq])
           << " vs " << dimStr(s.v[seq]) << ")";
  if (!compatible(s.q[seq], s.o[seq]))
    return op.emitOpError()
           << "output sequence length (" << dimStr(s.o[seq])
           << ") must equal query sequence length (" << dimStr(s.q[seq]) << ")";
  s.scores[seq] = merge(s.q[seq], s.o[seq]);
  s.scores[seq + 1] = merge(s.k[seq], s.v[seq]);
  if (!compatible(s.q[d], s.k[d]))
    return op.emitOpError()
           << "query head dim (" << dimStr(s.q[d])
           << ") must equal key head dim (" << dimStr(s.k[d]) << ")";
  if (!compatible(s.v[d], s.o[d]))
    return op.emitOpError()
           << "output head dim (" << dimStr(s.o[d])
           << ") must equal value head dim (" << dimStr(s.v[d]) << ")";
  return success();
}

static FailureOr<LogicalShapes> verifyLogicalShapes(AttentionOp op) {
  LogicalShapes s;
  s.nb = op.getNumBatchDims();
  s.q =
      AttentionOp::getLogicalShape(op.getQueryType(), op.getQueryPermutation());
  s.k = AttentionOp::getLogicalShape(op.getKeyType(), op.getKeyPermutation());
  s.v =
      AttentionOp::getLogicalShape(op.getValueType(), op.getValuePermutation());
  s.o = AttentionOp::getLogicalShape(op.getOutputType(),
                                     op.getOutputPermutation());
  s.scores.assign(s.q.begin(), s.q.begin() + s.nb + 3);
  if (failed(verifyBatchDims(op, s)) || failed(verifyHeads(op, s)) ||
      failed(verifySequencesAndHeadDims(op, s)))
    return failure();
  return s;
}

/// The mask is broadcastable to the logical scores `[batch..., Hq, Sq, Sk]`.
static LogicalResult verifyMask(AttentionOp op, ArrayRef<int64_t> scores) {
  Value mask = op.getMask();
  if (!mask)
    return success();
  auto mTy = cast<RankedTensorType>(mask.getType());
  Type mElem = mTy.getElementType();
  if (!mElem.isInteger(1) && !isSupportedFloat(mElem))
    return op.emitOpError("mask element type must be i1 (keep-mask) or f16, "
                          "bf16, f32 (additive), got ")
           << mElem;
  int64_t rank = scores.size(), mRank = mTy.getRank();
  if (mRank > rank)
    return op.emitOpError() << "mask rank (" << mRank
                            << ") exceeds the scores rank (" << rank << ")";
  for (int64_t i = 0; i < mRank; ++i) {
    int64_t md = mTy.getDimSize(mRank - 1 - i);
    int64_t sd = scores[rank - 1 - i];
    if (md != 1 && !compatible(md, sd))
      return op.emitOpError()
             << "mask of shape " << mTy << " is not broadcastable to the "
             << "scores shape; mask dimension " << (mRank - 1 - i) << " (" << md
             << ") is neither 1 nor " << dimStr(sd);
  }
  return success();
}

/// The log-sum-exp init is f32 `[batch..., Hq, Sq]`.
static LogicalResult verifyLse(AttentionOp op, ArrayRef<int64_t> scores) {
  Value lse = op.getLse();
  if (!lse)
    return success();
  auto lTy = cast<RankedTensorType>(lse.getType());
  int64_t rank = op.getQueryType().getRank();
  if (!lTy.getElementType().isF32())
    return op.emitOpError("lse must have element type f32");
  if (lTy.getRank() != rank - 1)
    return op.emitOpError()
           << "lse must have rank " << rank - 1 << " ([batch..., heads, seq])";
  for (int64_t i = 0; i < rank - 1; ++i)
    if (!compatible(lTy.getDimSize(i), scores[i]))
      return op.emitOpError()
             << "lse dimension " << i << " (" << dimStr(lTy.getDimSize(i))
             << ") does not match the query rows (" << dimStr(scores[i]) << ")";
  return success();
}

/// Sinks are one f32 logit per query head.
static LogicalResult verifySinks(AttentionOp op, ArrayRef<int64_t> scores) {
  Value sinks = op.getSinks();
  if (!sinks)
    return success();
  auto sTy = cast<RankedTensorType>(sinks.getType());
  int64_t heads = scores[op.getNumBatchDims()];
  if (!sTy.getElementType().isF32() || sTy.getRank() != 1)
    return op.emitOpError("sinks must be a 1-D f32 tensor (one logit per "
                          "query head), got ")
           << sTy;
  if (!compatible(sTy.getDimSize(0), heads))
    return op.emitOpError()
           << "sinks size (" << dimStr(sTy.getDimSize(0))
           << ") must equal the query heads (" << dimStr(heads) << ")";
  return success();
}

/// One result per init, of the init's type.
static LogicalResult verifyResults(AttentionOp op) {
  unsigned numInits = op.getLse() ? 2 : 1;
  if (op.getNumResults() != numInits)
    return op.emitOpError()
           << "expected " << numInits << " result(s), one per init, got "
           << op.getNumResults();
  if (op.getResults()[0].getType() != op.getOutputType())
    return op.emitOpError("result type must equal the output init type");
  if (op.getLse() && op.getResults()[1].getType() != op.getLse().getType())
    return op.emitOpError("lse result type must equal the lse init type");
  return success();
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyRanks(*this)) || failed(verifyElementTypesAndScale(*this)))
    return failure();
  for (auto [name, perm] :
       {std::pair<StringRef, std::optional<ArrayRef<int64_t>>>{"query_perm",
                                                               getQueryPerm()},
        {"key_perm", getKeyPerm()},
        {"value_perm", getValuePerm()},
        {"output_perm", getOutputPerm()}})
    if (failed(verifyPermutation(*this, name, perm)))
      return failure();
  FailureOr<LogicalShapes> shapes = verifyLogicalShapes(*this);
  if (failed(shapes) || failed(verifyMask(*this, shapes->scores)) ||
      failed(verifyLse(*this, shapes->scores)))
    return failure();
  if (getCausalOffset() && !isCausal())
    return emitOpError("causal_offset requires a causal mask");
  if (failed(verifySinks(*this, shapes->scores)))
    return failure();
  return verifyResults(*this);
}

/// A region's block takes `leading` (if any) then one index per logical
/// scores dimension, and yields one value of type `yieldType`.
static LogicalResult verifyModRegion(AttentionOp op, Region &region,
                                     StringRef name, Type leading,
                                     Type yieldType) {
  if (region.empty())
    return success();
  Block &block = region.front();
  int64_t numIndices = op.getNumBatchDims() + 3;
  SmallVector<Type> expected;
  if (leading)
    expected.push_back(leading);
  expected.append(numIndices, IndexType::get(op.getContext()));
  if (block.getNumArguments() != expected.size() ||
      !llvm::equal(block.getArgumentTypes(), expected)) {
    InFlightDiagnostic diag = op.emitOpError() << name << " region must take ";
    if (leading)
      diag << "the " << leading << " score and ";
    return diag << numIndices << " index arguments (batch..., head, query, "
                << "key), got " << block.getNumArguments() << " argument(s)";
  }
  // attn.yield's HasParent and Terminator traits make it the terminator.
  auto yield = cast<YieldOp>(block.getTerminator());
  if (yield.getValues().size() != 1 ||
      yield.getValues().front().getType() != yieldType)
    return yield.emitOpError()
           << "in " << name << " must yield one " << yieldType << " value";
  return success();
}

LogicalResult AttentionOp::verifyRegions() {
  Builder b(getContext());
  if (failed(verifyModRegion(*this, getScoreMod(), "score_mod", b.getF32Type(),
                             b.getF32Type())))
    return failure();
  return verifyModRegion(*this, getMaskMod(), "mask_mod", Type(),
                         b.getI1Type());
}

#define GET_OP_CLASSES
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"
