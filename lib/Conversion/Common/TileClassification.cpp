//===- TileClassification.cpp - mask_mod over tiles of scores -------------===//
//
// What a mask may do in a tile of (query row, key) pairs, evaluated in the
// kernel at run time by interval arithmetic over the mask_mod region (see
// KernelScoreMods::classifyTile), the block summaries that bound gathered
// integers, and the scan for the key blocks a block of queries visits.
//
//===----------------------------------------------------------------------===//

#include "ScoreMods.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::attn;

/// An integer of `type` at its signed minimum or maximum.
static Value signedLimit(OpBuilder &b, Location loc, Type type, bool max) {
  unsigned width = type.getIntOrFloatBitWidth();
  APInt v =
      max ? APInt::getSignedMaxValue(width) : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}

// One linalg.generic writes the min and max of each run of kSummaryBlock
// elements along the last dim (a loop per output element).
KernelScoreMods::BlockSummary
KernelScoreMods::summarize(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t rank = type.getRank(), blk = KernelScoreMods::kSummaryBlock;
  Type elemTy = type.getElementType();
  Value n = tensor::DimOp::create(b, loc, tensor, rank - 1);
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<Value> dynSizes;
  for (int64_t d = 0; d + 1 < rank; ++d)
    if (type.isDynamicDim(d))
      dynSizes.push_back(tensor::DimOp::create(b, loc, tensor, d));
  if (type.isDynamicDim(rank - 1))
    dynSizes.push_back(arith::CeilDivUIOp::create(
        b, loc, n, arith::ConstantIndexOp::create(b, loc, blk)));
  else
    shape.back() = llvm::divideCeil(shape.back(), blk);
  Value init = tensor::EmptyOp::create(b, loc, shape, elemTy, dynSizes);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType(), init.getType()}, ValueRange{},
      ValueRange{init, init}, ArrayRef<AffineMap>{id, id},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange) {
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d)
          at.push_back(linalg::IndexOp::create(nb, l, d));
        Value start = arith::MulIOp::create(
            nb, l, at.back(), arith::ConstantIndexOp::create(nb, l, blk));
        Value end = arith::MinSIOp::create(
            nb, l,
            arith::AddIOp::create(nb, l, start,
                                  arith::ConstantIndexOp::create(nb, l, blk)),
            n);
        auto loop = scf::ForOp::create(
            nb, l, start, end, arith::ConstantIndexOp::create(nb, l, 1),
            ValueRange{signedLimit(nb, l, elemTy, true),
                       signedLimit(nb, l, elemTy, false)},
            [&](OpBuilder &lb, Location ll, Value k, ValueRange acc) {
              SmallVector<Value> idx(at.begin(), at.end() - 1);
              idx.push_back(k);
              Value v = tensor::ExtractOp::create(lb, ll, tensor, idx);
              scf::YieldOp::create(
                  lb, ll,
                  ValueRange{arith::MinSIOp::create(lb, ll, acc[0], v),
                             arith::MaxSIOp::create(lb, ll, acc[1], v)});
            });
        linalg::YieldOp::create(nb, l, loop.getResults());
      });
  return {toReadOnlyBuffer(b, loc, generic.getResult(0)),
          toReadOnlyBuffer(b, loc, generic.getResult(1))};
}

namespace {

/// mask_mod evaluated over index intervals: each integer value is a closed
/// interval [lo, hi] (index SSA values), each i1 the pair (may be true, may
/// be false). A value the evaluator does not model has no entry: integers
/// unknown, i1 both possible.
class IntervalEvaluator {
public:
  IntervalEvaluator(OpBuilder &b, Location loc, Region &region,
                    const KernelScoreMods &mods)
      : b(b), loc(loc), region(region), captured(mods.captured),
        summaries(mods.summaries) {}

  void setRange(Value arg, Value lo, Value hi) { ranges[arg] = {lo, hi}; }
  /// (may be true, may be false) of the i1 `region` yields.
  std::pair<Value, Value> run();

private:
  using Range = std::pair<Value, Value>;
  using Truth = std::pair<Value, Value>;

  void visit(Operation *op);
  void visitConstant(arith::ConstantOp c);
  void visitMonotone(Operation *op);
  void visitScaled(Operation *op);
  void visitGather(tensor::ExtractOp extract);
  void visitCmp(arith::CmpIOp cmp);
  void visitLogic(Operation *op);
  // Constants may live above the region (the greedy driver hoists them);
  // other integers from above are exact values, usable in the kernel.
  std::optional<Range> range(Value v) {
    auto it = ranges.find(v);
    if (it != ranges.end())
      return it->second;
    APInt c;
    if (!v.getType().isInteger(1) && matchPattern(v, m_ConstantInt(&c))) {
      Value k = idx(c.getSExtValue());
      return Range{k, k};
    }
    if (v.getType().isIntOrIndex() && !v.getType().isInteger(1) &&
        !region.isAncestor(v.getParentRegion())) {
      Value k = asIndex(v);
      return Range{k, k};
    }
    return std::nullopt;
  }
  Truth truth(Value v) {
    auto it = truths.find(v);
    if (it != truths.end())
      return it->second;
    APInt c;
    if (v.getType().isInteger(1) && matchPattern(v, m_ConstantInt(&c)))
      return {cst(c.getBoolValue()), cst(!c.getBoolValue())};
    return {cst(true), cst(true)};
  }
  Value cst(bool c) { return arith::ConstantIntOp::create(b, loc, c, 1); }
  Value idx(int64_t c) { return arith::ConstantIndexOp::create(b, loc, c); }
  Value asIndex(Value v) {
    if (v.getType().isIndex())
      return v;
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
  }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value ori(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }

  OpBuilder &b;
  Location loc;
  Region &region;
  const DenseMap<Value, Value> &captured;
  const DenseMap<Value, KernelScoreMods::BlockSummary> &summaries;
  DenseMap<Value, Range> ranges;
  DenseMap<Value, Truth> truths;
};

std::pair<Value, Value> IntervalEvaluator::run() {
  Block &body = region.front();
  for (Operation &op : body.without_terminator())
    visit(&op);
  return truth(body.getTerminator()->getOperand(0));
}

void IntervalEvaluator::visit(Operation *op) {
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    return visitConstant(c);
  if (auto cmpOp = dyn_cast<arith::CmpIOp>(op))
    return visitCmp(cmpOp);
  if (isa<arith::AndIOp, arith::OrIOp, arith::XOrIOp>(op) &&
      op->getResult(0).getType().isInteger(1))
    return visitLogic(op);
  // The size of a captured tensor (a sequence length) is exact.
  if (auto dim = dyn_cast<tensor::DimOp>(op)) {
    std::optional<Range> i = range(dim.getIndex());
    if (Value buffer = captured.lookup(dim.getSource()); i && buffer) {
      Value size = memref::DimOp::create(b, loc, buffer, i->first);
      ranges[dim] = {size, size};
    }
    return;
  }
  // Casts between index and wider integers keep the range (indices are far
  // from overflow).
  if (isa<arith::IndexCastOp, arith::ExtSIOp>(op)) {
    if (std::optional<Range> r = range(op->getOperand(0)))
      ranges[op->getResult(0)] = *r;
    return;
  }
  if (isa<arith::AddIOp, arith::SubIOp, arith::MinSIOp, arith::MaxSIOp>(op))
    return visitMonotone(op);
  if (isa<arith::MulIOp, arith::FloorDivSIOp, arith::DivSIOp>(op))
    return visitScaled(op);
  if (auto extract = dyn_cast<tensor::ExtractOp>(op))
    return visitGather(extract);
}

// A gathered element over index ranges: exact leading indices (checked at
// run time; otherwise the element type's whole range) and a range along the
// last dim, bounded by the block summaries it overlaps.
void IntervalEvaluator::visitGather(tensor::ExtractOp extract) {
  auto it = summaries.find(extract.getTensor());
  if (it == summaries.end())
    return;
  SmallVector<Range> dims;
  for (Value i : extract.getIndices()) {
    std::optional<Range> r = range(i);
    if (!r)
      return;
    dims.push_back(*r);
  }
  using P = arith::CmpIPredicate;
  Value exact = cst(true);
  SmallVector<Value> lead;
  for (const Range &r : ArrayRef<Range>(dims).drop_back()) {
    exact = andi(exact, cmp(P::eq, r.first, r.second));
    lead.push_back(r.first);
  }
  Value buffer = captured.lookup(extract.getTensor());
  Value n = memref::DimOp::create(b, loc, buffer, dims.size() - 1);
  Value lo = arith::MaxSIOp::create(b, loc, dims.back().first, idx(0));
  Value hi = arith::MinSIOp::create(b, loc, dims.back().second,
                                    arith::SubIOp::create(b, loc, n, idx(1)));
  Value blk = idx(KernelScoreMods::kSummaryBlock);
  Type elemTy = extract.getType();
  auto loop = scf::ForOp::create(
      b, loc, arith::DivSIOp::create(b, loc, lo, blk),
      arith::AddIOp::create(
          b, loc, arith::FloorDivSIOp::create(b, loc, hi, blk), idx(1)),
      idx(1),
      ValueRange{signedLimit(b, loc, elemTy, true),
                 signedLimit(b, loc, elemTy, false)},
      [&](OpBuilder &lb, Location l, Value k, ValueRange acc) {
        SmallVector<Value> at(lead);
        at.push_back(k);
        Value mn = memref::LoadOp::create(lb, l, it->second.mins, at);
        Value mx = memref::LoadOp::create(lb, l, it->second.maxs, at);
        scf::YieldOp::create(
            lb, l,
            ValueRange{arith::MinSIOp::create(lb, l, acc[0], mn),
                       arith::MaxSIOp::create(lb, l, acc[1], mx)});
      });
  Value mn = asIndex(arith::SelectOp::create(
      b, loc, exact, loop.getResult(0), signedLimit(b, loc, elemTy, false)));
  Value mx = asIndex(arith::SelectOp::create(
      b, loc, exact, loop.getResult(1), signedLimit(b, loc, elemTy, true)));
  ranges[extract] = {mn, mx};
}

void IntervalEvaluator::visitConstant(arith::ConstantOp c) {
  auto attr = dyn_cast<IntegerAttr>(c.getValue());
  if (!attr)
    return;
  if (attr.getType().isInteger(1)) {
    bool v = attr.getValue().getBoolValue();
    truths[c] = {cst(v), cst(!v)};
    return;
  }
  Value v = idx(attr.getValue().getSExtValue());
  ranges[c] = {v, v};
}

// add and min/max are increasing in both operands, sub increasing in the
// first and decreasing in the second.
void IntervalEvaluator::visitMonotone(Operation *op) {
  std::optional<Range> x = range(op->getOperand(0)),
                       y = range(op->getOperand(1));
  if (!x || !y)
    return;
  if (isa<arith::SubIOp>(op)) {
    ranges[op->getResult(0)] = {
        arith::SubIOp::create(b, loc, x->first, y->second),
        arith::SubIOp::create(b, loc, x->second, y->first)};
    return;
  }
  auto both = [&](auto tag) -> Range {
    using OpTy = decltype(tag);
    return {OpTy::create(b, loc, x->first, y->first),
            OpTy::create(b, loc, x->second, y->second)};
  };
  if (isa<arith::AddIOp>(op))
    ranges[op->getResult(0)] = both(arith::AddIOp());
  else if (isa<arith::MinSIOp>(op))
    ranges[op->getResult(0)] = both(arith::MinSIOp());
  else
    ranges[op->getResult(0)] = both(arith::MaxSIOp());
}

// Products and quotients by a positive constant only: those are increasing.
void IntervalEvaluator::visitScaled(Operation *op) {
  APInt c;
  Value x = op->getOperand(0);
  if (!matchPattern(op->getOperand(1), m_ConstantInt(&c))) {
    if (!isa<arith::MulIOp>(op) || !matchPattern(x, m_ConstantInt(&c)))
      return;
    x = op->getOperand(1);
  }
  std::optional<Range> r = range(x);
  if (!r || !c.isStrictlyPositive())
    return;
  Value k = idx(c.getSExtValue());
  auto scaled = [&](auto tag) -> Range {
    using OpTy = decltype(tag);
    return {OpTy::create(b, loc, r->first, k),
            OpTy::create(b, loc, r->second, k)};
  };
  if (isa<arith::MulIOp>(op))
    ranges[op->getResult(0)] = scaled(arith::MulIOp());
  else if (isa<arith::FloorDivSIOp>(op))
    ranges[op->getResult(0)] = scaled(arith::FloorDivSIOp());
  else
    ranges[op->getResult(0)] = scaled(arith::DivSIOp());
}

// x < y may hold iff x.lo < y.hi, and may fail iff x.hi >= y.lo; the other
// orders by symmetry. Unsigned comparisons are not modelled.
void IntervalEvaluator::visitCmp(arith::CmpIOp cmpOp) {
  std::optional<Range> x = range(cmpOp.getLhs()), y = range(cmpOp.getRhs());
  if (!x || !y)
    return;
  using P = arith::CmpIPredicate;
  auto lt = [&](Range p, Range q) -> Truth {
    return {cmp(P::slt, p.first, q.second), cmp(P::sge, p.second, q.first)};
  };
  auto le = [&](Range p, Range q) -> Truth {
    return {cmp(P::sle, p.first, q.second), cmp(P::sgt, p.second, q.first)};
  };
  auto eq = [&](Range p, Range q) -> Truth {
    Value overlap =
        andi(cmp(P::sle, p.first, q.second), cmp(P::sle, q.first, p.second));
    Value single =
        andi(andi(cmp(P::eq, p.first, p.second), cmp(P::eq, q.first, q.second)),
             cmp(P::eq, p.first, q.first));
    return {overlap, arith::XOrIOp::create(b, loc, single, cst(true))};
  };
  Truth t;
  switch (cmpOp.getPredicate()) {
  case P::slt:
    t = lt(*x, *y);
    break;
  case P::sle:
    t = le(*x, *y);
    break;
  case P::sgt:
    t = lt(*y, *x);
    break;
  case P::sge:
    t = le(*y, *x);
    break;
  case P::eq:
    t = eq(*x, *y);
    break;
  case P::ne: {
    Truth e = eq(*x, *y);
    t = {e.second, e.first};
    break;
  }
  default:
    return;
  }
  truths[cmpOp] = t;
}

void IntervalEvaluator::visitLogic(Operation *op) {
  Truth x = truth(op->getOperand(0)), y = truth(op->getOperand(1));
  if (isa<arith::AndIOp>(op)) {
    truths[op->getResult(0)] = {andi(x.first, y.first),
                                ori(x.second, y.second)};
    return;
  }
  if (isa<arith::OrIOp>(op)) {
    truths[op->getResult(0)] = {ori(x.first, y.first),
                                andi(x.second, y.second)};
    return;
  }
  // xor: true when they may differ, false when they may agree.
  Value mayDiffer = ori(andi(x.first, y.second), andi(x.second, y.first));
  Value mayAgree = ori(andi(x.first, y.first), andi(x.second, y.second));
  truths[op->getResult(0)] = {mayDiffer, mayAgree};
}

} // namespace

KernelScoreMods::TileClass
KernelScoreMods::classifyTile(OpBuilder &b, Location loc, ValueRange heads,
                              std::pair<Value, Value> rows,
                              std::pair<Value, Value> keys) const {
  Block &body = maskMod->front();
  IntervalEvaluator eval(b, loc, *maskMod, *this);
  unsigned n = body.getNumArguments();
  for (auto [arg, v] : llvm::zip(body.getArguments().take_front(n - 2), heads))
    eval.setRange(arg, v, v);
  eval.setRange(body.getArgument(n - 2), rows.first, rows.second);
  eval.setRange(body.getArgument(n - 1), keys.first, keys.second);
  auto [mayKeep, mayDrop] = eval.run();
  return TileClass{mayKeep, mayDrop};
}

/// scanBlocks tests a key block per active lane of a warp at a time. A
/// block's classification waits on loads of block summaries, one after the
/// other; lanes wait for theirs together, so a step costs about one block.
/// Tested one block at a time (by every thread alike), the scan was the
/// larger part of a short query block's time under a document mask.
///
/// The first `i` from `from` towards `limit` (exclusive; `step` +1 or -1,
/// testing block i or i - 1) for which `keep` holds, or `limit`. Whole
/// warps must call it (it begins with a warp-wide sync); the lanes active
/// together split the blocks between them and vote, and all get the
/// result.
static Value scanBlocks(OpBuilder &b, Location loc, Value from, Value limit,
                        int64_t step, function_ref<Value(Value)> keep) {
  Type indexTy = b.getIndexType(), i32 = b.getI32Type();
  auto cst = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  auto cst32 = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIntOp::create(nb, loc, i32, v);
  };
  auto inRange = [&](OpBuilder &nb, Value i) -> Value {
    return arith::CmpIOp::create(nb, loc,
                                 step > 0 ? arith::CmpIPredicate::slt
                                          : arith::CmpIPredicate::sgt,
                                 i, limit);
  };
  auto blockAt = [&](OpBuilder &nb, Value i) -> Value {
    return step > 0 ? i : arith::SubIOp::create(nb, loc, i, cst(nb, 1));
  };
  // The number of active lanes below the lowest lane set in `lanes`.
  auto rankOf = [&](OpBuilder &nb, Value active, Value lanes) -> Value {
    Value lowest = arith::AndIOp::create(
        nb, loc, lanes, arith::SubIOp::create(nb, loc, cst32(nb, 0), lanes));
    Value below = arith::AndIOp::create(
        nb, loc, active, arith::SubIOp::create(nb, loc, lowest, cst32(nb, 1)));
    return arith::IndexCastUIOp::create(nb, loc, indexTy,
                                        math::CtPopOp::create(nb, loc, below));
  };
  // Whole warps call it: converge them first (the lanes of a
  // warp-specialized producer run ahead of its issuing lane otherwise).
  NVVM::SyncWarpOp::create(b, loc, cst32(b, -1));
  Value active =
      LLVM::CallIntrinsicOp::create(
          b, loc, i32, b.getStringAttr("llvm.nvvm.activemask"), ValueRange{})
          .getResult(0);
  Value lanes = arith::IndexCastUIOp::create(
      b, loc, indexTy, math::CtPopOp::create(b, loc, active));
  Value laneBit = arith::ShLIOp::create(
      b, loc, cst32(b, 1),
      arith::IndexCastUIOp::create(
          b, loc, i32, gpu::LaneIdOp::create(b, loc, /*upper_bound=*/nullptr)));
  Value rank = rankOf(b, active, laneBit);
  Value stride = arith::MulIOp::create(b, loc, lanes, cst(b, step));
  // The first position of the step at `i` whose block keeps, or `limit`:
  // the lane of rank r tests position i + step * r (past `limit`, the
  // step's first block, which is in range, and votes no).
  auto firstHit = [&](OpBuilder &nb, Value i) -> Value {
    Value pos = arith::AddIOp::create(
        nb, loc, i, arith::MulIOp::create(nb, loc, rank, cst(nb, step)));
    Value valid = inRange(nb, pos);
    Value blk = arith::SelectOp::create(nb, loc, valid, blockAt(nb, pos),
                                        blockAt(nb, i));
    Value kept = arith::AndIOp::create(nb, loc, valid, keep(blk));
    Value votes = NVVM::VoteSyncOp::create(nb, loc, i32, active, kept,
                                           NVVM::VoteSyncKind::ballot);
    Value hitPos = arith::AddIOp::create(
        nb, loc, i,
        arith::MulIOp::create(nb, loc, rankOf(nb, active, votes),
                              cst(nb, step)));
    Value none = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::eq, votes,
                                       cst32(nb, 0));
    return arith::SelectOp::create(nb, loc, none, limit, hitPos);
  };
  auto loop = scf::WhileOp::create(
      b, loc, TypeRange{indexTy, indexTy}, ValueRange{from, limit},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value i = args[0];
        Value live = inRange(nb, i);
        auto ifOp = scf::IfOp::create(nb, l, TypeRange{indexTy}, live,
                                      /*withElseRegion=*/true);
        {
          OpBuilder::InsertionGuard g(nb);
          nb.setInsertionPointToStart(ifOp.thenBlock());
          scf::YieldOp::create(nb, l, firstHit(nb, i));
          nb.setInsertionPointToStart(ifOp.elseBlock());
          scf::YieldOp::create(nb, l, limit);
        }
        Value hit = ifOp.getResult(0);
        Value missed =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, hit, limit);
        scf::ConditionOp::create(nb, l,
                                 arith::AndIOp::create(nb, l, live, missed),
                                 ValueRange{i, hit});
      },
      [&](OpBuilder &nb, Location l, ValueRange args) {
        scf::YieldOp::create(
            nb, l,
            ValueRange{arith::AddIOp::create(nb, l, args[0], stride), args[1]});
      });
  return loop.getResult(1);
}

std::pair<Value, Value>
KernelScoreMods::visibleBlocks(OpBuilder &b, Location loc, ValueRange heads,
                               Value row0, Value rowEnd, Value numBlocks,
                               int64_t blockKV, Value sk) const {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value bkv = arith::ConstantIndexOp::create(b, loc, blockKV);
  Value rowHi = arith::SubIOp::create(b, loc, rowEnd, one);
  auto keep = [&](Value blk) {
    Value k0 = arith::MulIOp::create(b, loc, blk, bkv);
    Value k1 = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, k0, bkv), sk);
    return classifyTile(b, loc, heads, {row0, rowHi},
                        {k0, arith::SubIOp::create(b, loc, k1, one)})
        .mayKeep;
  };
  Value first = scanBlocks(b, loc, arith::ConstantIndexOp::create(b, loc, 0),
                           numBlocks, 1, keep);
  Value end = scanBlocks(b, loc, numBlocks, first, -1, keep);
  return {first, end};
}
