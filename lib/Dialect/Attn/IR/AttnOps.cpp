//===- AttnOps.cpp - attn operations ----------------------------*- C++ -*-===//
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
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
                        double scale,
                        std::optional<CausalAlignment> causal) {
  CausalAlignmentAttr causalAttr;
  if (causal)
    causalAttr = CausalAlignmentAttr::get(builder.getContext(), *causal);
  build(builder, state, TypeRange{output.getType()}, query, key, value, mask,
        output, /*lse=*/Value(), builder.getF64FloatAttr(scale), causalAttr,
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
  unsigned start = getMask() ? 4 : 3;
  return MutableOperandRange(getOperation(), start, getLse() ? 2 : 1);
}

static bool isSupportedFloat(Type t) { return t.isF16() || t.isBF16() || t.isF32(); }

static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

LogicalResult AttentionOp::verify() {
  RankedTensorType qTy = getQueryType(), kTy = getKeyType(),
                   vTy = getValueType(), oTy = getOutputType();
  int64_t rank = qTy.getRank();
  if (rank < 3)
    return emitOpError("query must have rank >= 3 ([batch..., heads, seq, "
                       "head_dim]), got rank ")
           << rank;
  for (auto [name, ty] : {std::pair<StringRef, RankedTensorType>{"key", kTy},
                          {"value", vTy},
                          {"output", oTy}})
    if (ty.getRank() != rank)
      return emitOpError() << name << " rank (" << ty.getRank()
                           << ") must equal query rank (" << rank << ")";

  // Element types.
  Type elemTy = qTy.getElementType();
  if (!isSupportedFloat(elemTy))
    return emitOpError("query element type must be f16, bf16 or f32, got ")
           << elemTy;
  if (kTy.getElementType() != elemTy || vTy.getElementType() != elemTy)
    return emitOpError("query, key and value must have the same element type");
  if (!isSupportedFloat(oTy.getElementType()))
    return emitOpError("output element type must be f16, bf16 or f32, got ")
           << oTy.getElementType();

  // Scale.
  double scale = getScale().convertToDouble();
  if (!std::isfinite(scale) || scale <= 0.0)
    return emitOpError("scale must be finite and positive, got ") << scale;

  // Permutations.
  auto checkPerm = [&](StringRef name,
                       std::optional<ArrayRef<int64_t>> perm) -> LogicalResult {
    if (!perm)
      return success();
    if (static_cast<int64_t>(perm->size()) != rank)
      return emitOpError() << name << " must have " << rank << " entries";
    SmallVector<bool> seen(rank, false);
    for (int64_t p : *perm) {
      if (p < 0 || p >= rank || seen[p])
        return emitOpError() << name << " is not a permutation of [0, " << rank
                             << ")";
      seen[p] = true;
    }
    return success();
  };
  if (failed(checkPerm("query_perm", getQueryPerm())) ||
      failed(checkPerm("key_perm", getKeyPerm())) ||
      failed(checkPerm("value_perm", getValuePerm())) ||
      failed(checkPerm("output_perm", getOutputPerm())))
    return failure();

  SmallVector<int64_t> q = getLogicalShape(qTy, getQueryPermutation());
  SmallVector<int64_t> k = getLogicalShape(kTy, getKeyPermutation());
  SmallVector<int64_t> v = getLogicalShape(vTy, getValuePermutation());
  SmallVector<int64_t> o = getLogicalShape(oTy, getOutputPermutation());
  int64_t nb = rank - 3, h = nb, s = nb + 1, d = nb + 2;

  // `merged` collects, per logical dimension of the query/output rows
  // ([batch..., Hq, Sq]), the static size any operand gives, so that a
  // dynamic query size does not hide a mismatch between the others.
  auto merge = [](int64_t a, int64_t b) {
    return ShapedType::isDynamic(a) ? b : a;
  };
  SmallVector<int64_t> merged(q.begin(), q.begin() + nb + 2);
  for (int64_t i = 0; i < nb; ++i) {
    StringRef knownFrom = "query";
    for (auto [name, shape] :
         {std::pair<StringRef, ArrayRef<int64_t>>{"key", k},
          {"value", v},
          {"output", o}}) {
      if (!compatible(merged[i], shape[i]))
        return emitOpError() << "batch dimension " << i << " of " << name
                             << " (" << dimStr(shape[i])
                             << ") does not match " << knownFrom << " ("
                             << dimStr(merged[i]) << ")";
      if (ShapedType::isDynamic(merged[i]) &&
          !ShapedType::isDynamic(shape[i])) {
        merged[i] = shape[i];
        knownFrom = name;
      }
    }
  }
  if (!compatible(k[h], v[h]))
    return emitOpError() << "key and value must have the same number of heads"
                         << " (" << dimStr(k[h]) << " vs " << dimStr(v[h])
                         << ")";
  if (!compatible(q[h], o[h]))
    return emitOpError() << "output heads (" << dimStr(o[h])
                         << ") must equal query heads (" << dimStr(q[h]) << ")";
  // Pairs agree (checked above); take whichever of each pair is static.
  merged[h] = merge(q[h], o[h]);
  int64_t kvHeads = merge(k[h], v[h]);
  if (kvHeads == 0)
    return emitOpError("key/value heads must be non-zero");
  if (!ShapedType::isDynamic(merged[h]) && !ShapedType::isDynamic(kvHeads) &&
      merged[h] % kvHeads != 0)
    return emitOpError() << "query heads (" << merged[h]
                         << ") must be a multiple of key/value heads ("
                         << kvHeads << ")";
  if (!compatible(k[s], v[s]))
    return emitOpError() << "key and value sequence lengths differ ("
                         << dimStr(k[s]) << " vs " << dimStr(v[s]) << ")";
  if (!compatible(q[s], o[s]))
    return emitOpError() << "output sequence length (" << dimStr(o[s])
                         << ") must equal query sequence length ("
                         << dimStr(q[s]) << ")";
  merged[s] = merge(q[s], o[s]);
  int64_t kvSeq = merge(k[s], v[s]);
  if (!compatible(q[d], k[d]))
    return emitOpError() << "query head dim (" << dimStr(q[d])
                         << ") must equal key head dim (" << dimStr(k[d])
                         << ")";
  if (!compatible(v[d], o[d]))
    return emitOpError() << "output head dim (" << dimStr(o[d])
                         << ") must equal value head dim (" << dimStr(v[d])
                         << ")";

  // Mask: broadcastable to the logical scores [batch..., Hq, Sq, Sk].
  if (Value mask = getMask()) {
    auto mTy = cast<RankedTensorType>(mask.getType());
    Type mElem = mTy.getElementType();
    if (!mElem.isInteger(1) && !isSupportedFloat(mElem))
      return emitOpError("mask element type must be i1 (keep-mask) or f16, "
                         "bf16, f32 (additive), got ")
             << mElem;
    SmallVector<int64_t> scores(merged);
    scores.push_back(kvSeq);
    int64_t mRank = mTy.getRank();
    if (mRank > rank)
      return emitOpError() << "mask rank (" << mRank
                           << ") exceeds the scores rank (" << rank << ")";
    for (int64_t i = 0; i < mRank; ++i) {
      int64_t md = mTy.getDimSize(mRank - 1 - i);
      int64_t sd = scores[rank - 1 - i];
      if (md != 1 && !compatible(md, sd))
        return emitOpError()
               << "mask of shape " << mTy << " is not broadcastable to the "
               << "scores shape; mask dimension " << (mRank - 1 - i) << " ("
               << md << ") is neither 1 nor " << dimStr(sd);
    }
  }

  // Log-sum-exp init: f32 [batch..., Hq, Sq].
  if (Value lse = getLse()) {
    auto lTy = cast<RankedTensorType>(lse.getType());
    if (!lTy.getElementType().isF32())
      return emitOpError("lse must have element type f32");
    if (lTy.getRank() != rank - 1)
      return emitOpError() << "lse must have rank " << rank - 1
                           << " ([batch..., heads, seq])";
    for (int64_t i = 0; i < rank - 1; ++i)
      if (!compatible(lTy.getDimSize(i), merged[i]))
        return emitOpError() << "lse dimension " << i << " ("
                             << dimStr(lTy.getDimSize(i))
                             << ") does not match the query rows ("
                             << dimStr(merged[i]) << ")";
  }

  // Results mirror the inits.
  unsigned numInits = getLse() ? 2 : 1;
  if (getNumResults() != numInits)
    return emitOpError() << "expected " << numInits
                         << " result(s), one per init, got "
                         << getNumResults();
  if (getResults()[0].getType() != oTy)
    return emitOpError("result type must equal the output init type");
  if (getLse() && getResults()[1].getType() != getLse().getType())
    return emitOpError("lse result type must equal the lse init type");
  return success();
}

#define GET_OP_CLASSES
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"
