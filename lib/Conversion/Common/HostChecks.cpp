//===- HostChecks.cpp - run-time checks of entry point descriptors --------===//
//
// The descriptors are read raw, through an unrealized cast of each memref to
// its LLVM descriptor struct: memref.extract_strided_metadata would fold the
// offset and the static strides of an identity-layout memref to constants,
// and those are exactly what a caller can get wrong. After func-to-llvm the
// casts cancel against the entry point's own descriptor.
//
//===----------------------------------------------------------------------===//

#include "Common/HostChecks.h"
#include "Common/Launch.h"
#include "Common/ScoreMods.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/STLExtras.h"

#include <string>

using namespace mlir;
using namespace mlir::attn;

namespace {

/// A size: the static value of the type when there is one, else the
/// descriptor's.
struct Dim {
  Value value; // i64
  int64_t fixed = ShapedType::kDynamic;
  bool isStatic() const { return !ShapedType::isDynamic(fixed); }
};

/// The raw fields of one memref descriptor.
struct Descriptor {
  MemRefType type;
  Value address; // the aligned pointer, as i64
  Value offset;
  SmallVector<Value> sizes, strides;
};

class CheckEmitter {
public:
  CheckEmitter(OpBuilder &b, Location loc, Operation *anchor)
      : b(b), loc(loc), i64(b.getI64Type()) {
    module = anchor->getParentOfType<ModuleOp>();
    if (auto fn = anchor->getParentOfType<FunctionOpInterface>())
      for (char c : fn.getName()) {
        if (c == '%')
          prefix += '%'; // the message is a printf format
        prefix += c;
      }
    prefix += ": ";
    anyFailed = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
    declareReportFunction();
  }

  Value cst(int64_t v) { return arith::ConstantIntOp::create(b, loc, i64, v); }

  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value ne(Value x, Value y) { return cmp(arith::CmpIPredicate::ne, x, y); }

  Descriptor read(Value mem) {
    Descriptor d;
    d.type = cast<MemRefType>(mem.getType());
    int64_t rank = d.type.getRank();
    MLIRContext *ctx = b.getContext();
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    SmallVector<Type> fields = {ptrTy, ptrTy, i64};
    if (rank > 0) {
      auto arrTy = LLVM::LLVMArrayType::get(i64, rank);
      fields.append({arrTy, arrTy});
    }
    auto structTy = LLVM::LLVMStructType::getLiteral(ctx, fields);
    Value desc =
        UnrealizedConversionCastOp::create(b, loc, structTy, mem).getResult(0);
    auto field = [&](ArrayRef<int64_t> pos) -> Value {
      return LLVM::ExtractValueOp::create(b, loc, desc, pos);
    };
    d.address = LLVM::PtrToIntOp::create(b, loc, i64, field({1}));
    d.offset = field({2});
    for (int64_t i = 0; i < rank; ++i) {
      d.sizes.push_back(field({3, i}));
      d.strides.push_back(field({4, i}));
    }
    return d;
  }

  Dim dim(const Descriptor &d, int64_t i) {
    int64_t s = d.type.getDimSize(i);
    if (ShapedType::isDynamic(s))
      return {d.sizes[i], s};
    return {cst(s), s};
  }

  /// Where `fail` holds, reports `format` (after "<function>: ", with `x`
  /// and `y` as its %lld arguments) and clears the launch condition.
  void check(Value fail, const std::string &format, Value x = {},
             Value y = {}) {
    auto ifOp = scf::IfOp::create(b, loc, fail, /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      auto haveIf = scf::IfOp::create(b, loc, haveReport,
                                      /*withElseRegion=*/false);
      b.setInsertionPoint(haveIf.thenBlock()->getTerminator());
      Value zero = x && y ? Value() : cst(0);
      LLVM::CallOp::create(
          b, loc, reportFn,
          ValueRange{string(prefix + format), x ? x : zero, y ? y : zero});
    }
    anyFailed = arith::OrIOp::create(b, loc, anyFailed, fail);
  }

  /// `x == ref`, unless both are static (the verifier checked those).
  void checkEqual(Dim x, Dim ref, const std::string &format) {
    if (x.isStatic() && ref.isStatic())
      return;
    check(ne(x.value, ref.value), format, x.value, ref.value);
  }

  /// True (i1) when no size of `d` is 0.
  Value nonEmpty(const Descriptor &d) {
    Value all = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
    for (Value size : d.sizes)
      all = arith::AndIOp::create(b, loc, all, ne(size, cst(0)));
    return all;
  }

  /// Pointer, offset and static sizes of one buffer. With `strided`, a null
  /// pointer, a wrong offset or a misaligned pointer are errors only in a
  /// buffer that holds elements (nothing else is read then).
  void checkBuffer(const Descriptor &d, StringRef name, int64_t align,
                   bool strided = false) {
    std::string n = name.str();
    Value used = strided ? nonEmpty(d) : Value();
    auto ifUsed = [&](Value fail) {
      return used ? arith::AndIOp::create(b, loc, fail, used).getResult()
                  : fail;
    };
    check(ifUsed(cmp(arith::CmpIPredicate::eq, d.address, cst(0))),
          n + " is a null pointer");
    // The type's offset is a static 0: loads and stores ignore the
    // descriptor's (the TMA encoding would not). A general kernel reads a
    // dynamic offset from the descriptor.
    int64_t typeOffset = d.type.getStridesAndOffset().second;
    if (!ShapedType::isDynamic(typeOffset))
      check(ifUsed(ne(d.offset, cst(typeOffset))),
            n + " descriptor has offset %lld; the ABI needs " +
                std::to_string(typeOffset) +
                " (pass the address of the first element as the aligned "
                "pointer)",
            d.offset);
    if (align > 1) {
      int64_t bytes = std::max<int64_t>(1, d.type.getElementTypeBitWidth() / 8);
      Value addr = arith::AddIOp::create(
          b, loc, d.address,
          arith::MulIOp::create(b, loc, d.offset, cst(bytes)));
      Value rem = arith::AndIOp::create(b, loc, addr, cst(align - 1));
      check(ifUsed(ne(rem, cst(0))),
            n + " pointer is not " + std::to_string(align) +
                "-byte aligned (address %% " + std::to_string(align) +
                " is %lld)",
            rem);
    }
    int64_t rank = d.type.getRank();
    for (int64_t i = 0; i < rank; ++i) {
      int64_t s = d.type.getDimSize(i);
      if (!ShapedType::isDynamic(s))
        check(ne(d.sizes[i], cst(s)),
              n + " dim " + std::to_string(i) +
                  " is %lld, the function's type says %lld",
              d.sizes[i], cst(s));
    }
  }

  /// Dense row-major strides. Checked last: sizes first, since a wrong size
  /// also makes the strides look wrong.
  void checkStrides(const Descriptor &d, StringRef name) {
    std::string n = name.str();
    int64_t rank = d.type.getRank();
    // The generated code takes the strides of an identity-layout memref
    // partly from its type (products of static sizes) and partly from the
    // descriptor: only dense row-major ones agree. The stride of a size-1
    // dim multiplies index 0, so any is fine.
    Value expected = cst(1);
    for (int64_t i = rank - 1; i >= 0; --i) {
      Value bad = arith::AndIOp::create(b, loc, ne(d.sizes[i], cst(1)),
                                        ne(d.strides[i], expected));
      check(bad,
            n + " is not a dense row-major buffer: stride of dim " +
                std::to_string(i) + " is %lld, expected %lld",
            d.strides[i], expected);
      if (i > 0)
        expected = arith::MulIOp::create(b, loc, expected, d.sizes[i]);
    }
  }

  /// The strides that the memref type fixes statically (for a general
  /// kernel, which reads the others from the descriptor). The stride of a
  /// size-1 dim multiplies index 0, and an empty buffer is never read.
  void checkStaticStrides(const Descriptor &d, StringRef name) {
    auto [strides, offset] = d.type.getStridesAndOffset();
    Value used = nonEmpty(d);
    for (auto [i, stride] : llvm::enumerate(strides)) {
      if (ShapedType::isDynamic(stride))
        continue;
      Value bad = arith::AndIOp::create(b, loc, ne(d.sizes[i], cst(1)),
                                        ne(d.strides[i], cst(stride)));
      check(arith::AndIOp::create(b, loc, bad, used),
            name.str() + " stride of dim " + std::to_string(i) +
                " is %lld, the function's type says %lld",
            d.strides[i], cst(stride));
    }
  }

  OpBuilder &b;
  Location loc;
  Type i64;
  ModuleOp module;
  std::string prefix;
  Value anyFailed; // i1

  /// True when every check passed.
  Value passed() {
    return arith::XOrIOp::create(
        b, loc, anyFailed,
        arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
  }

private:
  /// Declares the report function extern_weak: an object linked against
  /// another mgpu* runtime (upstream's, or a test's) still links and loads;
  /// there a failing check skips the launch without a message.
  void declareReportFunction() {
    reportFn = module.lookupSymbol<LLVM::LLVMFuncOp>(kReportInvalidArgumentFn);
    if (!reportFn) {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(module.getBody());
      MLIRContext *ctx = b.getContext();
      auto ptrTy = LLVM::LLVMPointerType::get(ctx);
      reportFn = LLVM::LLVMFuncOp::create(
          b, loc, kReportInvalidArgumentFn,
          LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                      {ptrTy, i64, i64}),
          LLVM::Linkage::ExternWeak);
    }
    Value addr = LLVM::AddressOfOp::create(b, loc, reportFn);
    Value null = LLVM::ZeroOp::create(b, loc, addr.getType());
    haveReport =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, addr, null);
  }

  LLVM::LLVMFuncOp reportFn;
  Value haveReport; // i1: the runtime defines the report function

  /// The address of a NUL-terminated constant global holding `text`.
  Value string(const std::string &text) {
    std::string value = text + '\0';
    std::string base =
        "__attn_check_msg_" +
        std::to_string(static_cast<uint64_t>(llvm::hash_value(value)) %
                       1000000000000ull);
    std::string name = base;
    LLVM::GlobalOp global;
    for (int i = 0;; ++i) {
      global = module.lookupSymbol<LLVM::GlobalOp>(name);
      if (!global) {
        if (module.lookupSymbol(name)) { // some other symbol: next name
          name = base + "_" + std::to_string(i);
          continue;
        }
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(module.getBody());
        auto arrTy = LLVM::LLVMArrayType::get(b.getI8Type(), value.size());
        global = LLVM::GlobalOp::create(b, loc, arrTy, /*isConstant=*/true,
                                        LLVM::Linkage::Internal, name,
                                        b.getStringAttr(value));
        break;
      }
      if (auto v = dyn_cast_or_null<StringAttr>(global.getValueOrNull());
          v && v.getValue() == value)
        break;
      name = base + "_" + std::to_string(i);
    }
    return LLVM::AddressOfOp::create(b, loc, global);
  }
};

std::string logicalName(int64_t ld, int64_t nb) {
  if (ld < nb)
    return "batch dim " + std::to_string(ld);
  if (ld == nb)
    return "head count";
  if (ld == nb + 1)
    return "sequence length";
  return "head dim";
}

/// The run-time checks of one attention op's buffers, in the order emit()
/// emits them: each buffer on its own, then the sizes against each other,
/// then the strides (a wrong size also makes the strides look wrong).
class AttentionGuard {
public:
  AttentionGuard(OpBuilder &b, Location loc, AttentionOp op,
                 int64_t pointerAlignment, BufferLayout layout)
      : b(b), loc(loc), c(b, loc, op), nb(op.getNumBatchDims()),
        strided(layout == BufferLayout::Strided),
        pointerAlignment(pointerAlignment),
        hasRegions(op.hasScoreMod() || op.hasMaskMod()),
        qPerm(op.getQueryPermutation()), kPerm(op.getKeyPermutation()),
        vPerm(op.getValuePermutation()), oPerm(op.getOutputPermutation()) {}

  /// Emits every check and returns the scf.if on their conjunction.
  scf::IfOp emit(const AttentionBuffers &buffers) {
    readBuffers(buffers);
    checkBatchDims();
    QKVDims dims = readQKVDims();
    checkKeyValueDims(dims);
    checkHeadGrouping(dims);
    if (hasRegions)
      checkRegionIndexSizes(dims);
    SmallVector<Dim> outRef = checkOutputShape(dims);
    if (dm)
      checkMaskShape(outRef, dims.sk);
    if (dl)
      checkLseShape(outRef);
    checkAllStrides();
    return scf::IfOp::create(b, loc, c.passed(), /*withElseRegion=*/false);
  }

private:
  /// The logical sizes of Q, K and V that the other buffers are checked
  /// against.
  struct QKVDims {
    Dim hq, sq, d, hkv, sk, dv;
  };

  /// Size of logical dim `ld` of a buffer stored with `perm`.
  Dim logical(const Descriptor &d, ArrayRef<int64_t> perm, int64_t ld) {
    return c.dim(d, getStoredPosition(perm, ld));
  }

  /// Reads the descriptors and checks each buffer on its own. Q, K, V and O
  /// are read element by element in a strided kernel: only the element size
  /// matters then.
  void readBuffers(const AttentionBuffers &buffers) {
    dq = c.read(buffers.q);
    dk = c.read(buffers.k);
    dv = c.read(buffers.v);
    dout = c.read(buffers.o);
    for (auto [d, name] : {std::pair<Descriptor *, StringRef>{&dq, "query"},
                           {&dk, "key"},
                           {&dv, "value"},
                           {&dout, "output"}})
      c.checkBuffer(*d, name, strided ? elementAlign(*d) : pointerAlignment,
                    strided);
    if (buffers.mask) {
      dm = c.read(buffers.mask);
      c.checkBuffer(*dm, "mask", elementAlign(*dm), strided);
    }
    if (buffers.lse) {
      dl = c.read(buffers.lse);
      c.checkBuffer(*dl, "lse", elementAlign(*dl), strided);
    }
  }

  /// The alignment a buffer read element by element needs.
  static int64_t elementAlign(const Descriptor &d) {
    return std::max<int64_t>(1, d.type.getElementTypeBitWidth() / 8);
  }

  /// Key and value batch dims against the query's.
  void checkBatchDims() {
    for (int64_t i = 0; i < nb; ++i) {
      std::string n = std::to_string(i);
      Dim qb = logical(dq, qPerm, i);
      c.checkEqual(logical(dk, kPerm, i), qb,
                   "key and query have different batch dim " + n +
                       " (%lld vs %lld)");
      c.checkEqual(logical(dv, vPerm, i), qb,
                   "value and query have different batch dim " + n +
                       " (%lld vs %lld)");
    }
  }

  /// Reads the sizes in a fixed order: the static ones become constants.
  QKVDims readQKVDims() {
    QKVDims dims;
    dims.hq = logical(dq, qPerm, nb);
    dims.sq = logical(dq, qPerm, nb + 1);
    dims.d = logical(dq, qPerm, nb + 2);
    dims.hkv = logical(dk, kPerm, nb);
    dims.sk = logical(dk, kPerm, nb + 1);
    dims.dv = logical(dv, vPerm, nb + 2);
    return dims;
  }

  /// K's head dim against Q's, V's head count and length against K's.
  void checkKeyValueDims(const QKVDims &dims) {
    c.checkEqual(logical(dk, kPerm, nb + 2), dims.d,
                 "key and query have different head dims (%lld vs %lld)");
    Dim vh = logical(dv, vPerm, nb);
    if (!(vh.isStatic() && dims.hkv.isStatic()))
      c.check(c.ne(dims.hkv.value, vh.value),
              "key and value have different head counts (%lld vs %lld)",
              dims.hkv.value, vh.value);
    Dim vs = logical(dv, vPerm, nb + 1);
    if (!(vs.isStatic() && dims.sk.isStatic()))
      c.check(c.ne(dims.sk.value, vs.value),
              "key and value have different sequence lengths (%lld vs %lld)",
              dims.sk.value, vs.value);
  }

  /// GQA: a positive key/value head count that divides the query's.
  void checkHeadGrouping(const QKVDims &dims) {
    if (dims.hq.isStatic() && dims.hkv.isStatic())
      return;
    Value hq = dims.hq.value, hkv = dims.hkv.value;
    Value positive = c.cmp(arith::CmpIPredicate::sgt, hkv, c.cst(0));
    c.check(c.cmp(arith::CmpIPredicate::sle, hkv, c.cst(0)),
            "key/value head count is %lld, it must be positive", hkv);
    // Never divide by zero (or a negative count): use 1 then.
    Value divisor = arith::SelectOp::create(b, loc, positive, hkv, c.cst(1));
    Value rem = arith::RemUIOp::create(b, loc, hq, divisor);
    Value bad = arith::AndIOp::create(b, loc, positive, c.ne(rem, c.cst(0)));
    c.check(bad,
            "query head count %lld is not a multiple of the key/value head "
            "count %lld",
            hq, hkv);
  }

  /// The sizes score_mod/mask_mod index over (batch dims, Hq, Sq, Sk): the
  /// kernels narrow the regions' index arithmetic to 32 bits for dynamic
  /// ones up to kMaxScoreModDynamicSize.
  void checkRegionIndexSizes(const QKVDims &dims) {
    SmallVector<std::pair<Dim, std::string>> sizes;
    for (int64_t i = 0; i < nb; ++i)
      sizes.push_back(
          {logical(dq, qPerm, i), "batch dim " + std::to_string(i)});
    sizes.append({{dims.hq, "query head count"},
                  {dims.sq, "query sequence length"},
                  {dims.sk, "key sequence length"}});
    for (auto &[size, name] : sizes)
      if (!size.isStatic())
        c.check(c.cmp(arith::CmpIPredicate::sgt, size.value,
                      c.cst(kMaxScoreModDynamicSize)),
                name + " is %lld, above %lld, the largest for which score "
                       "modifications are evaluated",
                size.value, c.cst(kMaxScoreModDynamicSize));
  }

  /// Output: [batch…, Hq, Sq, Dv] in its stored order. Returns that logical
  /// shape, which the mask and lse are checked against.
  SmallVector<Dim> checkOutputShape(const QKVDims &dims) {
    SmallVector<Dim> outRef;
    for (int64_t i = 0; i < nb; ++i)
      outRef.push_back(logical(dq, qPerm, i));
    outRef.append({dims.hq, dims.sq, dims.dv});
    for (int64_t ld = 0; ld < nb + 3; ++ld)
      c.checkEqual(logical(dout, oPerm, ld), outRef[ld],
                   "output " + logicalName(ld, nb) + " is %lld, expected %lld");
    return outRef;
  }

  /// Mask: right-aligned, broadcastable to [batch…, Hq, Sq, Sk].
  void checkMaskShape(ArrayRef<Dim> outRef, Dim sk) {
    SmallVector<Dim> scores(outRef.begin(), outRef.begin() + nb + 2);
    scores.push_back(sk);
    int64_t mRank = dm->type.getRank(), sRank = nb + 3;
    for (int64_t i = 0; i < mRank; ++i) {
      Dim m = c.dim(*dm, i);
      Dim ref = scores[sRank - mRank + i];
      std::string n = std::to_string(i);
      if (m.isStatic()) {
        if (m.fixed != 1)
          c.checkEqual(m, ref, "mask dim " + n + " is %lld, expected %lld");
        continue;
      }
      Value bad = arith::AndIOp::create(b, loc, c.ne(m.value, c.cst(1)),
                                        c.ne(m.value, ref.value));
      c.check(bad,
              "mask dim " + n +
                  " is %lld, it must be 1 or %lld (broadcastable to "
                  "[batch..., Hq, Sq, Sk])",
              m.value, ref.value);
    }
  }

  /// lse: [batch…, Hq, Sq].
  void checkLseShape(ArrayRef<Dim> outRef) {
    for (int64_t ld = 0; ld < nb + 2; ++ld)
      c.checkEqual(c.dim(*dl, ld), outRef[ld],
                   "lse " + logicalName(ld, nb) + " is %lld, expected %lld");
  }

  /// The strides of every buffer: those the type fixes for a strided
  /// kernel, dense row-major ones otherwise.
  void checkAllStrides() {
    SmallVector<std::pair<Descriptor *, StringRef>> all = {
        {&dq, "query"}, {&dk, "key"}, {&dv, "value"}, {&dout, "output"}};
    if (dm)
      all.push_back({&*dm, "mask"});
    if (dl)
      all.push_back({&*dl, "lse"});
    for (auto [d, name] : all) {
      if (strided)
        c.checkStaticStrides(*d, name);
      else
        c.checkStrides(*d, name);
    }
  }

  OpBuilder &b;
  Location loc;
  CheckEmitter c;
  int64_t nb;
  bool strided;
  int64_t pointerAlignment;
  bool hasRegions;
  SmallVector<int64_t> qPerm, kPerm, vPerm, oPerm;
  Descriptor dq, dk, dv, dout;
  std::optional<Descriptor> dm, dl;
};

} // namespace

scf::IfOp mlir::attn::emitGuardedLaunchRegion(OpBuilder &b, Location loc,
                                              AttentionOp op, Value q, Value k,
                                              Value v, Value o, Value mask,
                                              Value lse,
                                              int64_t pointerAlignment,
                                              BufferLayout layout) {
  return AttentionGuard(b, loc, op, pointerAlignment, layout)
      .emit({q, k, v, o, mask, lse});
}

AttentionBuffers mlir::attn::toAttentionBuffers(OpBuilder &b, Location loc,
                                                AttentionOp op) {
  auto toBuffer = [&](Value t, bool readOnly) -> Value {
    if (!t)
      return Value();
    auto ty = cast<RankedTensorType>(t.getType());
    auto memTy = MemRefType::get(ty.getShape(), ty.getElementType());
    return bufferization::ToBufferOp::create(b, loc, memTy, t, readOnly);
  };
  return {toBuffer(op.getQuery(), true), toBuffer(op.getKey(), true),
          toBuffer(op.getValue(), true), toBuffer(op.getOutput(), false),
          toBuffer(op.getMask(), true),  toBuffer(op.getLse(), false)};
}

void mlir::attn::replaceWithAttentionBuffers(RewriterBase &rewriter,
                                             AttentionOp op,
                                             const AttentionBuffers &buffers) {
  Location loc = op.getLoc();
  SmallVector<Value> results = {bufferization::ToTensorOp::create(
      rewriter, loc, op.getOutputType(), buffers.o, /*restrict=*/true,
      /*writable=*/true)};
  if (buffers.lse)
    results.push_back(bufferization::ToTensorOp::create(
        rewriter, loc, op.getLse().getType(), buffers.lse, /*restrict=*/true,
        /*writable=*/true));
  rewriter.replaceOp(op, results);
}
