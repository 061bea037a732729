//===- Fuse.cpp - raise unfused attention to attn.attention -----*- C++ -*-===//
//
// Anchors on a contraction O = P·V and proves, by symbolic evaluation of the
// producer chain, that P = softmax_key(scale·Q·Kᵀ + mask). Every tensor read
// is evaluated at an index tuple of affine expressions over "global" dims
// (the anchor's loops plus a fresh dim per reduction), looking through
// linalg bodies, transposes, broadcasts and static reshapes. The resulting
// scalar expression is then matched on what it computes, not on how the ops
// are spelled.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/Transforms/Passes.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <deque>
#include <map>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_ATTNFUSE
#include "attn/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

#define DEBUG_TYPE "attn-fuse"

namespace {

//===----------------------------------------------------------------------===//
// Symbolic scalar expressions
//===----------------------------------------------------------------------===//

enum class SymKind {
  Leaf,  // tensor[idx]
  Const, // a float constant
  Index, // an index-typed affine expression of global dims
  Cast,  // extf/truncf: value-preserving up to rounding
  Neg,
  Add,
  Sub,
  Mul,
  Div,
  Max,
  Exp,
  Exp2,
  Log,
  Select,      // ops[0] ? ops[1] : ops[2]
  Cmp,         // integer comparison, `pred`
  CmpF,        // float comparison, `fpred`
  Not,         // boolean negation
  And,         // boolean conjunction
  BoolToFloat, // uitofp of an i1: 1.0 or 0.0
  Reduce,      // add/max/and-reduction of ops[0] over `dims` (isMax, isAnd)
  Softmax,     // linalg.softmax of ops[0] over global dim `dims[0]`
  // Score modifications (absorbed into score_mod / mask_mod regions):
  Tanh,       // math.tanh (Gemma-2 soft-capping)
  IntToFloat, // sitofp/uitofp of an integer (ALiBi's j - i), `origOp`
  IntOp,      // other integer arithmetic (min/max/mul/div/rem), `origOp`
  Or,         // boolean disjunction
  Extract,    // tensor.extract of `tensor` at the indices ops[...] (gathers)
};

struct Sym {
  SymKind kind;
  SmallVector<Sym *, 3> ops;
  double value = 0.0;
  // Leaf: the tensor and its index. Index: the expression in idx[0].
  Value tensor;
  SmallVector<AffineExpr> idx;
  // Leaf: the same element read through the tensor that was looked through.
  Sym *outer = nullptr;
  // Result of a computing linalg op: that result read at idx, as a leaf.
  Sym *origin = nullptr;
  SmallVector<unsigned, 1> dims;
  bool isMax = false;
  bool isAnd = false;
  arith::CmpIPredicate pred = arith::CmpIPredicate::eq;
  arith::CmpFPredicate fpred = arith::CmpFPredicate::OEQ;
  int64_t softmaxDim = 0;
  // IntToFloat, IntOp: the operation this was read from.
  Operation *origOp = nullptr;
};

/// -inf, or a constant exporters use in its place (-1e4, -1e9, f32 lowest):
/// exp of it underflows to 0 in f32.
bool isNegInfLike(double v) { return v <= -1.0e4; }

Sym *stripCasts(Sym *s) {
  while (s && s->kind == SymKind::Cast)
    s = s->ops[0];
  return s;
}

std::optional<double> constValue(Sym *s) {
  switch (s->kind) {
  case SymKind::Const:
    return s->value;
  case SymKind::Cast:
    return constValue(s->ops[0]);
  case SymKind::Neg:
    if (auto v = constValue(s->ops[0]))
      return -*v;
    return std::nullopt;
  case SymKind::Add:
  case SymKind::Sub:
  case SymKind::Mul:
  case SymKind::Div: {
    auto a = constValue(s->ops[0]), b = constValue(s->ops[1]);
    if (!a || !b)
      return std::nullopt;
    if (s->kind == SymKind::Add)
      return *a + *b;
    if (s->kind == SymKind::Sub)
      return *a - *b;
    if (s->kind == SymKind::Mul)
      return *a * *b;
    return *a / *b;
  }
  default:
    return std::nullopt;
  }
}

bool dependsOn(Sym *s, unsigned dim) {
  if (s->kind == SymKind::Leaf || s->kind == SymKind::Index)
    return llvm::any_of(s->idx,
                        [&](AffineExpr e) { return e.isFunctionOfDim(dim); });
  return llvm::any_of(s->ops, [&](Sym *o) { return dependsOn(o, dim); });
}

/// `e` with the dims of `unit` (trip count 1) read as 0: a unit dim is
/// spelled `d` by one op and `0` by another (after unit-dim folding, or by a
/// broadcast of a size-1 dim).
AffineExpr zeroUnitDims(AffineExpr e, const DenseSet<unsigned> &unit) {
  DenseMap<AffineExpr, AffineExpr> zero;
  for (unsigned d : unit)
    zero[getAffineDimExpr(d, e.getContext())] =
        getAffineConstantExpr(0, e.getContext());
  return zero.empty() ? e : e.replace(zero);
}

/// Structural equality modulo casts, where `b`'s dims are renamed by `map`
/// and the dims of `unit` read as 0 on both sides.
bool symEqual(Sym *a, Sym *b, DenseMap<unsigned, unsigned> map,
              const DenseSet<unsigned> &unit = DenseSet<unsigned>()) {
  a = stripCasts(a);
  b = stripCasts(b);
  if (a == b && map.empty())
    return true;
  if (a->kind != b->kind || a->ops.size() != b->ops.size())
    return false;
  auto rename = [&](AffineExpr e) {
    DenseMap<AffineExpr, AffineExpr> simultaneous;
    for (auto [from, to] : map)
      simultaneous[getAffineDimExpr(from, e.getContext())] =
          getAffineDimExpr(to, e.getContext());
    return zeroUnitDims(e.replace(simultaneous), unit);
  };
  switch (a->kind) {
  case SymKind::Leaf:
  case SymKind::Index:
    if (a->tensor != b->tensor || a->idx.size() != b->idx.size())
      return false;
    for (auto [x, y] : llvm::zip(a->idx, b->idx))
      if (zeroUnitDims(x, unit) != rename(y))
        return false;
    return true;
  case SymKind::Const:
    return a->value == b->value;
  case SymKind::Cmp:
  case SymKind::CmpF:
    if (a->pred != b->pred || a->fpred != b->fpred)
      return false;
    break;
  case SymKind::Extract:
    if (a->tensor != b->tensor)
      return false;
    break;
  case SymKind::IntToFloat:
  case SymKind::IntOp:
    if (a->origOp->getName() != b->origOp->getName())
      return false;
    break;
  case SymKind::Reduce:
  case SymKind::Softmax:
    if (a->isMax != b->isMax || a->isAnd != b->isAnd ||
        a->dims.size() != b->dims.size())
      return false;
    for (auto [x, y] : llvm::zip(a->dims, b->dims))
      if (x != y)
        map[y] = x;
    break;
  default:
    break;
  }
  for (auto [x, y] : llvm::zip(a->ops, b->ops))
    if (!symEqual(x, y, map, unit))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// Evaluator
//===----------------------------------------------------------------------===//

/// A linalg op summing a product of its two inputs (matmul, batch_matmul, a
/// contraction generic), as opposed to a max/sum reduction or a softmax
/// generic that reads the scores and their max.
bool isContractionLike(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && linalg::isaContractionOpInterface(linalgOp);
}

class Evaluator {
public:
  explicit Evaluator(MLIRContext *ctx, unsigned numDims)
      : ctx(ctx), numDims(numDims) {}

  /// The element `t[idx]`, or null with `reason` set. A tensor computed by
  /// something the evaluator does not understand, or by a contraction
  /// nested two deep (a projection feeding Q·Kᵀ, an earlier layer), is read
  /// as an opaque leaf: any tensor may be Q, K, V or a mask, and a score
  /// hidden in one is not recognised as such. Only `root` must evaluate.
  Sym *eval(Value t, ArrayRef<AffineExpr> idx);
  Value root;
  /// The first reason an opaque leaf was taken (reported when the scores
  /// themselves turn out not to be understood).
  std::string opaque;

  unsigned freshDim() { return numDims++; }
  /// Records the trip count of global dim `d` (a dim the caller made up).
  void setExtent(unsigned d, int64_t n) { extent[d] = n; }
  /// The global dims known to have a trip count of 1.
  DenseSet<unsigned> unitDims() const {
    DenseSet<unsigned> unit;
    for (auto [d, n] : extent)
      if (n == 1)
        unit.insert(d);
    return unit;
  }
  unsigned getNumDims() const { return numDims; }
  unsigned getNumSymbols() const { return dimSymbols.size(); }
  /// The tensor dimension each size symbol stands for, by symbol position.
  SmallVector<std::pair<Value, int64_t>> getSymbolSources() const {
    SmallVector<std::pair<Value, int64_t>> sources(dimSymbols.size());
    for (auto [key, pos] : dimSymbols)
      sources[pos] = key;
    return sources;
  }
  /// Size of dim `d` of `t`: a constant, or a symbol standing for it.
  AffineExpr sizeExpr(Value t, int64_t d) {
    auto ty = cast<ShapedType>(t.getType());
    if (!ty.isDynamicDim(d))
      return getAffineConstantExpr(ty.getDimSize(d), ctx);
    auto [it, inserted] =
        dimSymbols.try_emplace({t, d}, (unsigned)dimSymbols.size());
    return getAffineSymbolExpr(it->second, ctx);
  }
  std::string reason;

  /// `e floordiv c` and `e mod c`, simplified with the known loop extents:
  /// (x·c + y) splits into x and y when 0 <= y < c.
  std::pair<AffineExpr, AffineExpr> divMod(AffineExpr e, int64_t c);
  std::optional<std::pair<int64_t, int64_t>> range(AffineExpr e);

private:
  Sym *make(SymKind kind, ArrayRef<Sym *> ops = {}) {
    storage.emplace_back();
    Sym *s = &storage.back();
    s->kind = kind;
    s->ops.assign(ops.begin(), ops.end());
    return s;
  }
  Sym *leaf(Value t, ArrayRef<AffineExpr> idx) {
    Sym *s = make(SymKind::Leaf);
    s->tensor = t;
    s->idx.assign(idx.begin(), idx.end());
    return s;
  }
  Sym *constant(double v) {
    Sym *s = make(SymKind::Const);
    s->value = v;
    return s;
  }
  Sym *fail(const Twine &why) {
    if (reason.empty())
      reason = why.str();
    return nullptr;
  }
  Sym *evalScalar(Value v);
  Sym *iotaIndex(DenseElementsAttr dense, ArrayRef<AffineExpr> idx);
  Sym *evalConstant(Value t, DenseElementsAttr dense, ArrayRef<AffineExpr> idx);
  Sym *evalLinalgOrOpaque(linalg::LinalgOp op, OpResult res,
                          ArrayRef<AffineExpr> idx);
  Sym *evalLinalg(linalg::LinalgOp op, OpResult res, ArrayRef<AffineExpr> idx);
  /// The loops of `op` when its result of `init` is read at `idx`.
  struct LoopBinding {
    /// One expression per loop: the result's index for the output loops, a
    /// fresh dim for each reduction loop.
    SmallVector<AffineExpr> loops;
    /// The fresh dims of the reduction loops.
    SmallVector<unsigned> reduced;
  };
  /// Binds the loops of `op`; fails when a parallel loop is not indexed by
  /// the result.
  FailureOr<LoopBinding> bindLoops(linalg::LinalgOp op, OpOperand *init,
                                   ArrayRef<AffineExpr> idx);
  Sym *evalReduction(linalg::LinalgOp op, OpResult res,
                     ArrayRef<AffineExpr> idx, ArrayRef<unsigned> reduced,
                     DenseMap<Value, Sym *> &env,
                     function_ref<Sym *(BlockArgument)> argFn);
  Sym *evalLogic(Operation *def, function_ref<Sym *(unsigned)> sub);
  Sym *evalScoreModOp(Operation *def, function_ref<Sym *(unsigned)> sub);
  Sym *simplifyIdentity(Operation *def, Sym *a, Sym *b);
  Sym *simplifyOrMake(Operation *def, SymKind k, Sym *a, Sym *b) {
    Sym *same = simplifyIdentity(def, a, b);
    return same ? same : make(k, {a, b});
  }
  Sym *evalBody(Value v, DenseMap<Value, Sym *> &env,
                function_ref<Sym *(BlockArgument)> arg);
  /// The Sym of body op `def` (not a constant), its operands evaluated by
  /// `sub`; null (with a reason) for an op the evaluator does not know.
  Sym *evalBodyOp(Operation *def, function_ref<Sym *(unsigned)> sub);
  /// addi/subi of `a` and `b`: an index expression when both are positions,
  /// else an IntOp (arithmetic on gathered or clamped integers).
  Sym *evalIntAddSub(Operation *def, Sym *a, Sym *b);
  Sym *withOuter(Sym *inner, Value t, ArrayRef<AffineExpr> idx);
  /// linalg.softmax read at `idx`: a Softmax of its input over the loop dim
  /// its axis is read at.
  Sym *evalSoftmax(linalg::SoftmaxOp op, ArrayRef<AffineExpr> idx);
  /// The index of a collapse_shape's source when its result is read at
  /// `idx` (each index delinearised); none with a dynamic inner size.
  std::optional<SmallVector<AffineExpr>>
  collapseSourceIndex(tensor::CollapseShapeOp collapse,
                      ArrayRef<AffineExpr> idx);
  /// The index of an expand_shape's source when its result is read at `idx`
  /// (each group linearised); none with a dynamic inner size.
  std::optional<SmallVector<AffineExpr>>
  expandSourceIndex(tensor::ExpandShapeOp expand, ArrayRef<AffineExpr> idx);
  Sym *throughView(Value t, ArrayRef<AffineExpr> idx, Value src,
                   ArrayRef<AffineExpr> srcIdx);

  void noteExtents(Value t, ArrayRef<AffineExpr> idx) {
    auto ty = dyn_cast<RankedTensorType>(t.getType());
    if (!ty)
      return;
    for (auto [i, e] : llvm::enumerate(idx))
      if (auto d = dyn_cast<AffineDimExpr>(e);
          d && !ShapedType::isDynamic(ty.getDimSize(i)))
        extent.try_emplace(d.getPosition(), ty.getDimSize(i));
  }

  MLIRContext *ctx;
  unsigned numDims;
  unsigned contractionDepth = 0;
  DenseMap<unsigned, int64_t> extent; // static trip counts of global dims
  DenseMap<std::pair<Value, int64_t>, unsigned> dimSymbols;
  std::deque<Sym> storage;
  std::map<std::pair<void *, std::vector<const void *>>, Sym *> memo;
};

std::optional<std::pair<int64_t, int64_t>> Evaluator::range(AffineExpr e) {
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return std::make_pair(c.getValue(), c.getValue());
  if (auto d = dyn_cast<AffineDimExpr>(e)) {
    auto it = extent.find(d.getPosition());
    if (it == extent.end() || it->second <= 0)
      return std::nullopt;
    return std::make_pair<int64_t, int64_t>(0, it->second - 1);
  }
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return std::nullopt;
  auto rhsC = dyn_cast<AffineConstantExpr>(bin.getRHS());
  if (bin.getKind() == AffineExprKind::Mod && rhsC && rhsC.getValue() > 0)
    return std::make_pair<int64_t, int64_t>(0, rhsC.getValue() - 1);
  auto l = range(bin.getLHS());
  if (!l)
    return std::nullopt;
  switch (bin.getKind()) {
  case AffineExprKind::Add: {
    auto r = range(bin.getRHS());
    if (!r)
      return std::nullopt;
    return std::make_pair(l->first + r->first, l->second + r->second);
  }
  case AffineExprKind::Mul: {
    if (!rhsC)
      return std::nullopt;
    int64_t a = l->first * rhsC.getValue(), b = l->second * rhsC.getValue();
    return std::make_pair(std::min(a, b), std::max(a, b));
  }
  case AffineExprKind::FloorDiv:
    if (!rhsC || rhsC.getValue() <= 0)
      return std::nullopt;
    return std::make_pair(llvm::divideFloorSigned(l->first, rhsC.getValue()),
                          llvm::divideFloorSigned(l->second, rhsC.getValue()));
  default:
    return std::nullopt;
  }
}

std::pair<AffineExpr, AffineExpr> Evaluator::divMod(AffineExpr e, int64_t c) {
  // Dims of trip count 1 inside a linearisation ((b0 + b1)·H + h with a unit
  // b1) are 0: dropping them keeps them out of the other dims' indices.
  if (!isa<AffineDimExpr>(e))
    e = zeroUnitDims(e, unitDims());
  SmallVector<AffineExpr> terms{e}, flat;
  while (!terms.empty()) {
    AffineExpr t = terms.pop_back_val();
    auto bin = dyn_cast<AffineBinaryOpExpr>(t);
    if (bin && bin.getKind() == AffineExprKind::Add) {
      terms.push_back(bin.getLHS());
      terms.push_back(bin.getRHS());
    } else {
      flat.push_back(t);
    }
  }
  AffineExpr q = getAffineConstantExpr(0, ctx), r = q;
  for (AffineExpr t : flat) {
    // A term that is always 0 (a dim of trip count 1, e.g. a unit head in a
    // [B·1] batch) would otherwise land in some other dim's index.
    if (std::optional<std::pair<int64_t, int64_t>> tr = range(t);
        tr && tr->first == 0 && tr->second == 0)
      continue;
    auto bin = dyn_cast<AffineBinaryOpExpr>(t);
    auto k = bin && bin.getKind() == AffineExprKind::Mul
                 ? dyn_cast<AffineConstantExpr>(bin.getRHS())
                 : AffineConstantExpr();
    if (k && k.getValue() % c == 0)
      q = q + bin.getLHS() * (k.getValue() / c);
    else if (auto kc = dyn_cast<AffineConstantExpr>(t);
             kc && kc.getValue() % c == 0)
      q = q + kc.getValue() / c;
    else
      r = r + t;
  }
  auto rr = range(r);
  if (rr && rr->first >= 0 && rr->second < c)
    return {q, r};
  return {e.floorDiv(c), e % c};
}

/// Reading `t[idx]` is reading `src[srcIdx]`: a pure data movement.
Sym *Evaluator::throughView(Value t, ArrayRef<AffineExpr> idx, Value src,
                            ArrayRef<AffineExpr> srcIdx) {
  return withOuter(eval(src, srcIdx), t, idx);
}

Sym *Evaluator::withOuter(Sym *inner, Value t, ArrayRef<AffineExpr> idx) {
  if (!inner)
    return inner;
  // A computed value read through a view: the tensor it was computed into
  // gains the view too (Q projected to [B, S, H·D], then expanded to heads),
  // on a copy, since `inner` may be shared.
  if (inner->kind != SymKind::Leaf) {
    if (!inner->origin)
      return inner;
    Sym *copy = make(inner->kind, inner->ops);
    *copy = *inner;
    copy->origin = withOuter(inner->origin, t, idx);
    return copy;
  }
  // Remember the tensors read through, innermost first: an outer one may
  // suit the fused op's layout better.
  SmallVector<Sym *> chain;
  for (Sym *o = inner->outer; o; o = o->outer)
    chain.push_back(leaf(o->tensor, o->idx));
  chain.push_back(leaf(t, idx));
  Sym *head = leaf(inner->tensor, inner->idx);
  Sym *prev = head;
  for (Sym *o : chain) {
    prev->outer = o;
    prev = o;
  }
  return head;
}

Sym *Evaluator::evalSoftmax(linalg::SoftmaxOp op, ArrayRef<AffineExpr> idx) {
  Sym *body = eval(op.getInput(), idx);
  auto d = dyn_cast<AffineDimExpr>(idx[op.getDimension()]);
  if (!body)
    return nullptr;
  if (!d)
    return fail("softmax axis is not a loop dimension");
  Sym *result = make(SymKind::Softmax, {body});
  result->dims.push_back(d.getPosition());
  result->softmaxDim = op.getDimension();
  return result;
}

std::optional<SmallVector<AffineExpr>>
Evaluator::collapseSourceIndex(tensor::CollapseShapeOp collapse,
                               ArrayRef<AffineExpr> idx) {
  ArrayRef<int64_t> srcShape = collapse.getSrcType().getShape();
  SmallVector<AffineExpr> srcIdx;
  bool ok = true;
  for (auto [i, group] : llvm::enumerate(collapse.getReassociationIndices())) {
    AffineExpr rest = idx[i];
    // Delinearize from the innermost dim out; needs static inner sizes.
    SmallVector<AffineExpr> parts(group.size());
    for (int64_t j = group.size() - 1; j > 0; --j) {
      int64_t size = srcShape[group[j]];
      if (ShapedType::isDynamic(size)) {
        ok = false;
        break;
      }
      auto [q, r] = divMod(rest, size);
      parts[j] = r;
      rest = q;
    }
    parts[0] = rest;
    srcIdx.append(parts);
  }
  if (!ok)
    return std::nullopt;
  return srcIdx;
}

std::optional<SmallVector<AffineExpr>>
Evaluator::expandSourceIndex(tensor::ExpandShapeOp expand,
                             ArrayRef<AffineExpr> idx) {
  ArrayRef<int64_t> shape = expand.getResultType().getShape();
  SmallVector<AffineExpr> srcIdx;
  for (ReassociationIndices group : expand.getReassociationIndices()) {
    AffineExpr lin = getAffineConstantExpr(0, ctx);
    for (int64_t j : group) {
      if (ShapedType::isDynamic(shape[j]) && j != group.front())
        return std::nullopt;
      lin = j == group.front() ? idx[j] : lin * shape[j] + idx[j];
    }
    srcIdx.push_back(lin);
  }
  return srcIdx;
}

Sym *Evaluator::eval(Value t, ArrayRef<AffineExpr> idx) {
  auto key =
      std::make_pair(t.getAsOpaquePointer(), std::vector<const void *>());
  for (AffineExpr e : idx)
    key.second.push_back(e.getAsOpaquePointer());
  if (auto it = memo.find(key); it != memo.end())
    return it->second;
  noteExtents(t, idx);
  Sym *result = nullptr;
  Operation *def = t.getDefiningOp();
  DenseElementsAttr dense;
  if (def && matchPattern(t, m_Constant(&dense))) {
    result = evalConstant(t, dense, idx);
  } else if (auto op = dyn_cast_or_null<linalg::LinalgOp>(def)) {
    result = evalLinalgOrOpaque(op, cast<OpResult>(t), idx);
  } else if (auto op = dyn_cast_or_null<linalg::SoftmaxOp>(def)) {
    // A failure is not memoized.
    result = evalSoftmax(op, idx);
    if (!result)
      return nullptr;
  } else if (auto cast = dyn_cast_or_null<tensor::CastOp>(def)) {
    result = throughView(t, idx, cast.getSource(), idx);
  } else if (auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(def)) {
    std::optional<SmallVector<AffineExpr>> srcIdx =
        collapseSourceIndex(collapse, idx);
    result =
        srcIdx ? throughView(t, idx, collapse.getSrc(), *srcIdx) : leaf(t, idx);
  } else if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(def)) {
    std::optional<SmallVector<AffineExpr>> srcIdx =
        expandSourceIndex(expand, idx);
    result =
        srcIdx ? throughView(t, idx, expand.getSrc(), *srcIdx) : leaf(t, idx);
  } else {
    result = leaf(t, idx);
  }
  memo[key] = result;
  return result;
}

FailureOr<Evaluator::LoopBinding>
Evaluator::bindLoops(linalg::LinalgOp op, OpOperand *init,
                     ArrayRef<AffineExpr> idx) {
  AffineMap outMap = op.getMatchingIndexingMap(init);
  LoopBinding bound;
  bound.loops.resize(op.getNumLoops());
  for (auto [pos, e] : llvm::enumerate(outMap.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e))
      bound.loops[d.getPosition()] = idx[pos];
  for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (bound.loops[i])
      continue;
    if (it != utils::IteratorType::reduction) {
      fail("a parallel loop is not indexed by the result");
      return failure();
    }
    unsigned d = freshDim();
    bound.loops[i] = getAffineDimExpr(d, ctx);
    bound.reduced.push_back(d);
    if (int64_t n = op.getStaticLoopRanges()[i]; !ShapedType::isDynamic(n))
      extent[d] = n;
  }
  return bound;
}

Sym *Evaluator::evalLinalg(linalg::LinalgOp op, OpResult res,
                           ArrayRef<AffineExpr> idx) {
  // P·V reads scores of Q·Kᵀ; a contraction behind that (a projection)
  // only provides a tensor.
  bool contraction = isContractionLike(op);
  if (contraction && contractionDepth >= 2)
    return leaf(res, idx);
  contractionDepth += contraction;
  llvm::scope_exit restoreDepth([&] { contractionDepth -= contraction; });
  unsigned resNo = res.getResultNumber();
  OpOperand *init = op.getDpsInitOperand(resNo);
  FailureOr<LoopBinding> bound = bindLoops(op, init, idx);
  if (failed(bound))
    return nullptr;
  SmallVector<AffineExpr> &loops = bound->loops;
  SmallVector<unsigned> &reduced = bound->reduced;

  Block *body = op.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Value yielded = yield.getOperand(resNo);
  BlockArgument acc = op.getMatchingBlockArgument(init);
  DenseMap<Value, Sym *> env;
  auto argFn = [&](BlockArgument arg) -> Sym * {
    // A value captured from outside the body (e.g. a function argument used
    // as a scalar) is not an operand of `op`.
    if (arg.getOwner() != body)
      return evalScalar(arg);
    OpOperand *operand = op.getMatchingOpOperand(arg);
    if (op.isScalar(operand))
      return evalScalar(operand->get());
    if (arg == acc && !reduced.empty())
      return fail("accumulator read outside its reduction");
    AffineMap map = op.getMatchingIndexingMap(operand);
    SmallVector<AffineExpr> sub;
    for (AffineExpr e : map.getResults())
      sub.push_back(e.replaceDims(loops));
    return eval(operand->get(), sub);
  };
  // Bind linalg.index before evaluating.
  body->walk([&](linalg::IndexOp index) {
    Sym *s = make(SymKind::Index);
    s->idx.push_back(loops[index.getDim()]);
    env[index.getResult()] = s;
  });

  Sym *result = reduced.empty()
                    ? evalBody(yielded, env, argFn)
                    : evalReduction(op, res, idx, reduced, env, argFn);
  if (!result)
    return nullptr;
  if (result->kind == SymKind::Leaf)
    return withOuter(result, res, idx);
  if (!result->origin)
    result->origin = leaf(res, idx);
  return result;
}

/// A constant tensor read at `idx`: a splat is its value (i1 splats 0 or 1),
/// a position literal an index (iotaIndex), anything else a leaf.
Sym *Evaluator::evalConstant(Value t, DenseElementsAttr dense,
                             ArrayRef<AffineExpr> idx) {
  if (dense.isSplat() && isa<FloatType>(dense.getElementType()))
    return constant(dense.getSplatValue<APFloat>().convertToDouble());
  if (dense.isSplat() && dense.getElementType().isInteger(1))
    return constant(dense.getSplatValue<bool>() ? 1.0 : 0.0);
  if (Sym *iota = iotaIndex(dense, idx))
    return iota;
  return leaf(t, idx);
}

/// evalLinalg, or an opaque leaf where it fails (except for `root`).
Sym *Evaluator::evalLinalgOrOpaque(linalg::LinalgOp op, OpResult res,
                                   ArrayRef<AffineExpr> idx) {
  Sym *result = evalLinalg(op, res, idx);
  if (result || res == root)
    return result;
  if (opaque.empty())
    opaque = reason;
  reason.clear();
  return leaf(res, idx);
}

/// A constant integer tensor whose elements are a·i_d + b along one dim d
/// (constant along the others), read at `idx`, is the index a·idx[d] + b:
/// rocMLIR's MIGraphX causal masks compare position literals [0, 1, ...]
/// instead of loop indices.
Sym *Evaluator::iotaIndex(DenseElementsAttr dense, ArrayRef<AffineExpr> idx) {
  auto ty = dyn_cast<RankedTensorType>(dense.getType());
  if (!ty || !ty.getElementType().isSignlessInteger() ||
      ty.getElementType().isInteger(1) || ty.getNumElements() > (1 << 16))
    return nullptr;
  SmallVector<int64_t> vals;
  for (const APInt &v : dense.getValues<APInt>())
    vals.push_back(v.getSExtValue());
  int64_t rank = ty.getRank();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * ty.getDimSize(d + 1);
  int64_t varying = -1;
  for (int64_t d = 0; d < rank; ++d)
    if (ty.getDimSize(d) > 1 && vals[strides[d]] != vals[0]) {
      if (varying >= 0)
        return nullptr;
      varying = d;
    }
  int64_t a = varying >= 0 ? vals[strides[varying]] - vals[0] : 0;
  for (auto [lin, v] : llvm::enumerate(vals)) {
    int64_t coord =
        varying >= 0 ? (lin / strides[varying]) % ty.getDimSize(varying) : 0;
    if (v != a * coord + vals[0])
      return nullptr;
  }
  Sym *s = make(SymKind::Index);
  AffineExpr b = getAffineConstantExpr(vals[0], ctx);
  s->idx.push_back(varying >= 0 ? idx[varying] * a + b : b);
  return s;
}

/// yield = combine(acc, f): a reduction with an add, max or (boolean) and
/// combiner. An init other than the combiner's identity is combined in.
Sym *Evaluator::evalReduction(linalg::LinalgOp op, OpResult res,
                              ArrayRef<AffineExpr> idx,
                              ArrayRef<unsigned> reduced,
                              DenseMap<Value, Sym *> &env,
                              function_ref<Sym *(BlockArgument)> argFn) {
  unsigned resNo = res.getResultNumber();
  OpOperand *init = op.getDpsInitOperand(resNo);
  Block *body = op.getBlock();
  Value yielded = body->getTerminator()->getOperand(resNo);
  BlockArgument acc = op.getMatchingBlockArgument(init);
  Operation *comb = yielded.getDefiningOp();
  if (!comb || comb->getBlock() != body || comb->getNumOperands() != 2 ||
      !isa<arith::AddFOp, arith::MaximumFOp, arith::MaxNumFOp, arith::AndIOp>(
          comb))
    return fail("unsupported reduction");
  Value f;
  if (comb->getOperand(0) == acc)
    f = comb->getOperand(1);
  else if (comb->getOperand(1) == acc)
    f = comb->getOperand(0);
  else
    return fail("unsupported reduction");
  Sym *fs = evalBody(f, env, argFn);
  if (!fs)
    return nullptr;
  bool isMax = isa<arith::MaximumFOp, arith::MaxNumFOp>(comb);
  bool isAnd = isa<arith::AndIOp>(comb);
  Sym *result = make(SymKind::Reduce, {fs});
  result->dims.assign(reduced.begin(), reduced.end());
  result->isMax = isMax;
  result->isAnd = isAnd;
  Sym *initSym = eval(init->get(), idx);
  if (!initSym)
    return nullptr;
  std::optional<double> iv = constValue(initSym);
  bool identity =
      iv && (isMax ? isNegInfLike(*iv) : (isAnd ? *iv == 1.0 : *iv == 0.0));
  if (identity)
    return result;
  if (isAnd)
    return fail("boolean reduction with an init other than true");
  return make(isMax ? SymKind::Max : SymKind::Add, {initSym, result});
}

Sym *Evaluator::evalScalar(Value v) {
  FloatAttr f;
  if (matchPattern(v, m_Constant(&f)))
    return constant(f.getValueAsDouble());
  IntegerAttr i;
  if (v.getType().isInteger(1) && matchPattern(v, m_Constant(&i)))
    return constant(i.getValue().isZero() ? 0.0 : 1.0);
  // Integer constants take part in index arithmetic (torch computes masks
  // on i64 indices).
  if (v.getType().isIntOrIndex() && matchPattern(v, m_Constant(&i))) {
    Sym *s = make(SymKind::Index);
    s->idx.push_back(getAffineConstantExpr(i.getInt(), ctx));
    return s;
  }
  // Index arithmetic on dynamic sizes (e.g. a bottom-right causal offset
  // Sk - Sq computed from tensor.dim).
  if (v.getType().isIndex()) {
    Operation *def = v.getDefiningOp();
    std::optional<int64_t> d;
    if (auto dim = dyn_cast_or_null<tensor::DimOp>(def);
        dim && (d = dim.getConstantIndex()) &&
        isa<RankedTensorType>(dim.getSource().getType())) {
      Sym *s = make(SymKind::Index);
      s->idx.push_back(sizeExpr(dim.getSource(), *d));
      return s;
    }
    if (isa_and_nonnull<arith::AddIOp, arith::SubIOp>(def)) {
      Sym *a = evalScalar(def->getOperand(0));
      Sym *b = a ? evalScalar(def->getOperand(1)) : nullptr;
      if (!b)
        return nullptr;
      Sym *s = make(SymKind::Index);
      s->idx.push_back(isa<arith::AddIOp>(def) ? a->idx[0] + b->idx[0]
                                               : a->idx[0] - b->idx[0]);
      return s;
    }
  }
  return fail("a scalar operand is not a constant");
}

/// `x + 0`, `x - 0`, `x * 1` and `x / 1` are `x` (exactly, up to the sign
/// of a zero): exporters broadcast with an add of zeros (buddy-mlir's expand)
/// or multiply by a unit alpha (torch's sub); the operand keeps its layout.
Sym *Evaluator::simplifyIdentity(Operation *def, Sym *a, Sym *b) {
  auto is = [](Sym *s, double v) {
    std::optional<double> c = constValue(s);
    return c && *c == v;
  };
  if (isa<arith::AddFOp>(def))
    return is(b, 0.0) ? a : (is(a, 0.0) ? b : nullptr);
  if (isa<arith::SubFOp>(def))
    return is(b, 0.0) ? a : nullptr;
  if (isa<arith::MulFOp>(def))
    return is(b, 1.0) ? a : (is(a, 1.0) ? b : nullptr);
  if (isa<arith::DivFOp>(def))
    return is(b, 1.0) ? a : nullptr;
  return nullptr;
}

/// Logarithms and the boolean side of masks: torch builds a causal mask as
/// `where(not(tril(ones)), -inf, 0)` (not as `uitofp` + `cmpf oeq 0`), and
/// `_safe_softmax` zeroes rows where all scores equal -inf. Null if `def` is
/// none of these (the caller reports it), or with `reason` set.
Sym *Evaluator::evalLogic(Operation *def, function_ref<Sym *(unsigned)> sub) {
  auto unary = [&](SymKind k) -> Sym * {
    Sym *a = sub(0);
    return a ? make(k, {a}) : nullptr;
  };
  if (isa<math::LogOp>(def))
    return unary(SymKind::Log);
  if (auto cmp = dyn_cast<arith::CmpIOp>(def)) {
    Sym *a = sub(0), *b = a ? sub(1) : nullptr;
    Sym *s = b ? make(SymKind::Cmp, {a, b}) : nullptr;
    if (s)
      s->pred = cmp.getPredicate();
    return s;
  }
  if (isa<arith::UIToFPOp>(def) && def->getOperand(0).getType().isInteger(1))
    return unary(SymKind::BoolToFloat);
  bool isBool =
      def->getNumResults() == 1 && def->getResult(0).getType().isInteger(1);
  if (isBool && isa<arith::XOrIOp, arith::AndIOp>(def)) {
    Sym *a = sub(0), *b = a ? sub(1) : nullptr;
    if (!b)
      return nullptr;
    std::optional<double> ca = constValue(a), cb = constValue(b);
    if (isa<arith::AndIOp>(def))
      return cb ? (*cb != 0.0 ? a : b)
                : (ca ? (*ca != 0.0 ? b : a) : make(SymKind::And, {a, b}));
    if (ca || cb) // x xor c: x or not x
      return (ca ? *ca : *cb) != 0.0 ? make(SymKind::Not, {ca ? b : a})
                                     : (ca ? b : a);
    return nullptr;
  }
  if (auto cmp = dyn_cast<arith::CmpFOp>(def)) {
    Sym *a = sub(0), *b = a ? sub(1) : nullptr;
    if (!b)
      return nullptr;
    // torch's logical_not: uitofp(x) == 0.0.
    using P = arith::CmpFPredicate;
    if (a->kind == SymKind::BoolToFloat && constValue(b) == 0.0) {
      if (cmp.getPredicate() == P::OEQ || cmp.getPredicate() == P::UEQ)
        return make(SymKind::Not, {a->ops[0]});
      if (cmp.getPredicate() == P::ONE || cmp.getPredicate() == P::UNE)
        return a->ops[0];
    }
    Sym *s = make(SymKind::CmpF, {a, b});
    s->fpred = cmp.getPredicate();
    return s;
  }
  return nullptr;
}

/// The operations of score modifications: soft-capping (tanh), positions
/// turned into floats (ALiBi), integer arithmetic on positions and gathered
/// values (min/max clamps of a relative-position bucket, chunk numbers),
/// boolean disjunctions (prefix-LM, sliding windows written as "masked if
/// j > i or j <= i - W") and gathers from a table (tensor.extract in a
/// body). Null if `def` is none of these, or with `reason` set.
Sym *Evaluator::evalScoreModOp(Operation *def,
                               function_ref<Sym *(unsigned)> sub) {
  auto withOperands = [&](SymKind k) -> Sym * {
    SmallVector<Sym *> ops;
    for (unsigned i = 0, e = def->getNumOperands(); i < e; ++i) {
      Sym *o = sub(i);
      if (!o)
        return nullptr;
      ops.push_back(o);
    }
    Sym *s = make(k, ops);
    s->origOp = def;
    return s;
  };
  if (isa<math::TanhOp>(def))
    return withOperands(SymKind::Tanh);
  if (isa<arith::SIToFPOp, arith::UIToFPOp>(def) &&
      !def->getOperand(0).getType().isInteger(1))
    return withOperands(SymKind::IntToFloat);
  if (isa<arith::MinSIOp, arith::MaxSIOp, arith::MulIOp, arith::DivSIOp,
          arith::FloorDivSIOp, arith::CeilDivSIOp, arith::RemSIOp>(def))
    return withOperands(SymKind::IntOp);
  if (auto extract = dyn_cast<tensor::ExtractOp>(def)) {
    // The table is read as a whole (a captured value); only the indices
    // are evaluated.
    Value table = extract.getTensor();
    if (def->getParentOp()->isAncestor(table.getParentRegion()->getParentOp()))
      return fail("a gather from a tensor computed in the body");
    SmallVector<Sym *> indices;
    for (unsigned i = 1, e = def->getNumOperands(); i < e; ++i) {
      Sym *o = sub(i);
      if (!o)
        return nullptr;
      indices.push_back(o);
    }
    Sym *s = make(SymKind::Extract, indices);
    s->tensor = table;
    return s;
  }
  if (isa<arith::OrIOp>(def) && def->getResult(0).getType().isInteger(1)) {
    Sym *a = sub(0), *b = a ? sub(1) : nullptr;
    if (!b)
      return nullptr;
    std::optional<double> ca = constValue(a), cb = constValue(b);
    if (cb)
      return *cb != 0.0 ? b : a;
    if (ca)
      return *ca != 0.0 ? a : b;
    return make(SymKind::Or, {a, b});
  }
  return nullptr;
}

/// The kind of a float op of a body that is one Sym of its operand: casts,
/// negation, exponentials.
std::optional<SymKind> unaryKind(Operation *def) {
  if (isa<arith::ExtFOp, arith::TruncFOp>(def))
    return SymKind::Cast;
  if (isa<arith::NegFOp>(def))
    return SymKind::Neg;
  if (isa<math::ExpOp>(def))
    return SymKind::Exp;
  if (isa<math::Exp2Op>(def))
    return SymKind::Exp2;
  return std::nullopt;
}

/// The kind of a float op of a body that is one Sym of its two operands.
std::optional<SymKind> binaryKind(Operation *def) {
  if (isa<arith::AddFOp>(def))
    return SymKind::Add;
  if (isa<arith::SubFOp>(def))
    return SymKind::Sub;
  if (isa<arith::MulFOp>(def))
    return SymKind::Mul;
  if (isa<arith::DivFOp>(def))
    return SymKind::Div;
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(def))
    return SymKind::Max;
  return std::nullopt;
}

Sym *Evaluator::evalIntAddSub(Operation *def, Sym *a, Sym *b) {
  if (a->kind != SymKind::Index || b->kind != SymKind::Index) {
    // Arithmetic on gathered or clamped integers (a bucket index).
    Sym *result = make(SymKind::IntOp, {a, b});
    result->origOp = def;
    return result;
  }
  Sym *result = make(SymKind::Index);
  result->idx.push_back(isa<arith::AddIOp>(def) ? a->idx[0] + b->idx[0]
                                                : a->idx[0] - b->idx[0]);
  return result;
}

Sym *Evaluator::evalBodyOp(Operation *def, function_ref<Sym *(unsigned)> sub) {
  if (std::optional<SymKind> k = unaryKind(def)) {
    Sym *a = sub(0);
    return a ? make(*k, {a}) : nullptr;
  }
  if (std::optional<SymKind> k = binaryKind(def)) {
    Sym *a = sub(0);
    Sym *b = a ? sub(1) : nullptr;
    return b ? simplifyOrMake(def, *k, a, b) : nullptr;
  }
  // Value-preserving for positions and table indices.
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp>(def))
    return sub(0);
  if (isa<arith::AddIOp, arith::SubIOp>(def) &&
      !def->getResult(0).getType().isInteger(1)) {
    Sym *a = sub(0), *b = a ? sub(1) : nullptr;
    return b ? evalIntAddSub(def, a, b) : nullptr;
  }
  if (isa<arith::SelectOp>(def)) {
    Sym *c = sub(0), *a = c ? sub(1) : nullptr, *b = a ? sub(2) : nullptr;
    return b ? make(SymKind::Select, {c, a, b}) : nullptr;
  }
  if (Sym *other = evalLogic(def, sub))
    return other;
  if (Sym *mod = evalScoreModOp(def, sub))
    return mod;
  return fail(Twine("unsupported operation '") + def->getName().getStringRef() +
              "'");
}

Sym *Evaluator::evalBody(Value v, DenseMap<Value, Sym *> &env,
                         function_ref<Sym *(BlockArgument)> argFn) {
  if (Sym *s = env.lookup(v))
    return s;
  Sym *result = nullptr;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    result = argFn(arg);
    if (result)
      env[v] = result;
    return result;
  }
  Operation *def = v.getDefiningOp();
  if (!def || !def->getParentOfType<linalg::LinalgOp>())
    return evalScalar(v);
  auto sub = [&](unsigned i) {
    return evalBody(def->getOperand(i), env, argFn);
  };
  result = matchPattern(v, m_Constant()) ? evalScalar(v) : evalBodyOp(def, sub);
  if (result)
    env[v] = result;
  return result;
}

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// `sum coef_i * atom_i + c0`, with the conditions under which the value is
/// not forced to -inf by a select.
struct Linear {
  double c0 = 0.0;
  SmallVector<std::pair<Sym *, double>> terms;
  SmallVector<std::pair<Sym *, bool>> keeps; // (condition, keep-when)
};

/// The condition of a mask select in normal form: negations folded into
/// `keepWhen`, selects of two boolean constants (torch's tril of ones)
/// replaced by their condition.
Sym *normalizeCond(Sym *c, bool &keepWhen) {
  for (;;) {
    c = stripCasts(c);
    if (c->kind == SymKind::Not) {
      keepWhen = !keepWhen;
      c = c->ops[0];
      continue;
    }
    // x == false, x != true (i1 compares): negations.
    if (c->kind == SymKind::Cmp && c->ops[0]->kind != SymKind::Index) {
      std::optional<double> k = constValue(c->ops[1]);
      bool eq = c->pred == arith::CmpIPredicate::eq;
      if (k && (eq || c->pred == arith::CmpIPredicate::ne) &&
          (*k == 0.0 || *k == 1.0)) {
        if (eq == (*k == 0.0))
          keepWhen = !keepWhen;
        c = c->ops[0];
        continue;
      }
    }
    std::optional<double> t, f;
    if (c->kind == SymKind::Select) {
      t = constValue(c->ops[1]);
      f = constValue(c->ops[2]);
    }
    if (!t || !f || *t == *f)
      return c;
    if (*t == 0.0)
      keepWhen = !keepWhen;
    c = c->ops[0];
  }
}

void addKeep(Linear &out, Sym *cond, bool keepWhen);

void linearize(Sym *s, double coef, Linear &out) {
  if (std::optional<double> c = constValue(s)) {
    out.c0 += coef * *c;
    return;
  }
  switch (s->kind) {
  case SymKind::Cast:
    return linearize(s->ops[0], coef, out);
  case SymKind::Neg:
    return linearize(s->ops[0], -coef, out);
  case SymKind::Add:
    linearize(s->ops[0], coef, out);
    return linearize(s->ops[1], coef, out);
  case SymKind::Sub:
    linearize(s->ops[0], coef, out);
    return linearize(s->ops[1], -coef, out);
  case SymKind::Mul:
    if (auto c = constValue(s->ops[0]))
      return linearize(s->ops[1], coef * *c, out);
    if (auto c = constValue(s->ops[1]))
      return linearize(s->ops[0], coef * *c, out);
    break;
  case SymKind::Div:
    if (auto c = constValue(s->ops[1]); c && *c != 0.0)
      return linearize(s->ops[0], coef / *c, out);
    break;
  case SymKind::Select: {
    // A select to -inf masks only where it is added, not subtracted.
    auto c1 = constValue(s->ops[1]), c2 = constValue(s->ops[2]);
    if (c2 && isNegInfLike(*c2) && coef > 0.0) {
      addKeep(out, s->ops[0], true);
      return linearize(s->ops[1], coef, out);
    }
    if (c1 && isNegInfLike(*c1) && coef > 0.0) {
      addKeep(out, s->ops[0], false);
      return linearize(s->ops[2], coef, out);
    }
    break;
  }
  default:
    break;
  }
  out.terms.push_back({s, coef});
}

/// Records that the value is kept (not -inf) iff `cond == keepWhen`. A
/// condition that always holds is dropped; a conjunction of kept
/// conditions is two keeps.
void addKeep(Linear &out, Sym *cond, bool keepWhen) {
  cond = normalizeCond(cond, keepWhen);
  if (std::optional<double> c = constValue(cond); c && (*c != 0.0) == keepWhen)
    return;
  if (cond->kind == SymKind::And && keepWhen) {
    addKeep(out, cond->ops[0], true);
    return addKeep(out, cond->ops[1], true);
  }
  // Masked where a or b (a sliding window with its causal part): kept
  // where neither.
  if (cond->kind == SymKind::Or && !keepWhen) {
    addKeep(out, cond->ops[0], false);
    return addKeep(out, cond->ops[1], false);
  }
  out.keeps.push_back({cond, keepWhen});
}

/// Whether `a` and `b` are the same linear form (same constant, terms and
/// keeps as multisets) once `b`'s dims are renamed by `map`. With
/// `keyDependentOnly`, terms not depending on `keyDim` are ignored on both
/// sides (shifts that softmax does not see) and coefficients need only
/// agree in sign (the same -inf entries, whatever positive factor scales
/// the exponent, e.g. log2(e) in exp2 forms).
bool sameLinear(const Linear &a, const Linear &b,
                const DenseMap<unsigned, unsigned> &map,
                const DenseSet<unsigned> &unit, bool keyDependentOnly = false,
                unsigned keyDim = 0) {
  auto close = [&](double x, double y) {
    if (keyDependentOnly)
      return (x > 0.0) == (y > 0.0) && x != 0.0 && y != 0.0;
    return std::abs(x - y) <= 1e-9 * std::max({1.0, std::abs(x), std::abs(y)});
  };
  auto relevant = [&](Sym *t, bool renamed) {
    if (!keyDependentOnly)
      return true;
    unsigned d = keyDim;
    if (renamed)
      for (auto [from, to] : map)
        if (to == keyDim)
          d = from;
    return dependsOn(t, d);
  };
  SmallVector<bool> used(a.terms.size(), false);
  size_t matched = 0;
  for (auto [tb, cb] : b.terms) {
    if (!relevant(tb, true))
      continue;
    bool found = false;
    for (auto [i, ta] : llvm::enumerate(a.terms))
      if (!used[i] && close(ta.second, cb) &&
          symEqual(ta.first, tb, map, unit)) {
        used[i] = found = true;
        break;
      }
    if (!found)
      return false;
    ++matched;
  }
  size_t wanted = llvm::count_if(
      a.terms, [&](auto &t) { return relevant(t.first, false); });
  if (matched != wanted || a.keeps.size() != b.keeps.size() ||
      (!keyDependentOnly && !close(a.c0, b.c0)))
    return false;
  SmallVector<bool> keepUsed(a.keeps.size(), false);
  for (auto [cb, wb] : b.keeps) {
    bool found = false;
    for (auto [i, ka] : llvm::enumerate(a.keeps))
      if (!keepUsed[i] && ka.second == wb &&
          symEqual(ka.first, cb, map, unit)) {
        keepUsed[i] = found = true;
        break;
      }
    if (!found)
      return false;
  }
  return true;
}

/// Flattens a product of constants and casts into `coef * prod(factors)`.
void flattenProduct(Sym *s, double &coef, SmallVectorImpl<Sym *> &factors) {
  s = stripCasts(s);
  if (std::optional<double> c = constValue(s)) {
    coef *= *c;
    return;
  }
  if (s->kind == SymKind::Neg) {
    coef = -coef;
    return flattenProduct(s->ops[0], coef, factors);
  }
  if (s->kind == SymKind::Mul) {
    flattenProduct(s->ops[0], coef, factors);
    return flattenProduct(s->ops[1], coef, factors);
  }
  if (s->kind == SymKind::Div) {
    if (auto c = constValue(s->ops[1]); c && *c != 0.0) {
      coef /= *c;
      return flattenProduct(s->ops[0], coef, factors);
    }
  }
  factors.push_back(s);
}

/// The tensor element a factor reads: itself if a leaf, else the result of
/// the op that computed it.
Sym *leafOf(Sym *s) {
  s = stripCasts(s);
  if (s->kind == SymKind::Leaf)
    return s;
  return s->origin;
}

/// Whether `s` computes an exponential (or a softmax), not counting those
/// behind a contraction: the output of an earlier attention is not P.
bool containsExp(Sym *s) {
  if (s->kind == SymKind::Exp || s->kind == SymKind::Exp2 ||
      s->kind == SymKind::Softmax)
    return true;
  if (s->kind == SymKind::Reduce && !s->isMax && !s->isAnd) {
    Sym *prod = stripCasts(s->ops[0]);
    if (prod->kind == SymKind::Mul && !constValue(prod->ops[0]) &&
        !constValue(prod->ops[1]))
      return false;
  }
  return llvm::any_of(s->ops, containsExp);
}

/// `e` reads dim `b` as a grouped head, `b floordiv G` (GQA), unlike the
/// linearised `b0·H + h` of a collapsed batch.
bool isGroupedHeadRead(AffineExpr e, unsigned b) {
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  return bin && bin.getKind() == AffineExprKind::FloorDiv &&
         bin.getLHS() == getAffineDimExpr(b, e.getContext());
}

/// Whether an exponential (or linalg.softmax) feeds `op` through tensor ops:
/// the anchor is attention-like, so a failure is worth a near-miss remark.
bool readsExponential(Operation *op) {
  SmallVector<Operation *> worklist{op};
  DenseSet<Operation *> seen;
  while (!worklist.empty()) {
    Operation *cur = worklist.pop_back_val();
    if (!seen.insert(cur).second || seen.size() > 64)
      continue;
    if (isa<linalg::SoftmaxOp>(cur))
      return true;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(cur);
        linalgOp && linalgOp.getBlock()
                        ->walk([](Operation *b) {
                          return isa<math::ExpOp, math::Exp2Op>(b)
                                     ? WalkResult::interrupt()
                                     : WalkResult::advance();
                        })
                        .wasInterrupted())
      return true;
    // Another contraction (a projection, a previous layer's P·V) ends the
    // walk: an exponential behind it does not make `op` attention-like.
    if (cur != op && isContractionLike(cur))
      continue;
    for (Value v : cur->getOperands())
      if (Operation *def = v.getDefiningOp();
          def && (isa<linalg::LinalgOp, linalg::SoftmaxOp>(def) ||
                  isa<tensor::TensorDialect>(def->getDialect())))
        worklist.push_back(def);
  }
  return false;
}

/// The anchor's output read as the row-major collapse of finer dims: output
/// dim i is the linearisation of expanded dims `re[i]`, of sizes `shape`.
/// torch-mlir, TOSA and TensorFlow exports run P·V (and Q·Kᵀ) as a
/// batch_matmul on heads collapsed to [B·H, S, D] while the scale, the mask
/// and the softmax live in the 4-D [B, H, S, S] view; matching in the
/// expanded dims reads all of them at the same (b, h).
struct OutputSplit {
  SmallVector<ReassociationIndices> re;
  SmallVector<int64_t> shape;
};

/// The only user of `v` if it is an elementwise (identity-map) truncation to
/// f16/bf16: it commutes with reshapes, so the fused op can absorb it before
/// the expand_shape that follows.
linalg::GenericOp elementwiseTruncUser(Value v) {
  if (!v.hasOneUse())
    return {};
  auto g = dyn_cast<linalg::GenericOp>(*v.getUsers().begin());
  if (!g || g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getDpsInputOperand(0)->get() != v ||
      !llvm::all_of(g.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return {};
  Block *body = g.getBlock();
  auto trunc =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::TruncFOp>();
  if (body->getOperations().size() != 2 || !trunc ||
      trunc.getIn() != body->getArgument(0) ||
      !isa<Float16Type, BFloat16Type>(trunc.getType()))
    return {};
  return g;
}

/// The expand_shape the anchor's result goes through (past elementwise
/// truncations), if its result is static.
tensor::ExpandShapeOp consumerExpand(linalg::LinalgOp anchor) {
  Value res = anchor->getResult(0);
  while (linalg::GenericOp t = elementwiseTruncUser(res))
    res = t->getResult(0);
  if (!res.hasOneUse())
    return {};
  auto ex = dyn_cast<tensor::ExpandShapeOp>(*res.getUsers().begin());
  return ex && ex.getResultType().hasStaticShape() ? ex
                                                   : tensor::ExpandShapeOp();
}

/// Adds, for each output dim an input operand reads through a static
/// collapse_shape, the sizes the collapse merged (first come, first kept).
void splitFromOperands(linalg::LinalgOp anchor,
                       SmallVectorImpl<SmallVector<int64_t>> &factors) {
  AffineMap outMap = anchor.getIndexingMapsArray().back();
  for (OpOperand *in : anchor.getDpsInputOperands()) {
    auto cl = in->get().getDefiningOp<tensor::CollapseShapeOp>();
    if (!cl || !cl.getSrcType().hasStaticShape())
      continue;
    AffineMap map = anchor.getMatchingIndexingMap(in);
    for (auto [j, g] : llvm::enumerate(cl.getReassociationIndices())) {
      auto d = dyn_cast<AffineDimExpr>(map.getResult(j));
      std::optional<unsigned> pos =
          d ? outMap.getResultPosition(d) : std::nullopt;
      if (g.size() < 2 || !pos || !factors[*pos].empty())
        continue;
      for (int64_t k : g)
        factors[*pos].push_back(cl.getSrcType().getDimSize(k));
    }
  }
}

/// The split the reshapes around a static anchor suggest: the expand_shape
/// of its result, else the collapse_shapes of its operands.
std::optional<OutputSplit> splitFromReshapes(linalg::LinalgOp anchor) {
  if (anchor->getNumResults() != 1 || anchor.getNumDpsInits() != 1)
    return std::nullopt;
  auto outTy = dyn_cast<RankedTensorType>(anchor->getResult(0).getType());
  if (!outTy || !outTy.hasStaticShape())
    return std::nullopt;
  SmallVector<SmallVector<int64_t>> factors(outTy.getRank());
  if (tensor::ExpandShapeOp ex = consumerExpand(anchor))
    for (auto [i, g] : llvm::enumerate(ex.getReassociationIndices()))
      if (g.size() > 1)
        for (int64_t j : g)
          factors[i].push_back(ex.getResultType().getDimSize(j));
  splitFromOperands(anchor, factors);
  if (llvm::all_of(factors, [](auto &f) { return f.empty(); }))
    return std::nullopt;
  OutputSplit split;
  for (auto [i, f] : llvm::enumerate(factors)) {
    if (f.empty())
      f.push_back(outTy.getDimSize(i));
    int64_t prod = 1;
    ReassociationIndices group;
    for (int64_t size : f) {
      prod *= size;
      group.push_back(split.shape.size());
      split.shape.push_back(size);
    }
    if (prod != outTy.getDimSize(i))
      return std::nullopt;
    split.re.push_back(group);
  }
  LLVM_DEBUG(llvm::dbgs() << "attn-fuse: output split into "
                          << split.shape.size() << " dims\n");
  return split;
}

/// A keep-mask computed elementwise from one tensor: `x` itself (i1),
/// `not x` (PyTorch's key_padding_mask, True = ignore) or `x <pred> c`
/// (masked_fill(mask == 0, -inf)). The fused op gets it as an i1 tensor in
/// the mask's own shape, computed by an elementwise generic.
struct MaskPredicate {
  Sym *leaf = nullptr;
  std::optional<arith::CmpIPredicate> ipred;
  std::optional<arith::CmpFPredicate> fpred;
  double value = 0.0;
  bool keepWhen = true;
  bool leafFirst = true;
};

std::optional<MaskPredicate> leafPredicate(Sym *c, bool keepWhen) {
  MaskPredicate mp;
  mp.keepWhen = keepWhen;
  auto isLeaf = [](Sym *s) { return stripCasts(s)->kind == SymKind::Leaf; };
  if (c->kind == SymKind::Leaf) {
    if (!getElementTypeOrSelf(c->tensor.getType()).isInteger(1))
      return std::nullopt;
    mp.leaf = c;
    return mp;
  }
  if ((c->kind != SymKind::Cmp && c->kind != SymKind::CmpF) ||
      c->ops.size() != 2)
    return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    Sym *other = c->ops[1 - i];
    std::optional<double> v = constValue(other);
    if (!v && other->kind == SymKind::Index &&
        isa<AffineConstantExpr>(other->idx[0]))
      v = cast<AffineConstantExpr>(other->idx[0]).getValue();
    if (!isLeaf(c->ops[i]) || !v)
      continue;
    mp.leaf = stripCasts(c->ops[i]);
    mp.value = *v;
    mp.leafFirst = i == 0;
    if (c->kind == SymKind::CmpF)
      mp.fpred = c->fpred;
    else
      mp.ipred = c->pred;
    return mp;
  }
  return std::nullopt;
}

/// What the matcher found, enough to build the op.
struct Match {
  Value query, key, value, mask;
  SmallVector<int64_t> qPerm, kPerm, vPerm, oPerm;
  // Non-empty: the operand is a higher-rank tensor that the chain reads
  // through a static collapse_shape it computed on (e.g. Q scaled before
  // being collapsed to [B·H, S, D]); the op reads it re-collapsed.
  SmallVector<ReassociationIndices> qRe, kRe, vRe;
  double scale = 1.0;
  std::optional<CausalAlignment> causal;
  int64_t group = 1;
  SmallVector<Value> leaves;
  // Set when the anchor's output dims were split (see OutputSplit): the op
  // is built in the expanded shape.
  std::optional<OutputSplit> split;
  // The additive mask the scores see is a·mask + b (a scaled mask, Keras'
  // (1 - mask) * -1e9): materialised in the mask's own shape when it is not
  // the identity. `b` keeps the values the unfused program adds (a large
  // offset on every key would cost the scores their precision).
  std::pair<double, double> maskAffine = {1.0, 0.0};
  std::optional<MaskPredicate> maskPredicate;

  // Score modifications. score_mod computes `s + sum coef * term` when the
  // plain score is a term of the softmax input (`plainScore`), else `sum
  // coef * term`, with the score `qk` (qkProd * Q·Kᵀ) read as s * qkProd /
  // scale; mask_mod is the conjunction of `maskConds` (condition, kept
  // when). `indexDims`: the global dim of each region index argument
  // (batch..., head, query, key), -1 for a unit head the op adds.
  std::shared_ptr<Evaluator> evaluator;
  Sym *qk = nullptr;
  double qkProd = 1.0;
  bool plainScore = true;
  SmallVector<std::pair<Sym *, double>> scoreTerms;
  SmallVector<std::pair<Sym *, bool>> maskConds;
  SmallVector<int64_t> indexDims;
  // Sinks: a tensor read at the head only, collapsed to [Hq] when it has
  // unit dims.
  Value sinks;

  bool hasMods() const {
    return !scoreTerms.empty() || !maskConds.empty() || sinks;
  }
};

class AttentionMatcher {
public:
  AttentionMatcher(linalg::LinalgOp anchor, unsigned seqChoice = 0,
                   std::optional<OutputSplit> split = std::nullopt)
      : anchor(anchor), seqChoice(seqChoice), split(std::move(split)) {}

  /// run(), retrying the other candidates for the query (or value) axis when
  /// several output dims are read by P only (MQA: the head and the query
  /// axis look alike until a mask or causal condition tells them apart),
  /// then all of them again with the anchor's output split as the reshapes
  /// around it suggest. On failure, the attempt that got furthest explains.
  static AttentionMatcher matchAny(linalg::LinalgOp anchor) {
    // The split first: the op then reads the 4-D tensors in place instead
    // of collapsed copies.
    std::optional<OutputSplit> split = splitFromReshapes(anchor);
    AttentionMatcher best(anchor, 0, split);
    if (succeeded(best.run()) && !best.match.hasMods())
      return best;
    // A reading that needs score modifications may be a wrong choice of
    // axes (MQA's head read as the query axis, the causal condition then a
    // mask_mod of other dims): one without is preferred.
    std::optional<AttentionMatcher> withMods;
    if (best.succeededMatch)
      withMods = best;
    unsigned choices = best.numSeqChoices;
    for (bool withSplit : {true, false}) {
      if (withSplit && !split)
        continue;
      for (unsigned c = 0; c < choices; ++c) {
        if (withSplit == bool(split) && c == 0)
          continue; // tried above
        AttentionMatcher other(anchor, c, withSplit ? split : std::nullopt);
        if (succeeded(other.run()) && !other.match.hasMods())
          return other;
        choices = std::max(choices, other.numSeqChoices);
        if (other.succeededMatch && !withMods)
          withMods = other;
        if (!other.succeededMatch && other.progress > best.progress)
          best = std::move(other);
      }
    }
    if (withMods)
      return *withMods;
    LLVM_DEBUG(llvm::dbgs() << "attn-fuse: no match at " << anchor->getName()
                            << ": " << best.reason << "\n");
    return best;
  }
  bool succeededMatch = false;
  unsigned numSeqChoices = 1;
  /// How far run() got before it rejected (milestones passed): the reason
  /// of the attempt that went furthest names the first real obstacle.
  int progress = -1;

  /// Succeeds with `match` filled; on failure, `isNearMiss` says whether the
  /// anchor looked like attention and `reason` why it was rejected.
  LogicalResult run();

  Match match;
  std::string reason;
  bool isNearMiss = false;

private:
  LogicalResult reject(const Twine &why) {
    reason = why.str();
    // Looking for Q·Kᵀ in a parsed softmax, a value the evaluator could not
    // read (a clamp of the scores) is the obstacle, not the leaf it left.
    if (ev && !ev->opaque.empty() && stage == 2)
      reason = ev->opaque;
    progress = stage;
    LLVM_DEBUG(llvm::dbgs() << "attn-fuse: reject (stage " << stage
                            << "): " << reason << "\n");
    return failure();
  }
  /// The anchor's result read at its output dims, or with `split`, each
  /// output dim as the linearisation of its expanded dims.
  SmallVector<AffineExpr> anchorIndex(Evaluator &ev);
  /// The global dim of anchor output position `pos`; with a split, the one
  /// expanded dim it is made of (none when the split divides it).
  std::optional<unsigned> globalDimOf(unsigned pos) const;
  /// Why the anchor's value is not a single sum over one reduction dim of a
  /// product (e.g. it accumulates into a non-zero `outs`).
  LogicalResult rejectNotContraction(Sym *o);
  /// P = softmax over the key axis of some x (linalg.softmax, a normalised
  /// exponential, exp(x - logsumexp), possibly with rows of -inf zeroed):
  /// fills `lin` with x in natural-log units and strips `p` to the softmax.
  LogicalResult parseSoftmax(Sym *&p, Linear &lin);
  /// P = exp(x - log Σ_k exp(y_k)) with y the same scores as x: fills `lin`
  /// with x.
  LogicalResult matchLogSoftmax(Sym *p, Linear &lin);
  /// P = cond ? 0 : softmax (or the inverted select): the rows zeroed.
  struct RowZeroing {
    Sym *cond = nullptr;
    bool zeroWhen = true;
  };
  Sym *stripRowZeroing(Sym *p, RowZeroing &zeroing) const;
  /// Whether the rows zeroed are exactly those whose scores (the softmax
  /// input `lin`) are all -inf: what attn.attention does for fully masked
  /// rows.
  LogicalResult checkRowZeroing(RowZeroing zeroing, const Linear &lin);
  /// Why the softmax sum `den` does not normalise `num` over the key axis.
  std::string sumAxisReason(Sym *num, Sym *den) const;
  /// Picks the first tensor along a leaf's look-through chain whose index is
  /// a permutation of `dims` (with `headDim` allowed as `h floordiv G` or a
  /// unit 0), and returns its stored->logical permutation.
  Sym *pickLayout(Sym *leaf, ArrayRef<unsigned> dims, int64_t headPos,
                  SmallVectorImpl<int64_t> &perm, int64_t &group,
                  SmallVectorImpl<ReassociationIndices> &re);
  int64_t unitSlot(Sym *l, int64_t i, ArrayRef<unsigned> dims,
                   ArrayRef<bool> seen) const;
  bool fitsCollapsed(Sym *l, ArrayRef<unsigned> dims,
                     SmallVectorImpl<int64_t> &perm,
                     SmallVectorImpl<ReassociationIndices> &re);
  Evaluator *ev = nullptr;
  LogicalResult matchCausal(Sym *cond, bool keepWhen);
  /// matchCausal without a rejection: a condition that is not causal may
  /// still be a mask_mod.
  LogicalResult tryCausal(Sym *cond, bool keepWhen);
  /// Whether `s` may be part of a score_mod (`inMask` false: the score may
  /// appear, scaled by constants or under tanh) or a mask_mod: positions,
  /// captured tensors read at (batch..., head, query, key) positions or
  /// gathered, and the arithmetic of the families (docs/fuse.md).
  bool isModExpr(Sym *s, bool inMask, std::string &why) const;
  bool isCapturedRead(Sym *leaf, std::string &why) const;
  LogicalResult checkScoreTerms();
  /// The exponential of a sink term of the softmax denominator, if any
  /// (set by parseSoftmax), and its match to the numerator's row shift.
  Sym *sinkExp = nullptr;
  Linear softmaxInput;
  LogicalResult matchSinks();
  LogicalResult checkUsers();

  /// The number of global dims: the anchor's output rank, or the expanded
  /// rank with a split.
  int64_t globalRank();
  /// The logical position of the head among an operand's dims (the last
  /// batch dim), -1 without batch dims.
  int64_t headPos() const;
  /// An operand's logical dims: the batch dims, then `a` and `b`.
  SmallVector<unsigned> dimsWith(unsigned a, unsigned b) const;

  // The steps of run(), in order; each rejects with the reason it found.
  /// The loops of the P·V contraction. Like linalg::inferContractionDims,
  /// but the operand maps may also hold `h floordiv G` or unit constants
  /// (grouped heads read in place); of several output dims read by one
  /// operand only, `seqChoice` keeps one, the others become batch dims.
  FailureOr<linalg::ContractionDimensions> inferPVDims();
  /// The factors of the anchor's product: P (the one holding the
  /// exponential) and V.
  struct PVFactors {
    Sym *probs;
    Sym *value;
  };
  /// Splits the anchor's sum `o` into P and V; sets kDim (the summed dim),
  /// mDim and eDim (the output dims P and V carry).
  FailureOr<PVFactors>
  matchPVFactors(Sym *o, const linalg::ContractionDimensions &dims);
  /// The softmax input x = qkCoef·qk + maskCoef·maskLeaf + score
  /// modifications (in match.scoreTerms) + per-row shifts.
  struct SoftmaxTerms {
    Sym *qk = nullptr;
    double qkCoef = 0.0;
    Sym *maskLeaf = nullptr;
    double maskCoef = 1.0;
  };
  /// Splits the input `lin` of the softmax `p` into its terms; rejects an
  /// exponent that does not subtract a row maximum.
  FailureOr<SoftmaxTerms> splitSoftmaxInput(Sym *p, const Linear &lin);
  /// The tensors the two contractions read.
  struct OperandLeaves {
    Sym *query;
    Sym *key;
    Sym *value;
  };
  /// The scale and the Q and K leaves of Q·Kᵀ, and the V leaf of `vf`; sets
  /// dDim.
  FailureOr<OperandLeaves> matchQKV(const SoftmaxTerms &st, Sym *vf);
  /// Batch dims: the output dims other than mDim and eDim, in output order;
  /// the head is the one K reads through a floordiv or a unit dim, else the
  /// last.
  void assignBatchDims(Sym *kLeaf);
  /// Picks the stored layouts of Q, K and V (match.query and the
  /// permutations); `kvGroup` is the head group of K and V.
  LogicalResult matchLayouts(const OperandLeaves &leaves, int64_t &kvGroup);
  /// Element types, the head group size and the sequence lengths sq, sk.
  LogicalResult matchShapes(int64_t kvGroup);
  /// matchQKV, then the batch dims, layouts and shapes of the operands.
  LogicalResult matchOperands(const SoftmaxTerms &st, Sym *vf);
  /// Whether leaf `l` reads a tensor that broadcasts right-aligned to the
  /// scores.
  bool maskFits(Sym *l) const;
  /// Sets match.mask to the first tensor along `l`'s look-through chain
  /// that fits the scores.
  LogicalResult pickMask(Sym *l);
  /// The additive mask `maskLeaf` and the select conditions of `lin`: a
  /// mask tensor, causal, or mask_mod conditions.
  LogicalResult matchMasks(Sym *maskLeaf, const Linear &lin);
  /// match.leaves: the tensors the fused op reads, captured ones included.
  void collectLeaves();

  linalg::LinalgOp anchor;
  unsigned seqChoice = 0;
  std::optional<OutputSplit> split;
  int stage = 0;
  unsigned mDim = 0, kDim = 0, eDim = 0, dDim = 0;
  SmallVector<unsigned> batchDims; // logical order; the head is last
  // Stored Q and K sequence lengths: constants, or symbols of tensor.dim.
  AffineExpr sq, sk;
  unsigned numDims = 0, numSymbols = 0;
};

/// Whether `l` reads a static tensor whose dims, grouped, are the
/// delinearisation of `dims` (as a collapse_shape of it would be read).
bool AttentionMatcher::fitsCollapsed(
    Sym *l, ArrayRef<unsigned> dims, SmallVectorImpl<int64_t> &perm,
    SmallVectorImpl<ReassociationIndices> &re) {
  auto ty = dyn_cast<RankedTensorType>(l->tensor.getType());
  int64_t rank = dims.size();
  if (!ty || !ty.hasStaticShape() || ty.getRank() <= rank || !ev)
    return false;
  MLIRContext *ctx = ty.getContext();
  perm.assign(rank, -1);
  re.clear();
  SmallVector<bool> seen(rank, false);
  for (int64_t i = 0, r = ty.getRank(); i < r;) {
    bool found = false;
    for (int64_t p = 0; p < rank && !found; ++p) {
      if (seen[p])
        continue;
      for (int64_t len = 1; i + len <= r && !found; ++len) {
        SmallVector<AffineExpr> parts(len);
        AffineExpr rest = getAffineDimExpr(dims[p], ctx);
        for (int64_t j = len - 1; j > 0; --j) {
          auto [q, rr] = ev->divMod(rest, ty.getDimSize(i + j));
          parts[j] = rr;
          rest = q;
        }
        parts[0] = rest;
        if (!llvm::equal(parts, ArrayRef(l->idx).slice(i, len)))
          continue;
        perm[re.size()] = p;
        seen[p] = true;
        re.push_back(llvm::to_vector(llvm::seq<int64_t>(i, i + len)));
        i += len;
        found = true;
      }
    }
    if (!found || static_cast<int64_t>(re.size()) > rank)
      return false;
  }
  return static_cast<int64_t>(re.size()) == rank;
}

/// For a leaf read at constant 0 in a size-1 dim `i`: the first expected dim
/// of trip count 1 that is neither placed yet nor read by name elsewhere in
/// the index (unit dims are interchangeable); -1 if none.
int64_t AttentionMatcher::unitSlot(Sym *l, int64_t i, ArrayRef<unsigned> dims,
                                   ArrayRef<bool> seen) const {
  auto c = dyn_cast<AffineConstantExpr>(l->idx[i]);
  auto ty = cast<RankedTensorType>(l->tensor.getType());
  if (!c || c.getValue() != 0 || ty.getDimSize(i) != 1 || !ev)
    return -1;
  DenseSet<unsigned> unit = ev->unitDims();
  for (auto [p, dim] : llvm::enumerate(dims)) {
    unsigned d = dim; // Captured below: not a structured binding (C++17).
    bool named = llvm::any_of(l->idx, [&](AffineExpr e) {
      return e == getAffineDimExpr(d, e.getContext());
    });
    if (!seen[p] && unit.contains(d) && !named)
      return p;
  }
  return -1;
}

Sym *AttentionMatcher::pickLayout(Sym *leaf, ArrayRef<unsigned> dims,
                                  int64_t headPos,
                                  SmallVectorImpl<int64_t> &perm,
                                  int64_t &group,
                                  SmallVectorImpl<ReassociationIndices> &re) {
  re.clear();
  for (Sym *l = leaf; l; l = l->outer) {
    auto ty = dyn_cast<RankedTensorType>(l->tensor.getType());
    if (!ty || ty.getRank() != static_cast<int64_t>(dims.size()))
      continue;
    perm.assign(dims.size(), -1);
    int64_t g = 1;
    bool ok = true;
    SmallVector<bool> seen(dims.size(), false);
    for (auto [i, e] : llvm::enumerate(l->idx)) {
      int64_t pos = -1;
      if (auto d = dyn_cast<AffineDimExpr>(e)) {
        auto it = llvm::find(dims, d.getPosition());
        if (it != dims.end())
          pos = it - dims.begin();
      } else if ((pos = unitSlot(l, i, dims, seen)) < 0 && headPos >= 0) {
        auto bin = dyn_cast<AffineBinaryOpExpr>(e);
        auto c = dyn_cast<AffineConstantExpr>(e);
        if (bin && bin.getKind() == AffineExprKind::FloorDiv &&
            bin.getLHS() == getAffineDimExpr(dims[headPos], e.getContext()) &&
            isa<AffineConstantExpr>(bin.getRHS())) {
          pos = headPos;
          g = cast<AffineConstantExpr>(bin.getRHS()).getValue();
        } else if (c && c.getValue() == 0 && ty.getDimSize(i) == 1) {
          pos = headPos;
          g = 0; // one shared head: G = Hq
        }
      }
      if (pos < 0 || seen[pos]) {
        ok = false;
        break;
      }
      seen[pos] = true;
      perm[i] = pos;
    }
    if (!ok)
      continue;
    group = g;
    return l;
  }
  for (Sym *l = leaf; l; l = l->outer)
    if (fitsCollapsed(l, dims, perm, re)) {
      group = 1;
      return l;
    }
  re.clear();
  return nullptr;
}

/// The causal form of "keep when `a`·(k - m) + `c` `pred` 0" (`a` is 1 or
/// -1): the offset `off` of the equivalent "keep when k - m <= off"; none
/// when the condition keeps keys above a bound instead (not causal).
std::optional<AffineExpr> causalOffset(arith::CmpIPredicate pred, int64_t a,
                                       AffineExpr c) {
  using P = arith::CmpIPredicate;
  bool le = pred == P::sle || pred == P::ule,
       lt = pred == P::slt || pred == P::ult;
  bool ge = pred == P::sge || pred == P::uge,
       gt = pred == P::sgt || pred == P::ugt;
  if (a == -1) {
    std::swap(le, ge);
    std::swap(lt, gt);
    c = -c;
  }
  // Now keep iff (k - m) + c `pred` 0, i.e. k - m `pred` -c.
  if (le)
    return -c;
  if (lt)
    return -c - 1;
  return std::nullopt;
}

LogicalResult AttentionMatcher::matchCausal(Sym *cond, bool keepWhen) {
  if (cond->kind != SymKind::Cmp || cond->ops[0]->kind != SymKind::Index ||
      cond->ops[1]->kind != SymKind::Index)
    return reject("a select condition is neither a boolean mask nor causal");
  AffineExpr diff = cond->ops[0]->idx[0] - cond->ops[1]->idx[0];
  MLIRContext *ctx = diff.getContext();
  // Sizes of dynamic dims (tensor.dim) appear as symbols: the offset may
  // be symbolic, the coefficients of k and m may not.
  auto simp = [&](AffineExpr e) {
    return simplifyAffineExpr(e, numDims, numSymbols);
  };
  auto cst = [](AffineExpr e) -> std::optional<int64_t> {
    if (auto c = dyn_cast<AffineConstantExpr>(e))
      return c.getValue();
    return std::nullopt;
  };
  auto at = [&](int64_t k, int64_t m) {
    return simp(
        diff.replace(getAffineDimExpr(kDim, ctx), getAffineConstantExpr(k, ctx))
            .replace(getAffineDimExpr(mDim, ctx),
                     getAffineConstantExpr(m, ctx)));
  };
  AffineExpr f00 = at(0, 0), f10 = at(1, 0), f01 = at(0, 1), f23 = at(2, 3);
  auto da = cst(simp(f10 - f00)), db = cst(simp(f01 - f00)),
       d23 = cst(simp(f23 - f00));
  if (!f00.isSymbolicOrConstant() || !da || !db || !d23)
    return reject("causal condition depends on other dimensions");
  int64_t a = *da, b = *db;
  if (*d23 != 2 * a + 3 * b || a != -b || (a != 1 && a != -1))
    return reject("mask condition is not causal");
  arith::CmpIPredicate pred = cond->pred;
  if (!keepWhen)
    pred = arith::invertPredicate(pred);
  std::optional<AffineExpr> off = causalOffset(pred, a, f00);
  if (!off)
    return reject("mask condition is not causal");
  if (cst(simp(*off)) == 0) {
    match.causal = CausalAlignment::TopLeft;
    return success();
  }
  if (cst(simp(*off - (sk - sq))) == 0) {
    match.causal = CausalAlignment::BottomRight;
    return success();
  }
  return reject("causal offset matches neither top-left nor bottom-right");
}

std::string oddTermReason(Sym *t);

LogicalResult AttentionMatcher::tryCausal(Sym *cond, bool keepWhen) {
  if (cond->kind != SymKind::Cmp || cond->ops[0]->kind != SymKind::Index ||
      cond->ops[1]->kind != SymKind::Index)
    return failure();
  std::string savedReason = reason;
  int savedProgress = progress;
  if (succeeded(matchCausal(cond, keepWhen)))
    return success();
  reason = savedReason;
  progress = savedProgress;
  return failure();
}

/// The first sum over one dim of a product inside `terms`: the score of a
/// softmax input in which it only appears under a modification.
Sym *findScore(ArrayRef<std::pair<Sym *, double>> terms) {
  SmallVector<Sym *> work;
  for (auto [t, c] : llvm::reverse(terms))
    work.push_back(t);
  while (!work.empty()) {
    Sym *s = work.pop_back_val();
    if (s->kind == SymKind::Reduce && !s->isMax && !s->isAnd &&
        s->dims.size() == 1 && stripCasts(s->ops[0])->kind == SymKind::Mul)
      return s;
    for (Sym *o : llvm::reverse(s->ops))
      work.push_back(o);
  }
  return nullptr;
}

/// The constant factor applied directly to the score `qk` at its first use
/// (Gemma's `scores * scaling` before the soft-cap), 1 if none: the fused
/// op's scale, so that score_mod starts from the scaled score.
double scoreFactor(ArrayRef<std::pair<Sym *, double>> terms, Sym *qk) {
  SmallVector<Sym *> work;
  for (auto [t, c] : llvm::reverse(terms))
    work.push_back(t);
  while (!work.empty()) {
    Sym *s = stripCasts(work.pop_back_val());
    if ((s->kind == SymKind::Mul || s->kind == SymKind::Div) &&
        s->ops.size() == 2) {
      for (int i = 0; i < 2; ++i) {
        std::optional<double> c = constValue(s->ops[1 - i]);
        if (stripCasts(s->ops[i]) != qk || !c || *c == 0.0)
          continue;
        if (s->kind == SymKind::Div && i == 1)
          break;
        return s->kind == SymKind::Mul ? *c : 1.0 / *c;
      }
    }
    for (Sym *o : llvm::reverse(s->ops))
      work.push_back(o);
  }
  return 1.0;
}

bool containsSym(Sym *s, Sym *x) {
  if (!x)
    return false;
  if (s == x || symEqual(s, x, DenseMap<unsigned, unsigned>()))
    return true;
  return llvm::any_of(s->ops, [&](Sym *o) { return containsSym(o, x); });
}

/// A term a bias is made of: a tensor read or gathered, or a position
/// turned into a float.
bool hasPositionalSource(Sym *s) {
  if (s->kind == SymKind::Leaf || s->kind == SymKind::Extract ||
      s->kind == SymKind::IntToFloat)
    return true;
  return llvm::any_of(s->ops, hasPositionalSource);
}

/// Whether `t` is computed from the result of `scoresOp` (an opaque value
/// hiding the scores must not become a captured table).
bool computedFrom(Value t, Operation *scoresOp) {
  if (!scoresOp)
    return false;
  SmallVector<Value> work{t};
  DenseSet<Operation *> seen;
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || !seen.insert(def).second || seen.size() > 256)
      continue;
    if (def == scoresOp)
      return true;
    llvm::append_range(work, def->getOperands());
  }
  return false;
}

bool AttentionMatcher::isCapturedRead(Sym *leaf, std::string &why) const {
  Operation *scoresOp = match.qk && match.qk->origin
                            ? match.qk->origin->tensor.getDefiningOp()
                            : nullptr;
  if (computedFrom(leaf->tensor, scoresOp)) {
    why = "a score modification reads a tensor computed from the scores";
    return false;
  }
  if (leaf->kind == SymKind::Extract)
    return true;
  for (AffineExpr e : leaf->idx)
    for (unsigned d = 0; d < numDims; ++d)
      if (e.isFunctionOfDim(d) && d != mDim && d != kDim &&
          !llvm::is_contained(batchDims, d)) {
        why = "a score modification reads a tensor at a position other "
              "than (batch..., head, query, key)";
        return false;
      }
  return true;
}

bool AttentionMatcher::isModExpr(Sym *s, bool inMask, std::string &why) const {
  switch (s->kind) {
  case SymKind::Reduce:
    if (!inMask && match.qk &&
        symEqual(s, match.qk, DenseMap<unsigned, unsigned>()))
      return true;
    why = inMask ? "a mask condition reads the scores or a reduction"
                 : "a score modification reads another score or a "
                   "reduction";
    return false;
  case SymKind::Softmax:
  case SymKind::Exp:
  case SymKind::Exp2:
  case SymKind::Log:
  case SymKind::Max:
    return false;
  case SymKind::Leaf:
    return isCapturedRead(s, why);
  case SymKind::Index: {
    AffineExpr e = s->idx[0];
    for (unsigned d = 0; d < numDims; ++d)
      if (e.isFunctionOfDim(d) && d != mDim && d != kDim &&
          !llvm::is_contained(batchDims, d))
        return false;
    return true;
  }
  case SymKind::Extract:
    if (!isCapturedRead(s, why))
      return false;
    break;
  case SymKind::Mul:
  case SymKind::Div:
    // The scores may be scaled by constants only (a per-element or
    // per-head factor is not a score modification of the families).
    for (int i = 0; i < 2; ++i)
      if (containsSym(s->ops[i], match.qk) &&
          (!constValue(s->ops[1 - i]) || (s->kind == SymKind::Div && i == 1))) {
        why = "the scores are multiplied by a tensor, not by a constant "
              "scale";
        return false;
      }
    break;
  default:
    break;
  }
  return llvm::all_of(s->ops,
                      [&](Sym *o) { return isModExpr(o, inMask, why); });
}

LogicalResult AttentionMatcher::checkScoreTerms() {
  for (auto [t, c] : match.scoreTerms) {
    std::string why;
    if (!isModExpr(t, /*inMask=*/false, why))
      return reject(why.empty() ? oddTermReason(stripCasts(t)) : why);
    // A bias (no score in it) comes from positions or tables: ALiBi, T5.
    if (!containsSym(t, match.qk) && !hasPositionalSource(t))
      return reject(oddTermReason(stripCasts(t)));
  }
  match.indexDims.clear();
  if (batchDims.empty())
    match.indexDims.push_back(-1); // the unit head the op adds
  llvm::append_range(match.indexDims, batchDims);
  match.indexDims.append({mDim, kDim});
  return success();
}

/// The tensors `s` reads (leaves and gather tables).
void collectCaptured(Sym *s, SmallVectorImpl<Value> &tensors) {
  if (s->kind == SymKind::Leaf || s->kind == SymKind::Extract)
    tensors.push_back(s->tensor);
  for (Sym *o : s->ops)
    collectCaptured(o, tensors);
}

/// `l` reads its tensor at the head dim `head` only (other dims 0 of size 1).
bool readsHeadOnly(Sym *l, unsigned head) {
  auto ty = dyn_cast<RankedTensorType>(l->tensor.getType());
  if (!ty || !ty.getElementType().isF32())
    return false;
  int named = 0;
  for (auto [i, e] : llvm::enumerate(l->idx)) {
    auto c = dyn_cast<AffineConstantExpr>(e);
    if (c && c.getValue() == 0 && ty.getDimSize(i) == 1)
      continue;
    if (e != getAffineDimExpr(head, e.getContext()))
      return false;
    ++named;
  }
  return named == 1;
}

/// Whether `leaf` is `t` or a tensor `t` is read through.
bool readsThrough(Sym *t, Sym *leaf) {
  for (Sym *x = stripCasts(t); x; x = x->outer)
    if (x == leaf)
      return true;
  return false;
}

LogicalResult AttentionMatcher::matchSinks() {
  if (!sinkExp)
    return success();
  if (batchDims.empty())
    return reject("sinks need a head dimension");
  unsigned head = batchDims.back();
  Linear sink;
  linearize(sinkExp->ops[0], 1.0, sink);
  // exp(sink[h] - m): one logit read at the head, with coefficient 1.
  Sym *leaf = nullptr;
  for (auto [t, c] : sink.terms)
    for (Sym *x = stripCasts(t); !leaf && x && x->kind == SymKind::Leaf;
         x = x->outer)
      if (std::abs(c - 1.0) < 1e-12 && readsHeadOnly(x, head))
        leaf = x;
  if (!leaf)
    return reject("the extra term of the softmax denominator is not "
                  "exp(sink[h] - max), an f32 logit per head");
  // The rest of its exponent is the numerator's row shift (the max).
  Linear rest, shift;
  rest.c0 = sink.c0;
  for (auto [t, c] : sink.terms)
    if (std::abs(c - 1.0) >= 1e-12 || !readsThrough(t, leaf))
      rest.terms.push_back({t, c});
  shift.c0 = softmaxInput.c0;
  for (auto [t, c] : softmaxInput.terms)
    if (!dependsOn(t, kDim))
      shift.terms.push_back({t, c});
  if (!sameLinear(shift, rest, DenseMap<unsigned, unsigned>(), ev->unitDims()))
    return reject("the sink term does not subtract the numerator's row "
                  "maximum");
  match.sinks = leaf->tensor;
  return success();
}

LogicalResult AttentionMatcher::checkUsers() {
  DenseSet<Value> stops(match.leaves.begin(), match.leaves.end());
  SetVector<Operation *> chain;
  SmallVector<Value> worklist(anchor->getOperands());
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (stops.contains(v))
      continue;
    // Everything the evaluator looked through is part of the chain; ops
    // that only create storage or shapes (tensor.empty, constants) are not.
    Operation *def = v.getDefiningOp();
    if (!def ||
        !isa<linalg::LinalgOp, linalg::SoftmaxOp, tensor::CollapseShapeOp,
             tensor::ExpandShapeOp, tensor::CastOp>(def))
      continue;
    if (isa<linalg::FillOp>(def) || !chain.insert(def))
      continue;
    llvm::append_range(worklist, def->getOperands());
  }
  for (Operation *op : chain)
    for (Operation *user : op->getUsers())
      if (user != anchor.getOperation() && !chain.contains(user))
        return reject("an intermediate result has another user");
  return success();
}

SmallVector<AffineExpr> AttentionMatcher::anchorIndex(Evaluator &ev) {
  MLIRContext *ctx = anchor->getContext();
  SmallVector<AffineExpr> idx;
  if (!split) {
    for (int64_t i = 0,
                 e = anchor.getIndexingMapsArray().back().getNumResults();
         i < e; ++i)
      idx.push_back(getAffineDimExpr(i, ctx));
    return idx;
  }
  for (const ReassociationIndices &group : split->re) {
    AffineExpr lin = getAffineConstantExpr(0, ctx);
    for (int64_t j : group) {
      ev.setExtent(j, split->shape[j]);
      lin = lin * split->shape[j] + getAffineDimExpr(j, ctx);
    }
    idx.push_back(lin);
  }
  return idx;
}

std::optional<unsigned> AttentionMatcher::globalDimOf(unsigned pos) const {
  if (!split)
    return pos;
  if (split->re[pos].size() != 1)
    return std::nullopt;
  return split->re[pos].front();
}

LogicalResult AttentionMatcher::rejectNotContraction(Sym *o) {
  Sym *acc = o->kind == SymKind::Add ? stripCasts(o->ops[1]) : nullptr;
  if (acc && acc->kind == SymKind::Reduce && !acc->isMax && !acc->isAnd &&
      containsExp(acc->ops[0])) {
    isNearMiss = true;
    return reject("P·V accumulates into a non-zero output tensor (outs is "
                  "not a fill with 0)");
  }
  return failure();
}

Sym *AttentionMatcher::stripRowZeroing(Sym *p, RowZeroing &zeroing) const {
  p = stripCasts(p);
  if (p->kind != SymKind::Select)
    return p;
  std::optional<double> a = constValue(p->ops[1]), b = constValue(p->ops[2]);
  if (a && *a == 0.0 && !b) {
    zeroing = {p->ops[0], true};
    return stripCasts(p->ops[2]);
  }
  if (b && *b == 0.0 && !a) {
    zeroing = {p->ops[0], false};
    return stripCasts(p->ops[1]);
  }
  return p;
}

LogicalResult AttentionMatcher::checkRowZeroing(RowZeroing zeroing,
                                                const Linear &lin) {
  Sym *c = normalizeCond(zeroing.cond, zeroing.zeroWhen);
  if (dependsOn(c, kDim))
    return reject("probabilities are masked after the softmax");
  // all_j(x_j == -inf): an and-reduction over one dim of an equality.
  Sym *eq = c->kind == SymKind::Reduce && c->isAnd && c->dims.size() == 1
                ? stripCasts(c->ops[0])
                : nullptr;
  Sym *x = nullptr;
  if (eq && eq->kind == SymKind::CmpF &&
      (eq->fpred == arith::CmpFPredicate::OEQ ||
       eq->fpred == arith::CmpFPredicate::UEQ))
    for (int i = 0; i < 2 && !x; ++i)
      if (std::optional<double> v = constValue(eq->ops[1 - i]);
          v && std::isinf(*v) && *v < 0.0)
        x = eq->ops[i];
  Linear scores;
  if (x)
    linearize(x, 1.0, scores);
  DenseMap<unsigned, unsigned> rename;
  if (x)
    rename[c->dims[0]] = kDim;
  if (!x || !zeroing.zeroWhen ||
      !sameLinear(lin, scores, rename, ev->unitDims(),
                  /*keyDependentOnly=*/true, kDim))
    return reject("probabilities are zeroed per row by a condition other "
                  "than 'every score is -inf'");
  LLVM_DEBUG(llvm::dbgs() << "attn-fuse: rows of -inf scores zeroed\n");
  return success();
}

std::string AttentionMatcher::sumAxisReason(Sym *num, Sym *den) const {
  DenseMap<unsigned, unsigned> rename;
  rename[den->dims[0]] = mDim;
  if (symEqual(num, den->ops[0], rename, ev->unitDims()))
    return "softmax normalises over the query axis, not the key axis";
  Sym *inner = stripCasts(den->ops[0]);
  if (inner->kind == SymKind::Reduce && !inner->isMax && !inner->isAnd)
    return "softmax normalises over several axes at once";
  return "softmax denominator does not sum the numerator over the key axis";
}

/// Why a key-dependent term of the softmax input is not part of
/// scale·Q·Kᵀ + mask: a product with a tensor (per-element scale), a
/// non-linear function of the scores, or something else.
std::string oddTermReason(Sym *t) {
  auto hasSum = [](Sym *s) {
    SmallVector<Sym *> work{s};
    while (!work.empty()) {
      Sym *x = work.pop_back_val();
      if (x->kind == SymKind::Reduce && !x->isMax && !x->isAnd)
        return true;
      llvm::append_range(work, x->ops);
    }
    return false;
  };
  if ((t->kind == SymKind::Mul || t->kind == SymKind::Div) && hasSum(t))
    return "the scores are multiplied by a tensor, not by a constant scale";
  if (hasSum(t) && t->kind != SymKind::Leaf && t->kind != SymKind::Reduce)
    return "the softmax input is a non-linear function of Q·Kᵀ";
  return "scores have a term that is neither Q·Kᵀ, a constant scale nor an "
         "additive mask";
}

LogicalResult AttentionMatcher::matchLogSoftmax(Sym *p, Linear &lin) {
  // exp(s - logsumexp(s)), exp(log_softmax(s)) and buddy-mlir's
  // exp(s - (max + log Σ exp(s - max))) all have one -log(sum of exp)
  // term; with the sum over the key axis of the same exponent it is
  // exactly softmax_key(x).
  Linear full;
  linearize(p->ops[0], 1.0, full);
  Sym *sum = nullptr;
  lin.c0 = full.c0;
  lin.keeps = full.keeps;
  for (auto [t, c] : full.terms) {
    Sym *l = stripCasts(t);
    if (l->kind != SymKind::Log || std::abs(c + 1.0) > 1e-12) {
      lin.terms.push_back({t, c});
      continue;
    }
    if (sum)
      return reject("the exponent subtracts more than one logarithm");
    sum = stripCasts(l->ops[0]);
  }
  if (!sum)
    return reject("P = exp(x) is normalised neither by a sum nor by a "
                  "log-sum-exp");
  Sym *e = sum->kind == SymKind::Reduce && !sum->isMax && !sum->isAnd &&
                   sum->dims.size() == 1
               ? stripCasts(sum->ops[0])
               : nullptr;
  if (!e || e->kind != SymKind::Exp)
    return reject("the subtracted logarithm is not of a sum of exponentials");
  Linear inner;
  linearize(e->ops[0], 1.0, inner);
  DenseMap<unsigned, unsigned> rename;
  rename[sum->dims[0]] = kDim;
  if (!sameLinear(lin, inner, rename, ev->unitDims()))
    return reject("the log-sum-exp is not over the key axis of the same "
                  "exponent");
  LLVM_DEBUG(llvm::dbgs() << "attn-fuse: softmax as exp(x - logsumexp)\n");
  return success();
}

LogicalResult AttentionMatcher::parseSoftmax(Sym *&p, Linear &lin) {
  RowZeroing zeroing;
  p = stripRowZeroing(p, zeroing);
  double expScale = 1.0;
  if (p->kind == SymKind::Softmax) {
    if (p->dims[0] != kDim)
      return reject(Twine("softmax reduces dim ") + Twine(p->softmaxDim) +
                    ", not the key axis");
    linearize(p->ops[0], 1.0, lin);
  } else if (p->kind == SymKind::Exp) {
    if (failed(matchLogSoftmax(p, lin)))
      return failure();
  } else {
    Sym *num = nullptr, *den = nullptr;
    if (p->kind == SymKind::Div) {
      num = p->ops[0];
      den = p->ops[1];
    } else if (p->kind == SymKind::Mul) {
      for (int i = 0; i < 2 && !den; ++i) {
        Sym *r = stripCasts(p->ops[1 - i]);
        auto one =
            r->kind == SymKind::Div ? constValue(r->ops[0]) : std::nullopt;
        if (one && *one == 1.0) {
          num = p->ops[i];
          den = r->ops[1];
        }
      }
    }
    if (!num || !den)
      return reject("P is not a normalised exponential");
    num = stripCasts(num);
    den = stripCasts(den);
    if (num->kind != SymKind::Exp && num->kind != SymKind::Exp2)
      return reject("softmax numerator is not an exponential");
    // gpt-oss: sum_k exp(x_k - m) + exp(sink[h] - m).
    if (den->kind == SymKind::Add && num->kind == SymKind::Exp)
      for (int i = 0; i < 2 && !sinkExp; ++i)
        if (Sym *e = stripCasts(den->ops[i]);
            e->kind == SymKind::Exp &&
            stripCasts(den->ops[1 - i])->kind == SymKind::Reduce) {
          sinkExp = e;
          den = stripCasts(den->ops[1 - i]);
        }
    if (den->kind != SymKind::Reduce || den->isMax || den->dims.size() != 1)
      return reject("softmax denominator is not a sum");
    DenseMap<unsigned, unsigned> rename;
    rename[den->dims[0]] = kDim;
    if (!symEqual(num, den->ops[0], rename, ev->unitDims()))
      return reject(sumAxisReason(num, den));
    if (num->kind == SymKind::Exp2)
      expScale = std::log(2.0);
    linearize(num->ops[0], expScale, lin);
  }
  if (zeroing.cond && failed(checkRowZeroing(zeroing, lin)))
    return failure();
  softmaxInput = lin;
  return success();
}

/// The type `t` is read as: collapsed by `re` when that is non-empty.
RankedTensorType readType(Value t, ArrayRef<ReassociationIndices> re) {
  auto ty = cast<RankedTensorType>(t.getType());
  return re.empty() ? ty : tensor::CollapseShapeOp::inferCollapsedType(ty, re);
}

/// The stored position of logical dim `logical` under the stored->logical
/// permutation `perm`.
int64_t storedPos(ArrayRef<int64_t> perm, int64_t logical) {
  return static_cast<int64_t>(llvm::find(perm, logical) - perm.begin());
}

/// Whether a term of the softmax input that is constant along the key axis,
/// with coefficient `c`, subtracts a row maximum.
bool subtractsRowMax(Sym *term, double c) {
  Sym *t = stripCasts(term);
  return c < 0.0 &&
         ((t->kind == SymKind::Reduce && t->isMax) || t->kind == SymKind::Max);
}

int64_t AttentionMatcher::globalRank() {
  return split ? split->shape.size()
               : anchor.getIndexingMapsArray().back().getNumResults();
}

int64_t AttentionMatcher::headPos() const {
  return static_cast<int64_t>(batchDims.size()) - 1;
}

SmallVector<unsigned> AttentionMatcher::dimsWith(unsigned a, unsigned b) const {
  SmallVector<unsigned> d(batchDims);
  d.push_back(a);
  d.push_back(b);
  return d;
}

FailureOr<linalg::ContractionDimensions> AttentionMatcher::inferPVDims() {
  if (anchor.getNumDpsInputs() != 2 || anchor.getNumDpsInits() != 1 ||
      !anchor.hasPureTensorSemantics())
    return failure();
  MLIRContext *ctx = anchor->getContext();
  SmallVector<AffineMap> maps = anchor.getIndexingMapsArray();
  AffineMap outMap = maps.back();
  if (!outMap.isProjectedPermutation() || anchor.getNumReductionLoops() != 1)
    return failure();
  linalg::ContractionDimensions dims;
  for (unsigned i = 0, e = anchor.getNumLoops(); i < e; ++i) {
    if (!outMap.isFunctionOfDim(i))
      continue;
    bool in0 = maps[0].isFunctionOfDim(i), in1 = maps[1].isFunctionOfDim(i);
    if (in0 && in1)
      dims.batch.push_back(i);
    else if (in0)
      dims.m.push_back(i);
    else if (in1)
      dims.n.push_back(i);
  }
  // A head dim that K and V broadcast (MQA) is read by P only: keep the
  // innermost such dim as the sequence dim, the others are batch dims.
  auto outPosOf = [&](unsigned loop) {
    return *outMap.getResultPosition(getAffineDimExpr(loop, ctx));
  };
  for (SmallVector<unsigned, 2> *side : {&dims.m, &dims.n}) {
    if (side->size() < 2)
      continue;
    llvm::sort(*side, [&](unsigned a, unsigned b) {
      return outPosOf(a) < outPosOf(b);
    });
    // Default: the innermost; retries pick the others.
    numSeqChoices = std::max<unsigned>(numSeqChoices, side->size());
    unsigned keep = side->size() - 1 - seqChoice % side->size();
    unsigned seq = (*side)[keep];
    for (unsigned d : *side)
      if (d != seq)
        dims.batch.push_back(d);
    side->assign({seq});
  }
  if (dims.m.size() != 1 || dims.n.size() != 1) {
    isNearMiss = readsExponential(anchor);
    return reject("the contraction is not P·V: an operand misses an output "
                  "dimension");
  }
  return dims;
}

FailureOr<AttentionMatcher::PVFactors>
AttentionMatcher::matchPVFactors(Sym *o,
                                 const linalg::ContractionDimensions &dims) {
  kDim = o->dims[0];
  Sym *prod = stripCasts(o->ops[0]);
  if (prod->kind != SymKind::Mul)
    return failure();
  SmallVector<Sym *> factors(prod->ops.begin(), prod->ops.end());
  Sym *p = factors[0], *vf = factors[1];
  if (!containsExp(p))
    std::swap(p, vf);
  if (!containsExp(p))
    return failure();
  isNearMiss = true;
  AffineMap outMap = anchor.getIndexingMapsArray().back();
  auto outPos = [&](unsigned loop) {
    return globalDimOf(*outMap.getResultPosition(
        getAffineDimExpr(loop, anchor->getContext())));
  };
  // The output dim P carries (m) and the one V carries (e). The body may
  // multiply V·P, so decide by what P's expression depends on, not by the
  // order of the factors.
  if (!outPos(dims.m[0]) || !outPos(dims.n[0]))
    return reject("the query or value dim of P·V is itself a collapse");
  unsigned a = *outPos(dims.m[0]), b = *outPos(dims.n[0]);
  bool pa = dependsOn(p, a), pb = dependsOn(p, b);
  bool va = dependsOn(vf, a), vb = dependsOn(vf, b);
  if (pa && !pb && vb && !va) {
    mDim = a;
    eDim = b;
  } else if (pb && !pa && va && !vb) {
    mDim = b;
    eDim = a;
  } else {
    return reject("cannot tell the query and value dims of the P·V "
                  "contraction apart");
  }
  return PVFactors{p, vf};
}

FailureOr<AttentionMatcher::SoftmaxTerms>
AttentionMatcher::splitSoftmaxInput(Sym *p, const Linear &lin) {
  SoftmaxTerms st;
  bool subtractsMax = p->kind == SymKind::Softmax;
  for (auto [term, c] : lin.terms) {
    if (!dependsOn(term, kDim)) {
      // A per-row shift: softmax is invariant to it. The unfused program
      // must subtract a row maximum, though: without it exp overflows where
      // attn.attention does not, so the results would differ.
      if (subtractsRowMax(term, c))
        subtractsMax = true;
      continue;
    }
    Sym *t = stripCasts(term);
    if (t->kind == SymKind::Reduce && !t->isMax && !st.qk &&
        t->dims.size() == 1) {
      st.qk = t;
      st.qkCoef = c;
      continue;
    }
    if (t->kind == SymKind::Reduce && t->isMax)
      return reject("softmax max-reduction is not over the key axis");
    if (t->kind == SymKind::Leaf && !st.maskLeaf) {
      st.maskLeaf = t;
      st.maskCoef = c;
      continue;
    }
    // A score modification, checked once the dims are known.
    match.scoreTerms.push_back({term, c});
  }
  if (!st.qk && (st.qk = findScore(match.scoreTerms))) {
    match.plainScore = false;
    st.qkCoef = scoreFactor(match.scoreTerms, st.qk);
  }
  if (!st.qk)
    return reject("no Q·Kᵀ contraction feeds the softmax (or it is read "
                  "through a view with dynamic inner sizes)");
  if (st.maskLeaf)
    match.maskAffine = {st.maskCoef, lin.c0};
  if (!subtractsMax)
    return reject("the exponent does not subtract the row maximum (exp may "
                  "overflow where the fused op would not)");
  return st;
}

FailureOr<AttentionMatcher::OperandLeaves>
AttentionMatcher::matchQKV(const SoftmaxTerms &st, Sym *vf) {
  Sym *qk = st.qk;
  dDim = qk->dims[0];
  double qkProd = 1.0;
  SmallVector<Sym *> qkFactors;
  flattenProduct(qk->ops[0], qkProd, qkFactors);
  if (qkFactors.size() != 2)
    return reject("scale is not a constant uniform factor");
  match.scale = st.qkCoef * qkProd;
  if (!match.plainScore)
    match.scale = std::abs(match.scale);
  if (!(match.scale > 0.0) || !std::isfinite(match.scale))
    return reject("scale is not positive");
  match.qk = qk;
  match.qkProd = qkProd;
  Sym *qLeaf = leafOf(qkFactors[0]), *kLeaf = leafOf(qkFactors[1]);
  if (!qLeaf || !kLeaf)
    return reject("Q or K is not a tensor");
  if (!dependsOn(qLeaf, mDim))
    std::swap(qLeaf, kLeaf);
  if (!dependsOn(qLeaf, mDim) || dependsOn(qLeaf, kDim) ||
      !dependsOn(kLeaf, kDim) || dependsOn(kLeaf, mDim))
    return reject("the first contraction is not over the head dimension of "
                  "Q and K");
  Sym *vLeaf = leafOf(vf);
  if (!vLeaf)
    return reject("V is not a tensor");
  return OperandLeaves{qLeaf, kLeaf, vLeaf};
}

void AttentionMatcher::assignBatchDims(Sym *kLeaf) {
  SmallVector<unsigned> others;
  for (int64_t i = 0, rank = globalRank(); i < rank; ++i)
    if (i != mDim && i != eDim)
      others.push_back(i);
  // No batch dim at all: single-head 2-D attention, raised with a unit head.
  batchDims.clear();
  if (others.empty())
    return;
  unsigned head = others.back();
  for (Sym *l = kLeaf; l; l = l->outer)
    for (AffineExpr e : l->idx)
      for (unsigned b : others)
        if (isGroupedHeadRead(e, b))
          head = b;
  for (unsigned b : others)
    if (b != head)
      batchDims.push_back(b);
  batchDims.push_back(head);
}

LogicalResult AttentionMatcher::matchLayouts(const OperandLeaves &leaves,
                                             int64_t &kvGroup) {
  int64_t nb = headPos();
  int64_t gk = 1, gv = 1, gq = 1;
  Sym *q = pickLayout(leaves.query, dimsWith(mDim, dDim), -1, match.qPerm, gq,
                      match.qRe);
  Sym *k = pickLayout(leaves.key, dimsWith(kDim, dDim), nb, match.kPerm, gk,
                      match.kRe);
  Sym *v = pickLayout(leaves.value, dimsWith(kDim, eDim), nb, match.vPerm, gv,
                      match.vRe);
  if (!q || !k || !v)
    return reject("Q, K or V is not a transpose or head broadcast of a "
                  "tensor");
  if (gk != gv)
    return reject("K and V are shared by different head groups");
  match.query = q->tensor;
  match.key = k->tensor;
  match.value = v->tensor;
  kvGroup = gk;
  return success();
}

LogicalResult AttentionMatcher::matchShapes(int64_t kvGroup) {
  Type elem = getElementTypeOrSelf(match.query.getType());
  if (getElementTypeOrSelf(match.key.getType()) != elem ||
      getElementTypeOrSelf(match.value.getType()) != elem ||
      !isa<Float16Type, BFloat16Type, Float32Type>(elem))
    return reject("Q, K and V element types differ or are unsupported");
  int64_t nb = headPos();
  RankedTensorType qTy = readType(match.query, match.qRe);
  RankedTensorType kTy = readType(match.key, match.kRe);
  if (kvGroup != 1) {
    int64_t hq = qTy.getDimSize(storedPos(match.qPerm, nb));
    int64_t hkv = kTy.getDimSize(storedPos(match.kPerm, nb));
    if (ShapedType::isDynamic(hq) || ShapedType::isDynamic(hkv))
      return reject("grouped heads need static head counts");
    int64_t g = kvGroup == 0 ? hq : kvGroup;
    if (hkv * g != hq)
      return reject("K/V heads times the group size differ from Q heads");
    match.group = g;
  }
  MLIRContext *ctx = anchor->getContext();
  int64_t qSeq = storedPos(match.qPerm, nb + 1);
  int64_t kSeq = storedPos(match.kPerm, nb + 1);
  sq = match.qRe.empty() ? ev->sizeExpr(match.query, qSeq)
                         : getAffineConstantExpr(qTy.getDimSize(qSeq), ctx);
  sk = match.kRe.empty() ? ev->sizeExpr(match.key, kSeq)
                         : getAffineConstantExpr(kTy.getDimSize(kSeq), ctx);
  return success();
}

LogicalResult AttentionMatcher::matchOperands(const SoftmaxTerms &st, Sym *vf) {
  FailureOr<OperandLeaves> leaves = matchQKV(st, vf);
  if (failed(leaves))
    return failure();
  assignBatchDims(leaves->key);
  int64_t kvGroup = 1;
  if (failed(matchLayouts(*leaves, kvGroup)))
    return failure();
  ++stage;
  return matchShapes(kvGroup);
}

bool AttentionMatcher::maskFits(Sym *l) const {
  SmallVector<unsigned> scoreDims = dimsWith(mDim, kDim);
  auto ty = cast<RankedTensorType>(l->tensor.getType());
  int64_t off = scoreDims.size() - ty.getRank();
  if (off < 0)
    return false;
  for (auto [i, e] : llvm::enumerate(l->idx)) {
    auto c = dyn_cast<AffineConstantExpr>(e);
    if (c && c.getValue() == 0 && ty.getDimSize(i) == 1)
      continue;
    if (e != getAffineDimExpr(scoreDims[off + i], anchor->getContext()))
      return false;
  }
  return true;
}

LogicalResult AttentionMatcher::pickMask(Sym *l) {
  if (match.mask)
    return reject("more than one mask");
  for (; l; l = l->outer)
    if (maskFits(l)) {
      match.mask = l->tensor;
      return success();
    }
  return reject("the mask does not broadcast to the scores");
}

LogicalResult AttentionMatcher::matchMasks(Sym *maskLeaf, const Linear &lin) {
  if (maskLeaf) {
    if (!isa<FloatType>(getElementTypeOrSelf(maskLeaf->tensor.getType())))
      return reject("mask is not additive");
    if (failed(pickMask(maskLeaf)))
      return failure();
  }
  for (auto [cond, keepWhen] : lin.keeps) {
    if (!dependsOn(cond, kDim))
      return reject("a select mask does not depend on the key");
    Sym *c = stripCasts(cond);
    std::optional<MaskPredicate> mp = leafPredicate(c, keepWhen);
    if (mp && !match.mask) {
      match.maskPredicate = mp;
      if (failed(pickMask(mp->leaf)))
        return failure();
      continue;
    }
    if (!match.causal && succeeded(tryCausal(c, keepWhen)))
      continue;
    // Any other keep condition of positions and captured tensors: mask_mod.
    std::string why;
    if (!isModExpr(c, /*inMask=*/true, why))
      return reject(why.empty() ? "a select condition is neither a mask of "
                                  "positions and tensors nor causal"
                                : why);
    match.maskConds.push_back({c, keepWhen});
  }
  return success();
}

void AttentionMatcher::collectLeaves() {
  match.leaves = {match.query, match.key, match.value};
  if (match.mask)
    match.leaves.push_back(match.mask);
  if (match.sinks)
    match.leaves.push_back(match.sinks);
  // Tensors the regions read stay as they are, whoever else uses them.
  for (auto [t, c] : match.scoreTerms)
    collectCaptured(t, match.leaves);
  for (auto [cond, keepWhen] : match.maskConds)
    collectCaptured(cond, match.leaves);
}

LogicalResult AttentionMatcher::run() {
  FailureOr<linalg::ContractionDimensions> dims = inferPVDims();
  if (failed(dims))
    return failure();

  // The match keeps the evaluator: the score modifications it found are
  // expressions in it, emitted into the fused op's regions.
  match.evaluator =
      std::make_shared<Evaluator>(anchor->getContext(), globalRank());
  Evaluator &ev = *match.evaluator;
  this->ev = &ev;
  llvm::scope_exit clearEv([&] { this->ev = nullptr; });
  ev.root = anchor->getResult(0);
  Sym *o = ev.eval(ev.root, anchorIndex(ev));
  if (!o) {
    isNearMiss = readsExponential(anchor);
    return reject(ev.reason);
  }
  ++stage;
  if (o->kind != SymKind::Reduce || o->isMax || o->dims.size() != 1)
    return rejectNotContraction(o);
  FailureOr<PVFactors> pv = matchPVFactors(o, *dims);
  if (failed(pv))
    return failure();

  // P = softmax over the key axis (kDim) of some x.
  Sym *p = pv->probs;
  Linear lin;
  if (failed(parseSoftmax(p, lin)))
    return failure();
  ++stage;
  // x = scale·QKᵀ + mask + (terms constant along the key axis).
  FailureOr<SoftmaxTerms> st = splitSoftmaxInput(p, lin);
  if (failed(st))
    return failure();
  ++stage;
  if (failed(matchOperands(*st, pv->value)))
    return failure();
  numDims = ev.getNumDims();
  numSymbols = ev.getNumSymbols();
  if (failed(checkScoreTerms()))
    return failure();

  // Output: the anchor's layout.
  SmallVector<unsigned> oDims = dimsWith(mDim, eDim);
  for (int64_t i = 0, rank = globalRank(); i < rank; ++i)
    match.oPerm.push_back(llvm::find(oDims, i) - oDims.begin());
  if (failed(matchMasks(st->maskLeaf, lin)) || failed(matchSinks()))
    return failure();

  match.split = split;
  collectLeaves();
  // Anything the chain reads beyond Q, K, V and the mask stays put; the
  // scores and probabilities must be used by the chain only.
  if (failed(checkUsers()))
    return failure();
  succeededMatch = true;
  return success();
}

/// What score modifications `terms` hold, named for the remark.
void describeMods(const Match &m, raw_ostream &os) {
  auto has = [](Sym *s, auto &&self, SymKind k) -> bool {
    return s->kind == k ||
           llvm::any_of(s->ops, [&](Sym *o) { return self(o, self, k); });
  };
  SmallVector<StringRef> score;
  for (auto [t, c] : m.scoreTerms) {
    if (has(t, has, SymKind::Tanh))
      score.push_back("soft-cap (tanh)");
    else if (containsSym(t, m.qk))
      score.push_back("score function");
    else if (has(t, has, SymKind::Extract))
      score.push_back("gathered bias table");
    else if (has(t, has, SymKind::IntToFloat))
      score.push_back("position bias");
    else
      score.push_back("bias tensor");
  }
  if (!score.empty())
    os << "score_mod (" << llvm::join(score, ", ") << "), ";
  SmallVector<StringRef> mask;
  for (auto [c, keepWhen] : m.maskConds)
    mask.push_back(has(c, has, SymKind::Leaf) || has(c, has, SymKind::Extract)
                       ? "mask of gathered values"
                       : "mask of positions");
  if (!mask.empty())
    os << "mask_mod (" << llvm::join(mask, ", ") << "), ";
  if (m.sinks)
    os << "sinks, ";
}

std::string describe(const Match &m) {
  std::string s = "fused attention: ";
  llvm::raw_string_ostream os(s);
  if (m.causal)
    os << "causal, ";
  if (m.mask)
    os << "mask, ";
  describeMods(m, os);
  os << "scale " << llvm::format("%g", m.scale);
  if (m.group != 1)
    os << ", GQA " << m.group;
  return s;
}

DenseI64ArrayAttr permAttr(OpBuilder &b, ArrayRef<int64_t> perm) {
  for (auto [i, p] : llvm::enumerate(perm))
    if (static_cast<int64_t>(i) != p)
      return b.getDenseI64ArrayAttr(perm);
  return nullptr;
}

/// A single-use consumer of the attention output that the fused op can
/// absorb: a transpose (folded into output_perm) or an elementwise truncation
/// to f16/bf16 (the op accumulates in f32 and writes the narrow type).
/// Returns the consumer's init and updates `oPerm` (stored -> logical).
Operation *absorbableEpilogue(Value result, SmallVectorImpl<int64_t> &oPerm) {
  if (!result.hasOneUse())
    return nullptr;
  Operation *user = *result.getUsers().begin();
  auto permuted = [&](ArrayRef<int64_t> srcOfDst) {
    SmallVector<int64_t> p;
    for (int64_t src : srcOfDst)
      p.push_back(oPerm[src]);
    oPerm.assign(p.begin(), p.end());
  };
  if (auto tr = dyn_cast<linalg::TransposeOp>(user)) {
    if (!tr.hasPureTensorSemantics() || tr.getInput() != result)
      return nullptr;
    permuted(tr.getPermutation()); // result dim i = input dim perm[i]
    return tr;
  }
  auto generic = dyn_cast<linalg::GenericOp>(user);
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() != 0 ||
      generic.getDpsInputOperand(0)->get() != result)
    return nullptr;
  AffineMap inMap = generic.getIndexingMapsArray()[0];
  AffineMap outMap = generic.getIndexingMapsArray()[1];
  if (!outMap.isIdentity() || !inMap.isPermutation())
    return nullptr;
  Block *body = generic.getBlock();
  Value yielded = body->getTerminator()->getOperand(0);
  Value arg = body->getArgument(0);
  Type outElem = getElementTypeOrSelf(generic.getResult(0).getType());
  if (yielded != arg) {
    auto trunc = yielded.getDefiningOp<arith::TruncFOp>();
    if (!trunc || trunc.getIn() != arg ||
        !isa<Float16Type, BFloat16Type>(outElem))
      return nullptr;
  }
  if (body->getOperations().size() > 2)
    return nullptr;
  // Input dim j is read at loop (= result dim) inMap(j): result dim i is
  // input dim inMap^-1(i).
  SmallVector<int64_t> srcOfDst(inMap.getNumResults());
  for (auto [j, e] : llvm::enumerate(inMap.getResults()))
    srcOfDst[cast<AffineDimExpr>(e).getPosition()] = j;
  permuted(srcOfDst);
  return generic;
}

/// The i1 keep-mask of `pred` over `mask`'s own shape (the tensor itself when
/// it is an i1 kept where true).
Value materializeKeepMask(PatternRewriter &rewriter, Location loc, Value mask,
                          const MaskPredicate &pred) {
  if (!pred.ipred && !pred.fpred && pred.keepWhen)
    return mask;
  auto ty = cast<RankedTensorType>(mask.getType());
  Type i1 = rewriter.getI1Type();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, mask);
  Value init = tensor::EmptyOp::create(rewriter, loc, sizes, i1);
  AffineMap id = rewriter.getMultiDimIdentityMap(ty.getRank());
  SmallVector<utils::IteratorType> iters(ty.getRank(),
                                         utils::IteratorType::parallel);
  auto gen = linalg::GenericOp::create(
      rewriter, loc, RankedTensorType::get(ty.getShape(), i1), mask, init,
      ArrayRef<AffineMap>{id, id}, iters,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value x = args[0], keep = x;
        Type elem = x.getType();
        if (pred.fpred || pred.ipred) {
          Value c = pred.fpred
                        ? arith::ConstantOp::create(
                              b, l, b.getFloatAttr(elem, pred.value))
                              .getResult()
                        : arith::ConstantOp::create(
                              b, l, b.getIntegerAttr(elem, (int64_t)pred.value))
                              .getResult();
          Value lhs = pred.leafFirst ? x : c, rhs = pred.leafFirst ? c : x;
          keep = pred.fpred ? arith::CmpFOp::create(b, l, *pred.fpred, lhs, rhs)
                                  .getResult()
                            : arith::CmpIOp::create(b, l, *pred.ipred, lhs, rhs)
                                  .getResult();
        }
        if (!pred.keepWhen)
          keep = arith::XOrIOp::create(
              b, l, keep, arith::ConstantOp::create(b, l, b.getBoolAttr(true)));
        linalg::YieldOp::create(b, l, keep);
      });
  return gen.getResult(0);
}

/// The mask operand: the matched mask tensor, or a·mask + b computed in f32
/// by an elementwise generic over the mask's own (broadcastable) shape.
Value materializeMask(PatternRewriter &rewriter, Location loc, const Match &m) {
  if (m.maskPredicate)
    return materializeKeepMask(rewriter, loc, m.mask, *m.maskPredicate);
  // Named, not a structured binding: the body builder captures them (C++17).
  double a = m.maskAffine.first, b = m.maskAffine.second;
  if (!m.mask || (a == 1.0 && b == 0.0))
    return m.mask;
  auto ty = cast<RankedTensorType>(m.mask.getType());
  Type f32 = rewriter.getF32Type();
  auto outTy = RankedTensorType::get(ty.getShape(), f32);
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(rewriter, loc, m.mask);
  Value init = tensor::EmptyOp::create(rewriter, loc, sizes, f32);
  AffineMap id = rewriter.getMultiDimIdentityMap(ty.getRank());
  SmallVector<utils::IteratorType> iters(ty.getRank(),
                                         utils::IteratorType::parallel);
  auto gen = linalg::GenericOp::create(
      rewriter, loc, outTy, m.mask, init, ArrayRef<AffineMap>{id, id}, iters,
      [&](OpBuilder &b2, Location l, ValueRange args) {
        Value x = args[0];
        if (x.getType() != f32)
          x = arith::ExtFOp::create(b2, l, f32, x);
        Value ca = arith::ConstantOp::create(b2, l, b2.getF32FloatAttr(a));
        Value cb = arith::ConstantOp::create(b2, l, b2.getF32FloatAttr(b));
        Value y = arith::MulFOp::create(b2, l, x, ca);
        linalg::YieldOp::create(
            b2, l, ValueRange{arith::AddFOp::create(b2, l, y, cb)});
      });
  return gen.getResult(0);
}

/// The ops after the anchor that the fused op replaces: with a split, the
/// expand_shape back to the expanded shape first, then single-use transposes
/// and the final truncation. Returns the last one (or the anchor).
Operation *collectEpilogue(linalg::LinalgOp anchor, Match &m,
                           SmallVectorImpl<Operation *> &epilogue) {
  Operation *last = anchor;
  if (m.split) {
    // A transpose of the collapsed result permutes collapsed dims: look
    // further only once the result is back in the expanded shape.
    tensor::ExpandShapeOp ex = consumerExpand(anchor);
    if (!ex || ex.getReassociationIndices() != m.split->re ||
        !llvm::equal(ex.getResultType().getShape(), m.split->shape))
      return last;
    while (linalg::GenericOp t = elementwiseTruncUser(last->getResult(0))) {
      epilogue.push_back(t);
      last = t;
    }
    epilogue.push_back(ex);
    last = ex;
  }
  while (Operation *next = absorbableEpilogue(last->getResult(0), m.oPerm)) {
    epilogue.push_back(next);
    last = next;
  }
  return last;
}

/// The fused op's destination: the init of the last absorbed op with one,
/// else the anchor's (expanded to the split's shape). The op overwrites its
/// output, so a fill of the accumulator is dropped.
Value outputInit(PatternRewriter &rewriter, linalg::LinalgOp anchor,
                 const Match &m, ArrayRef<Operation *> epilogue) {
  Value init = anchor.getDpsInitOperand(0)->get();
  // With a split, inits before the expand_shape are in the collapsed shape.
  bool collapsed = m.split.has_value(), initCollapsed = collapsed;
  for (Operation *op : epilogue) {
    if (isa<tensor::ExpandShapeOp>(op))
      collapsed = false;
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(op)) {
      init = dps.getDpsInitOperand(0)->get();
      initCollapsed = collapsed;
    }
  }
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    init = fill.getOutputs()[0];
  if (initCollapsed) {
    auto ty = cast<RankedTensorType>(init.getType());
    init = tensor::ExpandShapeOp::create(
        rewriter, anchor.getLoc(),
        RankedTensorType::get(m.split->shape, ty.getElementType()), init,
        m.split->re);
  }
  return init;
}

/// Emits a score modification found by the matcher as IR in a region of
/// the fused op: floats in f32, positions as `index`, the score as the
/// region's score argument.
class ModEmitter {
public:
  ModEmitter(OpBuilder &b, Location loc, const Match &m, ValueRange indices,
             Value score)
      : b(b), loc(loc), m(m), score(score) {
    for (auto [d, v] : llvm::zip(m.indexDims, indices))
      if (d >= 0)
        dims[d] = v;
  }
  /// The value of `s` as an f32, an i1, or an integer or index (index for
  /// positions); each expression is emitted once.
  Value emitF(Sym *s) {
    return cached(s, 0, [&] { return emitFImpl(s); });
  }
  Value emitB(Sym *s) {
    return cached(s, 1, [&] { return emitBImpl(s); });
  }
  Value emitI(Sym *s) {
    return cached(s, 2, [&] { return emitIImpl(s); });
  }

private:
  Value cached(Sym *s, int how, function_ref<Value()> emit) {
    auto key = std::make_pair(s, how);
    if (Value v = cache.lookup(key))
      return v;
    Value v = emit();
    cache[key] = v;
    return v;
  }
  Value emitFImpl(Sym *s);
  Value emitBImpl(Sym *s);
  Value emitFBinary(Sym *s);
  Value emitIImpl(Sym *s);
  Value cst(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value toIndex(Value v) {
    return v.getType().isIndex()
               ? v
               : arith::IndexCastOp::create(b, loc, b.getIndexType(), v)
                     .getResult();
  }
  Value toF32(Value v) {
    auto ft = cast<FloatType>(v.getType());
    if (ft.isF32())
      return v;
    if (ft.getWidth() < 32)
      return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return arith::TruncFOp::create(b, loc, b.getF32Type(), v);
  }
  Value affine(AffineExpr e);
  Value read(Sym *s);
  Value scoreTimes(double factor) {
    double r = factor * m.qkProd / m.scale;
    return r == 1.0 ? score : arith::MulFOp::create(b, loc, score, cst(r));
  }

  OpBuilder &b;
  Location loc;
  const Match &m;
  Value score;
  DenseMap<unsigned, Value> dims;
  DenseMap<std::pair<Sym *, int>, Value> cache;
};

Value ModEmitter::affine(AffineExpr e) {
  unsigned numDims = m.evaluator->getNumDims();
  Value any = dims.begin()->second;
  SmallVector<Value> dimValues(numDims, any);
  for (auto [d, v] : dims)
    dimValues[d] = v;
  // Sizes of dynamic dims are read in the region, only those `e` uses.
  SmallVector<Value> symValues;
  for (auto [i, source] : llvm::enumerate(m.evaluator->getSymbolSources()))
    symValues.push_back(
        e.isFunctionOfSymbol(i)
            ? tensor::DimOp::create(b, loc, source.first, source.second)
                  .getResult()
            : any);
  return affine::expandAffineExpr(b, loc, e, dimValues, symValues);
}

/// A tensor element (a leaf at its affine index, or a gather).
Value ModEmitter::read(Sym *s) {
  SmallVector<Value> idx;
  if (s->kind == SymKind::Leaf)
    for (AffineExpr e : s->idx)
      idx.push_back(affine(e));
  else
    for (Sym *o : s->ops)
      idx.push_back(toIndex(emitI(o)));
  return tensor::ExtractOp::create(b, loc, s->tensor, idx);
}

Value ModEmitter::emitIImpl(Sym *s) {
  switch (s->kind) {
  case SymKind::Index:
    return affine(s->idx[0]);
  case SymKind::Leaf:
  case SymKind::Extract:
    return read(s);
  case SymKind::Select: {
    Value a = emitI(s->ops[1]), c = emitI(s->ops[2]);
    if (a.getType() != c.getType()) {
      a = toIndex(a);
      c = toIndex(c);
    }
    return arith::SelectOp::create(b, loc, emitB(s->ops[0]), a, c);
  }
  case SymKind::IntOp: {
    Value a = emitI(s->ops[0]), c = emitI(s->ops[1]);
    if (a.getType() != c.getType()) {
      a = toIndex(a);
      c = toIndex(c);
    }
    OperationState st(loc, s->origOp->getName());
    st.addOperands({a, c});
    st.addTypes(a.getType());
    return b.create(st)->getResult(0);
  }
  default:
    llvm_unreachable("not an integer expression");
  }
}

Value ModEmitter::emitBImpl(Sym *s) {
  switch (s->kind) {
  case SymKind::Const:
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(s->value != 0.0));
  case SymKind::Leaf:
  case SymKind::Extract:
    return read(s);
  case SymKind::Not: {
    Value x = emitB(s->ops[0]);
    Value t = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    return arith::XOrIOp::create(b, loc, x, t);
  }
  case SymKind::And: {
    Value x = emitB(s->ops[0]), y = emitB(s->ops[1]);
    return arith::AndIOp::create(b, loc, x, y);
  }
  case SymKind::Or: {
    Value x = emitB(s->ops[0]), y = emitB(s->ops[1]);
    return arith::OrIOp::create(b, loc, x, y);
  }
  case SymKind::CmpF: {
    Value x = emitF(s->ops[0]), y = emitF(s->ops[1]);
    return arith::CmpFOp::create(b, loc, s->fpred, x, y);
  }
  case SymKind::Cmp: {
    Value x = emitI(s->ops[0]), y = emitI(s->ops[1]);
    if (x.getType() != y.getType()) {
      x = toIndex(x);
      y = toIndex(y);
    }
    return arith::CmpIOp::create(b, loc, s->pred, x, y);
  }
  case SymKind::Select: {
    Value c = emitB(s->ops[0]), x = emitB(s->ops[1]), y = emitB(s->ops[2]);
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  default:
    llvm_unreachable("not a boolean expression");
  }
}

Value ModEmitter::emitFImpl(Sym *s) {
  if (m.qk && symEqual(s, m.qk, DenseMap<unsigned, unsigned>()))
    return scoreTimes(1.0);
  if (std::optional<double> c = constValue(s))
    return cst(*c);
  switch (s->kind) {
  case SymKind::Cast:
    return emitF(s->ops[0]);
  case SymKind::Leaf:
  case SymKind::Extract:
    return toF32(read(s));
  case SymKind::Neg:
    return arith::NegFOp::create(b, loc, emitF(s->ops[0]));
  case SymKind::Tanh:
    return math::TanhOp::create(b, loc, emitF(s->ops[0]));
  case SymKind::BoolToFloat:
    return arith::UIToFPOp::create(b, loc, b.getF32Type(), emitB(s->ops[0]));
  case SymKind::IntToFloat: {
    Value i = emitI(s->ops[0]);
    if (i.getType().isIndex())
      i = arith::IndexCastOp::create(b, loc, b.getI64Type(), i);
    if (isa<arith::UIToFPOp>(s->origOp))
      return arith::UIToFPOp::create(b, loc, b.getF32Type(), i);
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), i);
  }
  case SymKind::Select: {
    Value c = emitB(s->ops[0]), x = emitF(s->ops[1]), y = emitF(s->ops[2]);
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  case SymKind::Mul:
  case SymKind::Div:
    // The score times a constant is the scaled score the region gets.
    for (int i = 0; i < 2; ++i) {
      std::optional<double> c = constValue(s->ops[1 - i]);
      if (!c || stripCasts(s->ops[i]) != m.qk ||
          (s->kind == SymKind::Div && i == 1))
        continue;
      return scoreTimes(s->kind == SymKind::Mul ? *c : 1.0 / *c);
    }
    [[fallthrough]];
  case SymKind::Add:
  case SymKind::Sub:
    return emitFBinary(s);
  default:
    llvm_unreachable("not a float expression of a score modification");
  }
}

/// `s`'s two float operands, in order, and its arithmetic op. (Operands are
/// emitted in statements of their own: as arguments of one call their ops
/// would be created in an order that differs between compilers.)
Value ModEmitter::emitFBinary(Sym *s) {
  Value x = emitF(s->ops[0]), y = emitF(s->ops[1]);
  switch (s->kind) {
  case SymKind::Mul:
    return arith::MulFOp::create(b, loc, x, y);
  case SymKind::Div:
    return arith::DivFOp::create(b, loc, x, y);
  case SymKind::Add:
    return arith::AddFOp::create(b, loc, x, y);
  default:
    return arith::SubFOp::create(b, loc, x, y);
  }
}

/// Fills the score_mod and mask_mod regions of `op` from the match.
void buildModRegions(PatternRewriter &rewriter, AttentionOp op,
                     const Match &m) {
  OpBuilder::InsertionGuard guard(rewriter);
  Location loc = op.getLoc();
  Type f32 = rewriter.getF32Type(), index = rewriter.getIndexType();
  SmallVector<Type> indexTypes(m.indexDims.size(), index);
  SmallVector<Location> locs(m.indexDims.size() + 1, loc);
  if (!m.scoreTerms.empty()) {
    SmallVector<Type> types{f32};
    llvm::append_range(types, indexTypes);
    Block *block = rewriter.createBlock(&op.getScoreMod(), {}, types, locs);
    ModEmitter em(rewriter, loc, m, block->getArguments().drop_front(),
                  block->getArgument(0));
    Value x = m.plainScore ? block->getArgument(0) : Value();
    for (auto [t, c] : m.scoreTerms) {
      Value v = em.emitF(t);
      if (c != 1.0)
        v = arith::MulFOp::create(
            rewriter, loc, v,
            arith::ConstantOp::create(rewriter, loc,
                                      rewriter.getF32FloatAttr(c)));
      x = x ? arith::AddFOp::create(rewriter, loc, x, v).getResult() : v;
    }
    YieldOp::create(rewriter, loc, x);
  }
  if (!m.maskConds.empty()) {
    Block *block = rewriter.createBlock(&op.getMaskMod(), {}, indexTypes,
                                        ArrayRef(locs).drop_front());
    ModEmitter em(rewriter, loc, m, block->getArguments(), Value());
    Value keep;
    for (auto [cond, keepWhen] : m.maskConds) {
      Value k = em.emitB(cond);
      if (!keepWhen)
        k = arith::XOrIOp::create(
            rewriter, loc, k,
            arith::ConstantOp::create(rewriter, loc,
                                      rewriter.getBoolAttr(true)));
      keep =
          keep ? arith::AndIOp::create(rewriter, loc, keep, k).getResult() : k;
    }
    YieldOp::create(rewriter, loc, keep);
  }
}

/// The sinks operand: the matched tensor, collapsed to [Hq].
Value sinksOperand(PatternRewriter &rewriter, Location loc, Value sinks) {
  auto ty = cast<RankedTensorType>(sinks.getType());
  if (ty.getRank() == 1)
    return sinks;
  SmallVector<ReassociationIndices> re{
      llvm::to_vector(llvm::seq<int64_t>(0, ty.getRank()))};
  return tensor::CollapseShapeOp::create(rewriter, loc, sinks, re);
}

/// `t` read through the collapse `re` (the operand the chain read), or `t`.
Value recollapse(PatternRewriter &rewriter, Location loc, Value t,
                 ArrayRef<ReassociationIndices> re) {
  return re.empty() ? t
                    : tensor::CollapseShapeOp::create(rewriter, loc, t, re)
                          .getResult();
}

/// `t` (rank 2) with a unit head dim in front; `perm` shifted to match.
Value addUnitHead(PatternRewriter &rewriter, Location loc, Value t,
                  SmallVectorImpl<int64_t> &perm) {
  auto ty = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> shape{1};
  llvm::append_range(shape, ty.getShape());
  SmallVector<int64_t> p{0};
  for (int64_t x : perm)
    p.push_back(x + 1);
  perm.assign(p.begin(), p.end());
  SmallVector<ReassociationIndices> re{{0, 1}, {2}};
  return tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get(shape, ty.getElementType()), t, re);
}

/// The Q, K, V and output operands of the fused op.
struct FusedOperands {
  Value query, key, value, init;
  /// Single-head 2-D attention: each operand got a unit head dim in front.
  bool unitHead = false;
};

/// Q, K and V re-collapsed as the chain read them and, for single-head 2-D
/// attention, given a unit head dim (as is `init`; `m`'s permutations
/// shifted to match).
FusedOperands buildOperands(PatternRewriter &rewriter, Location loc, Match &m,
                            Value init) {
  FusedOperands ops;
  ops.query = recollapse(rewriter, loc, m.query, m.qRe);
  ops.key = recollapse(rewriter, loc, m.key, m.kRe);
  ops.value = recollapse(rewriter, loc, m.value, m.vRe);
  ops.init = init;
  ops.unitHead = cast<RankedTensorType>(ops.query.getType()).getRank() == 2;
  if (ops.unitHead) {
    ops.query = addUnitHead(rewriter, loc, ops.query, m.qPerm);
    ops.key = addUnitHead(rewriter, loc, ops.key, m.kPerm);
    ops.value = addUnitHead(rewriter, loc, ops.value, m.vPerm);
    ops.init = addUnitHead(rewriter, loc, ops.init, m.oPerm);
  }
  return ops;
}

/// The attn.attention op of `m` on `operands`: mask, sinks, score-mod
/// regions and layout permutations.
AttentionOp buildAttention(PatternRewriter &rewriter, Location loc,
                           const Match &m, const FusedOperands &operands) {
  Value mask = materializeMask(rewriter, loc, m);
  auto op = AttentionOp::create(rewriter, loc, operands.query, operands.key,
                                operands.value, mask, operands.init, m.scale,
                                m.causal);
  if (m.sinks)
    op.getSinksMutable().assign(sinksOperand(rewriter, loc, m.sinks));
  buildModRegions(rewriter, op, m);
  if (DenseI64ArrayAttr a = permAttr(rewriter, m.qPerm))
    op.setQueryPermAttr(a);
  if (DenseI64ArrayAttr a = permAttr(rewriter, m.kPerm))
    op.setKeyPermAttr(a);
  if (DenseI64ArrayAttr a = permAttr(rewriter, m.vPerm))
    op.setValuePermAttr(a);
  if (DenseI64ArrayAttr a = permAttr(rewriter, m.oPerm))
    op.setOutputPermAttr(a);
  return op;
}

struct FuseAttention : OpInterfaceRewritePattern<linalg::LinalgOp> {
  FuseAttention(MLIRContext *ctx, bool remarks)
      : OpInterfaceRewritePattern(ctx), remarks(remarks) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp anchor,
                                PatternRewriter &rewriter) const override {
    AttentionMatcher matcher = AttentionMatcher::matchAny(anchor);
    if (!matcher.succeededMatch)
      return rewriter.notifyMatchFailure(anchor, matcher.reason);
    Match m = matcher.match;
    Location loc = anchor.getLoc();
    // Fold single-use transposes and the final truncation into the op.
    SmallVector<Operation *> epilogue;
    Operation *last = collectEpilogue(anchor, m, epilogue);
    // The epilogue's init may be created after the anchor.
    rewriter.setInsertionPoint(last);
    Value init = outputInit(rewriter, anchor, m, epilogue);
    FusedOperands operands = buildOperands(rewriter, loc, m, init);
    AttentionOp op = buildAttention(rewriter, loc, m, operands);
    if (remarks)
      anchor->emitRemark(describe(m));
    Value result = op->getResult(0);
    if (m.split && last == anchor.getOperation())
      result =
          tensor::CollapseShapeOp::create(rewriter, loc, result, m.split->re);
    if (operands.unitHead)
      result = tensor::CollapseShapeOp::create(
          rewriter, loc, last->getResult(0).getType(), result,
          SmallVector<ReassociationIndices>{{0, 1}, {2}});
    rewriter.replaceOp(last, result);
    for (Operation *dead : llvm::reverse(epilogue))
      if (dead != last && dead->use_empty())
        rewriter.eraseOp(dead);
    if (last != anchor.getOperation() && anchor->use_empty())
      rewriter.eraseOp(anchor);
    return success();
  }

  bool remarks;
};

struct AttnFusePass : public attn::impl::AttnFuseBase<AttnFusePass> {
  using AttnFuseBase::AttnFuseBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateAttnFusePatterns(patterns, emitRemarks);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (!emitRemarks)
      return;
    // Near misses are reported once, after fusion has settled.
    getOperation()->walk([](linalg::LinalgOp op) {
      AttentionMatcher matcher = AttentionMatcher::matchAny(op);
      if (!matcher.succeededMatch && matcher.isNearMiss)
        op->emitRemark("not fused: ") << matcher.reason;
    });
  }
};

} // namespace

void mlir::attn::populateAttnFusePatterns(RewritePatternSet &patterns,
                                          bool emitRemarks) {
  patterns.add<FuseAttention>(patterns.getContext(), emitRemarks);
}
