//===- KernelBuilder.h - shorthands of the GPU kernel emitters --*- C++ -*-===//
//
// The integer/float arithmetic, quad reductions and layout indexing that both
// attention kernel emitters (--convert-attn-to-gpu, --convert-attn-to-gpu-sm90)
// build their kernels from. Every op is created at `loc` through `b`.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_COMMON_KERNELBUILDER_H
#define ATTN_LIB_CONVERSION_COMMON_KERNELBUILDER_H

#include "Common/Launch.h"
#include "Common/ScoreMods.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir {
namespace attn {

/// Both kernels address every operand with the head dim as the innermost
/// stored dimension.
inline bool hasInnermostHeadDim(AttentionOp op) {
  int64_t headDim = op.getNumBatchDims() + 2;
  // The permutations are temporaries: use each within the full expression
  // (ArrayRefs to them kept across a loop dangled, ASan found).
  auto innermost = [&](ArrayRef<int64_t> perm) {
    return perm.back() == headDim;
  };
  return innermost(op.getQueryPermutation()) &&
         innermost(op.getKeyPermutation()) &&
         innermost(op.getValuePermutation()) &&
         innermost(op.getOutputPermutation());
}

class KernelBuilder {
protected:
  KernelBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value idx(int64_t c) { return arith::ConstantIndexOp::create(b, loc, c); }
  Value f32Cst(float c) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(c));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value divu(Value x, int64_t c) {
    return arith::DivUIOp::create(b, loc, x, idx(c));
  }
  Value remu(Value x, int64_t c) {
    return arith::RemUIOp::create(b, loc, x, idx(c));
  }
  Value divu(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value remu(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  /// x / y and x % y of grid-sized indices (tiles, blocks, heads: below
  /// 2^31) as 32-bit divisions. A 64-bit one compiles to a 32-bit fast path
  /// plus a long 64-bit slow path, whose registers a persistent kernel's
  /// tile loop paid for in spills.
  Value divuGrid(Value x, Value y) {
    return gridDivision<arith::DivUIOp>(x, y);
  }
  Value remuGrid(Value x, Value y) {
    return gridDivision<arith::RemUIOp>(x, y);
  }
  template <typename OpTy> Value gridDivision(Value x, Value y) {
    Type i32 = b.getI32Type();
    auto narrow = [&](Value v) {
      return arith::IndexCastUIOp::create(b, loc, i32, v).getResult();
    };
    Value r = OpTy::create(b, loc, narrow(x), narrow(y));
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), r);
  }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value fmax(Value x, Value y) {
    return arith::MaxNumFOp::create(b, loc, x, y);
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }

  /// Max or sum of `x` over the 4 lanes of a quad (the threads that share an
  /// mma/wgmma accumulator row).
  Value quadReduce(Value x, bool isMax) {
    for (int32_t off : {1, 2}) {
      Value other = gpu::ShuffleOp::create(b, loc, x, off, /*width=*/32,
                                           gpu::ShuffleMode::XOR)
                        .getShuffleResult();
      x = isMax ? fmax(x, other) : fadd(x, other);
    }
    return x;
  }

  /// Size of logical dim `ld` of a memref stored with `perm`.
  Value logicalDim(Value mem, ArrayRef<int64_t> perm, int64_t ld) {
    return createLogicalDim(b, loc, mem, perm, ld);
  }
  /// Stored-order indices of the logical (batchIdx..., head, row, col).
  SmallVector<Value> storedIndices(ArrayRef<int64_t> perm, Value head,
                                   Value row, Value col) {
    SmallVector<Value> logical(batchIdx);
    logical.append({head, row, col});
    SmallVector<Value> stored;
    for (int64_t p : perm)
      stored.push_back(logical[p]);
    return stored;
  }

  /// What a thread block works on: blockIdx.y enumerates (batch..., query
  /// head), head fastest; sets `batchIdx`. GQA: query head h reads key/value
  /// head h / (Hq / Hkv).
  struct BlockHeads {
    Value sq, sk, headQ, headKV;
  };
  BlockHeads decodeBlockHeads(Value blockIdY, Value q, ArrayRef<int64_t> qPerm,
                              Value k, ArrayRef<int64_t> kPerm, int64_t nb) {
    Value hq = logicalDim(q, qPerm, nb);
    Value hkv = logicalDim(k, kPerm, nb);
    BlockHeads r;
    r.sq = logicalDim(q, qPerm, nb + 1);
    r.sk = logicalDim(k, kPerm, nb + 1);
    r.headQ = remuGrid(blockIdY, hq);
    Value rest = divuGrid(blockIdY, hq);
    batchIdx.assign(nb, Value());
    for (int64_t i = nb - 1; i > 0; --i) {
      Value size = logicalDim(q, qPerm, i);
      batchIdx[i] = remuGrid(rest, size);
      rest = divuGrid(rest, size);
    }
    // blockIdY < batch... · Hq: what is left for the outermost batch dim is
    // its index (a division fewer, which a persistent kernel pays per tile).
    if (nb > 0)
      batchIdx[0] = rest;
    r.headKV = divuGrid(r.headQ, divuGrid(hq, hkv));
    return r;
  }

  /// The K/V blocks of `blockKV` keys a block of queries [q0, q0 + blockQ)
  /// of head `headQ` visits: `count` blocks from block `first`. Blocks past
  /// the causal diagonal of its last row are left out, and with mask_mod
  /// so are the blocks at either end that it drops for every row (a sliding
  /// window's, a chunk's); `first` is null (block 0) without mask_mod.
  struct KeyBlocks {
    Value first, count;
  };
  KeyBlocks visitedKeyBlocks(Value q0, int64_t blockQ, int64_t blockKV,
                             std::optional<Value> causalOffset, Value headQ,
                             Value sq, Value sk, const KernelScoreMods &mods) {
    Value kvEnd = sk;
    if (causalOffset) {
      Value lastVisible = add(add(q0, idx(blockQ)), *causalOffset);
      lastVisible = arith::MaxSIOp::create(b, loc, lastVisible, idx(0));
      kvEnd = arith::MinSIOp::create(b, loc, kvEnd, lastVisible);
    }
    Value count = divu(add(kvEnd, idx(blockKV - 1)), blockKV);
    if (!mods.maskMod)
      return {Value(), count};
    SmallVector<Value> heads(batchIdx);
    heads.push_back(headQ);
    Value rowEnd = arith::MinSIOp::create(b, loc, add(q0, idx(blockQ)), sq);
    auto [first, end] =
        mods.visibleBlocks(b, loc, heads, q0, rowEnd, count, blockKV, sk);
    return {first, sub(end, first)};
  }

  /// Stores `value`, the lse of query row `row` of head `headQ`, from the
  /// first thread of each quad (the four threads that hold the row).
  void storeRowLse(Value lse, Value value, Value lane, Value headQ, Value row) {
    auto ifOp = scf::IfOp::create(
        b, loc, TypeRange{},
        cmp(arith::CmpIPredicate::eq, remu(lane, 4), idx(0)), false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    SmallVector<Value> indices(batchIdx);
    indices.append({headQ, row});
    memref::StoreOp::create(b, loc, value, lse, indices);
  }

  OpBuilder &b;
  Location loc;
  /// The block's batch indices, set by the emitter.
  SmallVector<Value> batchIdx;
};

} // namespace attn
} // namespace mlir

#endif // ATTN_LIB_CONVERSION_COMMON_KERNELBUILDER_H
